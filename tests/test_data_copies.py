"""The project's copies of the spec and vignettes must equal the team's originals in shared/."""

from __future__ import annotations

import pytest

from .conftest import DATA, SHARED


@pytest.mark.skipif(SHARED is None, reason="no shared/ beside the checkout: the copies are all there is")
@pytest.mark.parametrize(
    "name, original",
    [
        ("screening-spec.md", "screening-spec.md"),
        ("public.jsonl", "vignettes/public.jsonl"),
    ],
)
def test_copy_matches_the_original(name, original):
    assert (DATA / name).read_bytes() == (SHARED / original).read_bytes(), (
        f"tests/data/{name} differs from shared/{original}: copy the new original in"
    )
