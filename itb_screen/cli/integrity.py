"""The database's integrity: `verify` (the keyed chain, the cases, the append-only triggers, and heads
kept elsewhere) and `backup` (a consistent copy while the bot runs, checked after writing, its head
recorded). Neither creates a database, and neither creates a key."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..storage import (
    KEY_ENV,
    BackupFailed,
    ChainKeyError,
    Head,
    NewerSchema,
    Verification,
    heads_log,
    parse_head,
    read_heads,
    record_head,
    verify_file,
)
from ..storage import backup as backup_database
from ._db import db_option, existing_path
from ._errors import InputError
from ._printable import echo

F = TypeVar("F", bound=Callable[..., Any])

key_option = click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False),
    default=None,
    help=f"The key file (default: {KEY_ENV}, else itb-screen.key beside ITB_SCREEN_USERS, else beside "
    "the database).",
)


def heads_option(default: str) -> Callable[[F], F]:
    """--heads-log, whose default is `default` (beside the copy, or beside the database)."""
    return click.option(
        "--heads-log",
        "log_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="The log of backups' heads (default: ITB_SCREEN_HEADS_LOG, else itb-screen-heads.log "
        f"{default}).",
    )


def _report_problems(found: Verification) -> None:
    """Each problem on its own line, then which cases were altered (exit 1 follows)."""
    for problem in found.problems:  # an altered row may hold anything, control characters too
        echo(found.describe(problem))
    cases = sorted({found.refs.get(p.case_id, f"#{p.case_id}") for p in found.problems if p.case_id})
    named = f"; cases altered: {', '.join(cases)}" if cases else ""
    echo(f"NOT verified: {len(found.problems)} problem(s){named}", err=True)


def _to_verify(db_path: str) -> Path:
    """The file `verify` reads, as every reading command does (`existing_path`): an empty file is said to
    be empty and an older one named for `itb-screen upgrade` (exit 2), neither "not verified". A
    migration's record removed by hand is still verify's to name (exit 1): the file's user_version keeps
    its schema (`storage.recorded_version`), so it is no older file."""
    return existing_path(db_path)


def _anchors(
    db: Path, head: str | None, since_backup: bool, log_path: str | None
) -> tuple[list[Head], Path | None]:
    """The heads to check the chain against: --head, and with --since-backup every one in the log."""
    heads: list[Head] = []
    if head is not None:
        try:
            heads.append(parse_head(head))
        except ValueError as error:
            raise InputError(str(error)) from None
    if not since_backup:
        return heads, None
    log = heads_log(log_path, db.parent)
    try:
        logged = read_heads(log)
    except FileNotFoundError:
        raise InputError(
            f"no heads log at {log}: itb-screen backup writes it beside the copies (--heads-log)"
        ) from None
    except (ValueError, OSError) as error:
        raise InputError(str(error)) from None
    if not logged:
        raise InputError(f"{log} records no backup yet")
    return heads + logged, log


@click.command()
@db_option
@key_option
@click.option(
    "--head", default=None, metavar="COUNT:HEX", help="A head printed earlier: the chain must extend it."
)
@click.option(
    "--since-backup", is_flag=True, help="The chain must extend the head of every backup in the heads log."
)
@heads_option("beside the database")
def verify(
    db_path: str, key_file: str | None, head: str | None, since_backup: bool, log_path: str | None
) -> None:
    """Check that no stored history was altered: recompute the keyed chain from its first entry (answers,
    results, case events, the audit log, users, every change of a case's reference, owner or status, and
    the migrations), check each case against its chained values and the append-only triggers, and print
    the chain's head (its entry count and last MAC) to keep elsewhere.

    With --head or --since-backup, the chain must also extend heads kept elsewhere: this shows a removed
    tail, or a history rewritten with the key.

    Exit 0 when all is intact; 1 with one line per problem, naming the case, table and row; 2 without the
    database or its key.

    Example:

    \b
        itb-screen verify --db /srv/itb/itb-screen.db --key /etc/itb-screen/itb-screen.key
        itb-screen verify --since-backup --heads-log /backups/itb-screen-heads.log
    """
    path = _to_verify(db_path)
    heads, log = _anchors(path, head, since_backup, log_path)
    try:
        found = verify_file(path, key_file, heads)
    except (NewerSchema, ChainKeyError) as error:
        raise InputError(str(error)) from None
    if not found.ok:
        _report_problems(found)
        sys.exit(1)
    click.echo(f"verified: {found.cases} cases, {found.rows} rows")
    click.echo(f"head: {found.head[0]} chained rows, {found.head[1]}")
    if found.anchors:
        last = max(found.anchors, key=lambda anchor: anchor.rows)
        where = f" ({log})" if log else ""
        click.echo(
            f"extends {len(found.anchors)} head(s) kept elsewhere{where}, the longest: {last.rows} chained "
            f"rows ({last.source})"
        )


@click.command()
@click.argument("path", type=click.Path(dir_okay=False))
@db_option
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@key_option
@heads_option("beside the copy")
def backup(path: str, db_path: str, force: bool, key_file: str | None, log_path: str | None) -> None:
    """Write a consistent copy of the database to PATH, safe while the bot is writing (SQLite's online
    backup, the WAL included), then open the copy and check it: SQLite's integrity check and the keyed
    chain. Its head (entry count and last MAC) is appended to the heads log, for `verify --since-backup`.
    Refuses to replace an existing PATH unless --force.

    Example:

    \b
        itb-screen backup /backups/itb-screen-$(date +%F).db --db /srv/itb/itb-screen.db
    """
    source = existing_path(db_path)
    try:
        written = backup_database(source, path, force=force, key_file=key_file)
    except (FileExistsError, NewerSchema, ChainKeyError) as error:
        raise InputError(str(error)) from None
    except BackupFailed as error:
        raise click.ClickException(str(error)) from None
    if written.integrity != "ok":
        raise click.ClickException(
            f"{written.path} was written but fails SQLite's integrity check: {written.integrity}"
        )
    found = written.verification
    if not found.ok:
        click.echo(f"wrote {written.path}, a faithful copy, but its history does not verify:", err=True)
        _report_problems(found)
        sys.exit(1)
    log = heads_log(log_path, written.path.resolve().parent)
    try:
        record_head(log, written.path, source, found.head)
    except OSError as error:
        raise click.ClickException(
            f"wrote {written.path}, but cannot record its head in {log}: {error}"
        ) from None
    click.echo(
        f"wrote {written.path} ({written.size:,} bytes): integrity ok, verified: {found.cases} cases, "
        f"{found.rows} rows"
    )
    click.echo(f"head: {found.head[0]} chained rows, {found.head[1]} (recorded in {log})")
