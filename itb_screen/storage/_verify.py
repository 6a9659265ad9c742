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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._anchors import Head
from ._chain import CHAINED, TRIGGERS, mac
from ._connection import read_transaction

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


class _Claims:
    """Which rows of one table chain entries have named, and by which entry: one bit per id for the ids a
    table of its size holds, a dict for any other (an id far out of range, or not an integer, which only
    an edit by hand makes), so that memory does not grow with the history."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.bits = bytearray(top // 8 + 1)
        self.others: dict[Any, int] = {}

    def _bit(self, row_id: Any) -> tuple[Any, int | None]:
        # Rows are matched as a dict of them matched before: 5.0 names row 5.
        key = int(row_id) if isinstance(row_id, float) and row_id.is_integer() else row_id
        return key, key if type(key) is int and 0 <= key < self.top else None

    def claim(self, row_id: Any, seq: int) -> bool:
        """Note that entry `seq` names the row; False when an entry named it before."""
        key, bit = self._bit(row_id)
        if bit is None:
            return self.others.setdefault(key, seq) == seq
        byte, mask = bit // 8, 1 << bit % 8
        if self.bits[byte] & mask:
            return False
        self.bits[byte] |= mask
        return True

    def claimed(self, row_id: Any) -> bool:
        key, bit = self._bit(row_id)
        return key in self.others if bit is None else bool(self.bits[bit // 8] & 1 << bit % 8)


class _Table:
    """One chained table read alongside the chain: its rows in id order, one pass (the chain names each
    table's rows in increasing id order unless it was edited), and a row looked up by id when an entry
    names one behind that pass; the rows' contents are never all held at once. A table that cannot be
    read (dropped, or a column) has no rows."""

    def __init__(self, conn: sqlite3.Connection, table: str, columns: tuple[str, ...], found: Verification):
        self.conn, self.table = conn, table
        self.select = f"SELECT id, {', '.join(columns)} FROM {table}"
        try:
            count, top = conn.execute(f"SELECT count(*), max(id) FROM {table}").fetchone()
            self.rows: Iterator[Any] = iter(conn.execute(f"{self.select} ORDER BY id"))
        except sqlite3.OperationalError as error:
            found.problems.append(Problem(table, None, None, f"cannot be read: {error}"))
            self.readable, self.rows, count, top = False, iter(()), 0, None
        else:
            self.readable = True
        self.next: tuple[Any, ...] | None = next(self.rows, None)
        limit = 8 * (int(count) + 1024)  # an id far beyond the rows' count goes to the dict
        self.claims = _Claims(min(top + 1, limit) if isinstance(top, int) and top > 0 else 0)

    def row(self, row_id: Any) -> tuple[Any, ...] | None:
        """The content of the row `row_id` names (None when there is none), as a dict of the rows gave."""
        if not self.readable:
            return None
        if type(row_id) is int:
            while self.next is not None and self.next[0] < row_id:
                self.next = next(self.rows, None)
            if self.next is not None and self.next[0] == row_id:
                return tuple(self.next[1:])
        found = self.conn.execute(f"{self.select} WHERE id = ?", (row_id,)).fetchone()
        return tuple(found[1:]) if found is not None and found[0] == row_id else None

    def first_claim(self, row_id: Any, before: int) -> int:
        """The entry that named the row first (for the rare row named twice)."""
        found = self.conn.execute(
            "SELECT min(seq) FROM chain WHERE tbl = ? AND row_id = ? AND seq < ?",
            (self.table, row_id, before),
        ).fetchone()
        return int(found[0]) if found and found[0] is not None else before


class _Rows:
    """Every chained table, read alongside the chain (`_Table`)."""

    def __init__(self, conn: sqlite3.Connection, found: Verification) -> None:
        self.conn = conn
        self.tables = {table: _Table(conn, table, columns, found) for table, columns in CHAINED.items()}

    def unclaimed(self) -> Iterator[tuple[str, int, int | None]]:
        """Every row no entry named: (table, id, its case), table by table in id order."""
        for table, reader in self.tables.items():
            if not reader.readable:
                continue
            first = "case_id" if table in _OF_A_CASE else "NULL"
            for row_id, case_id in self.conn.execute(f"SELECT id, {first} FROM {table} ORDER BY id"):
                if not reader.claims.claimed(row_id):
                    yield table, row_id, None if case_id is None else int(case_id)


def _case_of(table: str, values: tuple[Any, ...] | None) -> int | None:
    return int(values[0]) if table in _OF_A_CASE and values is not None and values[0] is not None else None


def _check_entry(entry: Sequence[Any], prev: str, key: bytes, rows: _Rows) -> Problem | None:
    """One chain entry against its row (None when its MAC matches)."""
    seq, table, row_id, stored = entry
    if table not in rows.tables:
        return Problem("chain", seq, None, f"names {table!r}, which is not chained (the chain was edited)")
    reader = rows.tables[table]
    values = reader.row(row_id)
    case = _case_of(table, values)
    if not reader.claims.claim(row_id, seq):
        first = reader.first_claim(row_id, seq)
        return Problem(
            table, row_id, case, f"chained twice (entries {first} and {seq}): the chain was edited"
        )
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
    last: Sequence[Any] | None = None
    for entry in conn.execute("SELECT seq, tbl, row_id, mac FROM chain ORDER BY seq"):
        if entry[0] != expected:
            gone = f"entries {expected} to {entry[0] - 1}" if entry[0] > expected + 1 else f"entry {expected}"
            problems.append(Problem("chain", entry[0], None, f"{gone} removed before it"))
        problem = _check_entry(entry, prev, key, rows)
        matched += problem is None
        problems += [problem] if problem else []
        prev, expected, last = str(entry[3]), entry[0] + 1, entry
    if last is not None and not matched:
        what = "no entry verifies with this key: it is not this database's key, or every row was rewritten"
        problems = [Problem("chain", None, None, what)]
    found.problems += problems
    found.head = (int(last[0]), str(last[3])) if last is not None else (0, "")
    for table, row_id, case in rows.unclaimed():
        found.problems.append(Problem(table, row_id, case, "not in the chain (added by hand)"))


def _check_cases(conn: sqlite3.Connection, rows: _Rows, found: Verification) -> None:
    """Each case's reference, owner and status must be those of its last `case_changes` row."""
    chained: dict[int, tuple[Any, ...]] = {}
    if rows.tables["case_changes"].readable:  # in id order: the last one stays
        for values in conn.execute("SELECT case_id, ref, user_id, status FROM case_changes ORDER BY id"):
            chained[values[0]] = tuple(values[1:4])
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
    """Check the whole chain with `key`, the cases, the triggers, and that the chain extends `heads`: all
    read in one read transaction, so that a writer's commit (its rows with their chain entries) is seen
    by every read or by none, never by the tables' reads and not the chain's (a row "added by hand")."""
    with read_transaction(conn):
        return _verify(conn, key, heads)


def _verify(conn: sqlite3.Connection, key: bytes, heads: Sequence[Head]) -> Verification:
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
