"""Free text that looks like a patient identifier: refused before it can reach the database.

Used for the reasons typed with /amend and /void, the only free text the dialogue keeps. Each pattern
names its class, so the refusal can say what it saw without repeating it.
"""

from __future__ import annotations

import re

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"

#: (class, pattern), tried in order; re.ASCII so that only 0-9 count as digits.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE | re.ASCII))
    for name, pattern in (
        ("an e-mail address", r"[\w.+-]+@[\w-]+\.[\w.-]+"),
        ("a national number", r"\b\d{3}[ -]\d{3}[ -]\d{4}\b"),  # NHS 485 777 3456, US phone shapes
        ("a date", r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b"),
        ("a date", rf"\b\d{{1,2}}(?:st|nd|rd|th)?[ -]?{_MONTH}[ ,-]*\d{{2,4}}\b"),
        ("a date", rf"\b{_MONTH}[ -]?\d{{1,2}}(?:st|nd|rd|th)?,?[ -]\d{{2,4}}\b"),
        ("a phone number", r"(?:\+|\b0)\d[\d ()-]{8,}\d"),
        ("a record number", r"\b[a-z]{1,4}[- ]?\d{5,}\b"),
        ("a long number", r"\d{6,}"),
    )
) + (
    # Case-sensitive, so that "MS relapse" (multiple sclerosis) is not read as "Ms Relapse".
    (
        "a name with a title",
        re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+(?:[A-Z]\.\s*)*[A-Z][A-Za-z'-]+", re.ASCII),
    ),
)


def identifier_kind(text: str) -> str | None:
    """The class of identifier `text` seems to contain (`a date`, `a record number`...), or None."""
    for name, pattern in _PATTERNS:
        if pattern.search(text):
            return name
    return None
