"""The only code that reads or writes the database.

The per-answer path (`record_answer`, `save_case`, `record_message`) uses plain `db.execute` inside one
BEGIN IMMEDIATE transaction: sqlite-utils' table methods look up the schema on every call. Answers,
results, case events and the audit log are appended through `_chain.append` (hash-chained, append-only).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from . import _retention
from ._answer_reads import AnswerReads
from ._chain import append
from ._connection import default_path, immediate, snapshot
from ._results import ResultRecords
from ._rows import (
    _CASE_COLS,
    _USER_COLS,
    EVENT_KINDS,
    STATUSES,
    Case,
    RefInUse,
    SearchQueryError,
    User,
    _case,
    _user,
    decode_value,
    encode_value,
    now,
)
from ._schema import open_schema
from ._team import TeamRecords
from ._typed_index import TYPED_FTS
from .identifiers import redact, reference_kind

#: The full-text indexes `search` reads: every message, or (typed) only those that came in.
_INDEXES = {False: "messages_fts", True: TYPED_FTS}


class Store(TeamRecords, AnswerReads, ResultRecords):
    """ITB Screen's database: users, cases, the answer history, the transcript, results and audit."""

    def __init__(self, path: str | os.PathLike[str] | None = None, readonly: bool = False) -> None:
        self.path = default_path(path)
        # NewerSchema when a newer ITB Screen wrote the file; read-only: `connect_readonly`, never writes.
        self.db: Database = open_schema(self.path, readonly=readonly)
        self.readonly = readonly

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One write transaction (BEGIN IMMEDIATE); everything inside commits together or not at all.

        Read-only, a read transaction (plain BEGIN): what is read inside is one consistent snapshot.
        """
        with (snapshot if self.readonly else immediate)(self.db):
            yield self

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.db.execute(sql, params).fetchone()
        return row

    # Users -------------------------------------------------------------------------------------
    def user(self, channel: str, external_id: str, name: str | None = None, role: str | None = None) -> User:
        """The user of a channel, created on first contact; name and role kept current."""
        row = self._one(
            f"SELECT {_USER_COLS} FROM users WHERE channel = ? AND external_id = ?", (channel, external_id)
        )
        if row is None:
            with immediate(self.db):
                self.db.execute(
                    "INSERT OR IGNORE INTO users (channel, external_id, name, role, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (channel, external_id, name, role, now()),
                )
            return self.user(channel, external_id, name, role)
        user = _user(row)
        if (name and name != user.name) or (role and role != user.role):
            with immediate(self.db):
                self.db.execute(
                    "UPDATE users SET name = coalesce(?, name), role = coalesce(?, role) WHERE id = ?",
                    (name, role, user.id),
                )
            return _user(self._one(f"SELECT {_USER_COLS} FROM users WHERE id = ?", (user.id,)))
        return user

    def user_by_id(self, user_id: int) -> User:
        return _user(self._one(f"SELECT {_USER_COLS} FROM users WHERE id = ?", (user_id,)))

    def set_active(self, user_id: int, case_id: int | None, awaiting: str | None = None) -> None:
        self.db.execute(
            "UPDATE users SET active_case_id = ?, awaiting = ? WHERE id = ?", (case_id, awaiting, user_id)
        )

    # Cases -------------------------------------------------------------------------------------
    def create_case(self, user_id: int, ref: str, state: str) -> Case:
        kind = reference_kind(ref)
        if kind is not None:  # the dialogue refuses it first, saying why; this is the last guard
            raise ValueError(f"a case reference that reads as {kind} is never stored")
        if self.case_by_ref(ref) is not None:
            raise RefInUse(ref)
        stamp = now()
        cursor = self.db.execute(
            "INSERT INTO cases (ref, user_id, state, status, return_to_review, created_at, updated_at) "
            "VALUES (?, ?, ?, 'open', 0, ?, ?)",
            (ref, user_id, state, stamp, stamp),
        )
        case = self.case(cursor.lastrowid or 0)
        assert case is not None, "the case was just inserted"
        return case

    def case(self, case_id: int) -> Case | None:
        row = self._one(f"SELECT {_CASE_COLS} FROM cases WHERE id = ?", (case_id,))
        return None if row is None else _case(row)

    def case_by_ref(self, ref: str) -> Case | None:
        row = self._one(f"SELECT {_CASE_COLS} FROM cases WHERE ref = ? COLLATE NOCASE", (ref,))
        return None if row is None else _case(row)

    def cases_of(self, user_id: int) -> list[Case]:
        """A user's cases, most recently touched first."""
        rows = self.db.execute(
            f"SELECT {_CASE_COLS} FROM cases WHERE user_id = ? ORDER BY updated_at DESC, id DESC", (user_id,)
        ).fetchall()
        return [_case(r) for r in rows]

    def all_cases(self) -> list[Case]:
        return list(self.each_case())

    def each_case(self) -> Iterator[Case]:
        """Every case, oldest first, read as it is used (an export holds one case at a time)."""
        return map(_case, self.db.execute(f"SELECT {_CASE_COLS} FROM cases ORDER BY created_at, id"))

    def save_case(
        self,
        case_id: int,
        *,
        state: str,
        status: str,
        return_to_review: int,
        pending: tuple[str, ...] | None,
        at_review: bool = False,
    ) -> str:
        """Store where a case stands; returns the new updated_at.

        `at_review`: the case is at the review screen now (the first time is remembered).
        """
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        stamp = now()
        self.db.execute(
            "UPDATE cases SET state = ?, status = ?, return_to_review = ?, pending = ?, updated_at = ?, "
            "first_review_at = coalesce(first_review_at, CASE WHEN ? THEN ? END) WHERE id = ?",
            (
                state,
                status,
                int(return_to_review),
                None if pending is None else json.dumps(list(pending)),
                stamp,
                int(at_review),
                stamp,
                case_id,
            ),
        )
        return stamp

    # Answers -----------------------------------------------------------------------------------
    def record_answer(
        self,
        case_id: int,
        field: str,
        value: Any,
        user_id: int,
        action: str,
        note: str | None = None,
        icd10cm: str | None = None,
    ) -> None:
        """Append an answer (action: answer, change, skip, unknown, clear); a field's latest row is current.

        `note`: the qualifier typed with the answer (redacted here); `icd10cm`: the code of
        the diagnosis it named."""
        note = redact(note) if note else None
        row = (case_id, field, encode_value(value), action, user_id, now(), note, icd10cm or None)
        with immediate(self.db):
            append(self.db.conn, "answers", row)

    def answers(self, case_id: int, include_skipped: bool = False) -> dict[str, Any]:
        """The current answers of a case; with include_skipped, skipped fields too (value None)."""
        rows = self.db.execute(
            "SELECT field, value FROM answers WHERE id IN "
            "(SELECT max(id) FROM answers WHERE case_id = ? GROUP BY field)",
            (case_id,),
        ).fetchall()
        return {field: decode_value(value) for field, value in rows if include_skipped or value is not None}

    def history(self, case_id: int) -> list[dict[str, Any]]:
        """Every answer and change of a case, oldest first, with who and when."""
        rows = self.db.execute(
            "SELECT a.id, a.field, a.value, a.action, a.at, u.name, u.channel, u.external_id "
            "FROM answers a LEFT JOIN users u ON u.id = a.user_id WHERE a.case_id = ? ORDER BY a.id",
            (case_id,),
        ).fetchall()
        return [
            {
                "id": r[0],
                "field": r[1],
                "value": decode_value(r[2]),
                "action": r[3],
                "at": r[4],
                "user": r[5] or r[7],
                "channel": r[6],
            }
            for r in rows
        ]

    # Transcript --------------------------------------------------------------------------------
    def record_message(
        self, user_id: int | None, case_id: int | None, channel: str, direction: str, text: str
    ) -> None:
        """One line of the transcript, redacted; what the bot says keeps its time stamps and the names of
        the team's members."""
        text = redact(text, keep=self.bot_words() if direction == "out" else None)
        self.db.execute(
            "INSERT INTO messages (case_id, user_id, channel, direction, text, at) VALUES (?, ?, ?, ?, ?, ?)",
            (case_id, user_id, channel, direction, text, now()),
        )

    def transcript(self, case_id: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT m.id, m.direction, m.text, m.at, m.channel, u.name, u.external_id FROM messages m "
            "LEFT JOIN users u ON u.id = m.user_id WHERE m.case_id = ? ORDER BY m.id",
            (case_id,),
        ).fetchall()
        return [
            {"id": r[0], "direction": r[1], "text": r[2], "at": r[3], "channel": r[4], "user": r[5] or r[6]}
            for r in rows
        ]

    # Amendments and voiding --------------------------------------------------------------------
    def record_event(self, case_id: int, kind: str, reason: str, user_id: int) -> str:
        """Note that a case was reopened to amend it, or voided, with why; returns when."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown case event {kind!r}")
        stamp = now()
        with immediate(self.db):
            append(self.db.conn, "case_events", (case_id, kind, redact(reason), user_id, stamp))
        return stamp

    def events(self, case_id: int) -> list[dict[str, Any]]:
        """A case's amendments, voiding and hand-offs, oldest first, with who, when (and to whom)."""
        rows = self.db.execute(
            "SELECT e.id, e.kind, e.reason, e.at, u.name, u.external_id, t.name, t.external_id "
            "FROM case_events e LEFT JOIN users u ON u.id = e.user_id "
            "LEFT JOIN users t ON t.id = e.to_user_id WHERE e.case_id = ? ORDER BY e.id",
            (case_id,),
        ).fetchall()
        return [
            {"id": r[0], "kind": r[1], "reason": r[2], "at": r[3], "by": r[4] or r[5], "to": r[6] or r[7]}
            for r in rows
        ]

    def handoffs(self, case_id: int) -> list[dict[str, Any]]:
        """A case's hand-offs, oldest first: from whom, to whom, when (its `handoff` events)."""
        return [
            {"at": e["at"], "from": e["by"], "to": e["to"]}
            for e in self.events(case_id)
            if e["kind"] == "handoff"
        ]

    # Search ------------------------------------------------------------------------------------
    def search(
        self, query: str, limit: int = 100, raw: bool = False, typed: bool = False
    ) -> list[dict[str, Any]]:
        """Transcript lines matching the words of `query` (FTS5 syntax if raw), oldest first, with case;
        `typed`: only what users typed (the bot's questions repeat the catalogue's words in every case).

        Raises SearchQueryError when a raw query is not valid FTS5.
        """
        index = _INDEXES[typed]  # oldest first in the index's own order: no sort of every match first
        sql = (
            f"SELECT m.id, m.at, m.direction, m.text, c.ref FROM {index} f "
            "JOIN messages m ON m.rowid = f.rowid LEFT JOIN cases c ON c.id = m.case_id "
            f"WHERE {index} MATCH ? ORDER BY f.rowid LIMIT ?"
        )
        if not raw:  # quoted words: no input is an FTS5 syntax error
            rows = self.db.execute(sql, (self.db.quote_fts(query), limit)).fetchall()
        else:
            try:
                rows = self.db.execute(sql, (query, limit)).fetchall()
            except sqlite3.OperationalError as error:
                raise SearchQueryError(f"{error} in {query!r}") from None
        return [{"id": r[0], "at": r[1], "direction": r[2], "text": r[3], "ref": r[4]} for r in rows]

    # Inputs already handled ---------------------------------------------------------------------
    def first_time(self, channel: str, key: str) -> bool:
        """Remember an input's id (a Telegram update id); False if it was handled before."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO seen_inputs (channel, key, at) VALUES (?, ?, ?)", (channel, key, now())
        )
        return cursor.rowcount == 1

    def forget_inputs(self, channel: str, before: datetime) -> int:
        """Drop remembered input ids older than `before`; returns how many."""
        with immediate(self.db):
            cursor = self.db.execute(
                "DELETE FROM seen_inputs WHERE channel = ? AND at < ?",
                (channel, before.isoformat(timespec="microseconds")),
            )
        return cursor.rowcount

    # Audit -------------------------------------------------------------------------------------
    def audit(self, channel: str, external_id: str, event: str, detail: str = "") -> None:
        with immediate(self.db):
            append(self.db.conn, "audit", (now(), channel, external_id, event, redact(detail)))

    def audit_refusal(self, channel: str, external_id: str, detail: str) -> bool:
        """A stranger refused: `access_denied` stored at most once per stranger per UTC day (checked in
        the same transaction as the insert); returns whether this one was stored."""
        with immediate(self.db):
            return _retention.refusal_once_a_day(self.db.conn, channel, external_id, detail)

    # Retention ---------------------------------------------------------------------------------
    def purge(self, days: int, apply: bool = False, who: str = "") -> _retention.Purge:
        """The transcript text of closed cases past `days` (and older input ids): counted, and with
        `apply` cleared in one transaction with an audit line (`_retention.purge`)."""
        with self.transaction():
            return _retention.purge(self.db.conn, days, apply=apply, who=who)


def open_store(path: str | os.PathLike[str] | None = None, readonly: bool = False) -> Store:
    """Open (and create or migrate) the database at --db, ITB_SCREEN_DB or ./itb-screen.db; `readonly`:
    an existing one, read-only. NewerSchema when a newer ITB Screen wrote it."""
    return Store(path, readonly=readonly)
