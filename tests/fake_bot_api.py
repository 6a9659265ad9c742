"""A small fake Telegram Bot API server on 127.0.0.1, for end-to-end tests.

Pure standard library: a ``ThreadingHTTPServer`` in a background thread, bound to an
ephemeral port. It speaks the Bot API as Telegram does (``{"ok": true, "result": ...}``,
dates in seconds, the same HTTP status codes and error descriptions), so a real
python-telegram-bot ``Application`` can run against it unchanged::

    with FakeBotApi() as api:
        os.environ["TELEGRAM_API_BASE_URL"] = api.base_url  # "http://127.0.0.1:PORT/bot"
        ...start the bot...
        api.send_text(42, "/start")
        msg = api.wait_for_message(42, "Welcome")
        api.press(42, msg["message_id"], "yes")

PTB builds its URLs as ``f"{base_url}{token}/{method}"`` and posts the parameters
form-encoded (``multipart/form-data`` when files are attached), each value JSON-encoded
except plain strings; GET query strings and ``application/json`` bodies are understood too.

Methods served: getMe, getUpdates (long polling), sendMessage, editMessageText,
editMessageReplyMarkup, answerCallbackQuery, setMyCommands, getMyCommands, deleteWebhook,
setWebhook, getWebhookInfo, leaveChat. Any other method is recorded and answered
``404 Not Found: method not found``, as Telegram does.

Fidelity notes: a message returned by Telegram carries ``reply_markup`` only for inline
keyboards (a reply keyboard is visible in :attr:`FakeBotApi.calls`, not in the message);
editing a message without ``reply_markup`` removes its inline keyboard; ``parse_mode="HTML"``
tags are stripped from the stored text (no entities are computed).

In ``async`` tests that run the bot in the same event loop, use the ``*_async`` waiting
helpers: the synchronous ones block the loop the bot needs to answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.parser
import email.policy
import html.parser
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

__all__ = ["FakeBotApi", "TelegramApiError"]

# Parameters that arrive JSON-encoded inside a form field.
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
_NUMBER_FIELDS = frozenset({"timeout"})
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
# Bot API method names are case-insensitive.
_METHOD_BY_LOWER = {name.lower(): name for name in _KNOWN_METHODS}

_PATH_RE = re.compile(r"^/bot(?P<token>[^/]*)/(?P<method>[^/]*)$")
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_MAX_TEXT = 4096
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "of the specified message are exactly the same as a current content and reply markup "
    "of the message"
)


class TelegramApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(description: str) -> TelegramApiError:
    return TelegramApiError(400, f"Bad Request: {description}")


class _HTMLText(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _strip_html(text: str) -> str:
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _now() -> int:
    return int(time.time())


def _coerce(name: str, value: Any) -> Any:
    """Turn one form-encoded value into the type the Bot API means by it."""
    if not isinstance(value, str):
        return value
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name in _INT_FIELDS:
        with contextlib.suppress(ValueError):
            return int(value)
        return value
    if name in _NUMBER_FIELDS:
        for kind in (int, float):
            with contextlib.suppress(ValueError):
                return kind(value)
        return value
    if name in _BOOL_FIELDS and value in ("true", "false", "True", "False"):
        return value.lower() == "true"
    return value


def _inline_keyboard(markup: Any) -> dict | None:
    """The markup as Telegram echoes it on a message: inline keyboards only."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


def _validate_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request("can't parse inline keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise _bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                raise _bad_request("BUTTON_DATA_INVALID")


class _Server(ThreadingHTTPServer):
    """Tracks its connections and handler threads so that ``close`` can end them all."""

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
        self._dispatch(body=b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self._dispatch(body=body)

    def _params(self, body: bytes) -> dict[str, Any]:
        query = urlsplit(self.path).query
        params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
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
                if part.get_filename() is not None:
                    params[name] = {"filename": part.get_filename(), "size": len(part.get_payload(decode=True) or b"")}
                else:
                    params[name] = part.get_content() if part.get_content_maintype() == "text" else (
                        (part.get_payload(decode=True) or b"").decode("utf-8")
                    )
        else:  # application/x-www-form-urlencoded, or unspecified
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        return {name: _coerce(name, value) for name, value in params.items()}

    def _dispatch(self, body: bytes) -> None:
        api = self.server.api
        match = _PATH_RE.match(urlsplit(self.path).path)
        try:
            if match is None or not _TOKEN_RE.match(match["token"]):
                raise TelegramApiError(404, "Not Found")
            if match["token"] != api.token:
                raise TelegramApiError(401, "Unauthorized")
            try:
                params = self._params(body)
            except (ValueError, UnicodeDecodeError) as exc:
                raise _bad_request(f"can't parse request: {exc}") from None
            result = api._handle(match["method"], params)
            status, payload = 200, {"ok": True, "result": result}
        except TelegramApiError as err:
            status, payload = err.code, err.payload()
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeBotApi:
    """A fake Bot API for token ``token``; ``with FakeBotApi() as api:`` starts and stops it."""

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        bot_first_name: str = "ITB Screen Test Bot",
        bot_username: str = "itb_screen_test_bot",
    ):
        if not _TOKEN_RE.match(token):
            raise ValueError(f"not a Bot API token: {token!r}")
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self._cond = threading.Condition(threading.RLock())
        self._calls: list[tuple[str, dict[str, Any]]] = []
        self._updates: list[dict[str, Any]] = []  # pending, in update_id order
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self._messages: dict[int, dict[int, dict[str, Any]]] = {}  # chat -> message_id -> message
        self._bot_message_ids: dict[int, list[int]] = {}
        self._next_message_id: dict[int, int] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._blocked: set[int] = set()
        self._queries: dict[str, dict[str, Any]] = {}  # id -> {"answered": bool, ...}
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._webhook: dict[str, Any] = {"url": ""}
        self._failures: list[tuple[str, TelegramApiError]] = []
        self._poll_generation = 0
        self._closing = False
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

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
            connections = list(server.open_connections)
            threads = list(server.handler_threads)
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

    # ------------------------------------------------------------------ injecting updates

    def _remember_user(self, user_id: int, first_name: str | None, last_name: str | None,
                       username: str | None, language_code: str | None) -> dict[str, Any]:
        user = dict(self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"})
        if first_name is not None:
            user["first_name"] = first_name
        for key, value in (("last_name", last_name), ("username", username), ("language_code", language_code)):
            if value is not None:
                user[key] = value
        self._users[user_id] = user
        return user

    def _take_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _queue(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, kind: payload})
        self._notify()
        return update_id

    def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        chat_title: str = "Test group",
    ) -> int:
        """Queue a ``message`` update: ``user_id`` wrote ``text``. Returns the update id."""
        if chat_type == "private":
            if chat_id is not None and chat_id != user_id:
                raise ValueError("a private chat's id is the user's id")
            chat_id = user_id
        elif chat_id is None:
            raise ValueError(f"a {chat_type} chat needs an explicit (negative) chat_id")
        with self._cond:
            user = self._remember_user(user_id, first_name, last_name, username, language_code)
            if chat_type == "private":
                chat = {"id": chat_id, "first_name": user["first_name"], "type": "private"}
                for key in ("last_name", "username"):
                    if key in user:
                        chat[key] = user[key]
            else:
                chat = {"id": chat_id, "title": chat_title, "type": chat_type}
            self._chats[chat_id] = chat
            message: dict[str, Any] = {
                "message_id": self._take_message_id(chat_id),
                "from": copy.deepcopy(user),
                "chat": copy.deepcopy(chat),
                "date": _now(),
                "text": text,
            }
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0] if text.strip() else text
                message["entities"] = [{"offset": 0, "length": _utf16_len(command), "type": "bot_command"}]
            self._messages.setdefault(chat_id, {})[message["message_id"]] = message
            return self._queue("message", copy.deepcopy(message))

    def press(self, user_id: int, message_id: int, data: str, chat_id: int | None = None) -> int:
        """Queue a ``callback_query``: ``user_id`` pressed the button with ``data`` on a bot message.

        The button must be on the message's current inline keyboard, as on Telegram.
        Returns the update id.
        """
        chat_id = user_id if chat_id is None else chat_id
        with self._cond:
            message = self._messages.get(chat_id, {}).get(message_id)
            if message is None or message_id not in self._bot_message_ids.get(chat_id, []):
                raise ValueError(f"no bot message {message_id} in chat {chat_id}")
            available = self._callback_data(message)
            if data not in available:
                raise ValueError(f"message {message_id} in chat {chat_id} has no button {data!r}; buttons: {available}")
            user = self._remember_user(user_id, None, None, None, None)
            query_id = str(next(self._query_ids))
            self._queries[query_id] = {"answered": False, "chat_id": chat_id, "message_id": message_id}
            query = {
                "id": query_id,
                "from": copy.deepcopy(user),
                "message": copy.deepcopy(message),
                "chat_instance": str(-(abs(chat_id) * 7919 + 1_000_003) if chat_id > 0 else abs(chat_id) * 7919 + 17),
                "data": data,
            }
            return self._queue("callback_query", query)

    @staticmethod
    def _callback_data(message: dict[str, Any]) -> list[str]:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sending to their chat answers 403 like Telegram."""
        with self._cond:
            self._blocked.add(user_id)

    def fail_next(self, method: str, code: int = 429, description: str | None = None,
                  retry_after: int | None = None) -> None:
        """Make the next call of ``method`` fail (e.g. 429 flood control with ``retry_after``)."""
        if description is None:
            description = {429: f"Too Many Requests: retry after {retry_after or 1}",
                           400: "Bad Request", 403: "Forbidden", 500: "Internal Server Error"}.get(code, "Error")
        parameters = {"retry_after": retry_after or 1} if code == 429 else None
        with self._cond:
            self._failures.append((_METHOD_BY_LOWER.get(method.lower(), method), TelegramApiError(code, description, parameters)))

    # ------------------------------------------------------------------ inspecting

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """Every request, in order: (method, params) with JSON fields decoded. A snapshot."""
        with self._cond:
            return copy.deepcopy(self._calls)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """The params of every call of ``method``, in order."""
        return [params for name, params in self.calls if name == method]

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in ``chat_id``, in order, as they are now (after edits)."""
        with self._cond:
            chat = self._messages.get(chat_id, {})
            return [copy.deepcopy(chat[mid]) for mid in self._bot_message_ids.get(chat_id, [])]

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        """The bot's latest message in ``chat_id`` (as it is now), or None."""
        sent = self.sent(chat_id)
        return sent[-1] if sent else None

    def buttons(self, chat_id: int, message_id: int) -> list[list[tuple[str, str | None]]]:
        """The inline keyboard of a message as rows of (text, callback_data)."""
        with self._cond:
            message = self._messages.get(chat_id, {}).get(message_id) or {}
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            return [[(b.get("text"), b.get("callback_data")) for b in row] for row in rows]

    def take_updates(self) -> list[dict[str, Any]]:
        """Remove and return the queued updates: a test delivers them itself (to a webhook)."""
        with self._cond:
            taken, self._updates = self._updates, []
            return taken

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._cond:
            return copy.deepcopy(self._updates)

    @property
    def webhook_url(self) -> str:
        with self._cond:
            return self._webhook["url"]

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The commands set with setMyCommands for ``scope`` (default scope if None)."""
        with self._cond:
            return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    def dump(self, last_calls: int = 30) -> str:
        """A readable state dump, for assertion messages."""
        with self._cond:
            lines = [f"last {min(last_calls, len(self._calls))} of {len(self._calls)} calls:"]
            for method, params in self._calls[-last_calls:]:
                if method == "getUpdates":
                    continue
                lines.append(f"  {method} {json.dumps(params, ensure_ascii=False)[:300]}")
            for chat_id, ids in self._bot_message_ids.items():
                lines.append(f"bot messages in chat {chat_id}:")
                for mid in ids:
                    msg = self._messages[chat_id][mid]
                    lines.append(f"  #{mid} {msg.get('text', '')[:200]!r} buttons={self._callback_data(msg)}")
            lines.append(f"pending updates: {[u['update_id'] for u in self._updates]}")
            return "\n".join(lines)

    # ------------------------------------------------------------------ waiting

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
                    raise AssertionError(f"timed out after {timeout}s waiting for {message or predicate}\n{self.dump()}")
                self._cond.wait(min(remaining, 0.5))

    async def wait_for_async(self, predicate: Callable[[FakeBotApi], Any], timeout: float = 10,
                             message: str = "") -> Any:
        """``wait_for`` for the event loop the bot runs in: awaits instead of blocking it."""
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
                    raise AssertionError(f"timed out after {timeout}s waiting for {message or predicate}\n{self.dump()}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), min(remaining, 0.5))
        finally:
            with self._cond:
                self._async_waiters.discard(waiter)

    def _find_message(self, chat_id: int, contains: str, after: int) -> dict[str, Any] | None:
        for msg in reversed(self.sent(chat_id)):
            if msg["message_id"] > after and contains in msg.get("text", ""):
                return msg
        return None

    def wait_for_message(self, chat_id: int, contains: str, timeout: float = 10, *, after: int = 0) -> dict[str, Any]:
        """The latest bot message in ``chat_id`` whose current text contains ``contains``,
        with a message_id above ``after``; waits up to ``timeout`` seconds for it."""
        return self.wait_for(lambda api: api._find_message(chat_id, contains, after), timeout,
                             f"a bot message containing {contains!r} in chat {chat_id}")

    async def wait_for_message_async(self, chat_id: int, contains: str, timeout: float = 10, *,
                                     after: int = 0) -> dict[str, Any]:
        return await self.wait_for_async(lambda api: api._find_message(chat_id, contains, after), timeout,
                                         f"a bot message containing {contains!r} in chat {chat_id}")

    # ------------------------------------------------------------------ the Bot API

    def _handle(self, raw_method: str, params: dict[str, Any]) -> Any:
        method = _METHOD_BY_LOWER.get(raw_method.lower(), raw_method)
        with self._cond:
            self._calls.append((method, copy.deepcopy(params)))
            self._notify()
            for i, (name, error) in enumerate(self._failures):
                if name == method:
                    del self._failures[i]
                    raise error
        if method == "getUpdates":
            return self._get_updates(params)  # takes the lock itself, to wait on it
        handler = getattr(self, f"_api_{method}", None) if method in _KNOWN_METHODS else None
        if handler is None:
            raise TelegramApiError(404, "Not Found: method not found")
        with self._cond:
            result = handler(params)
            self._notify()
            return result

    def _api_getMe(self, params: dict) -> dict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, params: dict) -> list[dict]:
        offset = params.get("offset")
        limit = params.get("limit", 100)
        timeout = params.get("timeout", 0)
        if not isinstance(limit, int) or not isinstance(timeout, (int, float)):
            raise _bad_request("wrong parameter type")
        limit = max(1, min(100, limit))
        deadline = time.monotonic() + max(0, timeout)
        with self._cond:
            if self._webhook["url"]:
                raise TelegramApiError(
                    409, "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first")
            self._poll_generation += 1
            generation = self._poll_generation
            self._notify()  # an older long poll still waiting gets its 409
            while True:
                if isinstance(offset, int) and offset < 0:
                    self._updates = self._updates[offset:]
                    offset = None
                if isinstance(offset, int):
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates:
                    return copy.deepcopy(self._updates[:limit])
                if generation != self._poll_generation:
                    raise TelegramApiError(
                        409, "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running")
                remaining = deadline - time.monotonic()
                if self._closing or remaining <= 0:
                    return []
                self._cond.wait(remaining)

    def _chat(self, params: dict) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise _bad_request("chat not found")
        if chat_id in self._blocked:
            raise TelegramApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    @staticmethod
    def _text(params: dict) -> str:
        text = params.get("text")
        if text is None or str(text).strip() == "":
            raise _bad_request("message text is empty")
        text = str(text)
        if params.get("parse_mode") == "HTML":
            text = _strip_html(text)
        if len(text) > _MAX_TEXT:
            raise _bad_request("message is too long")
        return text

    def _api_sendMessage(self, params: dict) -> dict:
        chat_id = self._chat(params)
        text = self._text(params)
        markup = params.get("reply_markup")
        _validate_markup(markup)
        message: dict[str, Any] = {
            "message_id": self._take_message_id(chat_id),
            "from": dict(self.bot_user),
            "chat": copy.deepcopy(self._chats[chat_id]),
            "date": _now(),
            "text": text,
        }
        if _inline_keyboard(markup):
            message["reply_markup"] = markup
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        self._bot_message_ids.setdefault(chat_id, []).append(message["message_id"])
        return copy.deepcopy(message)

    def _editable(self, params: dict) -> dict:
        if params.get("inline_message_id") is not None:
            raise _bad_request("inline messages are not supported by FakeBotApi")
        chat_id = self._chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _bad_request("message identifier is not specified")
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise _bad_request("message to edit not found")
        if message_id not in self._bot_message_ids.get(chat_id, []):
            raise _bad_request("message can't be edited")
        return message

    def _apply_edit(self, message: dict, text: str, markup: Any) -> dict:
        new_markup = _inline_keyboard(markup)
        if text == message.get("text") and new_markup == message.get("reply_markup"):
            raise _bad_request(_NOT_MODIFIED[len("Bad Request: "):])
        message["text"] = text
        if new_markup:
            message["reply_markup"] = new_markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = _now()
        return copy.deepcopy(message)

    def _api_editMessageText(self, params: dict) -> dict:
        message = self._editable(params)
        text = self._text(params)
        _validate_markup(params.get("reply_markup"))
        return self._apply_edit(message, text, params.get("reply_markup"))

    def _api_editMessageReplyMarkup(self, params: dict) -> dict:
        message = self._editable(params)
        _validate_markup(params.get("reply_markup"))
        return self._apply_edit(message, message.get("text", ""), params.get("reply_markup"))

    def _api_answerCallbackQuery(self, params: dict) -> bool:
        query = self._queries.get(str(params.get("callback_query_id")))
        if query is None or query["answered"]:
            raise _bad_request("query is too old and response timeout expired or query ID is invalid")
        query["answered"] = True
        return True

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    def _api_setMyCommands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID" if command.get("description") else
                                   "command description is empty")
        self._commands[self._commands_key(params.get("scope"), params.get("language_code"))] = commands
        return True

    def _api_getMyCommands(self, params: dict) -> list:
        return copy.deepcopy(self._commands.get(self._commands_key(params.get("scope"), params.get("language_code")), []))

    def _api_deleteWebhook(self, params: dict) -> bool:
        self._webhook = {"url": ""}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_setWebhook(self, params: dict) -> bool:
        url = params.get("url", "")
        if url and not str(url).startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook = {"url": str(url)}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_getWebhookInfo(self, params: dict) -> dict:
        return {"url": self._webhook["url"], "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    def _api_leaveChat(self, params: dict) -> bool:
        self._chat(params)
        return True
