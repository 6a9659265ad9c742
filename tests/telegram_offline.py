"""Telegram without a network, for in-process tests and the benchmark.

`OfflineTelegram` plays the Bot API server: every call that python-telegram-bot makes through an
`OfflineRequest` (a `telegram.request.BaseRequest`) is recorded and answered as Telegram would answer it:
``{"ok": true, "result": ...}`` or the error Telegram gives (HTML that does not parse, a message over 4,096
characters, a message not modified, callback data over 64 bytes, a query answered twice...). It also
builds updates as Telegram sends them (`message`, `press`), to feed to ``await app.process_update(...)``.
"""

from __future__ import annotations

import copy
import html
import itertools
import json
import re
import time
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

TOKEN = "123456:TEST-token_offline"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "ITB Screen", "username": "itb_screen_bot"}
MAX_TEXT = 4096
_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
         "pre", "blockquote", "tg-emoji"}
_TOKEN_RE = re.compile(r"<(/?)([a-zA-Z-]+)([^<>]*)>|&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<>&]")


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


def parse_html(text: str) -> str:
    """The text Telegram shows for `text` in HTML parse mode; ApiError where Telegram refuses it."""
    shown, stack, pos = [], [], 0
    for match in _TOKEN_RE.finditer(text):
        shown.append(text[pos:match.start()])
        pos = match.end()
        closing, tag, entity = match.group(1), match.group(2), match.group(4)
        if tag is not None:
            tag = tag.lower()
            if tag not in _TAGS:
                raise ApiError(400, f"Bad Request: can't parse entities: Unsupported start tag \"{tag}\" "
                                    f"at byte offset {len(text[:match.start()].encode())}")
            if closing:
                if not stack or stack[-1] != tag:
                    raise ApiError(400, f"Bad Request: can't parse entities: Unexpected end tag at byte offset "
                                        f"{len(text[:match.start()].encode())}")
                stack.pop()
            else:
                stack.append(tag)
        elif entity is not None:
            shown.append(html.unescape(match.group(0)))
        else:
            raise ApiError(400, "Bad Request: can't parse entities: Can't find end of the entity starting at "
                                f"byte offset {len(text[:match.start()].encode())}")
    shown.append(text[pos:])
    if stack:
        raise ApiError(400, f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
                            f"\"{stack[-1]}\"")
    return "".join(shown)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class OfflineTelegram:
    """The Bot API server's side: chats, messages, callback queries, and a record of every call."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.messages: dict[int, dict[int, dict]] = {}  # chat -> message id -> message
        self.bot_messages: dict[int, list[int]] = {}
        self.chats: dict[int, dict] = {}
        self.users: dict[int, dict] = {}
        self.queries: dict[str, bool] = {}  # id -> answered
        self.left: set[int] = set()
        self.commands: dict[str, list] = {}
        self.failures: list[tuple[str, BaseException | ApiError]] = []
        self.record = True
        #: Benchmark floor: edits and query answers are answered without checking the chat's state.
        self.replay = False
        self._next_id: dict[int, int] = {}
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(5_000_000)

    def request(self) -> "OfflineRequest":
        return OfflineRequest(self)

    # Updates as Telegram sends them -------------------------------------------------------------
    def _take_id(self, chat_id: int) -> int:
        self._next_id[chat_id] = self._next_id.get(chat_id, 0) + 1
        return self._next_id[chat_id]

    def _user(self, user_id: int, first_name: str | None = None) -> dict:
        user = self.users.setdefault(user_id, {"id": user_id, "is_bot": False,
                                               "first_name": first_name or f"User{user_id}",
                                               "language_code": "en"})
        return copy.deepcopy(user)

    def message_update(self, user_id: int, text: str, *, chat_id: int | None = None,
                       chat_type: str = "private", first_name: str | None = None) -> dict:
        user = self._user(user_id, first_name)
        if chat_type == "private":
            chat_id = user_id
            chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        else:
            assert chat_id is not None and chat_id < 0
            chat = {"id": chat_id, "type": chat_type, "title": "Ward team"}
        self.chats[chat_id] = chat
        message = {"message_id": self._take_id(chat_id), "from": user, "chat": chat,
                   "date": int(time.time()), "text": text}
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16(command)}]
        self.messages.setdefault(chat_id, {})[message["message_id"]] = message
        return {"update_id": next(self._update_ids), "message": copy.deepcopy(message)}

    def press_update(self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None) -> dict:
        chat_id = user_id if chat_id is None else chat_id
        message = self.messages[chat_id][message_id]
        available = [b.get("callback_data") for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                     for b in row]
        if data not in available:
            raise ValueError(f"message {message_id} has no button {data!r}: {available}")
        query_id = str(next(self._query_ids))
        self.queries[query_id] = False
        return {"update_id": next(self._update_ids),
                "callback_query": {"id": query_id, "from": self._user(user_id), "message": copy.deepcopy(message),
                                   "chat_instance": str(7919 * abs(chat_id)), "data": data}}

    def stranger_press_update(self, user_id: int, message_id: int, chat_id: int, data: str) -> dict:
        """A press by someone else on a message in `chat_id` (e.g. a forwarded keyboard)."""
        query_id = str(next(self._query_ids))
        self.queries[query_id] = False
        self.chats.setdefault(user_id, {"id": user_id, "type": "private", "first_name": f"User{user_id}"})
        message = copy.deepcopy(self.messages[chat_id][message_id])
        message["chat"] = self.chats[user_id]
        return {"update_id": next(self._update_ids),
                "callback_query": {"id": query_id, "from": self._user(user_id), "message": message,
                                   "chat_instance": "1", "data": data}}

    # Inspecting ---------------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[dict]:
        return [params for name, params in self.calls if name == method]

    def sent(self, chat_id: int) -> list[dict]:
        return [self.messages[chat_id][i] for i in self.bot_messages.get(chat_id, [])]

    def last(self, chat_id: int) -> dict:
        return self.sent(chat_id)[-1]

    def buttons(self, message: dict) -> list[tuple[str, str]]:
        return [(b["text"], b["callback_data"]) for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                for b in row]

    def fail_next(self, method: str, error: BaseException | ApiError) -> None:
        self.failures.append((method, error))

    # The Bot API --------------------------------------------------------------------------------
    def handle(self, method: str, params: dict) -> Any:
        if self.record:
            self.calls.append((method, copy.deepcopy(params)))
        for i, (name, error) in enumerate(self.failures):
            if name == method:
                del self.failures[i]
                raise error
        if self.replay and method in ("editMessageText", "editMessageReplyMarkup", "answerCallbackQuery"):
            return self._replayed(method, params)
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        return handler(params)

    def _replayed(self, method: str, params: dict) -> Any:
        if method == "answerCallbackQuery":
            return True
        chat_id = self._chat(params)
        message = {"message_id": params["message_id"], "from": dict(BOT_USER), "chat": self.chats[chat_id],
                   "date": int(time.time()), "text": self._text(params) if "text" in params else "(kept)"}
        markup = self._markup(params)
        if markup:
            message["reply_markup"] = markup
        return message

    def api_getMe(self, params: dict) -> dict:
        return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def api_getUpdates(self, params: dict) -> list:
        return []

    def api_deleteWebhook(self, params: dict) -> bool:
        return True

    def api_setMyCommands(self, params: dict) -> bool:
        for command in params["commands"]:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]) or not 1 <= len(command["description"]) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands[json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)] = params["commands"]
        return True

    def api_leaveChat(self, params: dict) -> bool:
        self._chat(params)
        self.left.add(params["chat_id"])
        return True

    def _chat(self, params: dict) -> int:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        if chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.left:
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        return chat_id

    def _text(self, params: dict) -> str:
        text = params.get("text") or ""
        if params.get("parse_mode") == "HTML":
            text = parse_html(text)
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return text

    @staticmethod
    def _markup(params: dict) -> dict | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if not button.get("text") or data is None or not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup if markup.get("inline_keyboard") else None

    def api_sendMessage(self, params: dict) -> dict:
        chat_id = self._chat(params)
        text, markup = self._text(params), self._markup(params)
        message = {"message_id": self._take_id(chat_id), "from": dict(BOT_USER), "chat": self.chats[chat_id],
                   "date": int(time.time()), "text": text, "html": params.get("text")}
        if markup:
            message["reply_markup"] = markup
        self.messages.setdefault(chat_id, {})[message["message_id"]] = message
        self.bot_messages.setdefault(chat_id, []).append(message["message_id"])
        return self._public(message)

    @staticmethod
    def _public(message: dict) -> dict:
        return {k: v for k, v in copy.deepcopy(message).items() if k != "html"}

    def _editable(self, params: dict) -> dict:
        chat_id = self._chat(params)
        message = self.messages.get(chat_id, {}).get(params.get("message_id"))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["message_id"] not in self.bot_messages.get(chat_id, []):
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _edit(self, message: dict, text: str, source: str, markup: dict | None) -> dict:
        if text == message["text"] and markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and "
                                "reply markup are exactly the same as a current content and reply markup of the message")
        message.update(text=text, html=source, edit_date=int(time.time()))
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return self._public(message)

    def api_editMessageText(self, params: dict) -> dict:
        message = self._editable(params)
        return self._edit(message, self._text(params), params.get("text"), self._markup(params))

    def api_editMessageReplyMarkup(self, params: dict) -> dict:
        message = self._editable(params)
        return self._edit(message, message["text"], message.get("html"), self._markup(params))

    def api_answerCallbackQuery(self, params: dict) -> bool:
        query = str(params.get("callback_query_id"))
        if self.queries.get(query, True):
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.queries[query] = True
        return True


class OfflineRequest(BaseRequest):
    """python-telegram-bot's network, replaced: each call goes to an `OfflineTelegram`, no sockets."""

    def __init__(self, server: OfflineTelegram) -> None:
        self.server = server

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=None, write_timeout=None, connect_timeout=None,
                         pool_timeout=None) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[1]
        params = dict(request_data.parameters) if request_data is not None else {}
        try:
            result = self.server.handle(name, params)
            body: dict[str, Any] = {"ok": True, "result": result}
            status = 200
        except ApiError as error:
            status = error.code
            body = {"ok": False, "error_code": error.code, "description": error.description}
            if error.parameters:
                body["parameters"] = error.parameters
        return status, json.dumps(body).encode()


def to_update(data: dict, bot) -> Update:
    return Update.de_json(copy.deepcopy(data), bot)
