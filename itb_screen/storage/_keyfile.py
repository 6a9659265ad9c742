"""The chain's key: 32 random bytes in a file of its own, kept apart from the database.

Where it is: `ITB_SCREEN_KEY_FILE`; else `itb-screen.key` beside the users file (`ITB_SCREEN_USERS`, the
Telegram bot's); else `itb-screen.key` beside the database. A writer creates it on first use (mode 0600,
64 hex digits) while the database has no chain yet; once a chain exists a missing key is an error, never
a new key (rows keyed with another key would never verify). Readers (`verify`) never create it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

#: Names the key file.
KEY_ENV = "ITB_SCREEN_KEY_FILE"
#: The users file of the Telegram bot: the key goes beside it (the bot's configuration, not its data).
USERS_ENV = "ITB_SCREEN_USERS"
KEY_NAME = "itb-screen.key"


class ChainKeyError(Exception):
    """No usable key: missing, unreadable, not a key, or not this database's key. One line, no traceback."""


def key_path(db_path: str | os.PathLike[str], explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the key of the database at `db_path` is: `explicit`, else ITB_SCREEN_KEY_FILE, else beside
    ITB_SCREEN_USERS, else beside the database."""
    if explicit:
        return Path(explicit)
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    if os.environ.get(USERS_ENV):
        return Path(os.environ[USERS_ENV]).parent / KEY_NAME
    return Path(db_path).parent / KEY_NAME


def read_key(path: Path) -> bytes:
    """The key in the file at `path` (ChainKeyError when there is none or it is not one)."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise ChainKeyError(f"no key at {path}: --key or {KEY_ENV} names the database's key file") from None
    except (OSError, UnicodeError) as error:
        raise ChainKeyError(f"cannot read the key at {path}: {getattr(error, 'strerror', error)}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 32:
        raise ChainKeyError(f"{path} is not an ITB Screen key (64 hex digits)")
    return key


def _create(path: Path) -> bytes:
    """A new key at `path`, mode 0600. Written beside it and linked into place, so that a process opening
    the database at the same moment reads a whole key, and the first of two to link wins."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            os.fchmod(out.fileno(), 0o600)  # whatever the umask
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(partial, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    except OSError as error:
        raise ChainKeyError(
            f"cannot create the key at {path}: {error.strerror}; {KEY_ENV} names where it goes"
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return read_key(path)


def find_key(db_path: Path, chained: bool) -> bytes:
    """The key of the database at `db_path` for a writer: read, or created when there is none and nothing
    is `chained` yet (ChainKeyError when it is missing from a chained database, or unreadable)."""
    path = key_path(db_path)
    if chained or path.exists():
        return read_key(path)
    return _create(path)
