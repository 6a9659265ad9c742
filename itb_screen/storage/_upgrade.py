"""`upgrade`: a file of an older schema brought to this code's, once a copy of it is kept beside it.

Commands that only read never migrate (`_schema.open_schema` refuses an older file read-only); the
channels migrate when they start, since they write anyway. This is the command made for it: the file as
it was is copied first with SQLite's online backup (`_backup.backup`, safe while the bot runs), so an
upgrade that goes wrong, or a version rolled back, loses nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from ._backup import BackupFailed, backup
from ._connection import NotInitialised, check_readable, connect_readonly
from ._schema import migrations, open_schema, recorded_version, refuse_newer


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade` did: the schema before (0: an empty file) and after, and the copy kept, if any."""

    path: Path
    before: int
    after: int
    copy: Path | None


def current_version() -> int:
    """This code's schema: how many migrations it has."""
    return len(migrations.pending(Database(memory=True)))


def copy_path(path: str | os.PathLike[str], version: int) -> Path:
    """Where `upgrade` keeps the file as it was at schema `version`: `itb-screen.db.before-upgrade-6.db`."""
    path = Path(path)
    return path.with_name(f"{path.name}.before-upgrade-{version}.db")


def schema_version(path: str | os.PathLike[str]) -> int:
    """The schema of the file at `path` (`_schema.recorded_version`), read-only; 0 for an empty file.

    NewerSchema for a file of a newer version, NotInitialised for another program's database."""
    conn = connect_readonly(check_readable(path))
    try:
        refuse_newer(conn, path)
        version = recorded_version(conn)
        if not version and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise NotInitialised(path, empty=False)  # tables, none of them ours: nothing to upgrade
        return version
    finally:
        conn.close()


def upgrade(path: str | os.PathLike[str]) -> Upgrade:
    """Migrate the database at `path` to this code's schema, after copying it to `copy_path` (an empty
    file has nothing to keep: its schema is created). A file already current is left as it is.

    Raises FileNotFoundError, NewerSchema, NotInitialised (another program's database), FileExistsError
    when a copy from an upgrade of that schema is there already, BackupFailed when the copy cannot be
    written or does not pass SQLite's integrity check: in each case nothing is migrated.
    """
    path = Path(path)
    before, current = schema_version(path), current_version()
    if before == current:
        return Upgrade(path, before, before, None)
    copy = None
    if before:
        copy = copy_path(path, before)
        if copy.exists():
            raise FileExistsError(f"{copy} exists, from an earlier upgrade: move it away first")
        made = backup(path, copy)
        if made.integrity != "ok":
            raise BackupFailed(f"the copy {copy} fails SQLite's integrity check ({made.integrity[:80]})")
    try:
        open_schema(path).close()  # the migrations, in one BEGIN IMMEDIATE transaction (`ensure_schema`)
    except BaseException:
        if copy is not None:  # the file is as it was (the transaction rolled back): a retry needs no copy
            copy.unlink(missing_ok=True)
        raise
    return Upgrade(path, before, schema_version(path), copy)
