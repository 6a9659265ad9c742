"""Heads kept outside the database: what the chain must still extend.

A chain in the file cannot show that its last entries were removed, nor, to someone who has the key, that
it was recomputed. A head (the number of the last entry and its MAC) kept elsewhere can: the live chain
must still have that entry with that MAC. `backup` appends the head of each copy it wrote to a log beside
the copies (one JSON object a line: when, the copy, the database, rows, head); `verify --since-backup`
reads it, and `verify --head COUNT:HEX` checks one head given by hand (RFC 6962's signed tree heads,
immudb's and Trillian's client-kept state are the same idea).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ._rows import now

#: Names the heads log (else `itb-screen-heads.log` beside the copies, or beside the database to verify).
HEADS_ENV = "ITB_SCREEN_HEADS_LOG"
HEADS_NAME = "itb-screen-heads.log"

_HEAD = re.compile(r"(\d+):([0-9a-f]{64})")


@dataclass(frozen=True)
class Head:
    """The chain's entry `rows` had MAC `mac`, as `source` saw it (a backup of some day, or --head)."""

    rows: int
    mac: str
    source: str


def parse_head(text: str) -> Head:
    """COUNT:HEX (as `verify` prints the head) as a Head; ValueError when it is not one."""
    found = _HEAD.fullmatch(text.strip().lower())
    if not found or int(found[1]) < 1:
        raise ValueError(f"{text!r} is not a head: COUNT:HEX, as itb-screen verify prints it")
    return Head(int(found[1]), found[2], f"the head {found[1]}:{found[2][:12]}…")


def heads_log(explicit: str | os.PathLike[str] | None, beside: Path) -> Path:
    """The heads log: `explicit`, else ITB_SCREEN_HEADS_LOG, else itb-screen-heads.log in `beside`."""
    return Path(explicit or os.environ.get(HEADS_ENV) or beside / HEADS_NAME)


def record_head(log: Path, copy: Path, source: Path, head: tuple[int, str]) -> None:
    """Append a backup's head to the log, flushed to disk before `backup` says it is done."""
    line = {
        "at": now(),
        "copy": str(copy.resolve()),
        "db": str(source.resolve()),
        "rows": head[0],
        "head": head[1],
    }
    with log.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
        out.flush()
        os.fsync(out.fileno())


def read_heads(log: Path) -> list[Head]:
    """Every head in the log, oldest first (FileNotFoundError without one, ValueError naming a bad line)."""
    heads = []
    for number, text in enumerate(log.read_text(encoding="utf-8").splitlines(), 1):
        if not text.strip():
            continue
        try:
            entry = json.loads(text)
            head = parse_head(f"{entry['rows']}:{entry['head']}")
            source = f"the backup of {str(entry.get('at', '?'))[:19]}"
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError(f"{log} line {number} is not a head: {text[:80]!r}") from None
        heads.append(Head(head.rows, head.mac, source))
    return heads
