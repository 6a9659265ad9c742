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
    return "".join(_ascii_digit(c) if c.isdigit() else c for c in text)
