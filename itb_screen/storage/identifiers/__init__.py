"""Patient identifiers in free text: found by Microsoft Presidio's recognizers (`_recognizers`) and
Faker's name lists (`_names`) on normalised text (`_normal`), and redacted before any text is stored.
Any run of whitespace is read as one space, a line break included (`John\\nSmith`, `12   March 1950`):
the span redacted is the one in the text as typed.

The storage layer redacts every free text it keeps (transcript lines, notes, reasons, the audit's
details), so nothing typed reaches the database before this guard has seen it; the dialogue uses
`identifier_kind` to refuse a case reference or a reason and say which class it saw.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from itertools import pairwise

from ._english import english_words
from ._normal import HIDDEN, Flat, flat, normalise, visible
from ._reference import reference_kind

__all__ = [
    "BOT_STAMP",
    "CLASSES",
    "bot_words",
    "clip",
    "english_words",
    "identifier_kind",
    "marker",
    "normalise",
    "redact",
    "reference_kind",
    "visible",
    "warm",
]

#: Every class, most identifying first: where two overlap, the first names the marker.
CLASSES: tuple[str, ...] = (
    "an e-mail address",
    "a web address",
    "an IP address",
    "a national number",
    "a record number",
    "a date",
    "a postcode",
    "a phone number",
    "a street address",
    "a name",
    "a long number",
)

#: A stamp the bot prints in /summary and /show (`2026-11-29 02:28 UTC`): a date with a time of day. The
#: bot's own words keep it: it is the bot's clock, not a patient's date.
BOT_STAMP = re.compile(r"(\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?: ?UTC|Z)?)", re.ASCII)

#: Digit groups apart (`9434 765 919`, `94 34 76 59 19`): read again joined, once every group has two
#: digits or more (`1 2 3`, an answer of three options, is no number).
_GROUPS = re.compile(r"\+?\d{2,}(?:[ .\-/_~\u2010-\u2015\u2212]\d{2,})+")
#: A year and a year, or a year and a number of up to three digits, is not one number: `2018-2019`,
#: `2019/20`, `ITB-2026-07`, `SPAS-2019-007`.
YEARS = re.compile(r"(?:19|20)\d\d[-/ _.~\u2010-\u2015\u2212](?:(?:19|20)\d\d|\d{1,3})")
_LONG = re.compile(r"\d{6,}")
#: A DOI names a paper, not a patient (`doi:10.1111/ner.12447`, the consensus the bot cites).
_DOI = re.compile(r"\b10\.\d{4,9}/[-._;()/:\w]+")


def _spans(text: str, breaks: tuple[int, ...]) -> list[tuple[int, int, str]]:
    from ._names import name_spans
    from ._recognizers import CLASS_OF, found

    spans = [(a, b, CLASS_OF[entity]) for a, b, entity in found(text)]
    spans += [(a, b, "a name") for a, b in name_spans(text, breaks)]
    for group in _GROUPS.finditer(text):
        if YEARS.fullmatch(group.group()):
            continue
        joined = re.sub(r"[^\d+]", "", group.group())
        spans += [(*group.span(), CLASS_OF[entity]) for _a, _b, entity in found(joined)]
        # Over a line break only a number a recognizer knows counts: a list typed a number a line
        # (`10\n20\n30`, `2019\n2020\n2021`) is no long number.
        if _LONG.search(joined) and not any(group.start() < at < group.end() for at in breaks):
            spans.append((*group.span(), "a long number"))
    spans += [(*m.span(), "a long number") for m in _LONG.finditer(text)]
    papers = [m.span() for m in _DOI.finditer(text)]
    return [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in papers)]


def _merged(spans: list[tuple[int, int, str]]) -> tuple[tuple[int, int, str], ...]:
    """(start, end, class) in order, overlapping spans merged into one that takes the class listed
    first (`NHS 943 476 5919`: one national number, label and all)."""
    merged: list[tuple[int, int, str]] = []
    for a, b, kind in sorted(spans):
        if merged and a < merged[-1][1]:
            x, y, other = merged[-1]
            merged[-1] = (x, max(b, y), min(kind, other, key=CLASSES.index))
        else:
            merged.append((a, b, kind))
    return tuple(merged)


@lru_cache(maxsize=4096)
def _classified(text: str, breaks: tuple[int, ...] = ()) -> tuple[tuple[int, int, str], ...]:
    """The identifiers of `text` (its gaps single spaces; `breaks`: those that were line breaks), merged.
    Cached: prompts repeat."""
    return _merged(_spans(text, breaks))


#: How many words either side of a line break are read with it: as many as an identifier has on one side
#: (`Dr A. B. van der` above `Berg`, `+44 (0) 20 7946` above `0958`). Lines are read one by one and the
#: words around each break apart, so that what repeats from prompt to prompt (lines, option lists) is
#: read once and cached; a sixth word would reach the case reference in the bot's question heading, and
#: every recognizer would run again on each answer.
_REACH = 5


def _found(text: str) -> tuple[tuple[int, int, str], ...]:
    """The identifiers of normalised `text` as (start, end, class) in `text`, every gap read as one space:
    each line, then the words around each line break, keeping what crosses it. Where an escape stands for
    a hidden character, the text is read both ways, the escape as nothing and as typed: a backslash typed
    before digits (`\\x943 476 5919`) reads like an escape that would take two of them."""
    found = _found_flat(text, flat(text))
    if HIDDEN.search(text) is None:
        return found
    # The other way: each escape's `\x`/`\u`/`\U` read as a gap, its digits as digits (same length, so
    # what is found lies where it was typed).
    literal = _ESCAPE_MARK.sub("  ", text)
    both = [*found, *_found_flat(literal, flat(literal, hidden=False))]
    return _merged([_whole_escapes(text, span) for span in both])


def _whole_escapes(text: str, span: tuple[int, int, str]) -> tuple[int, int, str]:
    """`span` widened over any escape it cuts, so that no half of one is left beside a marker."""
    a, b, kind = span
    for escape in HIDDEN.finditer(text, max(0, a - 10), min(len(text), b + 10)):
        if escape.start() < a < escape.end():
            a = escape.start()
        if escape.start() < b < escape.end():
            b = escape.end()
    return a, b, kind


_ESCAPE_MARK = re.compile(r"\\[xuU](?=[0-9a-f])")


def _found_flat(text: str, spaced: Flat) -> tuple[tuple[int, int, str], ...]:
    if not spaced.gaps:
        return _classified(text)
    flat_text, spans = spaced.text, []
    for a, b in _lines(spaced):
        spans += [(a + x, a + y, kind) for x, y, kind in _classified(flat_text[a:b])]
    for at in spaced.breaks:
        a = _word_edge(flat_text, at, -_REACH)
        b = _word_edge(flat_text, at, _REACH)
        inner = tuple(p - a for p in spaced.breaks if a <= p < b)
        spans += [(a + x, a + y, k) for x, y, k in _classified(flat_text[a:b], inner) if x < at - a < y]
    return tuple((*spaced.original(a, b), kind) for a, b, kind in _merged(spans))


def _lines(spaced: Flat) -> list[tuple[int, int]]:
    """Where each line of a flat text starts and ends (the spaces that were line breaks left out)."""
    edges = [-1, *spaced.breaks, len(spaced.text)]
    return [(a + 1, b) for a, b in pairwise(edges) if b > a + 1]


def _word_edge(text: str, at: int, words: int) -> int:
    """The start of the `-words`th word before the space at `at`, or the end of the `words`th after it."""
    for _ in range(abs(words)):
        at = text.rfind(" ", 0, at) if words < 0 else text.find(" ", at + 1)
        if at < 0:
            return 0 if words < 0 else len(text)
    return at + 1 if words < 0 else at


def identifier_kind(text: str) -> str | None:
    """The most identifying class `text` seems to contain (`a date`, `a name`...), or None."""
    kinds = [kind for _a, _b, kind in _found(normalise(text))]
    return min(kinds, key=CLASSES.index) if kinds else None


#: The word that opens the bot's question heading (`Case SPAS-014 - question 6 of 18`), kept as a bot's
#: word so that the say-back line above it is read apart: `Saved (Interference): Comfort` then `Case`
#: would be read over the line break as a given name and a surname.
_HEADING = r"(?<![^\n])Case(?= \S+ - question \d+ of \d+)"


@lru_cache(maxsize=64)
def bot_words(members: tuple[str, ...] = ()) -> re.Pattern[str]:
    """What the bot's own words keep: its time stamps, the word `Case` opening its question heading,
    and the names of the team's members (`confirmed by Dr Lee`), which say who did what, not who the
    patient is. One group, as `redact`'s `keep`."""
    names = "".join(f"|(?<!\\w){re.escape(name)}(?!\\w)" for name in sorted(members, key=len, reverse=True))
    return re.compile(f"({BOT_STAMP.pattern[1:-1]}|{_HEADING}{names})", re.ASCII)


_WARMING = threading.Lock()
_warm: list[bool] = []


def warm() -> None:
    """Import Presidio and load the word lists now (about 1.5 s), so that the first message stored by a
    channel that has just started does not wait for them. Once: a second caller (the dialogue's first
    input, while the channel's thread warms) waits for the first rather than doing it again beside it."""
    with _WARMING:
        if not _warm:
            identifier_kind("Warm 1950-03-03 with Jane Smith")
            _warm.append(True)


def marker(kind: str) -> str:
    """`[date removed]` for `a date`: what is kept in place of an identifier."""
    return f"[{kind.split(' ', 1)[1]} removed]"


#: A marker `redact` wrote: text redacted once is redacted again as it is (the engine redacts what the
#: storage layer redacts too), and a second pass must not read a marker's words as an address.
_MARKERS = re.compile("(" + "|".join(re.escape(marker(kind)) for kind in CLASSES) + ")")


def redact(text: str, keep: re.Pattern[str] | None = None) -> str:
    """`text` normalised, each identifier replaced by the marker of its class; a marker already there
    stays as it is.

    `keep`: text matching it is left as it is (the bot's own time stamps in what it says: they tell
    when an answer was given, not who the patient is)."""
    text = normalise(text)
    for kept in (_MARKERS, keep):
        if kept is not None and kept.search(text):
            parts = kept.split(text)  # one group: what it kept is at the odd places
            return "".join(part if i % 2 else redact(part, keep) for i, part in enumerate(parts))
    out, at = [], 0
    for a, b, kind in _found(text):
        out += [text[at:a], marker(kind)]
        at = b
    return "".join(out) + text[at:]


def clip(text: str, limit: int) -> str:
    """At most `limit` characters of redacted `text`, never half an escape or half a marker."""
    if len(text) <= limit:
        return text
    for pattern in (HIDDEN, _MARKERS):
        for whole in pattern.finditer(text, max(0, limit - 30), min(len(text), limit + 30)):
            if whole.start() < limit < whole.end():
                limit = whole.start()
    return text[:limit]
