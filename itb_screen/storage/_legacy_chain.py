"""The unkeyed chain of schemas 6 to 8, kept only for migration 0006 (migrations are history).

From 0006 to 0008 each row of `answers`, `results` and `case_events` stored `prev_hash` and `hash` =
sha256(prev_hash + the row's content), one chain per case, and the audit log one chain of its own. With
no key, anyone with the file could recompute them, so since 0009 `verify` relies on the keyed chain
(`_chain.py`) alone; the two columns stay (rows stored before keep their values, and the keyed MAC
covers them) and are left empty on rows written since.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from typing import Any, NamedTuple


class Legacy(NamedTuple):
    """A table of the old chain: the column that split it into chains (None: one chain), what was hashed."""

    scope: str | None
    columns: tuple[str, ...]


#: The tables and columns migration 0006 chained (before 0007 and 0008 added columns).
LEGACY: dict[str, Legacy] = {
    "answers": Legacy("case_id", ("case_id", "field", "value", "action", "user_id", "at")),
    "results": Legacy(
        "case_id",
        ("case_id", "recommendation", "criteria_version", "result", "kind", "user_id", "at", "reason"),
    ),
    "case_events": Legacy("case_id", ("case_id", "kind", "reason", "user_id", "at")),
    "audit": Legacy(None, ("at", "channel", "external_id", "event", "detail")),
}


def legacy_hash(prev_hash: str, table: str, values: Sequence[Any]) -> str:
    """sha256 of the previous hash and the row's content as text, as schemas 6 to 8 computed it."""
    content = [table, *(None if v is None else str(v) for v in values)]
    canonical = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def chain_columns(conn: sqlite3.Connection, table: str) -> None:
    """Fill prev_hash and hash of every existing row, in order (what migration 0006 did)."""
    spec = LEGACY[table]
    scope = spec.scope or "NULL"
    rows = conn.execute(
        f"SELECT {scope}, id, {', '.join(spec.columns)} FROM {table} ORDER BY {scope}, id"
    ).fetchall()
    prev: dict[Any, str] = {}
    for key, row_id, *values in rows:
        digest = legacy_hash(prev.get(key, ""), table, values)
        conn.execute(
            f"UPDATE {table} SET prev_hash = ?, hash = ? WHERE id = ?", (prev.get(key, ""), digest, row_id)
        )
        prev[key] = digest
