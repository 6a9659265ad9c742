"""The team's records: hand-offs of a case between members, reminders switched on or off, and the
outbox of notices to members (a hand-off, a reminder, a case for the team to review).

A notice is queued in the same transaction as what it tells of (one per member, case and event: the
unique index), and claimed (`sent_at` set) before a channel sends it: a crash between the claim and the
send loses that notice rather than sending it twice, and a send that fails is released to be tried again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ._chain import append
from ._connection import immediate
from ._rows import _CASE_COLS_C, Case, _case, now
from .identifiers import bot_words, redact


@dataclass(frozen=True)
class Notice:
    """A message for one member: who (their channel and id there), about which case, what, one button."""

    id: int
    user_id: int
    channel: str
    external_id: str
    case_id: int
    event: str
    text: str
    button_code: str | None
    button_label: str | None


_NOTICE_COLS = (
    "n.id, n.user_id, u.channel, u.external_id, n.case_id, n.event, n.text, n.button_code, n.button_label"
)


def _waiting(channel: str, user_id: int | None) -> tuple[str, tuple[Any, ...]]:
    """The condition (on `notices n JOIN users u`) of the notices waiting for a channel or one member."""
    if user_id is None:
        return "n.sent_at IS NULL AND u.channel = ?", (channel,)
    return "n.sent_at IS NULL AND u.channel = ? AND n.user_id = ?", (channel, user_id)


class TeamRecords:
    """Mixed into `Store`: the reads and writes of the team's workflow."""

    db: Database

    # Hand-offs ---------------------------------------------------------------------------------
    def hand_off(self, case_id: int, from_user_id: int, to_user_id: int) -> str:
        """The case becomes `to_user_id`'s; a `handoff` event keeps who gave it to whom and when."""
        stamp = now()
        with immediate(self.db):
            append(self.db.conn, "case_events", (case_id, "handoff", "", from_user_id, stamp, to_user_id))
            self.db.execute(
                "UPDATE cases SET user_id = ?, updated_at = ? WHERE id = ?", (to_user_id, stamp, case_id)
            )
            # The giver's open case is no longer theirs to answer.
            self.db.execute(
                "UPDATE users SET active_case_id = NULL, awaiting = NULL WHERE active_case_id = ? AND id = ?",
                (case_id, from_user_id),
            )
        return stamp

    def handed_by(self, case_id: int, user_id: int) -> bool:
        """Whether `user_id` ever handed this case on (a giver keeps read access)."""
        row = self.db.execute(
            "SELECT 1 FROM case_events WHERE case_id = ? AND kind = 'handoff' AND user_id = ? LIMIT 1",
            (case_id, user_id),
        ).fetchone()
        return row is not None

    def givers(self, case_id: int) -> list[int]:
        """Everyone who handed this case on, in the order they first did."""
        rows = self.db.execute(
            "SELECT user_id FROM case_events WHERE case_id = ? AND kind = 'handoff' GROUP BY user_id "
            "ORDER BY min(id)",
            (case_id,),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def handed_on(self, user_id: int) -> list[tuple[Case, str]]:
        """The cases `user_id` handed on that are someone else's now (void ones aside), most recently
        touched first, each with its owner's name."""
        rows = self.db.execute(
            f"SELECT {_CASE_COLS_C}, coalesce(u.name, u.external_id) FROM cases c "
            "JOIN users u ON u.id = c.user_id WHERE c.user_id != ? AND c.status != 'void' AND c.id IN "
            "(SELECT case_id FROM case_events WHERE kind = 'handoff' AND user_id = ?) "
            "ORDER BY c.updated_at DESC, c.id DESC",
            (user_id, user_id),
        ).fetchall()
        return [(_case(r[:-1]), r[-1]) for r in rows]

    def users_of(self, channel: str) -> list[tuple[int, str, str | None]]:
        """(id, external id, name) of every user of a channel, in the order they came."""
        rows = self.db.execute(
            "SELECT id, external_id, name FROM users WHERE channel = ? ORDER BY id", (channel,)
        ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    # Reminders ---------------------------------------------------------------------------------
    def set_reminders(self, user_id: int, on: bool) -> None:
        with immediate(self.db):
            self.db.execute("UPDATE users SET reminders = ? WHERE id = ?", (int(on), user_id))

    def reminders_on(self, user_id: int) -> bool:
        row = self.db.execute("SELECT reminders FROM users WHERE id = ?", (user_id,)).fetchone()
        return bool(row and row[0])

    def idle_cases(self, idle_before: str, told: str, owner: int | None = None) -> list[Case]:
        """Open cases untouched since before `idle_before` whose owner keeps reminders on and has no notice
        `told` + the moment the case was last touched (a reminder of this idle period), oldest first;
        only `owner`'s when given (a console reminds its own user)."""
        # One owner's: by the (user_id, updated_at) index, since a console asks at every line.
        mine, params = ("AND c.user_id = ? ", (owner,)) if owner is not None else ("", ())
        rows = self.db.execute(
            f"SELECT {_CASE_COLS_C} FROM cases c "
            f"JOIN users u ON u.id = c.user_id WHERE c.status = 'open' AND c.updated_at < ? {mine}"
            "AND u.reminders = 1 AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.user_id = c.user_id "
            "AND n.case_id = c.id AND n.event = ? || c.updated_at) ORDER BY c.updated_at, c.id",
            (idle_before, *params, told),
        ).fetchall()
        return [_case(r) for r in rows]

    # Notices -----------------------------------------------------------------------------------
    def bot_words(self) -> re.Pattern[str]:
        """What redaction keeps in the bot's words: its time stamps and the members' names."""
        names = self.db.execute("SELECT DISTINCT name FROM users WHERE name IS NOT NULL AND name != ''")
        return bot_words(tuple(sorted(n for (n,) in names)))

    def queue_notice(
        self, user_id: int, case_id: int, event: str, text: str, button: tuple[str, str] | None = None
    ) -> bool:
        """Queue a notice; False (nothing queued) when this member already has one for this case and event."""
        code, label = button if button else (None, None)
        text = redact(text, keep=self.bot_words())
        with immediate(self.db):
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO notices (user_id, case_id, event, text, button_code, button_label, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (user_id, case_id, event, text, code, label, now()),
            )
        return cursor.rowcount == 1

    def notices_waiting(self, channel: str, user_id: int | None = None) -> bool:
        """Whether a notice waits for a member of `channel` (for `user_id`): a read, so that the check
        after every input costs no write transaction (another channel's notices are not this one's)."""
        where, params = _waiting(channel, user_id)
        sql = f"SELECT 1 FROM notices n JOIN users u ON u.id = n.user_id WHERE {where} LIMIT 1"
        return self.db.execute(sql, params).fetchone() is not None

    def claim_notices(self, channel: str, user_id: int | None = None, limit: int = 50) -> list[Notice]:
        """Notices not yet sent to members of `channel` (one member's with `user_id`), oldest first,
        marked sent in the same transaction: whoever claims one is the only one to send it."""
        where, params = _waiting(channel, user_id)
        with immediate(self.db):
            rows = self.db.execute(
                f"SELECT {_NOTICE_COLS} FROM notices n JOIN users u ON u.id = n.user_id WHERE {where} "
                "ORDER BY n.id LIMIT ?",
                (*params, limit),
            ).fetchall()
            stamp = now()
            for row in rows:
                self.db.execute("UPDATE notices SET sent_at = ? WHERE id = ?", (stamp, row[0]))
        return [Notice(*row) for row in rows]

    def release_notice(self, notice_id: int) -> None:
        """A claimed notice that could not be sent: to be tried again."""
        with immediate(self.db):
            self.db.execute("UPDATE notices SET sent_at = NULL WHERE id = ?", (notice_id,))

    def notices_to(self, user_id: int) -> list[dict[str, Any]]:
        """Every notice queued for a member, oldest first, sent or not."""
        rows = self.db.execute(
            "SELECT id, case_id, event, text, created_at, sent_at FROM notices WHERE user_id = ? ORDER BY id",
            (user_id,),
        ).fetchall()
        keys = ("id", "case_id", "event", "text", "created_at", "sent_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]
