"""The database options of the commands that use one, and opening it (loads storage: never `evaluate`)."""

from __future__ import annotations

from pathlib import Path

import click

from ..storage import (
    DEFAULT_DB,
    Case,
    ChainKeyError,
    NewerSchema,
    NotInitialised,
    OlderSchema,
    Store,
    check_schema,
    open_store,
)
from ._errors import InputError

#: The environment variables behind --db and --user (read by click, as their envvar).
DB_ENV = "ITB_SCREEN_DB"
USER_ENV = "ITB_SCREEN_USER"

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    envvar=DB_ENV,
    show_envvar=True,
    default=DEFAULT_DB,
    show_default=True,
    help="The SQLite file of the cases.",
)

#: The case owner on the console: --user, else ITB_SCREEN_USER, else the login name.
owner_option = click.option(
    "--user",
    envvar=USER_ENV,
    show_envvar=True,
    default=None,
    help="Your name as the case owner (default: your login name).",
)


def existing_path(db_path: str) -> Path:
    """The database of a command that creates none: it must exist and be of this ITB Screen's schema,
    checked read-only. Else exit 2 with one line: an older one names `itb-screen upgrade` (nothing here
    migrates: that would be a write), an empty one (a first start killed early) says so."""
    path = Path(db_path)
    if not path.exists():
        raise InputError(f"no database at {path}: --db or {DB_ENV} names the file")
    try:
        check_schema(path)
    except (NewerSchema, OlderSchema, NotInitialised) as error:
        raise InputError(str(error)) from None
    except Exception as error:  # the database's errors: unreadable file, not a database
        raise click.ClickException(f"cannot open the database: {error}") from None
    return path


def existing_store(db_path: str, writable: bool = False) -> Store:
    """The database of a command that only reads, opened only if it exists, and read-only (so it works
    in a directory we cannot write to) unless `writable` (`reevaluate --apply`)."""
    return open_or_create(existing_path(db_path), readonly=not writable)


def open_or_create(db_path: str | Path, readonly: bool = False) -> Store:
    """The database, created when it does not exist yet (the console and the bot start new ones).

    A file written by a newer ITB Screen, or a writer without the chain's key: exit 2 with one line,
    nothing run on it.
    """
    try:
        return open_store(db_path, readonly=readonly)
    except (NewerSchema, ChainKeyError) as error:
        raise InputError(str(error)) from None
    except Exception as error:  # the database's errors: unreadable file, not a database, locked
        raise click.ClickException(f"cannot open the database: {error}") from None


def find_case(store: Store, ref: str) -> Case:
    """The case named `ref` (any letter case), or exit 2 saying where to look."""
    case = store.case_by_ref(ref)
    if case is None:
        raise InputError(f"no case {ref}: see itb-screen cases")
    return case
