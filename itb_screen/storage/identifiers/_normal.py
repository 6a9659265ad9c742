"""Text as the recognizers see it, and as the database keeps it.

An identifier hides behind look-alike characters: full-width or Arabic-Indic digits, a zero-width space
or a soft hyphen inside a number, a full-width `＠`. `normalise` undoes them (Unicode NFKC, every
script's decimal digits to ASCII, invisible characters removed) before any recognizer looks, and the
database keeps the normalised text. Control and bidirectional characters are kept only as visible escapes
(`\\x1b`, `\\u202e`): typed into an answer, they would otherwise rewrite a reviewer's terminal.

An identifier also hides behind whitespace: a name on two lines, a number wrapped in a pasted letter, a
form's tabs. `flat` reads any run of whitespace (and the escapes of whitespace controls) as one space for
the recognizers, and maps what they find back to the text as typed. The escape of any other control or
bidirectional character it reads as nothing: typed inside a number (`943\u200e476\u200e5919`), it would
otherwise split the number for the recognizers while a reviewer's screen shows it whole.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from typing import NamedTuple

#: Characters that show nothing (or only dress the one before) yet split a number or a word: zero-width
#: space, joiners, word joiner, byte order mark, soft hyphen, Mongolian vowel separator, the variation
#: selectors and the keycap mark of emoji digits (`9️⃣`), the combining grapheme joiner, the Khmer inherent
#: vowels, the Hangul fillers and the blank Braille pattern.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u20e3\u034f\u17b4\u17b5"
        "\u115f\u1160\u3164\uffa0\u2800" + "".join(map(chr, range(0xFE00, 0xFE10))),
    )
)
#: Combining marks on a digit (`9́4́3`): a digit with an accent is still the digit.
_MARKED_DIGIT = re.compile(r"(?<=\d)[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")

#: Shown as escapes (the command line's `cli/_printable.py` escapes the same set on output; a test holds
#: them equal): C0 controls but tab and newline (a carriage return only when no newline follows), DEL, C1,
#: Unicode's format characters (bidirectional controls, tag characters), line and paragraph separators,
#: lone surrogates.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
    "\ud800-\udfff]"
    "|\r(?!\n)"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """`text` with every control and bidirectional character written as a visible escape."""
    return _UNSAFE.sub(_escape, text)


def _ascii_digit(char: str) -> str:
    value = unicodedata.decimal(char, None)
    return str(value) if value is not None and not char.isascii() else char


def normalise(text: str) -> str:
    """Invisible characters removed, NFKC, controls escaped, every script's decimal digits as ASCII."""
    text = visible(unicodedata.normalize("NFKC", text.translate(_INVISIBLE)))
    if text.isascii():
        return text
    return _MARKED_DIGIT.sub("", "".join(_ascii_digit(c) if c.isdigit() else c for c in text))


#: Whitespace as the recognizers read it: any whitespace character, and the escapes `visible` writes for
#: whitespace controls (a lone carriage return, vertical tab, form feed, the information separators,
#: next line, line and paragraph separators).
_WS = r"(?:\s|\\x(?:0[b-d]|1[c-f]|85)|\\u202[89])"
#: The escape `visible` writes for a control or format character that is no whitespace (`\u200e`, `\x07`):
#: read as nothing, as the character itself shows nothing.
HIDDEN = re.compile(r"\\(?:x(?!0[b-d]|1[c-f]|85)[0-9a-f]{2}|u(?!202[89])[0-9a-f]{4}|U[0-9a-f]{8})")
#: A run of whitespace and hidden characters' escapes: one space if it holds any whitespace (`John\nSmith`,
#: `12   March`, `SW1A\t1AA`), nothing if it holds none (`943\u200e476`). A single space is left as it is.
_RUN = re.compile(rf"(?:{_WS}|{HIDDEN.pattern})+")
_WS_RUN = re.compile(rf"{_WS}+")
#: What ends a line, raw or as `visible` escapes it (`str.splitlines`' boundaries).
_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]|\\x(?:0[b-d]|1[c-e]|85)|\\u202[89]")


class Flat(NamedTuple):
    """Normalised text with every gap read as one space, and the way back to the text it came from."""

    text: str
    #: The places in `text` of the spaces that stand for a longer gap, and how many characters the
    #: original has more than `text` up to and including each.
    gaps: tuple[int, ...] = ()
    shifts: tuple[int, ...] = ()
    #: The places in `text` of the spaces that stand for a line break.
    breaks: tuple[int, ...] = ()

    def original(self, start: int, end: int) -> tuple[int, int]:
        """Where `text[start:end]` lies in the original text, without the spaces at either end: a gap
        there (`AB 12 34 56` and the space after it) stays as it was typed, or as its escape."""
        while start < end and self.text[start] == " ":
            start += 1
        while end > start and self.text[end - 1] == " ":
            end -= 1
        return self._at(start), self._at(end - 1) + 1

    def _at(self, place: int) -> int:
        before = bisect.bisect_left(self.gaps, place)  # the gaps before `place`
        return place + (self.shifts[before - 1] if before else 0)


def flat(text: str, hidden: bool = True) -> Flat:
    """`text` with each gap but a single space read as one space (`John\\nSmith` is `John Smith`), and
    each hidden character's escape read as nothing (`943\\u200e476` is `943476`); with `hidden` false,
    an escape is read as the text it is."""
    gaps: list[int] = []
    shifts: list[int] = []
    breaks: list[int] = []
    out: list[str] = []
    at = shift = size = 0
    for run in (_RUN if hidden else _WS_RUN).finditer(text):
        found = run.group()
        if found == " ":
            continue
        out.append(text[at : run.start()])
        size += run.start() - at
        at = run.end()
        if not hidden or HIDDEN.sub("", found):  # whitespace in it: one space
            gaps.append(size)
            if _BREAK.search(found):
                breaks.append(size)
            out.append(" ")
            size += 1
            shift += len(found) - 1
        else:  # nothing but hidden characters: read as nothing; what follows maps past them
            gaps.append(size - 1)
            shift += len(found)
        shifts.append(shift)
    if not gaps:
        return Flat(text)
    return Flat("".join(out) + text[at:], tuple(gaps), tuple(shifts), tuple(breaks))
