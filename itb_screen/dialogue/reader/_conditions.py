"""The ICD-10-CM code of a diagnosis as written: the most specific code among the phrases named."""

from __future__ import annotations

import re
from functools import cache

from ...criteria import CONDITIONS


@cache
def _codes() -> dict[str, str]:
    return {phrase.casefold(): c.code for c in CONDITIONS for phrase in c.phrases}


#: A spinal cord injury's level as notes write it (C5, T6, L1): the code of that part of the cord.
_LEVEL = re.compile(r"^([CTL])(\d{1,2})$", re.IGNORECASE)
_CORD_BY_LEVEL = {"c": "S14.10", "t": "S24.10", "l": "S34.10"}


def icd_code(phrases: list[str], tokens: tuple[str, ...] = (), category: str = "") -> str | None:
    """The longest (most specific) ICD-10-CM code of the phrases, if any names one; for a spinal cord
    injury named without one, the code of the level typed beside it."""
    found = [_codes().get(" ".join(p.casefold().split())) for p in phrases]
    codes = [c for c in found if c]
    if codes:
        return max(codes, key=len)
    if category == "spinal_cord_injury":
        levels = {m.group(1).casefold() for t in tokens if (m := _LEVEL.match(t))}
        if len(levels) == 1:
            return _CORD_BY_LEVEL[levels.pop()]
    return None
