"""Free text that looks like a patient identifier: refused as a reference or reason, redacted elsewhere.

One list of classes (`CLASSES`), each a name said to the user (`a date`) and a pattern. It serves three
callers: `check_ref` refuses a case reference of any class, the /amend and /void reasons are refused
the same way, and the transcript keeps every message through `redact`, which puts `[date removed]`
(the class without its article) where the identifier was.

The patterns are tuned against clinical answers (`45 years`, `1, 4`, `S11`, `MS`, `18 months`) and the
bot's own read-outs; tests/test_identifiers.py measures both sides.
"""

from __future__ import annotations

import re
from functools import lru_cache

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![a-z])"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:\d{4}|\d{2})(?!\d)"

#: Dates: numeric with one separator used twice (so `1, 4-5.10` is no date), day month year, month day
#: year, year month day. Two-part shapes (`18/12`, `2016.1`) are left alone: too many are not dates.
_DATE = "|".join(
    (
        r"\b\d{1,2}(?P<s1>[-/.])\d{1,2}(?P=s1)" + _YEAR,  # 15/03/1990, 15.03.1990, 15-03-90, 3/15/1990
        r"\b\d{4}(?P<s2>[-/.])\d{1,2}(?P=s2)\d{1,2}(?!\d)",  # 1990-03-15, 1990/03/15
        rf"\b{_DAY}[ -]?(?:of )?{_MONTH}[ ,.-]*{_YEAR}",  # 15 Mar 1990, 15th March 1990, 15MAR1990
        rf"\b{_MONTH}[ -]?{_DAY},?[ -]{_YEAR}",  # March 15, 1990; Mar 15 1990; Mar-15-1990
        rf"\b\d{{4}}[ /-]?{_MONTH}[ /-]?\d{{1,2}}(?!\d)",  # 1990-Mar-15
    )
)

_IPV4 = r"\b(?:\d{1,3}\.){3}\d{1,3}\b"
#: Full or `::`-compressed IPv6 with a leading group; a time (`10:30:00`) has too few groups.
_IPV6 = r"\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}\b)?"

#: A phone number starts with +, 0 or (0 and has at least 9 more digits; option lists use commas.
_PHONE = r"(?:\+\d{1,3}[ -]?|\(0|\b0)(?=(?:[ ()-]{0,2}\d){9})[\d ()-]{8,}\d"

#: A record number: a record label then 5+ digits (MRN12345, RX 123456, hosp no 12345, #45678). Any
#: letters would do, but a reference of letters and five digits (AB12345) is allowed, so the label is
#: what says "record"; letters with six or more digits are refused as a long number anyway.
_LABEL = r"(?:mrn|mr|rx|hn|hosp(?:ital)?|nhs|chi|pid|id|no|num(?:ber)?|ur|urn|pt|chart|rec(?:ord)?|crn|k)"
_RECORD = rf"\b{_LABEL}(?: no| number)?[-:#. ]{{0,2}}\d{{5,}}(?!\d)|#\s?\d{{5,}}(?!\d)"

#: NHS (485 777 3456), US social security (123-45-6789), UK National Insurance (QQ 12 34 56 C).
_NATIONAL = r"\b\d{3}[ -]\d{3}[ -]\d{4}\b|\b\d{3}-\d{2}-\d{4}\b|\b[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d]\b"

_IGNORE = re.IGNORECASE | re.ASCII  # ASCII: only 0-9 are digits, only a-z letters

#: (class, pattern); identifier_kind reports the first class that matches, redact replaces each in turn.
#: The order matters for redaction: an e-mail or URL goes whole before its digits look like a number.
CLASSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an e-mail address", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", _IGNORE)),
    ("a web address", re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)]", _IGNORE)),
    ("an IP address", re.compile(f"{_IPV4}|{_IPV6}", _IGNORE)),
    ("a date", re.compile(_DATE, _IGNORE)),
    ("a national number", re.compile(_NATIONAL, _IGNORE)),
    ("a phone number", re.compile(_PHONE, _IGNORE)),
    ("a record number", re.compile(_RECORD, _IGNORE)),
    ("a long number", re.compile(r"\d{6,}", re.ASCII)),
    # Case-sensitive name: "MS relapse" (multiple sclerosis) or "Mr" alone is no name with a title.
    (
        "a name with a title",
        re.compile(
            r"\b(?:[Mm]rs?|[Mm]s|Miss|Mx|Dr|Prof|Sir|Dame)\.?\s+(?:[A-Z]\.\s*)*[A-Z][A-Za-z'-]+", re.ASCII
        ),
    ),
)

#: A stamp the bot prints in /summary and /show (`2026-11-29 02:28 UTC`): a date with a time of day.
BOT_STAMP = re.compile(r"(\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?: ?UTC|Z)?)", re.ASCII)


def identifier_kind(text: str) -> str | None:
    """The class of identifier `text` seems to contain (`a date`, `a record number`...), or None."""
    for name, pattern in CLASSES:
        if pattern.search(text):
            return name
    return None


def marker(kind: str) -> str:
    """`[date removed]` for `a date`: what the transcript keeps in place of an identifier."""
    return f"[{kind.split(' ', 1)[1]} removed]"


def redact(text: str, keep_stamps: bool = False) -> str:
    """`text` with every identifier replaced by the marker of its class.

    `keep_stamps`: leave the bot's own time stamps (`BOT_STAMP`) as they are; they say when an answer
    was given or a case confirmed, not who the patient is, and a read-out is useless without them.
    """
    if keep_stamps:
        parts = BOT_STAMP.split(text)  # the captured stamps are at the odd places
        return "".join(part if i % 2 else redact(part) for i, part in enumerate(parts))
    return "\n".join(_redact_line(line) for line in text.split("\n"))


@lru_cache(maxsize=4096)
def _redact_line(line: str) -> str:
    """One line redacted. Cached: the bot's prompts repeat the same lines (questions, options, help),
    and every pattern on every line of every prompt cost about 0.3 ms an input."""
    for kind, pattern in CLASSES:
        line = pattern.sub(marker(kind), line)
    return line
