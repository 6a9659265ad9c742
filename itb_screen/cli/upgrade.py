"""`itb-screen upgrade`: a database of an older ITB Screen brought to this version's schema, after a copy of
it is kept beside it. The commands that only read refuse such a file and name this one."""

from __future__ import annotations

from pathlib import Path

import click

from ..storage import BackupFailed, NewerSchema, NotInitialised
from ..storage import upgrade as upgrade_database
from ._db import DB_ENV, db_option
from ._errors import InputError


@click.command()
@db_option
def upgrade(db_path: str) -> None:
    """Bring a database written by an older ITB Screen to this version's schema.

    First a copy of the file as it is, beside it (DB.before-upgrade-N.db, N its schema now; SQLite's
    online backup, safe while the bot runs, then its integrity checked), then the migrations, in one
    transaction. Refuses when that copy exists already. An empty file (a first start killed early) gets
    its schema; a current one is left as it is. `run` and `console` also migrate an older file when they
    start, without the copy.

    Example:

    \b
        itb-screen upgrade --db /srv/itb/itb-screen.db
    """
    path = Path(db_path)
    if not path.exists():
        raise InputError(f"no database at {path}: --db or {DB_ENV} names the file")
    try:
        done = upgrade_database(path)
    except (NewerSchema, NotInitialised, FileExistsError) as error:
        raise InputError(f"{error}; nothing was changed") from None
    except BackupFailed as error:
        raise click.ClickException(f"{error}; nothing was migrated") from None
    except Exception as error:  # the database's own: unreadable, not a database, locked, no chain key
        raise click.ClickException(f"cannot upgrade {path}: {error}") from None
    if done.copy is not None:
        click.echo(f"upgraded {path} from schema {done.before} to {done.after}; as it was: {done.copy}")
    elif done.before < done.after:
        click.echo(f"initialised {path} at schema {done.after} (it was empty)")
    else:
        click.echo(f"{path} is at schema {done.after}, this version's: nothing to upgrade")
