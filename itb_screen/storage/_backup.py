"""Checking a database file and copying it while the bot writes to it.

A plain copy of the file is not a backup: in WAL mode the latest commits live in `-wal` until a
checkpoint, and a copy taken mid-write can be torn. SQLite's online backup API copies a consistent
snapshot, WAL included, under a read lock that writers in WAL mode do not wait for.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ._anchors import Head
from ._connection import check_readable, connect_readonly
from ._keyfile import key_path, read_key
from ._schema import refuse_newer
from ._verify import Verification, verify


def verify_file(
    path: str | os.PathLike[str],
    key_file: str | os.PathLike[str] | None = None,
    heads: Sequence[Head] = (),
) -> Verification:
    """`_verify.verify` on the database at `path`, read-only (FileNotFoundError when there is none), with
    the key at `key_file` (else where `_keyfile.key_path` finds it; ChainKeyError when there is none)."""
    conn = connect_readonly(check_readable(path))
    try:
        refuse_newer(conn, path)  # NewerSchema: a newer version's chains may not be ours to judge
        return verify(conn, _key(conn, path, key_file), heads)
    finally:
        conn.close()


def _key(
    conn: sqlite3.Connection, path: str | os.PathLike[str], key_file: str | os.PathLike[str] | None
) -> bytes:
    """The database's key; none is needed to say that a file of an older schema has no chain."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chain'").fetchone():
        return b""
    return read_key(key_path(path, key_file))


class BackupFailed(Exception):
    """The copy could not be written (the target's disk full or read-only): nothing is left behind."""


@dataclass(frozen=True)
class Backup:
    """A written copy: where, its size, SQLite's integrity check of it, and its chain verified (with the
    head that `backup` records in the heads log)."""

    path: Path
    size: int
    integrity: str
    verification: Verification


def backup(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    force: bool = False,
    key_file: str | os.PathLike[str] | None = None,
) -> Backup:
    """Copy the database at `source` to `target` with the online backup API, then check the copy with the
    source's key (`key_file`, else where `_keyfile.key_path` finds it).

    The copy is written beside `target` and renamed over it once complete, so `target` is never a
    half-written file. Raises FileNotFoundError without a source, FileExistsError when `target` exists
    and not `force`, ChainKeyError (nothing written) without the key.
    """
    target = Path(target)
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists (--force replaces it)")
    src = connect_readonly(check_readable(source))
    try:
        refuse_newer(src, source)
        key = _key(src, source, key_file)
    except BaseException:
        src.close()
        raise
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.unlink(missing_ok=True)
        dest = sqlite3.connect(partial)
        try:
            src.backup(dest)  # all pages in one step: one read transaction, so one consistent snapshot
            # The copy stands alone: rollback journal, no -wal beside it.
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as error:
        _remove(partial)
        raise BackupFailed(f"cannot write {target}: {_cause(error)}; nothing was written") from None
    finally:
        src.close()
    return Backup(target, target.stat().st_size, *_check_copy(target, key))


def _remove(partial: Path) -> None:
    """A half-written copy and its journal go: a failed backup leaves nothing behind."""
    for path in (partial, partial.with_name(partial.name + "-journal")):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def _cause(error: BaseException) -> str:
    text = str(error).lower()
    if "full" in text or getattr(error, "errno", None) == 28:
        return "the disk is full"
    if "readonly" in text or "read-only" in text or getattr(error, "errno", None) in (13, 30):
        return "the target is read-only"
    return str(error)[:80]


def _check_copy(path: Path, key: bytes) -> tuple[str, Verification]:
    """PRAGMA integrity_check of the copy (\"ok\" when sound) and its chain verified (its head with it)."""
    conn = connect_readonly(path)
    try:
        integrity = "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check").fetchall())
        return integrity, verify(conn, key)
    finally:
        conn.close()
