"""The database's integrity: `verify` (the hash chains and append-only triggers) and `backup` (a
consistent copy while the bot runs, checked after writing). Neither creates a database."""

from __future__ import annotations

import sys

import click

from ..storage import BackupFailed, NewerSchema, Verification, verify_file
from ..storage import backup as backup_database
from ._db import db_option, existing_path
from ._errors import InputError


def _report_problems(found: Verification) -> None:
    """Each problem on its own line, then which cases were altered (exit 1 follows)."""
    for problem in found.problems:
        click.echo(found.describe(problem))
    cases = sorted({found.refs.get(p.case_id, f"#{p.case_id}") for p in found.problems if p.case_id})
    named = f"; cases altered: {', '.join(cases)}" if cases else ""
    click.echo(f"NOT verified: {len(found.problems)} problem(s){named}", err=True)


@click.command()
@db_option
def verify(db_path: str) -> None:
    """Check that no stored history was altered: recompute every hash chain (answers, results and case
    events of each case, and the audit log) and check the append-only triggers are all there.

    Exit 0 with one line when all is intact; otherwise one line per problem, naming the case, table and
    row, and exit 1.

    Example:

    \b
        itb-screen verify --db /srv/itb/itb-screen.db
    """
    try:
        found = verify_file(existing_path(db_path))
    except NewerSchema as error:
        raise InputError(str(error)) from None
    if not found.ok:
        _report_problems(found)
        sys.exit(1)
    click.echo(f"verified: {found.cases} cases, {found.rows} rows")


@click.command()
@click.argument("path", type=click.Path(dir_okay=False))
@db_option
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def backup(path: str, db_path: str, force: bool) -> None:
    """Write a consistent copy of the database to PATH, safe while the bot is writing (SQLite's online
    backup, the WAL included), then open the copy and check it: SQLite's integrity check and every hash
    chain. Refuses to replace an existing PATH unless --force.

    Example:

    \b
        itb-screen backup /backups/itb-screen-$(date +%F).db --db /srv/itb/itb-screen.db
    """
    source = existing_path(db_path)
    try:
        written = backup_database(source, path, force=force)
    except (FileExistsError, NewerSchema) as error:
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
    click.echo(
        f"wrote {written.path} ({written.size:,} bytes): integrity ok, verified: {found.cases} cases, "
        f"{found.rows} rows"
    )
