"""Storage's time stamps set by a test: every storage module that took `now` from `_rows` is patched, so a
test's clock holds however storage splits its writes between modules."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

import itb_screen.storage  # noqa: F401  (loads every storage module that stamps rows)
from itb_screen.storage import _rows


def set_storage_clock(patch: pytest.MonkeyPatch, clock: Callable[[], str]) -> None:
    """Make `clock` the time of every row storage writes, until `patch` is undone."""
    stamp = _rows.now  # taken first: patching _rows changes what _rows.now is
    for name, module in list(sys.modules.items()):
        if name.startswith("itb_screen.storage") and getattr(module, "now", None) is stamp:
            patch.setattr(module, "now", clock)
