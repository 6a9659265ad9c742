"""The errors the commands report in one line on standard error, without a traceback."""

from __future__ import annotations

import click


class InputError(click.ClickException):
    """Bad input from the user: one line on standard error, exit status 2, no traceback."""

    exit_code = 2


class MissingExtra(click.ClickException):
    """A command needs an optional dependency that is not installed: one line saying what to install.

    Raised where the ImportError of Datasette or uvicorn (the review extra) is caught, and where
    python-telegram-bot reports that its webhooks extra is missing. Exit status 1.
    """

    def __init__(self, needs: str, install: str) -> None:
        super().__init__(f"{needs}: {install}")
        self.install = install
