"""The Telegram bot in process on the fake Bot API: the harness of tests/test_telegram.py and of
benchmarks/telegram.py.

`Harness` builds the real Application (handlers, dialogue, SQLite file) with its network replaced by
`FakeBotApi.request()`, and feeds it updates built as Telegram sends them through
``await app.process_update(...)``. `Screening` plays one clinician screening one case by presses alone
(the generated reference or a typed /new REF, the age on the keypad, every answer tapped, Confirm and, with
gaps, Confirm anyway): it says which update their next press is, from what the bot last showed them, so a
test can check each step and the benchmark can interleave a thousand of them.
"""

from __future__ import annotations

import re
from itertools import count
from pathlib import Path

from telegram import Update

from itb_screen.bot.telegram import AccessList, Member, build_application
from itb_screen.criteria import QUESTIONS, QUESTIONS_BY_FIELD
from itb_screen.storage import Store

from .fake_bot_api import FakeBotApi

#: The check mark of a chosen option, and of the say-back lines on top of a message ("✓ Saved: ...").
CHECK = "\u2713"
_TYPED_SO_FAR = re.compile(r"Typed so far: (\d*)")


#: Update and query ids of forged presses, apart from the fake API's own.
_FORGED = count(30_000_000)


class Harness:
    """One bot on one database file, and the fake Bot API it talks to."""

    def __init__(self, db_path: Path, members: dict[int, Member], api: FakeBotApi | None = None) -> None:
        self.db_path, self.members = db_path, members
        self.api = api or FakeBotApi()
        self.app = None
        self.store: Store | None = None

    async def start(self) -> Harness:
        self.store = Store(self.db_path)
        self.app = build_application(
            self.api.token,
            self.store,
            AccessList(members=self.members),
            rate_limit=False,
            request=self.api.request(),
            get_updates_request=self.api.request(),
            retry_delay=0,
        )
        await self.app.initialize()
        return self

    async def __aenter__(self) -> Harness:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        await self.app.shutdown()
        self.app.bot_data["itb"].close()
        self.store.close()

    async def restart(self) -> None:
        """A new Application and a new Store on the same database file, as after a crash."""
        await self.stop()
        await self.start()

    async def feed(self, update: dict) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def send(self, user: int, text: str, **kwargs) -> None:
        await self.feed(self.api.message_update(user, text, **kwargs))

    async def tap(self, user: int, message_id: int, data: str) -> None:
        await self.feed(self.api.press_update(user, message_id, data))

    async def forge(self, user: int, data: str) -> str:
        """A press by `user` with callback data `data` on a message the bot never sent with it (forged, or
        copied from another chat's message); returns the query's id, to see it was answered."""
        number = next(_FORGED)
        query = {
            "id": str(number),
            "from": self.api.user(user),
            "message": {
                "message_id": 999_990,
                "from": self.api.bot_user,
                "chat": self.api.chats[user],
                "date": 0,
                "text": "forged",
            },
            "chat_instance": "1",
            "data": data,
        }
        self.api.queries[query["id"]] = False
        await self.feed({"update_id": number, "callback_query": query})
        return query["id"]

    async def tap_label(self, user: int, label: str, message: dict | None = None) -> dict:
        """Press the button labelled `label` (its check mark ignored) on `message` (default: `question`),
        as the message is now; returns the message pressed."""
        message = self.api.message(user, (message or self.question(user))["message_id"])
        await self.tap(user, message["message_id"], button(message, label))
        return message

    def question(self, user: int) -> dict:
        """The bot's latest message that has a keyboard: a question, the review, a notice with buttons, or a
        result with its Amend button."""
        return latest_with_keyboard(self.api, user)

    def texts(self, user: int) -> list[str]:
        return [m["text"] for m in self.api.sent(user)]


# Reading the bot's messages ------------------------------------------------------------------------
def latest_with_keyboard(api: FakeBotApi, user: int) -> dict:
    for message in reversed(api.sent(user)):
        if message.get("reply_markup"):
            return message
    raise AssertionError(f"no message with buttons\n{api.dump()}")


def button(message: dict, label: str) -> str:
    """The callback data of the button labelled `label` on `message` (a check mark ignored)."""
    for text, data in FakeBotApi.buttons(message):
        if text.removeprefix(CHECK + " ") == label:
            return data
    raise AssertionError(f"no button {label!r} on {message['text']!r}: {FakeBotApi.buttons(message)}")


def saved_lines(message: dict) -> list[str]:
    """The say-back lines ("✓ Saved: ...", "✓ Kept: ...", "✓ Cleared: ...") on top of a message, in
    italics."""
    said = []
    for line, source in zip(
        message["text"].split("\n"), (message.get("html") or "").split("\n"), strict=True
    ):
        if not (line.startswith(CHECK + " ") and source.startswith("<i>") and source.endswith("</i>")):
            break
        said.append(line.removeprefix(CHECK + " "))
    return said


def body(message: dict) -> str:
    """A message's text without the say-back lines on top."""
    return "\n".join(message["text"].split("\n")[len(saved_lines(message)) :])


def field_of(message: dict) -> str | None:
    """The field a question message asks (None for the review, a result or a notice)."""
    text = body(message)
    if "question" not in text.split("\n", 1)[0]:
        return None
    matches = [q for q in QUESTIONS if q.text in text]
    return max(matches, key=lambda q: len(q.text)).field if matches else None


def is_review(message: dict) -> bool:
    return body(message).startswith("Review case")


def control(message: dict, verb: str) -> str:
    """The callback data of the button of `message` with this verb (`f` confirm, `m` amend, `a` answer...)."""
    return next(data for _, data in FakeBotApi.buttons(message) if data.startswith(verb + ":"))


# One clinician screening one case by presses alone -------------------------------------------------
class Screening:
    """`next_step()` is (kind, update) for the press (or /new) that comes next, or None once the result is
    shown (or, with `stop_at_review`, the review). Kinds: new, reference, digit, ok, answer, toggle, done,
    skip, confirm, anyway."""

    def __init__(
        self,
        api: FakeBotApi,
        user: int,
        answers: dict,
        ref: str | None = None,
        *,
        stop_at_review: bool = False,
        started: bool = False,
    ) -> None:
        """`ref` None: /new alone, then a tap on the generated reference it offers; `started`: the case is
        open already (begun by typing), carry on from the message on screen."""
        self.api, self.user, self.answers, self.ref = api, user, answers, ref
        self.stop_at_review, self.started = stop_at_review, started

    def _press(self, kind: str, message: dict, label: str) -> tuple[str, dict]:
        return kind, self.api.press_update(self.user, message["message_id"], button(message, label))

    def next_step(self) -> tuple[str, dict] | None:
        api = self.api
        if not self.started:
            self.started = True
            return "new", api.message_update(self.user, f"/new {self.ref}" if self.ref else "/new")
        message = latest_with_keyboard(api, self.user)
        labels = [text for text, _ in api.buttons(message)]
        if labels == ["Amend"]:
            return None  # the result
        if any(label.startswith("Use ITB-") for label in labels):
            return self._press("reference", message, next(lb for lb in labels if lb.startswith("Use ITB-")))
        if "Confirm anyway" in labels:
            return self._press("anyway", message, "Confirm anyway")
        if is_review(message):
            return None if self.stop_at_review else self._press("confirm", message, "Confirm")
        field = field_of(message)
        if field is None:
            raise AssertionError(f"neither a question nor the review: {message['text']!r}")
        question = QUESTIONS_BY_FIELD[field]
        value = self.answers.get(field)
        if value is None:
            return self._press("skip", message, "Skip")
        if question.kind == "number":
            typed = _TYPED_SO_FAR.search(message["text"])
            so_far = typed.group(1) if typed else ""
            if so_far == str(value):
                return self._press("ok", message, "OK")
            return self._press("digit", message, str(value)[len(so_far)])
        if question.kind == "one":
            return self._press("answer", message, question.option(value).label)
        checked = {text.removeprefix(CHECK + " ") for text in labels if text.startswith(CHECK + " ")}
        for code in value:
            if question.option(code).label not in checked:
                return self._press("toggle", message, question.option(code).label)
        return self._press("done", message, "Done")
