"""`verify`: the keyed chain recomputed from its first entry, the cases against their chained values, the
append-only triggers, and the chain against heads kept elsewhere (`_anchors.py`).

What each finding means:

* an entry whose MAC does not match: its row was altered, or an entry before it was removed, added or
  moved (each MAC covers the one before it);
* an entry whose row is gone: the row was deleted; a row with no entry: it was added by hand; a row with
  two entries, or an entry naming a table that is not chained: the chain itself was edited;
* a case whose reference, owner or status differs from its last `case_changes` row, a case with none,
  or one gone: the `cases` table was edited;
* a head (entry number and MAC, from a backup's log or `--head`) that the chain no longer has: its tail
  was removed or the history up to it was rewritten, with the key (the only thing the key cannot hide).
"""

from __future__ import annotations

import hmac
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ._anchors import Head
from ._chain import CHAINED, TRIGGERS, mac

#: The tables whose rows belong to a case (their case_id is the first content column).
_OF_A_CASE = ("answers", "results", "case_events", "case_changes")
#: The rows `verified: N cases, M rows` counts: the history of the cases and the audit log.
_HISTORY = ("answers", "results", "case_events", "audit")


@dataclass(frozen=True)
class Problem:
    """One sign of tampering: where (table, row, case) and what."""

    table: str
    row_id: int | None
    case_id: int | None
    what: str


@dataclass
class Verification:
    """What `verify` found: the cases and history rows checked, the chain's head, every problem, and the
    heads it was checked against."""

    cases: int = 0
    rows: int = 0
    #: The chain's last entry: how many there are (its number) and its MAC.
    head: tuple[int, str] = (0, "")
    problems: list[Problem] = field(default_factory=list)
    #: Case id -> reference, to name the cases of the problems.
    refs: dict[int, str] = field(default_factory=dict)
    anchors: list[Head] = field(default_factory=list)

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


class _Rows:
    """Every chained row's content, by table and id, and whether an entry has claimed it."""

    def __init__(self, conn: sqlite3.Connection, found: Verification) -> None:
        self.rows: dict[str, dict[Any, tuple[Any, ...]]] = {}
        for table, columns in CHAINED.items():
            query = f"SELECT id, {', '.join(columns)} FROM {table} ORDER BY id"
            try:
                self.rows[table] = {r[0]: tuple(r[1:]) for r in conn.execute(query)}
            except sqlite3.OperationalError as error:  # the table dropped, or a column
                self.rows[table] = {}
                found.problems.append(Problem(table, None, None, f"cannot be read: {error}"))
        self.seen: dict[tuple[str, Any], int] = {}

    def case_of(self, table: str, row_id: Any) -> int | None:
        row = self.rows.get(table, {}).get(row_id)
        return int(row[0]) if table in _OF_A_CASE and row is not None and row[0] is not None else None


def _check_entry(entry: Sequence[Any], prev: str, key: bytes, rows: _Rows) -> Problem | None:
    """One chain entry against its row (None when its MAC matches)."""
    seq, table, row_id, stored = entry
    if table not in rows.rows:
        return Problem("chain", seq, None, f"names {table!r}, which is not chained (the chain was edited)")
    case = rows.case_of(table, row_id)
    if (table, row_id) in rows.seen:
        first = rows.seen[(table, row_id)]
        return Problem(
            table, row_id, case, f"chained twice (entries {first} and {seq}): the chain was edited"
        )
    rows.seen[(table, row_id)] = seq
    values = rows.rows[table].get(row_id)
    if values is None:
        return Problem(table, row_id, None, f"removed (chained as entry {seq}, no longer in the table)")
    if not hmac.compare_digest(mac(key, prev, table, row_id, values), str(stored)):
        what = f"altered, or a row before it removed, added or moved (entry {seq}: its MAC does not match)"
        return Problem(table, row_id, case, what)
    return None


def _check_chain(conn: sqlite3.Connection, key: bytes, rows: _Rows, found: Verification) -> None:
    """Every entry in order, each MAC recomputed from the stored one before it (so one altered row is
    one problem, not every row after it); then every row with no entry."""
    prev, expected, matched, problems = "", 1, 0, []
    entries = conn.execute("SELECT seq, tbl, row_id, mac FROM chain ORDER BY seq").fetchall()
    for entry in entries:
        if entry[0] != expected:
            gone = f"entries {expected} to {entry[0] - 1}" if entry[0] > expected + 1 else f"entry {expected}"
            problems.append(Problem("chain", entry[0], None, f"{gone} removed before it"))
        problem = _check_entry(entry, prev, key, rows)
        matched += problem is None
        problems += [problem] if problem else []
        prev, expected = str(entry[3]), entry[0] + 1
    if entries and not matched:
        what = "no entry verifies with this key: it is not this database's key, or every row was rewritten"
        problems = [Problem("chain", None, None, what)]
    found.problems += problems
    found.head = (int(entries[-1][0]), str(entries[-1][3])) if entries else (0, "")
    for table, by_id in rows.rows.items():
        for row_id in by_id:
            if (table, row_id) not in rows.seen:
                found.problems.append(
                    Problem(table, row_id, rows.case_of(table, row_id), "not in the chain (added by hand)")
                )


def _check_cases(conn: sqlite3.Connection, rows: _Rows, found: Verification) -> None:
    """Each case's reference, owner and status must be those of its last `case_changes` row."""
    chained: dict[int, tuple[Any, ...]] = {}
    for values in rows.rows["case_changes"].values():  # in id order: the last one stays
        chained[values[0]] = values[1:4]
    for case_id, *current in conn.execute("SELECT id, ref, user_id, status FROM cases ORDER BY id"):
        was = chained.pop(case_id, None)
        if was is None:
            found.problems.append(Problem("cases", case_id, case_id, "not in the chain (added by hand)"))
        elif tuple(current) != tuple(was):
            what = (
                f"its reference, owner or status is not the chained one (ref {was[0]}, owner {was[1]}, "
                f"status {was[2]})"
            )
            found.problems.append(Problem("cases", case_id, case_id, what))
    for case_id, was in chained.items():
        found.problems.append(
            Problem("cases", case_id, None, f"case {was[0]} removed (its history is chained)")
        )


def _check_triggers(conn: sqlite3.Connection, found: Verification) -> None:
    present = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
    for name, sql in TRIGGERS.items():
        table = sql.split(" ON ", 1)[1].split()[0]
        if name not in present:
            found.problems.append(Problem(table, None, None, f"trigger {name} missing"))
        elif " ".join(present[name].split()) != sql:
            found.problems.append(Problem(table, None, None, f"trigger {name} changed"))


def _check_anchors(conn: sqlite3.Connection, heads: Sequence[Head], found: Verification) -> None:
    """The chain must extend every head kept elsewhere: its entry of that number has that MAC."""
    for anchor in heads:
        row = conn.execute("SELECT mac FROM chain WHERE seq = ?", (anchor.rows,)).fetchone()
        if row is None:
            what = f"has {found.head[0]} entries, fewer than the {anchor.rows} of {anchor.source}: its tail"
            what += " removed"
            found.problems.append(Problem("chain", None, None, what))
        elif not hmac.compare_digest(str(row[0]), anchor.mac):
            what = f"is not the head of {anchor.source}: the history up to it was rewritten"
            found.problems.append(Problem("chain", anchor.rows, None, what))
    found.anchors = list(heads)


def verify(conn: sqlite3.Connection, key: bytes, heads: Sequence[Head] = ()) -> Verification:
    """Check the whole chain with `key`, the cases, the triggers, and that the chain extends `heads`."""
    found = Verification()
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "chain" not in tables:
        what = "no keyed chain (the file's schema predates it: upgrading the file adds it)"
        found.problems.append(Problem("chain", None, None, what))
        return found
    found.refs = dict(conn.execute("SELECT id, ref FROM cases").fetchall())
    found.cases = len(found.refs)
    found.rows = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _HISTORY)
    rows = _Rows(conn, found)
    _check_chain(conn, key, rows, found)
    _check_cases(conn, rows, found)
    _check_triggers(conn, found)
    _check_anchors(conn, heads, found)
    return found
