"""Reminders of open cases left idle: when one is due, by the team's settings (`_settings`).

A case idle for longer than `reminder_hours` gets one reminder to its owner per idle period (the notice's
event is the moment the case was last touched, so the outbox's unique index makes a second one a no-op,
across restarts too); none in quiet hours, when it waits for the morning. Members who said /remind off
get none. The decision reads only the database and the clock: a restart neither loses nor repeats one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..storage import Store
from ._prompts import where
from ._settings import TeamSettings
from ._team import _continue

REMINDER = "Case {ref} waits at {where}."
#: A reminder's event in the outbox: this prefix, then when the case was last touched (its idle period).
REMIND_EVENT = "remind:"


def queue_reminders(
    store: Store, settings: TeamSettings, now: datetime | None = None, owner: int | None = None
) -> int:
    """Queue the reminders due now (none in quiet hours), only to `owner` when given; returns how many
    were queued."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if settings.is_quiet(now):
        return 0
    queued = 0
    idle_before = (now - settings.idle).isoformat(timespec="microseconds")
    if owner is not None and not store.idle_cases(idle_before, REMIND_EVENT, owner):
        return 0  # a console asks at every line: a read, and no write transaction, when none is due
    with store.transaction():  # the cases already reminded of this idle period are not even read
        for case in store.idle_cases(idle_before, REMIND_EVENT, owner):
            text = REMINDER.format(ref=case.ref, where=where(case, store.answers(case.id)))
            queued += store.queue_notice(
                case.user_id, case.id, f"{REMIND_EVENT}{case.updated_at}", text, _continue(case)
            )
    return queued
