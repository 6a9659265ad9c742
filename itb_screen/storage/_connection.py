"""Opening the database: the pragmas every connection needs, write transactions that lock first, and
read-only connections for readers that must never change the file (the review site)."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

#: Used when neither --db nor ITB_SCREEN_DB names a file.
DEFAULT_DB = "itb-screen.db"

#: How long a writer waits for another process's write to finish before giving up, in milliseconds.
BUSY_TIMEOUT_MS = 10_000


class OlderSchema(Exception):
    """The file was written by an older ITB Screen: commands that only read refuse it rather than migrate
    it (that would be a write); `itb-screen upgrade` copies it aside, then migrates it."""

    def __init__(self, path: str | os.PathLike[str], version: int, current: int) -> None:
        super().__init__(
            f"this database ({path}) is at schema {version}, older than this ITB Screen's {current}; "
            "run itb-screen upgrade"
        )
        self.path, self.version, self.current = Path(path), version, current


class NotInitialised(Exception):
    """The file holds no ITB Screen schema: `empty` when it has no table at all (a first start killed
    before its schema was committed leaves a file of 0 bytes); the channels create the schema in it."""

    def __init__(self, path: str | os.PathLike[str], empty: bool) -> None:
        super().__init__(
            f"{path} is empty: no ITB Screen database was created in it yet (itb-screen run or itb-screen "
            "console creates one)"
            if empty
            else f"{path} holds tables but no ITB Screen schema: it is not an ITB Screen database"
        )
        self.path, self.empty = Path(path), empty


def default_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--db, else ITB_SCREEN_DB, else ./itb-screen.db."""
    return Path(explicit or os.environ.get("ITB_SCREEN_DB") or DEFAULT_DB)


def connect(
    path: str | os.PathLike[str], check: Callable[[sqlite3.Connection], None] | None = None
) -> Database:
    """A sqlite-utils Database on `path` with WAL, synchronous=FULL, a busy timeout and foreign keys.

    `check`, when given, sees the connection before anything is set (journal mode included): raising
    there closes it with the file untouched (a file of a newer schema is refused so).

    The connection is in autocommit mode (isolation_level=None) so that every write transaction is begun
    explicitly by `immediate()`: Python's implicit deferred BEGIN would fail with "database is locked"
    when another process wrote between our read and our write, whatever the busy timeout.
    """
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    try:
        if check is not None:
            check(conn)
        _set_wal(conn)
    except BaseException:
        conn.close()
        raise
    # A clinical record outlives a power cut: fsync the WAL on every commit.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return Database(conn, execute_plugins=False)


def connect_readonly(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A connection that cannot write: the file opened `?mode=ro`, and `PRAGMA query_only` set.

    Not `immutable=1` as a rule: the bot writes while readers are open, and an immutable connection
    neither reads the WAL (recent answers would be missing) nor expects the file to change. The one
    exception is a directory we cannot write to (`_immutable`). Usable from any thread (Datasette runs
    its queries on a pool).
    """
    # A URI, so that `mode=ro` applies; as_uri() escapes the path (a bare f-string would not).
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    if _immutable(Path(path)):
        uri += "&immutable=1"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    conn.execute("PRAGMA query_only = 1")
    # The chain's triggers name `itb_mac` (`_chain.py`): without it an INSERT would fail as "no such
    # function" before SQLite says what matters, that this connection cannot write.
    conn.create_function("itb_mac", -1, _never_called, deterministic=True)
    return conn


def _never_called(*_: object) -> str:
    raise sqlite3.OperationalError("a read-only connection chains nothing")


def _immutable(path: Path) -> bool:
    """Whether a read-only open of `path` must be `immutable=1` to work at all.

    Reading a WAL database takes the -shm file (the WAL index), and SQLite creates it (and -wal) beside
    the database on first read, read-only connections too: in a directory we cannot write to, with no
    -shm there, `?mode=ro` fails ("attempt to write a readonly database"). There `immutable=1` (no
    locks, no WAL index) is also exact: a writer must create -wal and -shm (or a rollback -journal) in
    that directory, which it cannot either, so nothing can change the file while we read it. A
    non-empty -wal without its -shm (a writer killed, the directory locked down since) holds commits an
    immutable read would miss: then the plain `?mode=ro` is tried and fails rather than show old data.
    """
    wal, shm = path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")
    if os.access(path.resolve().parent, os.W_OK) or shm.exists():
        return False
    return not wal.exists() or wal.stat().st_size == 0


def check_readable(path: str | os.PathLike[str]) -> Path:
    """The database file at `path`, checked readable as SQLite without creating or changing anything.

    Raises FileNotFoundError when there is no such file and sqlite3.DatabaseError when it is not a
    database (or cannot be read).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no database at {path}")
    conn = connect_readonly(path)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        conn.close()
    return path


def _set_wal(conn: sqlite3.Connection) -> None:
    """PRAGMA journal_mode = WAL, waiting for other writers like the busy timeout would.

    Switching a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once without
    calling the busy handler: several processes opening a new file together would fail at random.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """A write transaction begun with BEGIN IMMEDIATE; nested calls join the outer one."""
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except BaseException:
            # A failed COMMIT (disk full, I/O error) can leave the transaction open; later writes would
            # then join it and never commit while users are told their answers are saved.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


@contextmanager
def snapshot(db: Database) -> Iterator[Database]:
    """A read transaction (deferred BEGIN), for read-only connections: every read inside sees the same
    snapshot of the file, and no lock is taken that a writer would wait for. Nested calls join."""
    with read_transaction(db.conn):
        yield db


@contextmanager
def read_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """`snapshot` on a plain connection. Without it each read of an autocommit connection sees the file
    as of its own start once the cursors before it are done (Python's sqlite3 resets a cursor as it hands
    out its last row), so a writer's commit can be seen by one read and not by the one before it."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")
