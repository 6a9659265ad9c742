"""Options several commands share: one `--format`, with the older `--json`, `--csv` and `--fhir` kept as
its aliases."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ._errors import InputError

F = TypeVar("F", bound=Callable[..., Any])

#: The team's users file (members, roles, [settings]), as every command that reads it names it.
USERS_ENV = "ITB_SCREEN_USERS"


def users_option(help: str) -> Callable[[F], F]:
    """`--users FILE`, else ITB_SCREEN_USERS, as `users_path`; `help` says what the command reads in it."""
    return click.option(
        "--users", "users_path", envvar=USERS_ENV, show_envvar=True, default=None, metavar="FILE", help=help
    )


#: The formats that also have a flag of their own (the flags the commands had before --format).
FLAG_FORMATS = ("json", "csv", "fhir")


def _chosen(given: list[tuple[str, str]], default: str) -> str:
    """The one format asked for, or the default; two different ones are an input error (exit 2)."""
    formats = {value for _, value in given}
    if len(formats) > 1:
        raise InputError(f"choose one format: {' or '.join(option for option, _ in given)}")
    return formats.pop() if formats else default


def format_option(*choices: str, default: str, help: str) -> Callable[[F], F]:
    """Add `--format` (one of `choices`) and, for each of json, csv and fhir among them, a flag of that
    name meaning the same. The command receives the chosen format as `fmt`.

    `--json --csv` and `--format csv --json` disagree: one line, exit 2; `--format json --json` agree.
    """
    flags = [name for name in choices if name in FLAG_FORMATS]

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def with_format(*args: Any, fmt: str | None, **kwargs: Any) -> Any:
            given = [(f"--format {fmt}", fmt)] if fmt else []
            given += [(f"--{name}", name) for name in flags if kwargs.pop(f"as_{name}")]
            return command(*args, fmt=_chosen(given, default), **kwargs)

        # Options are listed in --help in the order they are applied here: --format, then its aliases.
        for name in reversed(flags):
            with_format = click.option(
                f"--{name}", f"as_{name}", is_flag=True, help=f"Same as --format {name}."
            )(with_format)
        option = click.option(
            "--format", "fmt", type=click.Choice(choices), default=None, help=f"{help} [default: {default}]"
        )
        return option(with_format)  # type: ignore[return-value]

    return decorate
