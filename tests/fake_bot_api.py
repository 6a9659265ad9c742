"""A fake Telegram Bot API: one implementation, reached in process or over HTTP.

`FakeBotApi` plays the Bot API server: chats, messages, inline keyboards, callback queries, commands,
the webhook and the update queue. It answers as Telegram does (``{"ok": true, "result": ...}``, dates in
seconds, Telegram's status codes and error descriptions: HTML that does not parse, a message over 4,096
characters, a message not modified, callback data over 64 bytes, a query answered twice...) and records
every call. Two ways in, to the same `handle`:

- in process: ``api.request()`` is a python-telegram-bot ``BaseRequest`` that hands each call straight to
  the fake (no sockets, no threads); the tests feed updates to ``await app.process_update(...)`` (see
  tests/telegram_offline.py, the harness shared with benchmarks/telegram.py);
- over HTTP: ``with FakeBotApi() as api:`` serves it on 127.0.0.1 (``api.base_url`` for
  ``TELEGRAM_API_BASE_URL``), long polling and all, for `itb-screen run` as a real process::

      with FakeBotApi() as api:
          env["TELEGRAM_API_BASE_URL"] = api.base_url  # "http://127.0.0.1:PORT/bot"
          ...start the bot...
          api.send_text(42, "/start")
          msg = api.wait_for_message(42, "Welcome")
          api.press(42, msg["message_id"], "yes")

Updates are built as Telegram sends them: ``message_update``/``press_update`` return one (in process),
``send_text``/``press`` queue it for getUpdates (over HTTP). Stored messages are never changed in place:
an edit stores a new dict, so a message read from `sent`, `message` or `messages` is a snapshot that
other threads do not change under the reader. They carry the HTML source the bot sent under ``"html"``
(Telegram would send entities instead); responses leave it out.

Methods served: getMe, getUpdates (long polling), sendMessage, editMessageText, editMessageReplyMarkup,
answerCallbackQuery, setMyCommands, getMyCommands, deleteWebhook, setWebhook, getWebhookInfo, leaveChat.
Any other method is recorded and answered ``404 Not Found: method not found``, as Telegram does.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import html
import itertools
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from telegram.request import BaseRequest, RequestData

__all__ = ["ApiError", "FakeBotApi", "FakeRequest", "TOKEN", "parse_html"]

TOKEN = "123456:TEST-token_fake"
MAX_TEXT = 4096
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_PATH_RE = re.compile(r"^/bot(?P<token>[^/]*)/(?P<method>[^/]*)$")
_KNOWN_METHODS = (
    "getMe",
    "getUpdates",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "setMyCommands",
    "getMyCommands",
    "deleteWebhook",
    "setWebhook",
    "getWebhookInfo",
    "leaveChat",
)
_METHOD_BY_LOWER = {name.lower(): name for name in _KNOWN_METHODS}  # method names are case-insensitive
_KNOWN = frozenset(_KNOWN_METHODS)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(f"{code} {description}")
        self.code, self.description, self.parameters = code, description, parameters

    def payload(self) -> dict:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


# HTML parse mode, as strict as Telegram -----------------------------------------------------------
_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
_HTML_TOKEN_RE = re.compile(r"<(/?)([a-zA-Z-]+)([^<>]*)>|&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<>&]")


def parse_html(text: str) -> str:
    """The text Telegram shows for `text` in HTML parse mode; ApiError where Telegram refuses it."""
    shown, stack, pos = [], [], 0
    for match in _HTML_TOKEN_RE.finditer(text):
        shown.append(text[pos : match.start()])
        pos = match.end()
        closing, tag, entity = match.group(1), match.group(2), match.group(4)
        offset = len(text[: match.start()].encode())
        if tag is not None:
            tag = tag.lower()
            if tag not in _TAGS:
                raise _bad_request(
                    f'can\'t parse entities: Unsupported start tag "{tag}" at byte offset {offset}'
                )
            if closing:
                if not stack or stack[-1] != tag:
                    raise _bad_request(f"can't parse entities: Unexpected end tag at byte offset {offset}")
                stack.pop()
            else:
                stack.append(tag)
        elif entity is not None:
            shown.append(html.unescape(match.group(0)))
        else:
            raise _bad_request(
                f"can't parse entities: Can't find end of the entity starting at byte offset {offset}"
            )
    shown.append(text[pos:])
    if stack:
        raise _bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return "".join(shown)


def _utf16(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _now() -> int:
    return int(time.time())


def _inline_keyboard(markup: Any) -> dict | None:
    """Check a reply_markup as Telegram does; the inline keyboard a message then carries (None: none)."""
    if markup is None:
        return None
    if isinstance(markup, str):
        try:
            markup = json.loads(markup)
        except ValueError:
            raise _bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return None  # a reply keyboard: visible in the calls, not on the message
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request("can't parse inline keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise _bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise _bad_request("BUTTON_DATA_INVALID")
    return markup if any(rows) else None


def _public(message: dict) -> dict:
    """A stored message as the Bot API returns it (without the HTML source kept for the tests)."""
    return {key: value for key, value in message.items() if key != "html"}


class FakeBotApi:
    """The Bot API for one bot token; ``with FakeBotApi() as api:`` also serves it over HTTP."""

    def __init__(
        self,
        token: str = TOKEN,
        *,
        bot_first_name: str = "ITB Screen Test Bot",
        bot_username: str = "itb_screen_test_bot",
    ) -> None:
        if not _TOKEN_RE.match(token):
            raise ValueError(f"not a Bot API token: {token!r}")
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        #: Every call, in order: (method, params), JSON fields decoded. Appended to, never rewritten.
        self.calls: list[tuple[str, dict[str, Any]]] = []
        #: chat id -> message id -> the message as it is now (replaced, never changed, on an edit).
        self.messages: dict[int, dict[int, dict[str, Any]]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        #: callback query id -> answered yet.
        self.queries: dict[str, bool] = {}
        #: chats the bot left.
        self.left: set[int] = set()
        #: In process: None answers at once, without yielding to the event loop; a number of seconds (0
        #: included) makes each call wait that long, as on a network, so other updates go on meanwhile.
        self.latency: float | None = None
        self._cond = threading.Condition(threading.RLock())
        self._bot_message_ids: dict[int, dict[int, None]] = {}  # chat -> the bot's message ids, in order
        self._next_message_id: dict[int, int] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._blocked: set[int] = set()
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._webhook = ""
        self._failures: list[tuple[str, BaseException]] = []
        self._updates: list[dict[str, Any]] = []  # queued for getUpdates, in update_id order
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self._poll_generation = 0
        self._closing = False
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # In process -------------------------------------------------------------------------------
    def request(self) -> FakeRequest:
        """python-telegram-bot's network replaced by this fake (``ApplicationBuilder().request(...)``)."""
        return FakeRequest(self)

    # Over HTTP --------------------------------------------------------------------------------
    def start(self) -> FakeBotApi:
        if self._server is not None:
            raise RuntimeError("FakeBotApi already started")
        self._closing = False
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="FakeBotApi-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        with self._cond:
            self._closing = True  # long polls answer at once
            self._notify()
        server.shutdown()
        assert thread is not None
        thread.join()
        with server.track_lock:
            connections, threads = list(server.open_connections), list(server.handler_threads)
        for conn in connections:  # wake handlers blocked reading a keep-alive connection
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        stuck = []
        for handler in threads:
            handler.join(timeout=5)
            if handler.is_alive():
                stuck.append(handler.name)
        self._server = self._thread = None
        if stuck:
            raise RuntimeError(f"FakeBotApi handler threads did not stop: {stuck}")

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeBotApi not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """For ``TELEGRAM_API_BASE_URL`` / ``ApplicationBuilder().base_url(...)``."""
        return f"http://127.0.0.1:{self.port}/bot"

    # Updates as Telegram sends them -----------------------------------------------------------
    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """A Telegram user (remembered; the names given update it)."""
        with self._cond:
            user = dict(
                self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
            )
            for key, value in (
                ("first_name", first_name),
                ("last_name", last_name),
                ("username", username),
                ("language_code", language_code),
            ):
                if value is not None:
                    user[key] = value
            self._users[user_id] = user
            return user

    def _take_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def message_update(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        chat_title: str = "Ward team",
    ) -> dict[str, Any]:
        """A ``message`` update: `user_id` wrote `text` (in their private chat, or a group `chat_id` < 0)."""
        if chat_type == "private":
            if chat_id is not None and chat_id != user_id:
                raise ValueError("a private chat's id is the user's id")
            chat_id = user_id
        elif chat_id is None or chat_id >= 0:
            raise ValueError(f"a {chat_type} chat needs an explicit negative chat_id")
        with self._cond:
            user = self.user(
                user_id, first_name, last_name=last_name, username=username, language_code=language_code
            )
            if chat_type == "private":
                chat = {"id": chat_id, "first_name": user["first_name"], "type": "private"}
                chat.update((key, user[key]) for key in ("last_name", "username") if key in user)
            else:
                chat = {"id": chat_id, "title": chat_title, "type": chat_type}
            self.chats[chat_id] = chat
            message: dict[str, Any] = {
                "message_id": self._take_message_id(chat_id),
                "from": user,
                "chat": chat,
                "date": _now(),
                "text": text,
            }
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0] if text.strip() else text
                message["entities"] = [{"offset": 0, "length": _utf16(command), "type": "bot_command"}]
            self.messages.setdefault(chat_id, {})[message["message_id"]] = message
            return {"update_id": next(self._update_ids), "message": dict(message)}

    def press_update(self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None) -> dict:
        """A ``callback_query`` update: `user_id` pressed the button with `data` on a bot message in their
        chat (or in `chat_id`). The button must be on the message's current keyboard, as on Telegram."""
        chat_id = user_id if chat_id is None else chat_id
        with self._cond:
            message = self.messages.get(chat_id, {}).get(message_id)
            if message is None or message_id not in self._bot_message_ids.get(chat_id, ()):
                raise ValueError(f"no bot message {message_id} in chat {chat_id}")
            available = [data for _, data in self.buttons(message)]
            if data not in available:
                raise ValueError(
                    f"message {message_id} in chat {chat_id} has no button {data!r}: {available}"
                )
            return self._query_update(user_id, _public(message), data, str(7919 * abs(chat_id)))

    def stranger_press_update(self, user_id: int, message_id: int, chat_id: int, data: str) -> dict:
        """A press by `user_id` on a message of `chat_id` that reached their own chat (e.g. forwarded)."""
        with self._cond:
            message = _public(self.messages[chat_id][message_id])
            self.chats.setdefault(user_id, {"id": user_id, "type": "private", "first_name": f"User{user_id}"})
            message["chat"] = self.chats[user_id]
            return self._query_update(user_id, message, data, "1")

    def _query_update(self, user_id: int, message: dict, data: str, chat_instance: str) -> dict:
        query_id = str(next(self._query_ids))
        self.queries[query_id] = False
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": query_id,
                "from": self.user(user_id),
                "message": message,
                "chat_instance": chat_instance,
                "data": data,
            },
        }

    def adopt(self, update: dict) -> None:
        """Know an update built by another fake (a benchmark replaying recorded updates): its chat and user,
        the user's message under its id, its callback query as not yet answered."""
        with self._cond:
            if "message" in update:
                message = update["message"]
                chat_id = message["chat"]["id"]
                self.chats[chat_id] = message["chat"]
                self._users[message["from"]["id"]] = message["from"]
                self.messages.setdefault(chat_id, {})[message["message_id"]] = message
                self._next_message_id[chat_id] = max(
                    self._next_message_id.get(chat_id, 1), message["message_id"] + 1
                )
            elif "callback_query" in update:
                query = update["callback_query"]
                self.chats.setdefault(query["message"]["chat"]["id"], query["message"]["chat"])
                self.queries[query["id"]] = False

    def queue(self, update: dict) -> int:
        """Queue an update for getUpdates; its update id."""
        with self._cond:
            self._updates.append(update)
            self._notify()
            return update["update_id"]

    def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str | None = None,
        **kwargs: Any,
    ) -> int:
        """Queue a `message_update` for getUpdates; its update id."""
        return self.queue(
            self.message_update(
                user_id, text, chat_id=chat_id, chat_type=chat_type, first_name=first_name, **kwargs
            )
        )

    def press(self, user_id: int, message_id: int, data: str, chat_id: int | None = None) -> int:
        """Queue a `press_update` for getUpdates; its update id."""
        return self.queue(self.press_update(user_id, message_id, data, chat_id=chat_id))

    def take_updates(self) -> list[dict[str, Any]]:
        """Remove and return the queued updates: a test delivers them itself (to a webhook)."""
        with self._cond:
            taken, self._updates = self._updates, []
            return taken

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._cond:
            return list(self._updates)

    # Making calls fail ------------------------------------------------------------------------
    def block(self, user_id: int) -> None:
        """The user blocks the bot: sending to their chat answers 403 like Telegram."""
        with self._cond:
            self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        """The user opens the chat (again): the bot may write to them."""
        with self._cond:
            self._blocked.discard(user_id)

    def fail_next(
        self,
        method: str,
        error: BaseException | int = 429,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Make the next call of `method` fail: with an error answer (a status code, e.g. 429 flood control
        with `retry_after`, or an `ApiError`), or with another exception, which in process is raised by the
        request (a python-telegram-bot `NetworkError`, `TimedOut`) and over HTTP drops the connection."""
        if isinstance(error, int):
            if description is None:
                description = {
                    429: f"Too Many Requests: retry after {retry_after or 1}",
                    400: "Bad Request",
                    403: "Forbidden",
                    500: "Internal Server Error",
                }.get(error, "Error")
            error = ApiError(error, description, {"retry_after": retry_after or 1} if error == 429 else None)
        elif not isinstance(error, ApiError):
            error.fake_bot_api_failure = True  # over HTTP: drop the connection (not a bug of the fake)
        with self._cond:
            self._failures.append((_METHOD_BY_LOWER.get(method.lower(), method), error))

    # Inspecting -------------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """The params of every call of `method`, in order."""
        return [params for name, params in list(self.calls) if name == method]

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in `chat_id`, in order, as they are now (after edits)."""
        with self._cond:
            chat = self.messages.get(chat_id, {})
            return [chat[mid] for mid in self._bot_message_ids.get(chat_id, ())]

    def last(self, chat_id: int) -> dict[str, Any]:
        """The bot's latest message in `chat_id`."""
        sent = self.sent(chat_id)
        if not sent:
            raise AssertionError(f"the bot sent nothing to chat {chat_id}\n{self.dump()}")
        return sent[-1]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """A message as it is now."""
        with self._cond:
            return self.messages[chat_id][message_id]

    @staticmethod
    def keyboard(message: dict) -> list[list[tuple[str, str | None]]]:
        """A message's inline keyboard as rows of (text, callback_data)."""
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        return [[(b.get("text"), b.get("callback_data")) for b in row] for row in rows]

    @classmethod
    def buttons(cls, message: dict) -> list[tuple[str, str | None]]:
        """A message's buttons, row by row, as (text, callback_data)."""
        return [button for row in cls.keyboard(message) for button in row]

    @property
    def webhook_url(self) -> str:
        with self._cond:
            return self._webhook

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The commands set with setMyCommands for `scope` (the default scope if None)."""
        with self._cond:
            return list(self._commands.get(self._commands_key(scope, language_code), []))

    def dump(self, last_calls: int = 30) -> str:
        """A readable state dump, for assertion messages."""
        with self._cond:
            calls = list(self.calls)
            lines = [f"last {min(last_calls, len(calls))} of {len(calls)} calls:"]
            for method, params in calls[-last_calls:]:
                if method != "getUpdates":
                    lines.append(f"  {method} {json.dumps(params, ensure_ascii=False)[:300]}")
            for chat_id, ids in self._bot_message_ids.items():
                lines.append(f"bot messages in chat {chat_id}:")
                for mid in ids:
                    message = self.messages[chat_id][mid]
                    lines.append(
                        f"  #{mid} {message.get('text', '')[:200]!r} "
                        f"buttons={[data for _, data in self.buttons(message)]}"
                    )
            lines.append(f"pending updates: {[u['update_id'] for u in self._updates]}")
            return "\n".join(lines)

    # Waiting (over HTTP, the bot answers on its own time) --------------------------------------
    def _notify(self) -> None:
        """Under the lock: wake synchronous and asynchronous waiters."""
        self._cond.notify_all()
        for loop, event in list(self._async_waiters):
            with contextlib.suppress(RuntimeError):  # loop closed
                loop.call_soon_threadsafe(event.set)

    def wait_for(self, predicate: Callable[[FakeBotApi], Any], timeout: float = 10, message: str = "") -> Any:
        """Block until ``predicate(api)`` is truthy and return its value; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate(self)
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {message or predicate}\n{self.dump()}"
                    )
                self._cond.wait(min(remaining, 0.5))

    async def wait_for_async(
        self, predicate: Callable[[FakeBotApi], Any], timeout: float = 10, message: str = ""
    ) -> Any:
        """`wait_for` for the event loop the bot runs in: awaits instead of blocking it."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        waiter = (loop, event)
        deadline = loop.time() + timeout
        with self._cond:
            self._async_waiters.add(waiter)
        try:
            while True:
                event.clear()
                with self._cond:
                    value = predicate(self)
                if value:
                    return value
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {message or predicate}\n{self.dump()}"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), min(remaining, 0.5))
        finally:
            with self._cond:
                self._async_waiters.discard(waiter)

    def _find_message(self, chat_id: int, contains: str, after: int) -> dict[str, Any] | None:
        for message in reversed(self.sent(chat_id)):
            if message["message_id"] > after and contains in message.get("text", ""):
                return message
        return None

    def wait_for_message(self, chat_id: int, contains: str, timeout: float = 10, *, after: int = 0) -> dict:
        """The latest bot message in `chat_id` whose current text contains `contains`, with a message id
        above `after`; waits up to `timeout` seconds for it."""
        return self.wait_for(
            lambda api: api._find_message(chat_id, contains, after),
            timeout,
            f"a bot message containing {contains!r} in chat {chat_id}",
        )

    async def wait_for_message_async(
        self, chat_id: int, contains: str, timeout: float = 10, *, after: int = 0
    ) -> dict:
        return await self.wait_for_async(
            lambda api: api._find_message(chat_id, contains, after),
            timeout,
            f"a bot message containing {contains!r} in chat {chat_id}",
        )

    # The Bot API ------------------------------------------------------------------------------
    def handle(self, method: str, params: dict[str, Any], *, wait: bool = True) -> Any:
        """One call: its result, or ApiError as Telegram answers it. `wait`: getUpdates may long-poll."""
        method = _METHOD_BY_LOWER.get(method.lower(), method)
        with self._cond:
            self.calls.append((method, params))
            for i, (name, error) in enumerate(self._failures):
                if name == method:
                    del self._failures[i]
                    self._notify()
                    raise error
            if method == "getUpdates":
                return self._get_updates(params, wait)
            handler = getattr(self, f"_api_{method}", None) if method in _KNOWN else None
            try:
                if handler is None:
                    raise ApiError(404, "Not Found: method not found")
                return handler(params)
            finally:
                self._notify()

    def _api_getMe(self, params: dict) -> dict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, params: dict, wait: bool) -> list[dict]:
        offset, limit, timeout = params.get("offset"), params.get("limit", 100), params.get("timeout", 0)
        if not isinstance(limit, int) or not isinstance(timeout, (int, float)):
            raise _bad_request("wrong parameter type")
        limit = max(1, min(100, limit))
        deadline = time.monotonic() + (max(0, timeout) if wait else 0)
        if self._webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older long poll still waiting gets its 409
        while True:
            if isinstance(offset, int) and offset < 0:
                self._updates, offset = self._updates[offset:], None
            if isinstance(offset, int):
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if self._updates:
                return self._updates[:limit]
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            remaining = deadline - time.monotonic()
            if self._closing or remaining <= 0:
                return []
            self._cond.wait(remaining)

    def _chat(self, params: dict) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        if chat_id not in self.chats:
            raise _bad_request("chat not found")
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.left:
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        return chat_id

    @staticmethod
    def _text(params: dict) -> str:
        text = params.get("text")
        text = "" if text is None else str(text)
        if params.get("parse_mode") == "HTML":
            text = parse_html(text)
        if not text.strip():
            raise _bad_request("message text is empty")
        if _utf16(text) > MAX_TEXT:
            raise _bad_request("message is too long")
        return text

    def _api_sendMessage(self, params: dict) -> dict:
        chat_id = self._chat(params)
        text, markup = self._text(params), _inline_keyboard(params.get("reply_markup"))
        message = {
            "message_id": self._take_message_id(chat_id),
            "from": self.bot_user,
            "chat": self.chats[chat_id],
            "date": _now(),
            "text": text,
        }
        if markup:
            message["reply_markup"] = markup
        self._bot_message_ids.setdefault(chat_id, {})[message["message_id"]] = None
        self.messages.setdefault(chat_id, {})[message["message_id"]] = {**message, "html": params.get("text")}
        return message

    def _editable(self, params: dict) -> tuple[int, dict]:
        if params.get("inline_message_id") is not None:
            raise _bad_request("inline messages are not supported by FakeBotApi")
        chat_id = self._chat(params)
        message_id = params.get("message_id")
        if isinstance(message_id, str) and message_id.isdigit():
            message_id = int(message_id)
        if not isinstance(message_id, int):
            raise _bad_request("message identifier is not specified")
        message = self.messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise _bad_request("message to edit not found")
        if message_id not in self._bot_message_ids.get(chat_id, ()):
            raise _bad_request("message can't be edited")
        return chat_id, message

    def _edit(self, chat_id: int, message: dict, text: str, source: str | None, markup: dict | None) -> dict:
        if text == message["text"] and markup == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        edited = {key: value for key, value in message.items() if key not in ("reply_markup", "html")}
        edited.update(text=text, edit_date=_now())
        if markup:
            edited["reply_markup"] = markup
        self.messages[chat_id][message["message_id"]] = {**edited, "html": source}
        return edited

    def _api_editMessageText(self, params: dict) -> dict:
        chat_id, message = self._editable(params)
        text, markup = self._text(params), _inline_keyboard(params.get("reply_markup"))
        return self._edit(chat_id, message, text, params.get("text"), markup)

    def _api_editMessageReplyMarkup(self, params: dict) -> dict:
        chat_id, message = self._editable(params)
        markup = _inline_keyboard(params.get("reply_markup"))
        return self._edit(chat_id, message, message["text"], message.get("html"), markup)

    def _api_answerCallbackQuery(self, params: dict) -> bool:
        query = str(params.get("callback_query_id"))
        if self.queries.get(query, True):
            raise _bad_request("query is too old and response timeout expired or query ID is invalid")
        self.queries[query] = True
        return True

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        return json.dumps(scope or {"type": "default"}, sort_keys=True), str(language_code or "")

    def _api_setMyCommands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise _bad_request(
                    "BOT_COMMAND_DESCRIPTION_INVALID"
                    if command.get("description")
                    else "command description is empty"
                )
        self._commands[self._commands_key(params.get("scope"), params.get("language_code"))] = commands
        return True

    def _api_getMyCommands(self, params: dict) -> list:
        return self._commands.get(self._commands_key(params.get("scope"), params.get("language_code")), [])

    def _api_deleteWebhook(self, params: dict) -> bool:
        self._webhook = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_setWebhook(self, params: dict) -> bool:
        url = str(params.get("url", ""))
        if url and not url.startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook = url
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_getWebhookInfo(self, params: dict) -> dict:
        return {
            "url": self._webhook,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _api_leaveChat(self, params: dict) -> bool:
        self.left.add(self._chat(params))
        return True


# In process: python-telegram-bot's request class ---------------------------------------------------
class FakeRequest(BaseRequest):
    """Each call goes to the `FakeBotApi`'s `handle` with its parameters as python-telegram-bot built them,
    and its answer comes back as the JSON bytes Telegram would send; no sockets."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=None,
        write_timeout=None,
        connect_timeout=None,
        pool_timeout=None,
    ) -> tuple[int, bytes]:
        head, token, name = url.rsplit("/", 2)
        if self.api.latency is not None:
            await asyncio.sleep(self.api.latency)
        if token.removeprefix("bot") != self.api.token:
            return 401, b'{"ok": false, "error_code": 401, "description": "Unauthorized"}'
        params = request_data.parameters if request_data is not None else {}
        try:
            result = self.api.handle(name, params, wait=False)
        except ApiError as error:
            return error.code, json.dumps(error.payload()).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()


# Over HTTP: a threading server in front of the same fake -------------------------------------------
# Parameters that arrive JSON-encoded inside a form field, and those that are numbers or booleans.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "media",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "user_id",
        "from_chat_id",
        "message_thread_id",
        "reply_to_message_id",
        "cache_time",
        "max_connections",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "allow_paid_broadcast",
    }
)


def _coerce(name: str, value: Any) -> Any:
    """One form-encoded value as the type the Bot API means by it."""
    if not isinstance(value, str):
        return value
    if name in _JSON_FIELDS:
        with contextlib.suppress(ValueError):
            return json.loads(value)
        return value
    if name in _INT_FIELDS:
        with contextlib.suppress(ValueError):
            return int(value)
        return value
    if name == "timeout":
        for kind in (int, float):
            with contextlib.suppress(ValueError):
                return kind(value)
        return value
    if name in _BOOL_FIELDS and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


class _Server(ThreadingHTTPServer):
    """Tracks its connections and handler threads so that `FakeBotApi.close` can end them all."""

    daemon_threads = True
    block_on_close = False  # FakeBotApi.close joins the threads itself, with a deadline

    def __init__(self, api: FakeBotApi):
        self.api = api
        self.open_connections: set[socket.socket] = set()
        self.handler_threads: list[threading.Thread] = []
        self.track_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request, client_address):
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"FakeBotApi-conn-{client_address[1]}",
            daemon=True,
        )
        with self.track_lock:
            self.open_connections.add(request)
            self.handler_threads = [t for t in self.handler_threads if t.is_alive()]
            self.handler_threads.append(thread)
        thread.start()

    def shutdown_request(self, request):
        with self.track_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        # A client that hung up (e.g. PTB cancelling a long poll on stop) is no error here.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeBotApi/1.0"
    timeout = 30  # an idle keep-alive connection ends by itself eventually
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:
        self._dispatch(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._dispatch(self.rfile.read(length) if length else b"")

    def _params(self, body: bytes) -> dict[str, Any]:
        params: dict[str, Any] = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        ctype = (self.headers.get("Content-Type") or "").lower()
        if not body:
            pass
        elif ctype.startswith("application/json"):
            decoded = json.loads(body.decode("utf-8"))
            if not isinstance(decoded, dict):
                raise _bad_request("parameters must be a JSON object")
            params.update(decoded)
        elif ctype.startswith("multipart/form-data"):
            head = f"Content-Type: {self.headers['Content-Type']}\r\nMIME-Version: 1.0\r\n\r\n".encode()
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if not name:
                    continue
                payload = part.get_payload(decode=True) or b""
                if part.get_filename() is not None:
                    params[name] = {"filename": part.get_filename(), "size": len(payload)}
                else:
                    text = part.get_content_maintype() == "text"
                    params[name] = part.get_content() if text else payload.decode()
        else:  # application/x-www-form-urlencoded, or unspecified
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        return {name: _coerce(name, value) for name, value in params.items()}

    def _dispatch(self, body: bytes) -> None:
        api = self.server.api
        match = _PATH_RE.match(urlsplit(self.path).path)
        try:
            if match is None or not _TOKEN_RE.match(match["token"]):
                raise ApiError(404, "Not Found")
            if match["token"] != api.token:
                raise ApiError(401, "Unauthorized")
            try:
                params = self._params(body)
            except (ValueError, UnicodeDecodeError) as exc:
                raise _bad_request(f"can't parse request: {exc}") from None
            status, payload = 200, {"ok": True, "result": api.handle(match["method"], params)}
        except ApiError as error:
            status, payload = error.code, error.payload()
        except Exception as error:
            if not getattr(error, "fake_bot_api_failure", False):
                raise
            self.close_connection = True  # a failure set with fail_next: the connection drops
            return
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
