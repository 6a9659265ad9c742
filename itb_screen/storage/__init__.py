"""SQLite storage through sqlite-utils: the only code of ITB Screen that runs SQL or opens the database.

What is where:

* `_connection.py`: opening the file. `connect` (WAL, synchronous=FULL, busy timeout, foreign keys;
  autocommit, so that `immediate` begins every write transaction with BEGIN IMMEDIATE), `default_path`
  (--db, else ITB_SCREEN_DB, else ./itb-screen.db), and for readers that must never write (the review
  site) `connect_readonly` (`?mode=ro` and `PRAGMA query_only`) and `check_readable`.
* `_schema.py`: the schema, made only by the registered migrations (`migrations`, `ensure_schema`), and
  `schema_tables`, the tables and columns they create (the review site describes every one). A file of
  a newer schema is refused before anything runs on it (`NewerSchema`, `check_schema`).
* `_store.py`: `Store`, every read and write of the application (users, cases, the append-only answer
  history, the transcript and its full-text search, amendments and voiding, handled input ids, the
  audit log; `open_store(path, readonly=True)` for commands that only read), the `STATUSES` and
  `EVENT_KINDS` it accepts, and how answers are encoded.
* `_results.py`: the results (mixed into `Store`), stored beside one another with their criteria and
  guidance versions (`guidance_version` NULL: stored before the other guidance flags existed).
* `_team.py`: the team's workflow (mixed into `Store`): hand-offs, reminders on or off, idle open
  cases, and the outbox of notices to members, claimed before sending so that none goes out twice.
* `_chain.py`: tamper evidence: one keyed chain (HMAC-SHA-256, written by triggers) over answers,
  results, case events, the audit log (all append-only), users' identities, every change of a case's
  reference, owner or status (`case_changes`) and the migrations (a column added to a chained table
  later, `ADDED`, is covered once set); `_keyfile.py` finds or creates its key outside the database;
  `_verify.py` recomputes it (`verify`); `_anchors.py` keeps heads to compare it with (`backup`'s heads
  log, `--head`); `_legacy_chain.py` is the unkeyed chain of schemas 6 to 8.
* `_typed_index.py`: the full-text index of the typed lines alone (`TYPED_FTS`, migration 0010), which
  the typed transcript searches read.
* `_retention.py`: `purge` (the transcript text of closed cases past a window) and strangers' refusals
  recorded once a day (`Store.purge`, `Store.audit_refusal`).
* `_upgrade.py`: `upgrade`, the one way besides the channels' start that migrates a file of an older
  schema, after keeping a copy of it beside it; readers refuse such a file (`OlderSchema`) and an empty
  one (`NotInitialised`) instead of migrating it.
* `_backup.py`: `verify_file` (a file, read-only) and `backup` (the online backup API, then the copy's
  integrity check and chain verified).

The one piece of SQL kept elsewhere is data: the review site's canned queries (`review/queries.py`),
which Datasette runs on a `connect_readonly` connection.
"""

from ._anchors import Head, heads_log, parse_head, read_heads, record_head
from ._backup import Backup, BackupFailed, backup, verify_file
from ._connection import (
    DEFAULT_DB,
    NotInitialised,
    OlderSchema,
    check_readable,
    connect,
    connect_readonly,
    default_path,
    immediate,
)
from ._keyfile import KEY_ENV, ChainKeyError, key_path
from ._retention import Purge
from ._rows import (
    EVENT_KINDS,
    STATUSES,
    Case,
    RefInUse,
    SearchQueryError,
    User,
    decode_value,
    encode_value,
    now,
)
from ._schema import NewerSchema, check_schema, ensure_schema, migrations, schema_tables
from ._store import Store, open_store
from ._team import Notice
from ._typed_index import TYPED_FTS
from ._upgrade import Upgrade, copy_path, current_version, schema_version, upgrade
from ._verify import Problem, Verification, verify

__all__ = [
    "NotInitialised",
    "OlderSchema",
    "Upgrade",
    "copy_path",
    "current_version",
    "schema_version",
    "upgrade",
    "Backup",
    "BackupFailed",
    "ChainKeyError",
    "Head",
    "KEY_ENV",
    "heads_log",
    "key_path",
    "parse_head",
    "read_heads",
    "record_head",
    "Problem",
    "Purge",
    "Verification",
    "backup",
    "verify",
    "verify_file",
    "DEFAULT_DB",
    "EVENT_KINDS",
    "STATUSES",
    "Case",
    "NewerSchema",
    "Notice",
    "RefInUse",
    "SearchQueryError",
    "Store",
    "TYPED_FTS",
    "User",
    "check_readable",
    "check_schema",
    "connect",
    "connect_readonly",
    "decode_value",
    "default_path",
    "encode_value",
    "ensure_schema",
    "immediate",
    "migrations",
    "now",
    "open_store",
    "schema_tables",
]
