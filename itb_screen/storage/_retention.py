"""Keeping less: the transcript text of closed cases cleared after a while, and strangers' refusals
recorded once a day.

`purge` replaces the text of each transcript message of a closed case (done, cancelled or void, last
updated before the window) by a marker; the row stays (who, when, which way), so the transcript still
shows that something was said. The full-text index follows through its UPDATE trigger: the old text is
deleted from it. Answers, results, case events and the audit log are not touched (their chains still
verify); the purge itself is one line of the audit log. Remembered input ids older than the window go too.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ._chain import append
from ._rows import now

#: The statuses of a closed case: nothing more will be said in it.
CLOSED = ("done", "cancelled", "void")

#: What a purged message's text starts with (the date of the purge follows).
MARKER = "[purged"

_CASES = f"SELECT id FROM cases WHERE status IN ({', '.join('?' * len(CLOSED))}) AND updated_at < ?"
_MESSAGES = f"FROM messages WHERE case_id IN ({_CASES}) AND text NOT LIKE '{MARKER} %'"


@dataclass(frozen=True)
class Purge:
    """What a purge clears (or, in a dry run, would): the cases and messages, and remembered inputs."""

    days: int
    cutoff: str
    cases: int
    messages: int
    inputs: int
    applied: bool

    def describe(self) -> str:
        return (
            f"{self.messages} message(s) of {self.cases} closed case(s) older than {self.days} day(s)"
            f" (before {self.cutoff[:10]}), {self.inputs} remembered input id(s)"
        )


def cutoff_of(days: int, at: datetime | None = None) -> str:
    """The time stamp `days` before `at` (now): records last touched before it are past the window."""
    return ((at or datetime.now(UTC)) - timedelta(days=days)).isoformat(timespec="microseconds")


def purge(conn: sqlite3.Connection, days: int, apply: bool, who: str) -> Purge:
    """Count, and with `apply` clear, what is past the window. The caller holds a write transaction
    when applying (one transaction: the marks, the input ids and the audit line commit together)."""
    cutoff = cutoff_of(days)
    params = (*CLOSED, cutoff)
    cases, messages = conn.execute(f"SELECT count(DISTINCT case_id), count(*) {_MESSAGES}", params).fetchone()
    inputs = conn.execute("SELECT count(*) FROM seen_inputs WHERE at < ?", (cutoff,)).fetchone()[0]
    found = Purge(days, cutoff, int(cases), int(messages), int(inputs), apply)
    if apply:
        stamp = now()
        conn.execute(
            f"UPDATE messages SET text = ? WHERE id IN (SELECT id {_MESSAGES})",
            (f"{MARKER} {stamp[:10]}]", *params),
        )
        conn.execute("DELETE FROM seen_inputs WHERE at < ?", (cutoff,))
        append(conn, "audit", (stamp, "cli", who, "purge", found.describe()))
    return found


def refusal_once_a_day(conn: sqlite3.Connection, channel: str, external_id: str, detail: str) -> bool:
    """Record an `access_denied` line for a stranger unless one is there already this UTC day; returns
    whether it was recorded. The caller holds the write transaction the check and the insert share."""
    stamp = now()
    seen = conn.execute(
        "SELECT 1 FROM audit WHERE event = 'access_denied' AND channel = ? AND external_id = ? "
        "AND at >= ? LIMIT 1",
        (channel, external_id, stamp[:10]),
    ).fetchone()
    if seen is not None:
        return False
    append(conn, "audit", (stamp, channel, external_id, "access_denied", detail))
    return True
