"""Writing a long JSON output item by item: the bytes `json.dumps(..., indent=2)` would give for the whole,
with one item in memory at a time (an export of 100,000 cases built whole took gigabytes).

Each item is dumped on its own and indented to its depth: JSON writes a newline only between the parts of
a container (a newline inside a string is the escape `\\n`), so putting the item's depth before each of its
lines gives what the whole document's dump gives.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import TextIO, TypeVar

T = TypeVar("T")

#: Stands in for the items in the dump of the document around them; no data holds it (json.dumps writes
#: the NUL it begins with as an escape, which no dumped value can contain unescaped).
_SLOT = "\x00items"


def write_json_array(out: TextIO, items: Iterable[object], indent: int = 2) -> int:
    """Write `json.dumps(list(items), indent=indent)` to `out`, dumping each item as it comes; how many."""
    return _write_around(out, [_SLOT], json.dumps([], indent=indent), items, indent)


def write_json_object(
    out: TextIO, head: Mapping[str, object], key: str, items: Iterable[object], indent: int = 2
) -> int:
    """Write `json.dumps({**head, key: list(items)}, indent=indent)` (a FHIR Bundle, its entries the items)
    to `out`, dumping each item as it comes; how many."""
    if key in head:
        raise ValueError(f"{key!r} is both in the head and the items' key")
    empty = json.dumps({**head, key: []}, indent=indent)
    return _write_around(out, {**head, key: [_SLOT]}, empty, items, indent)


def _write_around(out: TextIO, document: object, empty: str, items: Iterable[object], indent: int) -> int:
    # The slot is the document's last value: whatever the head holds comes before it.
    before, _, after = json.dumps(document, indent=indent).rpartition(json.dumps(_SLOT))
    pad = "\n" + before[len(before.rstrip(" ")) :]  # the items' depth
    count = 0
    for count, item in enumerate(items, 1):
        out.write(before if count == 1 else "," + pad)
        out.write(json.dumps(item, indent=indent).replace("\n", pad))
    out.write(after if count else empty)
    return count


def counted(items: Iterable[T], tally: list[int]) -> Iterator[T]:
    """`items`, adding one to `tally[0]` for each as it passes (the cases of an export, whose entries are
    more than one per case)."""
    for item in items:
        tally[0] += 1
        yield item
