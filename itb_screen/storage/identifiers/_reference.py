"""A case reference that identifies a patient: read as words (`Mr_Smith`, `JohnSmith`, `March31950`)
after the same normalisation as every text, and refused as a name, a date, a postcode or a number of
five or more digits (`9434-765-919`, separators ignored)."""

from __future__ import annotations

import re

from ._normal import normalise

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
#: A month name run into a day and a year (`March31950`), or a day, a month name and a year
#: (`3March1950`); a clinic's code with a month's letters and a number (`MAR-001`, `MARK-123`) is none.
_RUN_DATE = re.compile(
    rf"(?<![a-z]){_MONTH}[-_. ]?\d{{5,6}}(?!\d)|(?<!\d)\d{{1,2}}[-_. ]?{_MONTH}[-_. ]?\d{{2,4}}(?!\d)", re.I
)
_DIGITS = re.compile(r"\d(?:[-_. ]?\d){4,}")


def reference_kind(ref: str) -> str | None:
    """The class a case reference reads as (`a name`, `a date`, `a postcode`, `a number of five or more
    digits`, or any class the free-text guard finds), or None."""
    from . import YEARS, identifier_kind

    text = normalise(ref)
    spaced = re.sub(r"[-_.]", " ", text)
    kind = identifier_kind(spaced) or identifier_kind(text)
    if kind is not None:
        return kind
    if _RUN_DATE.search(text):
        return "a date"
    if any(not YEARS.fullmatch(m.group()) for m in _DIGITS.finditer(text)):
        return "a number of five or more digits"
    return None
