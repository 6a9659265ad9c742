"""Text as the recognizers see it, and as the database keeps it.

An identifier hides behind look-alike characters: full-width or Arabic-Indic digits, a zero-width space
or a soft hyphen inside a number, a full-width `＠`. `normalise` undoes them (Unicode NFKC, every
script's decimal digits to ASCII, invisible characters removed) before any recognizer looks, and the
database keeps the normalised text. Control and bidirectional characters are kept only as visible escapes
(`\\x1b`, `\\u202e`): typed into an answer, they would otherwise rewrite a reviewer's terminal.
"""

from __future__ import annotations

import re
import unicodedata

#: Characters that show nothing yet split a number or a word: zero-width space, joiners, word joiner,
#: byte order mark, soft hyphen, Mongolian vowel separator.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))

#: C0 and C1 controls but newline and tab, DEL, and the bidirectional controls that reorder what is shown.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every control and bidirectional character written as a visible escape."""
    return _UNSAFE.sub(_escape, text)


def _ascii_digit(char: str) -> str:
    value = unicodedata.decimal(char, None)
    return str(value) if value is not None and not char.isascii() else char


def normalise(text: str) -> str:
    """NFKC, every script's decimal digits as ASCII, invisible characters removed, controls escaped."""
    text = unicodedata.normalize("NFKC", visible(text)).translate(_INVISIBLE)
    if text.isascii():
        return text
    return "".join(_ascii_digit(c) if c.isdigit() else c for c in text)
