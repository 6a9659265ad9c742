"""What the command line prints or writes, made safe to show: `printable` and `echo`.

Answers, transcripts, reasons and names are typed by users, some of them strangers to whoever reads the
output: a terminal control sequence typed into an answer (`ESC ] 0; ... BEL` retitles the window, others
move the cursor or rewrite what is on screen) or a right-to-left override (U+202E, which shows `exe.txt`
as `txt.exe`) would act on the reader's terminal or editor instead of being read. Each such character is
shown as a visible escape instead (`\\x1b`, `\\u202e`). JSON output needs none of this: json.dumps escapes
every control and non-ASCII character itself (ensure_ascii), so `printable` leaves it as it is.

Loads nothing but `re` and click: `evaluate` uses it and must start fast.
"""

from __future__ import annotations

import io
import re
from typing import TextIO, cast

import click

#: Characters shown as escapes: C0 controls but tab and newline (a carriage return only when no newline
#: follows it: CSV ends its rows with CRLF), DEL and C1; Unicode's format characters (category Cf: the
#: bidirectional controls U+200E, U+200F, U+202A-U+202E, U+2066-U+2069 and U+061C, the zero-width ones
#: U+200B-U+200D, U+2060 and U+FEFF, the tag characters that can smuggle hidden text); the line and
#: paragraph separators; and lone surrogates, which no UTF-8 stream can write. The storage layer stores
#: the same set as escapes (`storage/identifiers/_normal.py`); tests/test_identifiers.py holds them equal.
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


def printable(text: str) -> str:
    """`text` with every control, bidirectional and invisible format character as a visible escape."""
    return _UNSAFE.sub(_escape, text)


def echo(text: str, nl: bool = True, err: bool = False) -> None:
    """click.echo of `printable(text)`: every line a command prints that may hold what a user typed."""
    click.echo(printable(text), nl=nl, err=err)


class PrintableStream(io.TextIOBase):
    """A text stream that writes `printable` text to another one (the console's standard output)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    @classmethod
    def around(cls, stream: TextIO) -> TextIO:
        """One around `stream`, typed as the TextIO it stands for (its readers write, flush, ask isatty)."""
        return cast(TextIO, cls(stream))

    def write(self, text: str) -> int:
        self.stream.write(printable(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()
