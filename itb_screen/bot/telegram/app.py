"""The Telegram Application: built here, with its handlers, ordering, rate limiter and commands menu.

Concurrency. Updates of different users are processed concurrently (`concurrent_updates` with
`PerUserOrder`, a `BaseUpdateProcessor` that holds one `asyncio.Lock` per Telegram user, FIFO, so one
user's updates are handled in the order Telegram sent them). Every dialogue call is synchronous and
commits before the bot replies; the calls run one at a time (`Services.call`): on one worker thread while
other updates are in flight, so the event loop keeps serving other users' network calls while a commit
waits for the disk, and on the loop itself when an update is the only one, which saves the hop to the
thread. One writer is also what SQLite allows.

Restarts lose nothing: the dialogue's state lives in our SQLite storage (no PTB persistence, no pickle).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseUpdateProcessor, Defaults
from telegram.request import BaseRequest

from ...dialogue import COMMANDS, Dialogue
from ...review.chat import ChatReports
from ...storage import Store, identifiers
from . import handlers, team
from .access import CHANNEL, AccessList
from .errors import configure_logging, on_error, quiet_http_logs

log = logging.getLogger("itb_screen.telegram")

T = TypeVar("T")

#: Commands in the reviewers' menu only (anyone may /show their own case, but the menu stays short).
REVIEWER_MENU = ("show", "digest")
#: The commands menu: the dialogue's own commands, in their order.
MENU = tuple(name for name in COMMANDS if name not in REVIEWER_MENU)
#: Update ids are remembered this long: Telegram re-delivers within a day, and after a week without
#: updates it may start numbering afresh.
SEEN_INPUTS_KEPT = timedelta(days=2)
#: Environment: rate limiter off with ITB_SCREEN_RATE_LIMIT=0 (tests); long-poll timeout in seconds.
RATE_LIMIT_ENV = "ITB_SCREEN_RATE_LIMIT"
POLL_TIMEOUT_ENV = "ITB_SCREEN_POLL_TIMEOUT"
BASE_URL_ENV = "TELEGRAM_API_BASE_URL"
MAX_CONCURRENT_UPDATES = 256


def describe(name: str) -> str:
    """A command's line in Telegram's menu: its help line after the usage."""
    return COMMANDS[name].partition(": ")[2] or name


class PerUserOrder(BaseUpdateProcessor):
    """Different users' updates run concurrently; one user's updates run one at a time, in order.

    The user's lock is taken before the concurrency slot, so one user's backlog never holds slots that
    other users need. Locks are dropped when nobody waits on them.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    # PTB marks process_update final (it holds the concurrency slot); here the user's lock must be taken
    # before the slot, so that one user's backlog never holds slots other users need.
    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await super().process_update(update, coroutine)
            return
        lock, waiting = self._locks.get(user.id, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[user.id] = (lock, waiting + 1)
        try:
            async with lock:
                await super().process_update(update, coroutine)
        finally:
            lock, waiting = self._locks[user.id]
            if waiting <= 1:
                del self._locks[user.id]
            else:
                self._locks[user.id] = (lock, waiting - 1)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


@dataclass
class Services:
    """What the handlers need: the dialogue, the store, the allowlist, and the one database thread."""

    store: Store
    access: AccessList
    dialogue: Dialogue
    retry_delay: float = 0.5
    told_groups: set[int] = field(default_factory=set)
    #: How many updates are being handled now (the Application's update processor counts them).
    updates_in_flight: Callable[[], int] = lambda: 0
    _executor: ThreadPoolExecutor | None = None
    _last: Future | None = None  # the latest call handed to the database thread
    _start: asyncio.Task | None = None  # the start-up's Bot API calls (`_post_init`)

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a synchronous storage or dialogue call; it commits before it returns.

        On the database thread while other updates are being handled, so that their Bot API calls go on
        while a commit waits for the disk; on the event loop itself when this update is the only one and
        the thread is idle: nobody waits on the loop then, and the hop to the thread and back (0.1 to
        0.3 ms, a fifth of a whole update) is saved. Either way one call at a time uses the connection:
        the thread runs its calls in order, and the loop runs one only after the thread's last is done.
        """
        if (self._last is None or self._last.done()) and self.updates_in_flight() <= 1:
            return function(*args, **kwargs)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="itb-db")
        self._last = self._executor.submit(function, *args, **kwargs)
        return await asyncio.wrap_future(self._last)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None


def services(app: Application) -> Services:
    return app.bot_data["itb"]


async def set_commands(app: Application) -> None:
    """The commands menu for everyone, plus /show in each reviewer's own chat."""
    bot = app.bot
    await bot.set_my_commands([BotCommand(name, describe(name)) for name in MENU])
    reviewer_menu = [BotCommand(name, describe(name)) for name in (*MENU, *REVIEWER_MENU)]
    access = services(app).access
    for member in access.members():
        if member.is_reviewer:
            try:
                await bot.set_my_commands(reviewer_menu, scope=BotCommandScopeChat(member.telegram_id))
            except TelegramError as error:  # the reviewer has not opened a chat with the bot yet
                log.info("reviewer commands not set for one reviewer: %s", type(error).__name__)


async def _post_init(app: Application) -> None:
    s = services(app)
    s._start = asyncio.current_task()
    await set_commands(app)
    await s.call(s.store.forget_inputs, CHANNEL, datetime.now(UTC) - SEEN_INPUTS_KEPT)
    team.schedule(app)  # reminders and notices: their first round comes after one interval
    me = app.bot
    log.info("bot @%s ready; %d users in the allowlist", me.username, len(services(app).access))


async def _post_shutdown(app: Application) -> None:
    """Close the database thread; a start-up that a stop signal cut short ends here, quietly (else
    asyncio would print its failure, the Bot API connection closed under it, as a traceback)."""
    s = services(app)
    start, s._start = s._start, None
    if start is not None:
        start.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await start
    s.close()


def rate_limit_default() -> bool:
    return os.environ.get(RATE_LIMIT_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def _builder(token: str, base_url: str | None, rate_limit: bool) -> ApplicationBuilder:
    """PTB's builder: HTML by default, per-user ordering, our start and stop hooks, the Bot API server."""
    defaults = Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
    builder = (
        ApplicationBuilder()
        .token(token)
        .defaults(defaults)
        .concurrent_updates(PerUserOrder())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if base_url:
        builder = builder.base_url(base_url)
        if base_url.rstrip("/").endswith("/bot"):
            builder = builder.base_file_url(base_url.rstrip("/")[: -len("/bot")] + "/file/bot")
    if rate_limit:
        # AIORateLimiter's generic parameter is the per-call data (a dict); the builder is typed for None.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))  # type: ignore[arg-type]
    return builder


def build_application(
    token: str,
    store: Store,
    access: AccessList,
    *,
    base_url: str | None = None,
    rate_limit: bool | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    retry_delay: float = 0.5,
) -> Application:
    """The bot: handlers, HTML by default, per-user ordering, and (unless turned off) the rate limiter.

    `request`/`get_updates_request` replace the network (the tests pass a fake one); `base_url` points
    python-telegram-bot at another Bot API server (``TELEGRAM_API_BASE_URL``).
    """
    quiet_http_logs()
    builder = _builder(token, base_url, rate_limit if rate_limit is not None else rate_limit_default())
    if request is not None:
        builder = builder.request(request).get_updates_request(get_updates_request or request)
    app = builder.build()

    def guidance() -> frozenset[str]:  # the users file's [settings] guidance, as of its last reading
        return access.settings.guidance

    reports = ChatReports(guidance)
    dialogue = Dialogue(store, reports=reports, team=team.TelegramTeam(access), guidance=guidance)
    app.bot_data["itb"] = Services(
        store,
        access,
        dialogue,
        retry_delay=retry_delay,
        updates_in_flight=lambda: app.update_processor.current_concurrent_updates,
    )
    handlers.install(app)
    app.add_error_handler(on_error)
    return app


ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]


def run_telegram(
    token: str, store: Store, access: AccessList, *, webhook_url: str | None = None, listen_port: int = 8443
) -> None:
    """Run the bot until interrupted: long polling, or a webhook on 127.0.0.1 behind the user's proxy."""
    if webhook_url is not None:
        import importlib.util

        if importlib.util.find_spec("tornado") is None:
            raise RuntimeError("--webhook needs python-telegram-bot's webhooks extra (tornado)")
    configure_logging(token)
    # The identifier guard imports Presidio (about 1 s): before the first poll, not inside the first
    # update, which would then wait while Telegram's clients see no reply.
    identifiers.warm()
    base_url = os.environ.get(BASE_URL_ENV) or None
    app = build_application(token, store, access, base_url=base_url)
    try:
        _run(app, base_url, webhook_url, listen_port)
    finally:
        # python-telegram-bot's stop signals are gone with its event loop; the bot is stopped already.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _run(app: Application, base_url: str | None, webhook_url: str | None, listen_port: int) -> None:
    """Polling or the webhook; SIGINT and SIGTERM stop either between two updates (PTB's stop signals)."""
    if webhook_url is None:
        timeout = float(os.environ.get(POLL_TIMEOUT_ENV) or 10)
        log.info("starting long polling%s", f" against {base_url}" if base_url else "")
        app.run_polling(
            allowed_updates=ALLOWED_UPDATES, timeout=int(timeout) if timeout >= 1 else 1, poll_interval=0.0
        )
        return
    path = urlsplit(webhook_url).path.lstrip("/")
    log.info("starting the webhook on 127.0.0.1:%d/%s", listen_port, path)
    app.run_webhook(
        listen="127.0.0.1",
        port=listen_port,
        url_path=path,
        webhook_url=webhook_url,
        secret_token=secrets.token_urlsafe(32),
        allowed_updates=ALLOWED_UPDATES,
    )
