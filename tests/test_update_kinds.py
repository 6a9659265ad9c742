"""Every kind of update the Bot API sends reaches the real Application without a traceback (issue 17).

The bot asks Telegram for messages, button presses and its own membership only (`ALLOWED_UPDATES`), but a
webhook or a Bot API server may deliver anything, and a press on an inline message (sent through inline
mode: `inline_message_id`, no message, no chat) is a callback query like any other. Each kind is fed
through `app.process_update`, from a listed member and from a stranger: none may end in an ERROR record,
and a press that cannot be acted on is still answered, so the client's spinner stops.
"""

from __future__ import annotations

import logging
from itertools import count

import pytest
import pytest_asyncio

from itb_screen.bot.telegram import Member

from .telegram_offline import Harness

LEE, STRANGER = 111, 999
MEMBERS = {LEE: Member(LEE, "Dr Lee", "clinician")}
_NUMBERS = count(50_000_000)
DATE = 1_760_000_000
CHANNEL = {"id": -1001234567890, "type": "channel", "title": "Ward news"}
GROUP = {"id": -1009876543210, "type": "supergroup", "title": "Ward team"}
#: A chat of a business account with its customer: the bot is no party to it.
CUSTOMER = {"id": 777, "type": "private", "first_name": "Customer"}


@pytest_asyncio.fixture
async def bot(db_path):
    async with Harness(db_path, MEMBERS) as harness:
        await harness.send(LEE, "/start")
        await harness.send(STRANGER, "hello")  # the stranger's private chat is known to the fake
        for chat in (CHANNEL, GROUP, CUSTOMER):  # chats that exist, as on Telegram
            harness.api.chats[chat["id"]] = chat
        yield harness


def _private(h: Harness, user: int) -> dict:
    return h.api.chats[user]


def _message(h: Harness, user: int, chat: dict | None = None, **extra) -> dict:
    return {
        "message_id": next(_NUMBERS),
        "from": h.api.user(user),
        "chat": chat or _private(h, user),
        "date": DATE,
        "text": "an answer",
        **extra,
    }


def _member_change(h: Harness, user: int, chat: dict, old: str, new: str, who: dict) -> dict:
    return {
        "chat": chat,
        "from": h.api.user(user),
        "date": DATE,
        "old_chat_member": {"status": old, "user": who},
        "new_chat_member": {"status": new, "user": who, **({"until_date": 0} if new == "kicked" else {})},
    }


def _inline_press(h: Harness, user: int) -> dict:
    return {
        "id": str(next(_NUMBERS)),
        "from": h.api.user(user),
        "inline_message_id": "AAEAAQ",
        "data": "o:1:c",
    }


def _kinds(h: Harness, user: int) -> dict[str, dict]:
    """One update body of every kind, keyed by its field in Update."""
    me = h.api.user(user)
    boost = {"boost_id": "b1", "add_date": DATE, "expiration_date": DATE + 9, "source": {"source": "premium"}}
    boost["source"]["user"] = me
    return {
        "callback_query": {**_inline_press(h, user), "chat_instance": "1"},
        "edited_message": _message(h, user, edit_date=DATE + 1),
        "channel_post": {**_message(h, user, CHANNEL), "sender_chat": CHANNEL},
        "edited_channel_post": {**_message(h, user, CHANNEL, edit_date=DATE + 1), "sender_chat": CHANNEL},
        "my_chat_member": _member_change(h, user, _private(h, user), "member", "kicked", h.api.bot_user),
        "chat_member": _member_change(h, user, GROUP, "left", "member", me),
        "chat_join_request": {"chat": GROUP, "from": me, "user_chat_id": user, "date": DATE},
        "inline_query": {"id": str(next(_NUMBERS)), "from": me, "query": "SPAS", "offset": ""},
        "chosen_inline_result": {"result_id": "1", "from": me, "query": "SPAS"},
        "poll": {
            "id": "p1",
            "question": "Lunch?",
            "options": [{"text": "yes", "voter_count": 1, "persistent_id": "o1"}],
            "total_voter_count": 1,
            "is_closed": False,
            "is_anonymous": False,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": True,
            "members_only": False,
        },
        "poll_answer": {"poll_id": "p1", "user": me, "option_ids": [0], "option_persistent_ids": ["o1"]},
        "message_reaction": {
            "chat": _private(h, user),
            "message_id": 1,
            "user": me,
            "date": DATE,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "\U0001f44d"}],
        },
        "message_reaction_count": {
            "chat": GROUP,
            "message_id": 1,
            "date": DATE,
            "reactions": [{"type": {"type": "emoji", "emoji": "\U0001f44d"}, "total_count": 2}],
        },
        "business_connection": {
            "id": "biz1",
            "user": me,
            "user_chat_id": user,
            "date": DATE,
            "is_enabled": True,
            "can_reply": True,
        },
        "business_message": _message(h, user, CUSTOMER, business_connection_id="biz1"),
        "edited_business_message": _message(h, user, CUSTOMER, business_connection_id="biz1", edit_date=DATE),
        "deleted_business_messages": {
            "business_connection_id": "biz1",
            "chat": CUSTOMER,
            "message_ids": [1, 2],
        },
        "shipping_query": {
            "id": "s1",
            "from": me,
            "invoice_payload": "x",
            "shipping_address": {
                "country_code": "GB",
                "state": "",
                "city": "Leeds",
                "street_line1": "1 Road",
                "street_line2": "",
                "post_code": "LS1",
            },
        },
        "pre_checkout_query": {
            "id": "c1",
            "from": me,
            "currency": "XTR",
            "total_amount": 1,
            "invoice_payload": "x",
        },
        "purchased_paid_media": {"from": me, "paid_media_payload": "x"},
        "chat_boost": {"chat": CHANNEL, "boost": boost},
        "removed_chat_boost": {
            "chat": CHANNEL,
            "boost_id": "b1",
            "remove_date": DATE,
            "source": boost["source"],
        },
    }


NAMES = [
    "callback_query",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "inline_query",
    "chosen_inline_result",
    "poll",
    "poll_answer",
    "message_reaction",
    "message_reaction_count",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "chat_boost",
    "removed_chat_boost",
]


@pytest.mark.asyncio
@pytest.mark.parametrize("who", [LEE, STRANGER], ids=["member", "stranger"])
@pytest.mark.parametrize("kind", NAMES)
async def test_every_kind_of_update_is_answered_or_ignored_without_a_traceback(bot, caplog, kind, who):
    body = _kinds(bot, who)[kind]
    if kind == "callback_query":
        bot.api.queries[body["id"]] = False
    before = len(bot.api.calls)
    with caplog.at_level(logging.INFO):
        await bot.feed({"update_id": next(_NUMBERS), kind: body})
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert errors == [], [r.getMessage() for r in errors]
    assert "Traceback" not in caplog.text
    called = [name for name, _ in bot.api.calls[before:]]
    if kind == "callback_query":  # the client's spinner stops; nothing else is said, nowhere to say it
        assert bot.api.queries[body["id"]] is True
        assert called == ["answerCallbackQuery"]
    if kind.startswith(("business", "edited_business", "deleted_business")):  # never sent to others' chats
        assert called == []


@pytest.mark.asyncio
async def test_an_inline_press_reaches_no_case(bot):
    """A press on an inline message names no chat: it is not passed to the dialogue, so nothing is stored."""
    await bot.send(LEE, "/new INL-1")
    case = bot.store.case_by_ref("INL-1")
    rows = len(bot.store.transcript(case.id))
    body = {**_inline_press(bot, LEE), "chat_instance": "1", "data": f"k:{case.id}:1:4"}
    bot.api.queries[body["id"]] = False
    await bot.feed({"update_id": next(_NUMBERS), "callback_query": body})
    assert bot.api.queries[body["id"]] is True
    assert len(bot.store.transcript(case.id)) == rows
    assert bot.store.answers(case.id) == {}
