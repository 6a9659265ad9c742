"""The team in Telegram: members from the users file, notices sent to them, reminders on a timer.

The dialogue queues every notice in the database (a hand-off, a reminder, a case for the team to review);
this module sends them: after each update (a hand-off reaches its receiver at once) and from a repeating
JobQueue job that also queues the reminders that have come due. Both read the database, so a restart
neither loses nor repeats a notice: one claimed is one sent (`Dialogue.notices`), and one the Bot API
certainly did not take (the connection failed, or the member has not opened a chat with the bot yet) is
given back, to be tried at the next round. A notice for someone no longer in the users file is dropped.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes

from ...dialogue import Member, queue_reminders
from ..users import team_of
from . import render
from .access import CHANNEL, AccessList
from .errors import may_have_arrived, send_all

log = logging.getLogger("itb_screen.telegram")

#: How often the timer looks for reminders due and notices waiting: often enough for the shortest
#: reminder_hours a test sets, never more than once a second nor less than once a minute.
LONGEST_ROUND = timedelta(minutes=1)
SHORTEST_ROUND = timedelta(seconds=1)


class TelegramTeam:
    """The members of the users file, as the dialogue's `Directory` (re-read when the file changes):
    those in Telegram, then those at the console, who can be handed a case and hear of cases to review
    like the others (the console shows their notices at their next line)."""

    def __init__(self, access: AccessList) -> None:
        self.access = access

    def members(self) -> list[Member]:
        return team_of(self.access)


def round_interval(access: AccessList) -> float:
    """Seconds between two rounds of the timer: a quarter of the reminder time, within bounds."""
    quarter = access.settings.idle / 4
    return min(max(quarter, SHORTEST_ROUND), LONGEST_ROUND).total_seconds()


def _gone_for_now(error: TelegramError) -> bool:
    """A send that certainly did not reach the member, worth trying again later: no connection, or a
    member who has not started a chat with the bot (or blocked it) yet."""
    if isinstance(error, Forbidden):
        return True
    if isinstance(error, BadRequest):
        return "chat not found" in str(error).lower()
    return isinstance(error, NetworkError) and not may_have_arrived(error)


async def deliver(app: Application) -> int:
    """Send every notice waiting for a member; returns how many were sent."""
    s = app.bot_data["itb"]
    sent = 0
    for notice, prompt in await s.call(s.dialogue.notices, CHANNEL):
        if s.access.get(int(notice.external_id)) is None:  # no longer listed: told nothing more
            log.info("notice %d dropped: its member is no longer in the users file", notice.id)
            continue
        try:
            await send_all(app.bot, int(notice.external_id), render.render(prompt), s.retry_delay)
            sent += 1
        except TelegramError as error:
            if _gone_for_now(error):
                await s.call(s.store.release_notice, notice.id)
            log.info("notice %d not sent: %s", notice.id, type(error).__name__)
    return sent


async def _round(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One round of the timer: queue the reminders due now, then send what waits."""
    app = context.application
    s = app.bot_data["itb"]
    queued = await s.call(queue_reminders, s.store, s.access.settings)
    if queued:
        log.info("%d reminder(s) queued", queued)
    await deliver(app)


def schedule(app: Application) -> None:
    """Start the timer (python-telegram-bot's JobQueue, from its job-queue extra)."""
    if app.job_queue is None:
        raise RuntimeError("reminders need python-telegram-bot's job-queue extra (APScheduler)")
    interval = round_interval(app.bot_data["itb"].access)
    app.job_queue.run_repeating(_round, interval=interval, first=interval, name="itb-team-round")
