"""Shared fixtures: the public vignettes of ../shared and helpers to find them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _shared_dir() -> Path:
    """`shared/` beside the checkout (CI lays a copy there), or ITB_SCREEN_SHARED."""
    if os.environ.get("ITB_SCREEN_SHARED"):
        return Path(os.environ["ITB_SCREEN_SHARED"])
    return ROOT.parent / "shared"


SHARED = _shared_dir()
VIGNETTES_FILE = SHARED / "vignettes" / "public.jsonl"


def load_vignettes() -> list[dict]:
    if not VIGNETTES_FILE.exists():
        # The tests must not silently pass without their cases.
        raise FileNotFoundError(f"public vignettes not found at {VIGNETTES_FILE}; set ITB_SCREEN_SHARED")
    return [json.loads(line) for line in VIGNETTES_FILE.read_text().splitlines() if line.strip()]


VIGNETTES = load_vignettes()
VIGNETTE_IDS = [v["id"] for v in VIGNETTES]


@pytest.fixture(params=VIGNETTES, ids=VIGNETTE_IDS)
def vignette(request) -> dict:
    return request.param
