"""The fake Bot API answers a real python-telegram-bot Application as Telegram would, in process and over
HTTP alike (one implementation behind both)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fake_bot_api import FakeBotApi

TOKEN = "123:ABC"
USER = 4242


def _build_app(api: FakeBotApi, token: str = TOKEN) -> Application:
    return ApplicationBuilder().token(token).base_url(api.base_url).build()


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Yes", callback_data="yes"), InlineKeyboardButton("No", callback_data="no")]]
    )
    await update.message.reply_text(f"echo: {update.message.text}", reply_markup=keyboard)


async def _on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("noted")
    await query.edit_message_text(f"you chose {query.data}")


def _call(api: FakeBotApi, method: str, token: str = TOKEN, **params) -> tuple[int, dict]:
    """POST form-encoded params, as PTB does; returns (HTTP status, JSON body)."""
    body = urllib.parse.urlencode(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    ).encode()
    url = f"{api.base_url}{token}/{method}"
    try:
        with urllib.request.urlopen(url, data=body, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


@pytest.mark.asyncio
async def test_real_application_echoes_and_handles_a_press() -> None:
    with FakeBotApi(TOKEN) as api:
        app = _build_app(api)
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
        app.add_handler(CallbackQueryHandler(_on_press))
        async with app:
            await app.updater.start_polling(poll_interval=0, timeout=1)
            await app.start()
            try:
                assert app.bot.username == "itb_screen_test_bot"

                api.send_text(USER, "hello there", first_name="Ada")
                msg = await api.wait_for_message_async(USER, "echo: hello there", timeout=5)
                assert msg["from"]["is_bot"] is True
                assert msg["chat"] == {"id": USER, "first_name": "Ada", "type": "private"}
                assert isinstance(msg["date"], int) and abs(msg["date"] - time.time()) < 60
                assert api.keyboard(msg) == [[("Yes", "yes"), ("No", "no")]]

                api.press(USER, msg["message_id"], "no")
                await api.wait_for_async(lambda a: a.calls_to("editMessageText"), timeout=5)
            finally:
                await app.updater.stop()
                await app.stop()

        methods = [name for name, _ in api.calls]
        assert methods[0] == "getMe"
        assert "deleteWebhook" in methods
        (sent,) = api.calls_to("sendMessage")
        assert sent["chat_id"] == USER and sent["text"] == "echo: hello there"
        assert sent["reply_markup"]["inline_keyboard"][0][1] == {"text": "No", "callback_data": "no"}
        (answer,) = api.calls_to("answerCallbackQuery")
        assert answer["text"] == "noted"
        (edited,) = api.sent(USER)
        assert edited["message_id"] == msg["message_id"]
        assert edited["text"] == "you chose no"
        assert "reply_markup" not in edited  # editing without a keyboard removes it
        assert "edit_date" in edited
        assert api.pending_updates == []  # PTB confirmed everything on stop
    assert not [t.name for t in threading.enumerate() if t.name.startswith("FakeBotApi")]


def test_get_updates_offset_and_long_polling() -> None:
    with FakeBotApi(TOKEN) as api:
        first = api.send_text(USER, "/start now")
        second = api.send_text(USER, "two")
        third = api.send_text(USER, "three")

        status, body = _call(api, "getUpdates")
        assert status == 200 and body["ok"] is True
        assert [u["update_id"] for u in body["result"]] == [first, second, third]
        start = body["result"][0]["message"]
        assert start["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
        assert start["from"] == {
            "id": USER,
            "is_bot": False,
            "first_name": f"User{USER}",
            "language_code": "en",
        }

        # An offset confirms (drops) every update below it.
        _, body = _call(api, "getUpdates", offset=second, limit=1)
        assert [u["update_id"] for u in body["result"]] == [second]
        _, body = _call(api, "getUpdates")
        assert [u["update_id"] for u in body["result"]] == [second, third]
        _, body = _call(api, "getUpdates", offset=third + 1, timeout=0)
        assert body == {"ok": True, "result": []}
        assert api.pending_updates == []

        # A long poll blocks until an update is queued...
        timer = threading.Timer(0.2, api.send_text, args=(USER, "late"))
        began = time.monotonic()
        timer.start()
        try:
            _, body = _call(api, "getUpdates", offset=third + 1, timeout=3)
        finally:
            timer.join()
        assert 0.1 < time.monotonic() - began < 2
        assert [u["message"]["text"] for u in body["result"]] == ["late"]

        # ...or until its timeout passes.
        began = time.monotonic()
        _, body = _call(api, "getUpdates", offset=body["result"][0]["update_id"] + 1, timeout=0.3)
        assert body["result"] == [] and 0.25 < time.monotonic() - began < 2
    assert not [t.name for t in threading.enumerate() if t.name.startswith("FakeBotApi")]


def test_errors_are_telegram_errors() -> None:
    with FakeBotApi(TOKEN) as api:
        assert _call(api, "getMe", token="999:WRONG") == (
            401,
            {"ok": False, "error_code": 401, "description": "Unauthorized"},
        )
        assert _call(api, "sendSticker", chat_id=USER) == (
            404,
            {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
        )
        assert ("sendSticker", {"chat_id": USER}) in api.calls

        status, body = _call(api, "sendMessage", chat_id=USER, text="hi")
        assert (status, body["description"]) == (400, "Bad Request: chat not found")

        api.send_text(USER, "hi")
        status, body = _call(
            api,
            "sendMessage",
            chat_id=USER,
            text="<b>Question</b> 1",
            parse_mode="HTML",
            reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
        )
        assert status == 200 and body["result"]["text"] == "Question 1"
        assert body["result"]["message_id"] == 2  # the user's message was 1
        assert api.calls_to("sendMessage")[-1]["reply_markup"] == {
            "inline_keyboard": [[{"text": "A", "callback_data": "a"}]]
        }

        status, body = _call(api, "editMessageText", chat_id=USER, message_id=99, text="x")
        assert (status, body["description"]) == (400, "Bad Request: message to edit not found")
        status, body = _call(api, "editMessageText", chat_id=USER, message_id=1, text="x")
        assert (status, body["description"]) == (400, "Bad Request: message can't be edited")

        status, body = _call(api, "editMessageReplyMarkup", chat_id=USER, message_id=2)
        assert status == 200 and "reply_markup" not in body["result"]
        status, body = _call(api, "editMessageReplyMarkup", chat_id=USER, message_id=2)
        assert status == 400 and body["description"].startswith("Bad Request: message is not modified")
        with pytest.raises(ValueError, match="no button"):
            api.press(USER, 2, "a")

        assert _call(api, "answerCallbackQuery", callback_query_id="1")[0] == 400

        commands = [{"command": "start", "description": "Start the questionnaire"}]
        assert _call(api, "setMyCommands", commands=commands) == (200, {"ok": True, "result": True})
        assert _call(api, "getMyCommands") == (200, {"ok": True, "result": commands})

        assert _call(api, "setWebhook", url="https://example.org/hook")[0] == 200
        assert api.webhook_url == "https://example.org/hook"
        assert _call(api, "getUpdates")[0] == 409
        assert _call(api, "deleteWebhook")[0] == 200

        api.fail_next("sendMessage", 429, retry_after=3)
        status, body = _call(api, "sendMessage", chat_id=USER, text="again")
        assert status == 429 and body["parameters"] == {"retry_after": 3}


@pytest.mark.asyncio
async def test_bot_errors_map_to_ptb_exceptions() -> None:
    with FakeBotApi(TOKEN) as api:
        async with _build_app(api).bot as bot:
            api.send_text(USER, "hi")
            with pytest.raises(BadRequest, match="Message to edit not found"):
                await bot.edit_message_text("x", chat_id=USER, message_id=77)
            await bot.leave_chat(USER)
        with pytest.raises(InvalidToken):
            async with _build_app(api, token="999:WRONG").bot:
                pass


def test_wait_for_times_out_with_a_dump() -> None:
    with FakeBotApi(TOKEN) as api:
        with pytest.raises(AssertionError, match="containing 'never'"):
            api.wait_for_message(USER, "never", timeout=0.1)


@pytest.mark.asyncio
@pytest.mark.parametrize("way", ["in process", "over HTTP"])
async def test_in_process_and_over_http_answer_alike(way: str) -> None:
    """The in-process request and the HTTP server reach the same fake: the same answers and refusals."""
    api = FakeBotApi(TOKEN)
    builder = ApplicationBuilder().token(TOKEN)
    if way == "over HTTP":
        api.start()
        builder = builder.base_url(api.base_url)
    else:
        builder = builder.request(api.request()).get_updates_request(api.request())
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A & B", callback_data="a")]])
    try:
        async with builder.build().bot as bot:
            api.message_update(USER, "hi")  # the user wrote first: the chat exists
            sent = await bot.send_message(
                USER, "<b>Q</b> 1 &amp; 2", parse_mode="HTML", reply_markup=keyboard
            )
            assert (sent.message_id, sent.text) == (2, "Q 1 & 2")
            assert sent.reply_markup == keyboard
            assert api.last(USER)["html"] == "<b>Q</b> 1 &amp; 2"
            assert api.buttons(api.last(USER)) == [("A & B", "a")]
            with pytest.raises(BadRequest, match="(?i)can't find end tag"):
                await bot.send_message(USER, "<b>open", parse_mode="HTML")
            with pytest.raises(BadRequest, match="too long"):
                await bot.send_message(USER, "x" * 4097)
            with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
                await bot.send_message(
                    USER,
                    "x",
                    reply_markup=InlineKeyboardMarkup(
                        [[InlineKeyboardButton("long", callback_data="d" * 65)]]
                    ),
                )
            press = api.press_update(USER, sent.message_id, "a")
            assert await bot.answer_callback_query(press["callback_query"]["id"])
            with pytest.raises(BadRequest, match="[Qq]uery is too old"):
                await bot.answer_callback_query(press["callback_query"]["id"])
            edited = await bot.edit_message_reply_markup(USER, sent.message_id)
            assert edited.reply_markup is None and api.keyboard(api.message(USER, sent.message_id)) == []
            with pytest.raises(BadRequest, match="[Mm]essage is not modified"):
                await bot.edit_message_reply_markup(USER, sent.message_id)
            api.fail_next("sendMessage", NetworkError("connection reset"))
            with pytest.raises(NetworkError) as failed:
                await bot.send_message(USER, "lost")
            assert not isinstance(failed.value, BadRequest)
            api.block(USER)
            with pytest.raises(Forbidden, match="(?i)blocked"):
                await bot.send_message(USER, "blocked")
        assert [m for m, _ in api.calls if m != "getMe"] == [
            "sendMessage",
            "sendMessage",
            "sendMessage",
            "sendMessage",
            "answerCallbackQuery",
            "answerCallbackQuery",
            "editMessageReplyMarkup",
            "editMessageReplyMarkup",
            "sendMessage",
            "sendMessage",
        ]
        assert [m["text"] for m in api.sent(USER)] == ["Q 1 & 2"]
    finally:
        api.close()
