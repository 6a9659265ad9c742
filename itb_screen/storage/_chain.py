"""Tamper evidence for the records of a case (the habit of 21 CFR 11.10(e) audit trails).

`answers`, `results` and `case_events` are hash-chained per case, and the `audit` log as one chain of its
own: each row stores `prev_hash` (the `hash` of the row before it in its chain, "" for the first) and
`hash` = sha256(prev_hash + the row's canonical content). Triggers refuse UPDATE and DELETE on these
tables, so the application cannot rewrite history; the chain shows it when someone with the file does
(dropping a trigger first). The transcript (`messages`) is not chained: a later purge may clear its text.

Limits, by design of a chain kept in the same file: removing the last rows of a chain, or rewriting a
chain's tail and recomputing its hashes, is not detectable without a head hash kept elsewhere (a backup).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Chained(NamedTuple):
    """A chained table: the column that splits it into chains (None: one chain) and what is hashed.

    `added`: columns added after the chain began, hashed only when set, so that older rows keep their hash.
    """

    scope: str | None
    columns: tuple[str, ...]
    added: tuple[str, ...] = ()

    @property
    def stored(self) -> tuple[str, ...]:
        """Every column written and read for the hash, the added ones last."""
        return self.columns + self.added


#: Every chained table and its content columns, in the order they are hashed (the id is not hashed: a row
#: is placed by its chain, and the id is only known after the INSERT).
CHAINED: dict[str, Chained] = {
    "answers": Chained(
        "case_id", ("case_id", "field", "value", "action", "user_id", "at"), ("note", "icd10cm")
    ),
    "results": Chained(
        "case_id",
        ("case_id", "recommendation", "criteria_version", "result", "kind", "user_id", "at", "reason"),
    ),
    "case_events": Chained("case_id", ("case_id", "kind", "reason", "user_id", "at"), ("to_user_id",)),
    "audit": Chained(None, ("at", "channel", "external_id", "event", "detail")),
}


def trigger_sql(table: str, operation: str) -> str:
    """The trigger that refuses `operation` (UPDATE or DELETE) on `table`, as sqlite_master keeps it."""
    return (
        f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
    )


#: Every append-only trigger: its name and its SQL.
TRIGGERS: dict[str, str] = {
    f"{table}_no_{op.lower()}": trigger_sql(table, op) for table in CHAINED for op in ("UPDATE", "DELETE")
}


def row_hash(prev_hash: str, table: str, values: Sequence[Any]) -> str:
    """sha256 of the previous hash and the row's canonical content: the table and every hashed value as
    text (None kept apart), so that a value reads the same whatever SQLite's column affinity made of it."""
    base = len(CHAINED[table].columns)
    kept = [*values[:base], *(v for v in values[base:] if v is not None)]
    content = [table, *(None if v is None else str(v) for v in kept)]
    canonical = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def append(conn: sqlite3.Connection, table: str, values: Sequence[Any]) -> None:
    """INSERT a row into a chained table with its prev_hash and hash: one extra SELECT (the chain's last
    hash). The caller holds a write transaction, so no other writer can slip a row in between."""
    spec = CHAINED[table]
    values = (*values, *[None] * (len(spec.stored) - len(values)))  # added columns left out are NULL
    if spec.scope is None:
        last = conn.execute(f"SELECT hash FROM {table} ORDER BY id DESC LIMIT 1").fetchone()
    else:
        scope = values[spec.columns.index(spec.scope)]
        last = conn.execute(
            f"SELECT hash FROM {table} WHERE id = (SELECT max(id) FROM {table} WHERE {spec.scope} = ?)",
            (scope,),
        ).fetchone()
    prev = (last[0] or "") if last else ""
    names = ", ".join((*spec.stored, "prev_hash", "hash"))
    marks = ", ".join("?" * (len(spec.stored) + 2))
    conn.execute(
        f"INSERT INTO {table} ({names}) VALUES ({marks})", (*values, prev, row_hash(prev, table, values))
    )


def _rows(conn: sqlite3.Connection, table: str, base: bool = False) -> Iterator[tuple[Any, ...]]:
    """(scope, id, prev_hash, hash, *content) of every row, chain by chain, each in insertion order;
    `base`: without the added columns (the migration that began the chains ran before they existed)."""
    spec = CHAINED[table]
    scope = spec.scope or "NULL"
    columns = spec.columns if base else spec.stored
    return iter(
        conn.execute(
            f"SELECT {scope}, id, prev_hash, hash, {', '.join(columns)} FROM {table} ORDER BY {scope}, id"
        )
    )


def chain_columns(conn: sqlite3.Connection, table: str) -> None:
    """Fill prev_hash and hash of every existing row, in order (the migration that adds them)."""
    prev: dict[Any, str] = {}
    for scope, row_id, _, _, *values in list(_rows(conn, table, base=True)):
        digest = row_hash(prev.get(scope, ""), table, values)
        conn.execute(
            f"UPDATE {table} SET prev_hash = ?, hash = ? WHERE id = ?", (prev.get(scope, ""), digest, row_id)
        )
        prev[scope] = digest


@dataclass(frozen=True)
class Problem:
    """One sign of tampering: where (table, row, case) and what."""

    table: str
    row_id: int | None
    case_id: int | None
    what: str


@dataclass
class Verification:
    """What `verify` found: how many cases and chained rows it checked, and every problem."""

    cases: int = 0
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: Case id -> reference, to name the cases of the problems.
    refs: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe(self, problem: Problem) -> str:
        """One line: the case by its reference (or the audit log), the table and row, what is wrong."""
        if problem.case_id is not None:
            who = f"case {self.refs.get(problem.case_id, f'#{problem.case_id}')}"
        else:
            who = "audit log" if problem.table == "audit" else "database"
        where = f"{problem.table} row {problem.row_id}" if problem.row_id is not None else problem.table
        return f"{who}: {where}: {problem.what}"


def _check_table(conn: sqlite3.Connection, table: str, found: Verification) -> None:
    """Recompute one table's chains in order; a row whose hash or link does not match is a problem."""
    case_of = (lambda scope: scope) if CHAINED[table].scope else (lambda scope: None)
    last: dict[Any, str] = {}
    for scope, row_id, prev_hash, digest, *values in _rows(conn, table):
        found.rows += 1
        expected_prev = last.get(scope, "")
        if prev_hash != expected_prev:
            what = "does not follow the row before it (a row removed, added or reordered)"
            found.problems.append(Problem(table, row_id, case_of(scope), what))
        if digest != row_hash(prev_hash or "", table, values):
            found.problems.append(Problem(table, row_id, case_of(scope), "altered (hash does not match)"))
        last[scope] = digest or ""


def _check_triggers(conn: sqlite3.Connection, found: Verification) -> None:
    present = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
    for name, sql in TRIGGERS.items():
        if name not in present:
            found.problems.append(Problem(name.partition("_no_")[0], None, None, f"trigger {name} missing"))
        elif " ".join(present[name].split()) != sql:
            found.problems.append(Problem(name.partition("_no_")[0], None, None, f"trigger {name} changed"))


def verify(conn: sqlite3.Connection) -> Verification:
    """Check every chain (recomputing each hash in order) and that every append-only trigger is there."""
    found = Verification()
    columns = {r[1] for r in conn.execute("PRAGMA table_info(answers)")}
    if "hash" not in columns:
        found.problems.append(Problem("answers", None, None, "no hash chain (the schema predates it)"))
        return found
    found.refs = dict(conn.execute("SELECT id, ref FROM cases").fetchall())
    found.cases = len(found.refs)
    for table in CHAINED:
        _check_table(conn, table, found)
    _check_triggers(conn, found)
    return found
