"""Tamper evidence: one keyed chain over the whole database, in commit order (issue 17).

Every row that must never change is chained as it is written, by a trigger in the same transaction:
answers, results, case events and the audit log (append-only: other triggers refuse UPDATE and DELETE),
each user's identity (channel, id, when first seen), every change of a case's reference, owner or
status (a `case_changes` row, append-only too, that triggers on `cases` write), and every migration
applied. The `chain` table (append-only) holds one entry per chained row: `seq` (1, 2, ...), the table,
the row's id, and mac = HMAC-SHA-256(key, previous entry's mac + canonical JSON of [table, row id,
content]), the content being the row's values as SQLite stores them (NULL as JSON null, not as text).

The MAC is computed by `itb_mac`, an SQL function each writing connection registers (`attach`) with the
key, which is kept outside the database (`_keyfile.py`): with the file alone nobody can make an entry
that verifies, and a plain `sqlite3` shell cannot even insert into a chained table without dropping its
trigger (which `verify` reports). Removing the last entries leaves a shorter chain that still verifies:
the head (entry number and MAC) is shown by `verify` and kept by `backup` (`_anchors.py`) to compare.
`verify` (`_verify.py`) recomputes the chain from its first entry.

The transcript (`messages`) is not chained: a purge may clear its text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._keyfile import ChainKeyError, find_key, key_path

#: The old unkeyed chain's columns (schemas 6 to 8, `_legacy_chain.py`): covered by the MAC like the rest.
_LEGACY = ("prev_hash", "hash")

#: What `append` writes, per table, in the order its callers give the values (those left out are NULL).
WRITTEN: dict[str, tuple[str, ...]] = {
    "answers": ("case_id", "field", "value", "action", "user_id", "at", "note", "icd10cm"),
    "results": (
        "case_id",
        "recommendation",
        "criteria_version",
        "result",
        "kind",
        "user_id",
        "at",
        "reason",
        "guidance_version",
    ),
    "case_events": ("case_id", "kind", "reason", "user_id", "at", "to_user_id"),
    "audit": ("at", "channel", "external_id", "event", "detail"),
}

#: Columns added to a chained table after the keyed chain began (migration 0011 on), last in what its MAC
#: covers, and covered only once set: the rows chained before they existed keep the content they were
#: chained with (a NULL there is no content), and setting or clearing one later changes the MAC.
ADDED: dict[str, tuple[str, ...]] = {"results": ("guidance_version",)}

#: Every chained table and the columns its MAC covers (the row id is covered too). A column added to a
#: chained table later must leave the content of earlier rows as it was (or they no longer verify): it is
#: declared in ADDED.
CHAINED: dict[str, tuple[str, ...]] = {
    # A user's identity; name, role and the open case change as the bot is used.
    "users": ("channel", "external_id", "created_at"),
    "case_changes": ("case_id", "ref", "user_id", "status", "at"),
    **{
        table: (*(c for c in columns if c not in ADDED.get(table, ())), *_LEGACY, *ADDED.get(table, ()))
        for table, columns in WRITTEN.items()
    },
    "_sqlite_migrations": ("migration_set", "name", "applied_at"),
}

#: How many of each table's last covered columns are ADDED ones (`mac` leaves them out while NULL).
_ADDED_COUNT = {table: len(columns) for table, columns in ADDED.items()}


def covered(table: str, added: bool = True) -> tuple[str, ...]:
    """The columns the MAC of a row of `table` covers; without `added`, those it had before ADDED's
    columns existed (migration 0009 chains an older file's rows before 0011 adds them)."""
    columns = CHAINED[table]
    return columns if added else columns[: len(columns) - _ADDED_COUNT.get(table, 0)]


#: The tables whose rows never change or go (the chain's own included).
APPEND_ONLY = ("answers", "results", "case_events", "audit", "case_changes", "chain")


def trigger_sql(table: str, operation: str) -> str:
    """The trigger that refuses `operation` (UPDATE or DELETE) on `table`, as sqlite_master keeps it."""
    return (
        f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
    )


#: sqlite-utils records the migrations; `ensure_schema` chains them after (`chain_rows`), no trigger.
_MIGRATIONS = "_sqlite_migrations"


def _entry(table: str, row: str, added: bool = True) -> str:
    """The INSERT of the chain entry of one row of `table` (`row`: NEW in a trigger, the table itself in
    `chain_rows`): the next number, and the MAC of the last entry's MAC and this row (`covered`)."""
    values = ", ".join(f"{row}.{column}" for column in covered(table, added))
    return (
        "INSERT INTO chain (seq, tbl, row_id, mac) SELECT (SELECT coalesce(max(seq), 0) + 1 FROM chain), "
        f"'{table}', {row}.id, itb_mac((SELECT mac FROM chain ORDER BY seq DESC LIMIT 1), '{table}', "
        f"{row}.id, {values})"
    )


def chain_trigger(table: str, added: bool = True) -> str:
    """The trigger that chains each row inserted into `table`: one INSERT into `chain`."""
    return f"CREATE TRIGGER {table}_chain AFTER INSERT ON {table} BEGIN {_entry(table, 'NEW', added)}; END"


_CHANGED = "OLD.ref IS NOT NEW.ref OR OLD.user_id IS NOT NEW.user_id OR OLD.status IS NOT NEW.status"


def triggers(added: bool = True) -> dict[str, str]:
    """Every trigger `verify` checks: the append-only ones, the chain's, and those that keep
    `case_changes`; without `added`, the chain's as migration 0009 made them (before ADDED's columns)."""
    return {
        **{f"{t}_no_{op.lower()}": trigger_sql(t, op) for t in APPEND_ONLY for op in ("UPDATE", "DELETE")},
        **{f"{table}_chain": chain_trigger(table, added) for table in CHAINED if table != _MIGRATIONS},
        "cases_created": "CREATE TRIGGER cases_created AFTER INSERT ON cases BEGIN INSERT INTO case_changes "
        "(case_id, ref, user_id, status, at) VALUES (NEW.id, NEW.ref, NEW.user_id, NEW.status, "
        "NEW.created_at); END",
        "cases_changed": "CREATE TRIGGER cases_changed AFTER UPDATE OF ref, user_id, status ON cases WHEN "
        f"{_CHANGED} BEGIN INSERT INTO case_changes (case_id, ref, user_id, status, at) VALUES (NEW.id, "
        "NEW.ref, NEW.user_id, NEW.status, NEW.updated_at); END",
    }


#: The triggers of this schema.
TRIGGERS: dict[str, str] = triggers()


def _blob(value: object) -> object:
    """A BLOB (no writer of ours stores one) as its hex, so that any row can be hashed."""
    if isinstance(value, bytes):
        return {"blob": value.hex()}
    raise TypeError(f"cannot hash {type(value).__name__}")


#: The canonical JSON of a chained row: one encoder for every row (json.dumps with these options made a
#: new one per call, for every row `verify` checks and every row a writer chains).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_blob)


def mac(key: bytes, prev: str, table: str, row_id: Any, values: Sequence[Any]) -> str:
    """HMAC-SHA-256 of the previous entry's mac ("" for the first) and the row's canonical JSON (`values`
    of every column CHAINED names, an ADDED one left out while it and those after it are NULL; or of the
    columns before ADDED's, as migration 0009's trigger and `chain_existing` pass them, all covered)."""
    added = _ADDED_COUNT.get(table)
    if added and len(values) == len(CHAINED[table]):
        values = _set_values(values, added)
    canonical = _CANONICAL.encode([table, row_id, *values])
    return hmac.new(key, prev.encode() + canonical.encode(), hashlib.sha256).hexdigest()


def _set_values(values: Sequence[Any], added: int) -> Sequence[Any]:
    """`values` without the trailing NULLs of its last `added` (ADDED) columns: a row of before them keeps
    its content, and one that sets them covers them (the length tells the two apart)."""
    end, first = len(values), len(values) - added
    while end > first and values[end - 1] is None:
        end -= 1
    return values[:end]


class ChainKey:
    """The key a writing connection chains with, found (or created, before anything is chained) on first
    use and then kept; `sql_mac` is the connection's `itb_mac` SQL function."""

    def __init__(self, db_file: str) -> None:
        self.db_file = db_file
        self.key: bytes | None = None

    def get(self, chained: bool) -> bytes:
        """The key; `chained`: the chain has entries already (a missing key is then never replaced)."""
        if self.key is None:
            # An in-memory database (the schema read by `schema_tables`) keeps nothing: a throwaway key.
            self.key = find_key(Path(self.db_file), chained) if self.db_file else secrets.token_bytes(32)
        return self.key

    def sql_mac(self, prev: str | None, table: str, row_id: int, *values: Any) -> str:
        # Runs inside the INSERT's statement: no SQL here (prev is NULL only for the first entry).
        return mac(self.get(prev is not None), prev or "", table, row_id, values)


def _database_file(conn: sqlite3.Connection) -> str:
    """The file of the connection's main database ("" in memory)."""
    for _, name, file in conn.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return str(file or "")
    return ""


def has_chain(conn: sqlite3.Connection) -> bool:
    """Whether the database has a chain table (schema 9 on)."""
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chain'").fetchone()
    return found is not None


def attach(conn: sqlite3.Connection) -> ChainKey:
    """Give a writing connection `itb_mac` (the chain's triggers call it); the key is found on first use."""
    keyed = ChainKey(_database_file(conn))
    conn.create_function("itb_mac", -1, keyed.sql_mac, deterministic=True)
    return keyed


def append(conn: sqlite3.Connection, table: str, values: Sequence[Any]) -> None:
    """INSERT a row into an append-only table; its trigger chains it in the same statement."""
    columns = WRITTEN[table]
    values = (*values, *[None] * (len(columns) - len(values)))  # columns left out are NULL
    marks = ", ".join("?" * len(columns))
    conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)


def head(conn: sqlite3.Connection) -> tuple[int, str]:
    """The chain's last entry: its number and mac ((0, "") when nothing is chained yet)."""
    row = conn.execute("SELECT seq, mac FROM chain ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "")


def chain_rows(conn: sqlite3.Connection, table: str, added: bool = True) -> None:
    """Chain the rows of `table` that have no entry yet, in id order, as the triggers would have: the
    migrations applied (`ensure_schema`), and every row stored before migration 0009 (`added` False: the
    columns of ADDED are not there yet)."""
    ids = conn.execute(
        f"SELECT id FROM {table} WHERE id NOT IN (SELECT row_id FROM chain WHERE tbl = ?) ORDER BY id",
        (table,),
    ).fetchall()
    statement = f"{_entry(table, table, added)} FROM {table} WHERE id = ?"
    for (row_id,) in ids:
        conn.execute(statement, (row_id,))


def chain_existing(conn: sqlite3.Connection) -> None:
    """Migration 0009: chain every row stored before it, table by table in id order, after a
    `case_changes` row for each case as it stands then. They are only as trustworthy as they were."""
    conn.execute(
        "INSERT INTO case_changes (case_id, ref, user_id, status, at) "
        "SELECT id, ref, user_id, status, updated_at FROM cases ORDER BY id"
    )
    for table in CHAINED:
        chain_rows(conn, table, added=False)


def check_key(conn: sqlite3.Connection, keyed: ChainKey) -> None:
    """Before writing: the key must verify the chain's last entry (ChainKeyError otherwise), so that a
    writer given another key (another ITB_SCREEN_KEY_FILE) never chains rows nobody can verify."""
    last = conn.execute("SELECT seq, tbl, row_id, mac FROM chain ORDER BY seq DESC LIMIT 2").fetchall()
    key = keyed.get(bool(last))
    if not last:
        return
    seq, table, row_id, found = last[0]
    prev = last[1][3] if len(last) > 1 else ""
    values = None
    if table in CHAINED:
        # A writer checks the key before it migrates: an ADDED column may not be there yet (read as NULL).
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        missing = set(ADDED.get(table, ())) - present
        columns = ", ".join("NULL" if c in missing else c for c in CHAINED[table])
        values = conn.execute(f"SELECT {columns} FROM {table} WHERE id = ?", (row_id,)).fetchone()
    if values is None or not hmac.compare_digest(mac(key, prev, table, row_id, values), str(found)):
        raise ChainKeyError(
            f"the key at {key_path(keyed.db_file)} does not verify chain entry {seq} of {keyed.db_file}: it "
            "is not this database's key, or the file was altered (see itb-screen verify)"
        )
