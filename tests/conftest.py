"""Shared fixtures: the public vignettes of ../shared and helpers to find them; a database, a store and a
dialogue on a real SQLite file in tmp_path (`db_path`, `store`, `dialogue`), for every test file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


#: The project's copies of the spec and the public vignettes, so a clone tests on its own.
DATA = ROOT / "tests" / "data"


def _shared_dir() -> Path | None:
    """The team's `shared/` (ITB_SCREEN_SHARED, else beside the checkout), where the originals live."""
    shared = Path(os.environ.get("ITB_SCREEN_SHARED") or ROOT.parent / "shared")
    return shared if (shared / "screening-spec.md").exists() else None


SHARED = _shared_dir()
#: Prefer the originals; tests/test_data_copies.py fails when the copies drift from them.
SPEC_FILE = (SHARED / "screening-spec.md") if SHARED else DATA / "screening-spec.md"
VIGNETTES_FILE = (SHARED / "vignettes" / "public.jsonl") if SHARED else DATA / "public.jsonl"


def spec_point_order() -> list[str]:
    """The discussion point codes in the order of the spec's table (not the code's)."""
    import re

    return re.findall(r"^\| `(\w+)` \| (?:always|candidate) \|", SPEC_FILE.read_text(), re.M)


def load_vignettes() -> list[dict]:
    return [json.loads(line) for line in VIGNETTES_FILE.read_text().splitlines() if line.strip()]


VIGNETTES = load_vignettes()
VIGNETTE_IDS = [v["id"] for v in VIGNETTES]


@pytest.fixture(params=VIGNETTES, ids=VIGNETTE_IDS)
def vignette(request) -> dict:
    return request.param


# A database on a real file (WAL, synchronous=FULL, as in use), one per test --------------------------
# The imports stay inside the fixtures: a module that breaks fails the tests that use it, not collection.
@pytest.fixture
def db_path(tmp_path) -> Path:
    """Where the test's database file goes (created by the first Store opened on it)."""
    return tmp_path / "itb.db"


@pytest.fixture
def store(db_path):
    """A Store on `db_path`, closed after the test."""
    from itb_screen.storage import Store

    with Store(db_path) as opened:
        yield opened


@pytest.fixture
def dialogue(store):
    """A Dialogue on `store`."""
    from itb_screen.dialogue import Dialogue

    return Dialogue(store)


def outcome(result: dict) -> dict:
    """A stored result (`Result.to_dict()`) in the shape of a vignette's `expected`: what the spec decides."""
    return {
        "recommendation": result["recommendation"],
        "discussion_points": [p["code"] for p in result["discussion_points"]],
        "missing_required": list(result["missing_required"]),
    }
