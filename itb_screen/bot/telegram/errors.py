"""Errors: one error handler, retries of Bot API calls, and logs that never carry the token.

The error handler logs the exception with its traceback but never the update's text, the answers or
the token, and tells the user their answers are saved (they are: the dialogue commits before the bot
replies). `httpx` logs every request URL, and Bot API URLs contain the token, so its logger is set to
WARNING; `RedactingFormatter` removes the token from anything else that might quote a URL. `transitions`
logs every state change at INFO: WARNING too. python-telegram-bot quotes updates and request parameters
in some records (the body of an update its webhook cannot parse, at CRITICAL); `NoContentFilter` drops
those arguments, so no answer or typed text reaches the log at any level; a network failure it logs
with a traceback is one line naming the error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from numbers import Number
from typing import TypeVar

import httpx
from telegram import Bot, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from .render import Outgoing

log = logging.getLogger("itb_screen.telegram")

SORRY = "Something went wrong; your answers so far are saved. /resume shows the open question."

T = TypeVar("T")


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces secrets (the bot token) in the formatted record, traceback included."""

    def __init__(self, fmt: str | None, secrets: list[str]) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "[token]")
        return text


#: What stands in a python-telegram-bot record for an argument that might quote a chat.
OMITTED = "[content omitted]"
_WORDS = 64
#: The loggers whose lines are dropped below WARNING: request URLs (the token), state changes, the
#: reminder timer's every round.
_QUIET = ("httpx", "httpcore", "transitions", "apscheduler")
#: python-telegram-bot's loggers that quote updates: the webhook (an update it cannot parse), the bot
#: (getUpdates' result it cannot parse), the application (an update whose context failed).
_QUOTING = ("telegram.ext.Updater", "telegram.Bot", "telegram.ext.ExtBot", "telegram.ext.Application")


def _harmless(arg: object) -> bool:
    """Numbers, exceptions, and short words such as an endpoint's or a task's name; not JSON, not a
    URL, not an update or a dict of request parameters."""
    if isinstance(arg, str):  # "Network Retry Loop (Bootstrap Initialize Application):" is harmless
        return len(arg) <= _WORDS and not any(c in arg.removesuffix(":") for c in "{[/:\n")
    return isinstance(arg, Number | BaseException)


class NoContentFilter(logging.Filter):
    """Replaces the arguments of python-telegram-bot's records that might quote a chat by `OMITTED`
    (see `_harmless`). Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".")[0] != "telegram":
            return True
        if record.args:
            # A lone dict argument is stored as the args themselves (for %(key)s formatting).
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(a if _harmless(a) else OMITTED for a in args)
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, NetworkError):  # the network, not a bug: its name, not a traceback
            record.msg = f"{record.msg} ({type(error).__name__})"
            record.exc_info, record.exc_text = None, None
        return True


def configure_logging(token: str, level: int = logging.INFO) -> None:
    """Log to standard error, token redacted, python-telegram-bot's quotes of chats omitted; the noisy
    libraries quiet (see `quiet_http_logs`)."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", [token]))
    handler.addFilter(NoContentFilter())  # on the handler: it sees every logger's records
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_http_logs()


def quiet_http_logs() -> None:
    """httpx's request log (its URLs carry the token) and transitions' state changes at WARNING only;
    python-telegram-bot's quotes of updates omitted, whoever handles its records."""
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in _QUOTING:
        logger = logging.getLogger(name)
        if not any(isinstance(f, NoContentFilter) for f in logger.filters):
            logger.addFilter(NoContentFilter())


#: Transport failures after which the request cannot have reached Telegram: it was never sent.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def may_have_arrived(error: NetworkError) -> bool:
    """Whether Telegram may have received (and acted on) a request that failed with `error`.

    python-telegram-bot raises `TimedOut`/`NetworkError` from the httpx error that caused them. Only a
    refused or timed-out connection, or no free connection in the pool, proves the request was never
    sent; a read timeout (Telegram slow to answer), a dropped answer or a failed write may come after
    Telegram took the request. An error without an httpx cause comes from no transport: nothing sent."""
    cause = error.__cause__
    return isinstance(cause, httpx.HTTPError) and not isinstance(cause, _NOT_SENT)


async def with_retries(
    call: Callable[[], Awaitable[T]], attempts: int = 3, delay: float = 0.5, *, idempotent: bool = False
) -> T:
    """Run a Bot API call, retrying flood waits (`RetryAfter`: Telegram did nothing) and network failures
    (`TimedOut`, `NetworkError`); a `BadRequest` is not retried (it would fail the same way).

    A call that is not `idempotent` (sendMessage: each one is a new message) is not retried after a
    failure that may have reached Telegram (see `may_have_arrived`): the user would see it twice. Edits
    and answers to presses are idempotent and are retried after any network failure."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except BadRequest:
            raise
        except RetryAfter as error:
            if attempt == attempts:
                raise
            wait = error.retry_after
            await asyncio.sleep(wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait))
        except NetworkError as error:  # TimedOut is a NetworkError
            if attempt == attempts or (not idempotent and may_have_arrived(error)):
                raise
            log.warning(
                "Bot API call failed (%s), retry %d of %d", type(error).__name__, attempt, attempts - 1
            )
            await asyncio.sleep(delay * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


async def send_all(bot: Bot, chat_id: int, messages: Sequence[Outgoing], delay: float) -> None:
    """Send rendered messages in order, each with `with_retries` (a sendMessage is not idempotent)."""
    for out in messages:
        await with_retries(partial(bot.send_message, chat_id, out.text, reply_markup=out.markup), delay=delay)


def _describe(update: object) -> str:
    """Which update failed, without its content."""
    if isinstance(update, Update):
        kind = "callback_query" if update.callback_query else "message" if update.message else "other"
        return f"update {update.update_id} ({kind})"
    return type(update).__name__


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one error handler: log with traceback (no content, no token) and reassure the user."""
    error = context.error
    if isinstance(error, Forbidden):  # the user blocked the bot: nobody to tell
        log.warning("cannot write to the user of %s: %s", _describe(update), type(error).__name__)
        return
    if update is None and isinstance(error, NetworkError):  # polling met the network: PTB retries
        log.warning("Bot API unreachable while polling (%s); retrying", type(error).__name__)
        return
    log.error("error while handling %s", _describe(update), exc_info=error)
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    try:
        await with_retries(lambda: context.bot.send_message(chat.id, SORRY), attempts=2)
    except TelegramError as second:
        log.warning("could not tell the user about the error: %s", type(second).__name__)
