"""Keeping less: `purge`, the transcript text of closed cases past a window (a dry run unless --apply)."""

from __future__ import annotations

import getpass

import click

from ._db import db_option, existing_store


def _who() -> str:
    """Who ran the purge, for its audit line: the login name, else cli."""
    try:
        return getpass.getuser()
    except Exception:  # getuser raises when no login name can be found (containers)
        return "cli"


@click.command()
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=0),
    required=True,
    metavar="DAYS",
    help="Closed cases (done, cancelled or void) last updated more than DAYS days ago.",
)
@click.option("--apply", is_flag=True, help="Clear the text; without it, only say what would be cleared.")
@db_option
def purge(days: int, apply: bool, db_path: str) -> None:
    """Clear the transcript text of closed cases past the window: each message's text becomes a marker
    (`[purged DATE]`) and leaves the search index. Answers, results, amendments, voiding and the audit
    log are kept, and still verify; the purge is one line of the audit log. Remembered input ids older
    than the window go too. Without --apply nothing is written.

    Example:

    \b
        itb-screen purge --older-than 365
        itb-screen purge --older-than 365 --apply --db /srv/itb/itb-screen.db
    """
    with existing_store(db_path, writable=apply) as store:
        found = store.purge(days, apply=apply, who=_who())
    if apply:
        click.echo(f"purged {found.describe()}")
    else:
        click.echo(f"would purge {found.describe()} (dry run: --apply to purge)")
