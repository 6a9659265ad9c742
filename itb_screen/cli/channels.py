"""Talking to clinicians: `console`, `run` (the Telegram bot, or the console without a token) and the
`diagram` of the dialogue they share. python-telegram-bot is imported by `run` only, once a token is set.

SIGTERM (systemd, `docker stop`) stops either channel as Ctrl-C does, exit 0, at any moment: from the
first line of the command it raises `Terminated` wherever the program stands, until python-telegram-bot
takes the signal over for the run itself (and stops between two updates); then it is ignored, the bot
being stopped already.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

import click

from ._db import db_option, open_or_create, owner_option
from ._errors import InputError, MissingExtra
from ._options import USERS_ENV, users_option
from ._printable import PrintableStream

if TYPE_CHECKING:
    from ..bot.users import AccessList

#: The Telegram bot's token; without it, `run` starts the console channel.
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
#: The users file of both channels (bot/users.py reads it).
channel_users_option = users_option(
    "The users file (TOML): the team's members in Telegram ([[users]]) and at the console "
    "([[console]]), with their roles, and its [settings]."
)


class Terminated(KeyboardInterrupt):
    """SIGTERM. A KeyboardInterrupt, so the console stops as on Ctrl-C: an input being saved is rolled
    back whole, everything before it was committed before it was answered."""


def _terminate(signum: int, frame: FrameType | None) -> NoReturn:
    raise Terminated


@contextmanager
def _stops_on_sigterm() -> Iterator[None]:
    """SIGTERM within: one line and exit 0, no traceback."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    except Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # stopping already
        click.echo("Stopped (SIGTERM).", err=True)
        sys.exit(0)


def _access(users_path: str | None, required: bool = False) -> AccessList | None:
    """The users file, read whole before anything else: a bad entry stops start-up with its one line."""
    from ..bot.users import AccessFileError, AccessList

    if not users_path and not required:
        return None
    try:
        return AccessList.from_env(users_path)
    except AccessFileError as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def _users_env(users_path: str | None) -> Iterator[None]:
    """--users stands for ITB_SCREEN_USERS while the channel runs: what is found beside the users file
    (the chain's key, storage/_keyfile.py) is then found whichever of the two named it."""
    before = os.environ.get(USERS_ENV)
    if users_path:
        os.environ[USERS_ENV] = users_path
    try:
        yield
    finally:  # for a caller in the same process (a test's CliRunner)
        if before is None:
            os.environ.pop(USERS_ENV, None)
        else:
            os.environ[USERS_ENV] = before


def _run_console(db_path: str, user: str | None, users_path: str | None) -> NoReturn:
    from ..bot.console import default_user, run_console

    access = _access(users_path)
    with _users_env(users_path), open_or_create(db_path) as store:
        # What others typed reaches this terminal too (/show REF of a Telegram case): shown as escapes.
        out = PrintableStream.around(sys.stdout)
        sys.exit(run_console(store, user or default_user(), stdout=out, access=access))


@click.command()
@db_option
@owner_option
@channel_users_option
def console(db_path: str, user: str | None, users_path: str | None) -> None:
    """Screen cases in this terminal: the same dialogue as the Telegram bot, no token needed.

    Reads one answer per line, so answers can be piped in; exits 0 at the end of input, or 1 if a line
    could not be read or saved (each said in one line; later lines are still read). With a users file,
    a user it lists under [[console]] has the role it gives (a reviewer: /cases all, /show, /digest);
    anyone else is a clinician.

    Example:

    \b
        itb-screen console --user dr-lee --users users.toml
    """
    with _stops_on_sigterm():
        _run_console(db_path, user, users_path)


def _webhooks_available() -> bool:
    """Whether python-telegram-bot can serve a webhook (its webhooks extra, tornado, is installed).

    This is how python-telegram-bot itself decides: it imports its tornado webhook server when
    `telegram.ext` loads and records the outcome in `WEBHOOKS_AVAILABLE`; `start_webhook` then raises a
    plain RuntimeError, which says so only in its text. Private, hence pinned below 23 in pyproject.toml.
    """
    from telegram.ext import _updater

    return bool(getattr(_updater, "WEBHOOKS_AVAILABLE", True))


def _check_webhook(webhook_url: str) -> None:
    if not webhook_url.startswith("https://"):
        raise InputError("--webhook needs the public https:// URL that your proxy forwards to this bot")
    if not _webhooks_available():
        raise MissingExtra(
            "--webhook needs python-telegram-bot's webhook extra",
            "pip install 'python-telegram-bot[webhooks]'",
        )


@contextmanager
def _telegram_errors() -> Iterator[None]:
    """The bot's failures as one line: a refused token, an unreachable Bot API, else logged first."""
    from telegram.error import InvalidToken, NetworkError

    try:
        yield
    except InvalidToken:
        raise click.ClickException("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather") from None
    except NetworkError as error:
        raise click.ClickException(
            f"cannot reach the Telegram Bot API ({type(error).__name__}): check the network, "
            "or TELEGRAM_API_BASE_URL if you use your own Bot API server"
        ) from None
    except Exception:
        # Through the bot's logging, which scrubs the token; Python's own traceback would not.
        import logging

        logging.getLogger("itb_screen.telegram").exception("the bot stopped on an unexpected error")
        raise click.ClickException("the bot stopped on an unexpected error (logged above)") from None


@click.command()
@db_option
@owner_option
@channel_users_option
@click.option(
    "--webhook",
    "webhook_url",
    default=None,
    metavar="URL",
    help="Telegram only: receive updates at this public HTTPS URL (set by your proxy) instead of "
    "long polling; the bot listens on 127.0.0.1:--port with a generated secret token.",
)
@click.option(
    "--port",
    "listen_port",
    type=click.IntRange(1, 65535),
    default=8443,
    show_default=True,
    help="With --webhook: the local port your proxy forwards to.",
)
def run(
    db_path: str, user: str | None, users_path: str | None, webhook_url: str | None, listen_port: int
) -> None:
    """Start the bot: Telegram when TELEGRAM_BOT_TOKEN is set, otherwise the console channel (--user).

    Telegram needs the users file (--users or ITB_SCREEN_USERS), a TOML file of the allowed users
    (numeric Telegram id, name, role). TELEGRAM_API_BASE_URL points the bot at another Bot API server
    (a self-hosted one).

    Example:

    \b
        TELEGRAM_BOT_TOKEN=123:abc ITB_SCREEN_USERS=users.toml itb-screen run
    """
    with _stops_on_sigterm():
        _run(db_path, user, users_path, webhook_url, listen_port)


def _run(
    db_path: str, user: str | None, users_path: str | None, webhook_url: str | None, listen_port: int
) -> None:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        click.echo(f"{TOKEN_ENV} is not set: starting the console channel.", err=True)
        _run_console(db_path, user, users_path)
    if webhook_url is not None:
        _check_webhook(webhook_url)
    access = _access(users_path, required=True)
    assert access is not None
    # python-telegram-bot is imported from here on only: the other commands never load it.
    from ..bot.telegram.app import run_telegram

    with _users_env(users_path), open_or_create(db_path) as store, _telegram_errors():
        run_telegram(token, store, access, webhook_url=webhook_url, listen_port=listen_port)


@click.command()
def diagram() -> None:
    """Print the dialogue's state machine as a Mermaid diagram (made by transitions).

    Example:

    \b
        itb-screen diagram > dialogue.mmd
    """
    from ..dialogue.diagram import mermaid

    click.echo(mermaid())
