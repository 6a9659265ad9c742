"""Logs and SIGTERM, through `itb-screen run` as a real process (issue 11).

The log at INFO carries no state change of `transitions`, no typed text, no update body (not even the
one python-telegram-bot's webhook cannot parse) and no token; SIGTERM stops the bot or the console with
exit 0 and no traceback at any moment: as soon as the command catches it, while the start-up waits on
the Bot API (getMe, then setMyCommands), while polling, and in the middle of a console session.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from itb_screen.storage import Store

from . import test_telegram_e2e as e2e
from .conftest import ROOT, VIGNETTES
from .fake_bot_api import FakeBotApi
from .test_console import env_without_token, lines_for
from .test_telegram_e2e import USER, Bot, _free_port, _post

#: The fixtures of tests/test_telegram_e2e.py: the fake Bot API over HTTP, the bot's environment.
api, env = e2e.api, e2e.env

#: Typed by the user: it must not reach the log.
WORD = "quokka"


def stopped(bot: Bot, log_path: Path, tracebacks: int = 0) -> str:
    """SIGTERM the bot; it exits 0 without a traceback (but the `tracebacks` expected). Its log."""
    status = bot.stop()
    log = log_path.read_text()
    assert status == 0, log
    assert log.count("Traceback") == tracebacks and "cannot reach" not in log, log
    return log


def test_the_log_at_info_has_no_state_changes_typed_text_or_token(api: FakeBotApi, env: dict, tmp_path):
    log_path = tmp_path / "bot.log"
    bot = Bot(env, log_path)
    try:
        api.send_text(USER, f"/new {WORD.upper()}-1")
        question = api.wait_for_message(USER, "question 1 of", timeout=20)
        api.send_text(USER, f"{WORD} 47")  # not an age: asked again
        api.send_text(USER, "47 years")
        api.wait_for_message(USER, "question 2 of", timeout=10, after=question["message_id"])
    finally:
        log = stopped(bot, log_path)
    assert "INFO itb_screen.telegram: bot @" in log  # logging at INFO
    assert "transitions" not in log
    assert WORD not in log.lower() and "47 years" not in log
    assert api.token not in log and api.token.split(":")[1] not in log
    with Store(env["ITB_SCREEN_DB"]) as store:  # the dialogue did see the typed words
        assert store.answers(store.case_by_ref(f"{WORD.upper()}-1").id) == {"age_years": 47}


def test_an_unparsable_webhook_update_is_not_quoted(api: FakeBotApi, env: dict, tmp_path) -> None:
    port, log_path = _free_port(), tmp_path / "hook.log"
    bot = Bot(env, log_path, "--webhook", "https://bot.example.org/itb", "--port", str(port))
    try:
        secret = api.wait_for(lambda s: s.calls_to("setWebhook"), 20, "setWebhook")[0]["secret_token"]
        unparsable = {"update_id": 7, "message": {"message_id": 1, "text": f"{WORD} has MS"}}  # no date
        deadline = time.monotonic() + 20
        while True:  # the listener may still be starting
            try:
                assert _post(f"http://127.0.0.1:{port}/itb", unparsable, secret) == 400
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        log = stopped(bot, log_path, tracebacks=1)  # PTB's, of the update it could not parse
    assert "CRITICAL telegram.ext.Updater: Something went wrong" in log  # the record is there...
    assert WORD not in log  # ...without the body


class StallingBotApi(FakeBotApi):
    """A Bot API that does not answer `stall` until released, as a network that hangs."""

    def __init__(self, stall: str) -> None:
        super().__init__()
        self.stall, self.stalled, self.released = stall, threading.Event(), threading.Event()

    def handle(self, method: str, params: dict, *, wait: bool = True):
        if method.lower() == self.stall.lower():
            self.stalled.set()
            self.released.wait(20)
        return super().handle(method, params, wait=wait)


@pytest.mark.parametrize("stall", ["getMe", "setMyCommands"])
def test_sigterm_while_the_start_up_waits_on_the_bot_api(env: dict, tmp_path, stall: str) -> None:
    with StallingBotApi(stall) as slow:
        log_path = tmp_path / "bot.log"
        bot = Bot({**env, "TELEGRAM_API_BASE_URL": slow.base_url}, log_path)
        try:
            assert slow.stalled.wait(20), log_path.read_text()
            time.sleep(0.2)
        finally:
            stopped(bot, log_path)
            slow.released.set()
        assert not slow.calls_to("getUpdates")


def catches_sigterm(pid: int) -> bool:
    """Whether the process has a handler for SIGTERM (Linux: /proc's SigCgt mask)."""
    status = Path(f"/proc/{pid}/status").read_text()
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(mask, 16) & (1 << (signal.SIGTERM - 1)))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_sigterm_as_soon_as_the_command_catches_it(api: FakeBotApi, env: dict, tmp_path) -> None:
    """Before python-telegram-bot is imported: "Stopped (SIGTERM)." and exit 0."""
    log_path = tmp_path / "bot.log"
    bot = Bot(env, log_path)
    deadline = time.monotonic() + 20
    while not catches_sigterm(bot.proc.pid):
        assert bot.proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.002)
    log = stopped(bot, log_path)
    assert "Stopped (SIGTERM)." in log  # ours: python-telegram-bot was not listening yet


def test_sigterm_while_polling(api: FakeBotApi, env: dict, tmp_path) -> None:
    log_path = tmp_path / "bot.log"
    bot = Bot(env, log_path)
    try:
        api.send_text(USER, "/start")
        api.wait_for_message(USER, "decision support", timeout=20)
        api.wait_for(lambda s: len(s.calls_to("getUpdates")) > 2, 10, "the next long poll")
    finally:
        stopped(bot, log_path)


def test_sigterm_mid_console_session_keeps_the_answers(db_path) -> None:
    lines = lines_for(VIGNETTES[0], "TERM-1", "labels")[:3]  # /new and two answers
    process = subprocess.Popen(
        [sys.executable, "-m", "itb_screen", "run", "--db", str(db_path), "--user", "dr-term"],
        cwd=ROOT,
        env={**env_without_token(), "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    process.stdin.write("\n".join(lines) + "\n")
    process.stdin.flush()  # stdin stays open: the console waits for the next line
    deadline = time.monotonic() + 20
    while len(_answers(db_path, "TERM-1")) < 2:  # each answer is committed before the next prompt
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Bye: your answers are saved" in out
    assert len(_answers(db_path, "TERM-1")) == 2


def _answers(db_path: Path, ref: str) -> dict:
    try:
        with Store(db_path, readonly=True) as store:
            case = store.case_by_ref(ref)
            return store.answers(case.id) if case else {}
    except Exception:  # the console is still creating the database
        return {}


def test_a_bot_api_that_refuses_connections_is_one_line_not_a_traceback(env: dict, tmp_path) -> None:
    """python-telegram-bot logs its failed start-up with a traceback; a network failure is the network's:
    the log names it in one line, and the command says what to check."""
    closed = f"http://127.0.0.1:{_free_port()}/bot"  # nothing listens there: the connection is refused
    log_path = tmp_path / "bot.log"
    bot = Bot({**env, "TELEGRAM_API_BASE_URL": closed}, log_path)
    assert bot.proc.wait(timeout=20) == 1
    bot.log.close()
    log = log_path.read_text()
    assert "Traceback" not in log, log
    assert "Error: cannot reach the Telegram Bot API (NetworkError)" in log
    assert "Aborting. (NetworkError)" in log


def test_a_bot_api_gone_while_polling_is_a_warning_and_sigterm_still_stops(
    api: FakeBotApi, env: dict, tmp_path
) -> None:
    log_path = tmp_path / "bot.log"
    bot = Bot(env, log_path)
    try:
        api.wait_for(lambda s: len(s.calls_to("getUpdates")) > 1, 20, "long polling")
        api.close()  # the Bot API goes away: every poll is refused now
        deadline = time.monotonic() + 15
        while "Bot API unreachable while polling" not in log_path.read_text():
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
    finally:
        log = stopped(bot, log_path)  # exit 0, no traceback
    assert "WARNING itb_screen.telegram: Bot API unreachable while polling (NetworkError)" in log
