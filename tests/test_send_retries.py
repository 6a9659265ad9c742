"""A message sent once is seen once: with_retries and a Bot API slow to answer or not there at all.

The fake Bot API is served over HTTP and reached by python-telegram-bot's own httpx client, so a slow
answer is a real read timeout (the request arrived, the message exists) and a closed port a real
connection refused (nothing arrived).
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

from itb_screen.bot.telegram.errors import may_have_arrived, with_retries

from .fake_bot_api import TOKEN, FakeBotApi

LEE = 1001


class SlowToAnswer(FakeBotApi):
    """Handles each call at once, then holds the answer to the first `slow` sendMessage calls `delay` s."""

    slow = 0
    delay = 0.0

    def handle(self, method: str, params: dict[str, Any], *, wait: bool = True) -> Any:
        result = super().handle(method, params, wait=wait)
        if method == "sendMessage" and self.slow > 0:
            self.slow -= 1
            time.sleep(self.delay)  # a server thread: the message is stored, its answer is late
        return result


@pytest.fixture
def api() -> Iterator[SlowToAnswer]:
    with SlowToAnswer() as served:
        served.message_update(LEE, "/start")  # the chat exists, as once the user wrote
        yield served


@contextlib.asynccontextmanager
async def _bot(base_url: str) -> AsyncIterator[Bot]:
    """A bot on python-telegram-bot's httpx client, its connections closed after (no getMe needed)."""
    request = HTTPXRequest(read_timeout=0.3, connect_timeout=0.3)
    try:
        yield Bot(TOKEN, base_url=base_url, request=request)
    finally:
        await request.shutdown()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


def _received(api: FakeBotApi, text: str) -> int:
    return sum(1 for message in api.sent(LEE) if message["text"] == text)


@pytest.mark.asyncio
async def test_an_answer_that_times_out_is_not_sent_again(api: SlowToAnswer) -> None:
    api.slow, api.delay = 1, 1.0  # beyond the client's read timeout of 0.3 s
    async with _bot(api.base_url) as bot:
        with pytest.raises(TimedOut) as raised:
            await with_retries(lambda: bot.send_message(LEE, "Age?"), delay=0)
        assert may_have_arrived(raised.value)
        assert len(api.calls_to("sendMessage")) == 1 and _received(api, "Age?") == 1  # delivered once
        await with_retries(lambda: bot.send_message(LEE, "Next"), delay=0)  # answered in time
    assert _received(api, "Next") == 1 and _received(api, "Age?") == 1


@pytest.mark.asyncio
async def test_a_refused_connection_is_retried_and_delivered_once(api: SlowToAnswer) -> None:
    attempts: list[Bot] = []
    async with _bot(f"http://127.0.0.1:{_closed_port()}/bot") as dead, _bot(api.base_url) as live:

        async def send() -> Any:
            bot = dead if not attempts else live  # the first attempt finds nobody listening
            attempts.append(bot)
            return await bot.send_message(LEE, "Age?")

        await with_retries(send, delay=0)
    assert attempts == [dead, live] and _received(api, "Age?") == 1


@pytest.mark.asyncio
async def test_refused_every_time_gives_up_after_the_attempts() -> None:
    attempts = 0
    async with _bot(f"http://127.0.0.1:{_closed_port()}/bot") as dead:

        async def send() -> Any:
            nonlocal attempts
            attempts += 1
            return await dead.send_message(LEE, "Age?")

        with pytest.raises(NetworkError) as raised:
            await with_retries(send, attempts=3, delay=0)
    assert attempts == 3 and not may_have_arrived(raised.value)


@pytest.mark.asyncio
async def test_idempotent_calls_are_retried_after_a_read_timeout() -> None:
    attempts = 0

    async def edit() -> bool:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise TimedOut() from httpx.ReadTimeout("slow answer")
        return True

    assert await with_retries(edit, delay=0, idempotent=True) is True and attempts == 2
    attempts = 0
    with pytest.raises(TimedOut):
        await with_retries(edit, delay=0)  # the same failure, not idempotent: not repeated
    assert attempts == 1
