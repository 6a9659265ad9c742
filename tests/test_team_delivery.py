"""Notices delivered by the Telegram channel in process (a real Application, the fake Bot API at the
request level): what a send that failed leaves for the next round, and who is never written to."""

from __future__ import annotations

import pytest
import pytest_asyncio

from itb_screen.bot.telegram import Member
from itb_screen.bot.telegram.team import deliver

from .telegram_offline import Harness

CORA, LEE, GONE = 501, 502, 503
MEMBERS = {CORA: Member(CORA, "Cora", "coordinator"), LEE: Member(LEE, "Dr Lee", "clinician")}


@pytest_asyncio.fixture
async def bot(db_path):
    async with Harness(db_path, MEMBERS) as harness:
        yield harness


def queue(bot: Harness, telegram_id: int, event: str, text: str) -> None:
    store = bot.store
    cora = store.user("telegram", str(CORA), "Cora", "coordinator")
    case = store.case_by_ref("DL-1") or store.create_case(cora.id, "DL-1", "age_years")
    user = store.user("telegram", str(telegram_id))
    assert store.queue_notice(user.id, case.id, event, text, ("o:1:c", "Continue DL-1"))


@pytest.mark.asyncio
async def test_a_notice_is_sent_once_with_its_button(bot: Harness) -> None:
    await bot.send(LEE, "/start")
    queue(bot, LEE, "handoff:1", "Cora handed you case DL-1: it waits at question 1 of 17.")
    assert await deliver(bot.app) == 1
    sent = bot.api.last(LEE)
    assert sent["text"] == "Cora handed you case DL-1: it waits at question 1 of 17."
    assert bot.api.buttons(sent) == [("Continue DL-1", "o:1:c")]
    assert await deliver(bot.app) == 0 and bot.api.last(LEE) == sent


@pytest.mark.asyncio
async def test_a_member_who_has_not_opened_the_chat_gets_it_once_they_do(bot: Harness) -> None:
    queue(bot, LEE, "handoff:2", "Cora handed you case DL-1.")  # Telegram: "chat not found"
    assert await deliver(bot.app) == 0
    assert pending(bot, LEE)[0]["sent_at"] is None  # given back for the next round
    await bot.send(LEE, "/start")  # their first message: the notice follows the reply
    assert [m["text"] for m in bot.api.sent(LEE)].count("Cora handed you case DL-1.") == 1


@pytest.mark.asyncio
async def test_a_member_who_blocked_the_bot_gets_it_once_they_unblock_it(bot: Harness) -> None:
    await bot.send(LEE, "/start")
    bot.api.block(LEE)  # Telegram answers 403 Forbidden
    queue(bot, LEE, "remind:1", "Case DL-1 waits at question 1 of 17.")
    assert await deliver(bot.app) == 0 and pending(bot, LEE)[0]["sent_at"] is None
    bot.api.unblock(LEE)
    assert await deliver(bot.app) == 1
    assert bot.api.last(LEE)["text"] == "Case DL-1 waits at question 1 of 17."


def pending(bot: Harness, telegram_id: int) -> list[dict]:
    return bot.store.notices_to(bot.store.user("telegram", str(telegram_id)).id)


@pytest.mark.asyncio
async def test_nobody_outside_the_users_file_is_written_to(bot: Harness) -> None:
    await bot.send(GONE, "/start")  # a chat with the bot exists (they were refused: not listed)
    queue(bot, GONE, "handoff:3", "Cora handed you case DL-1.")  # listed once, since removed
    assert await deliver(bot.app) == 0
    assert not [m for m in bot.api.sent(GONE) if "Cora handed" in m["text"]]
    assert pending(bot, GONE)[0]["sent_at"] is not None  # dropped, not tried again
