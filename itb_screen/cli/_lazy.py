"""A click group whose commands are imported when they are used (click's lazily loaded subcommands)."""

from __future__ import annotations

import importlib
from collections.abc import Mapping

import click


class LazyGroup(click.Group):
    """A group that imports a command's module the first time the command is asked for.

    `lazy_commands` maps a command name to "module:function" in this package. Loaded commands join
    `commands`, so a command is imported once.
    """

    def __init__(
        self, *args: object, lazy_commands: Mapping[str, str] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            module, _, name = self.lazy_commands[cmd_name].partition(":")
            command = getattr(importlib.import_module(f"{__package__}.{module}"), name)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)
