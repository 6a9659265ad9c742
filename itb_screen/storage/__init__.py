"""SQLite storage through sqlite-utils: the only code that touches the database."""

from ._connection import DEFAULT_DB, connect, default_path, immediate
from ._schema import ensure_schema, migrations
from ._store import EVENT_KINDS, STATUSES, Case, RefInUse, Store, User, decode_value, encode_value, now, open_store

__all__ = [
    "DEFAULT_DB",
    "EVENT_KINDS",
    "STATUSES",
    "Case",
    "RefInUse",
    "Store",
    "User",
    "connect",
    "decode_value",
    "default_path",
    "encode_value",
    "ensure_schema",
    "immediate",
    "migrations",
    "now",
    "open_store",
]
