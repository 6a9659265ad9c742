"""The schema, created on first use and changed only by registered migrations.

PRAGMA user_version mirrors the number of migrations applied, so a glance with the sqlite3 shell says
which schema a file has. A file of a newer schema than this code knows is refused (`NewerSchema`) before
anything is run on it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from ._chain import (
    TRIGGERS,
    attach,
    chain_existing,
    chain_rows,
    check_key,
    has_chain,
    trigger_sql,
    triggers,
)
from ._connection import NotInitialised, OlderSchema, connect, connect_readonly, immediate
from ._legacy_chain import LEGACY, chain_columns
from ._typed_index import create_typed_index

migrations = Migrations("itb_screen")


@migrations(name="0001_initial")
def _initial(db: Database) -> None:
    _create_users_and_cases(db)
    _create_records(db)


def _create_users_and_cases(db: Database) -> None:
    """Who uses the bot, and the cases they screen (named by a reference unique across the team)."""
    db.table("users").create(
        {
            "id": int,
            "channel": str,
            "external_id": str,
            "name": str,
            "role": str,
            "created_at": str,
            "active_case_id": int,
            "awaiting": str,
        },
        pk="id",
        not_null={"channel", "external_id", "created_at"},
    )
    db.table("users").create_index(["channel", "external_id"], unique=True)
    db.table("cases").create(
        {
            "id": int,
            "ref": str,
            "user_id": int,
            "state": str,
            "status": str,
            "return_to_review": int,
            "pending": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("user_id", "users", "id")],
        not_null={"ref", "user_id", "state", "status", "created_at", "updated_at"},
        defaults={"status": "open", "return_to_review": 0},
    )
    # Case references are unique across the team, whatever their case: "ABC-1" and "abc-1" are one case.
    db.execute("CREATE UNIQUE INDEX idx_cases_ref_nocase ON cases (ref COLLATE NOCASE)")
    db.table("cases").create_index(["user_id", "updated_at"])
    db.table("users").add_foreign_key("active_case_id", "cases", "id")


def _create_records(db: Database) -> None:
    """What is kept of each case: answers, transcript and results, and the audit log."""
    # Append-only: every answer and every change. The current answer is the latest row of its field;
    # value NULL means the question was skipped or cleared ("unknown").
    db.table("answers").create(
        {"id": int, "case_id": int, "field": str, "value": str, "action": str, "user_id": int, "at": str},
        pk="id",
        foreign_keys=[("case_id", "cases", "id"), ("user_id", "users", "id")],
        not_null={"case_id", "field", "action", "at"},
    )
    db.table("answers").create_index(["case_id", "field", "id"])
    db.table("messages").create(
        {"id": int, "case_id": int, "user_id": int, "channel": str, "direction": str, "text": str, "at": str},
        pk="id",
        foreign_keys=[("case_id", "cases", "id"), ("user_id", "users", "id")],
        not_null={"channel", "direction", "text", "at"},
    )
    db.table("messages").create_index(["case_id", "id"])
    db.table("results").create(
        {
            "id": int,
            "case_id": int,
            "recommendation": str,
            "criteria_version": str,
            "result": str,
            "kind": str,
            "user_id": int,
            "at": str,
        },
        pk="id",
        foreign_keys=[("case_id", "cases", "id"), ("user_id", "users", "id")],
        not_null={"case_id", "recommendation", "criteria_version", "result", "kind", "at"},
    )
    db.table("results").create_index(["case_id", "id"])
    db.table("audit").create(
        {"id": int, "at": str, "channel": str, "external_id": str, "event": str, "detail": str},
        pk="id",
        not_null={"at", "event"},
    )


@migrations(name="0002_search")
def _search(db: Database) -> None:
    # Full-text search over the transcript (every message in and out, so typed and pressed answers
    # too), kept current by triggers.
    db.table("messages").enable_fts(["text"], create_triggers=True, tokenize="porter")


@migrations(name="0003_seen_inputs")
def _seen_inputs(db: Database) -> None:
    # Telegram delivers an update again when the bot died before confirming it: remembering the ids of
    # inputs already handled (in the same transaction as their effects) makes a replay harmless.
    db.table("seen_inputs").create(
        {"channel": str, "key": str, "at": str}, pk=("channel", "key"), not_null={"at"}
    )


@migrations(name="0004_case_events")
def _case_events(db: Database) -> None:
    # A finished case is corrected by an amendment (reopened at the review with a reason; its new
    # result stored beside the old) or voided (opened by mistake). Each is an event with who, when and
    # why; a result made after an amendment carries that amendment's reason.
    db.table("case_events").create(
        {"id": int, "case_id": int, "kind": str, "reason": str, "user_id": int, "at": str},
        pk="id",
        foreign_keys=[("case_id", "cases", "id"), ("user_id", "users", "id")],
        not_null={"case_id", "kind", "reason", "at"},
    )
    db.table("case_events").create_index(["case_id", "id"])
    db.table("results").add_column("reason", str)


@migrations(name="0005_first_review")
def _first_review(db: Database) -> None:
    # When a case first reached the review screen: "changed after review" is measured from it. Older
    # cases are filled in once from the transcript's review prompt, which was the only trace of it.
    db.table("cases").add_column("first_review_at", str)
    db.execute(
        "UPDATE cases SET first_review_at = (SELECT min(m.at) FROM messages m WHERE m.case_id = cases.id "
        "AND m.direction = 'out' AND instr(m.text, 'Review case ' || cases.ref || ':') = 1)"
    )


@migrations(name="0006_tamper_evidence")
def _tamper_evidence(db: Database) -> None:
    # Answers, results, case events and the audit log become append-only in the database itself, and
    # hash-chained (per case; the audit log as one chain) so that a rewrite by hand shows (`_chain.py`).
    # Rows stored before are chained once, in order, before the triggers forbid updating them.
    # (The unkeyed chain of then: `_legacy_chain.py`; migration 0009 replaced it with the keyed one.)
    for table in LEGACY:
        db.table(table).add_column("prev_hash", str)
        db.table(table).add_column("hash", str)
        chain_columns(db.conn, table)
    for table in LEGACY:
        for operation in ("UPDATE", "DELETE"):
            db.execute(trigger_sql(table, operation))


@migrations(name="0007_team")
def _team(db: Database) -> None:
    # Hand-offs are case events (kind "handoff") naming whom the case went to; the column is hashed only
    # when set, so the chains of earlier events still verify (`Chained.added`). No foreign key: adding one
    # would rebuild the append-only table. `users.reminders`: 0 when a member turned reminders off.
    # `notices`: the outbox of messages to members (hand-offs, reminders, notices to reviewers), one per
    # member, case and event (the unique index), claimed before sending so that none goes out twice.
    db.execute("ALTER TABLE case_events ADD COLUMN to_user_id INTEGER")
    db.execute("ALTER TABLE users ADD COLUMN reminders INTEGER NOT NULL DEFAULT 1")
    db.table("notices").create(
        {
            "id": int,
            "user_id": int,
            "case_id": int,
            "event": str,
            "text": str,
            "button_code": str,
            "button_label": str,
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
        foreign_keys=[("case_id", "cases", "id"), ("user_id", "users", "id")],
        not_null={"user_id", "case_id", "event", "text", "created_at"},
    )
    db.table("notices").create_index(["user_id", "case_id", "event"], unique=True)
    db.table("notices").create_index(["sent_at"])


@migrations(name="0008_answer_notes")
def _answer_notes(db: Database) -> None:
    # What a typed answer kept beside its value (issue 16): the qualifier typed after it ("well controlled
    # on levetiracetam"), already redacted of identifiers, and the ICD-10-CM code of a diagnosis named.
    # Hashed only when set, so the chains of earlier answers still verify (`Chained.added`).
    db.execute("ALTER TABLE answers ADD COLUMN note TEXT")
    db.execute("ALTER TABLE answers ADD COLUMN icd10cm TEXT")


@migrations(name="0009_keyed_chain")
def _keyed_chain(db: Database) -> None:
    # Issue 17: one chain over the whole database, keyed (HMAC-SHA-256 with a key kept outside the file),
    # replacing the unkeyed per-case chains anyone with the file could recompute (`_chain.py`). Changes of
    # a case's reference, owner or status become `case_changes` rows. Every row stored before is chained
    # now, in id order, so it is only as trustworthy as it was; the old prev_hash and hash stay as they
    # were (covered by the MAC) and are left empty from now on.
    db.execute(
        "CREATE TABLE case_changes (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES cases(id), "
        "ref TEXT NOT NULL, user_id INTEGER REFERENCES users(id), status TEXT NOT NULL, at TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX idx_case_changes_case_id_id ON case_changes (case_id, id)")
    db.execute(
        "CREATE TABLE chain (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, row_id INTEGER NOT NULL, "
        "mac TEXT NOT NULL)"
    )
    chain_existing(db.conn)
    for name, sql in triggers(added=False).items():  # as they were then: 0011 added a column since
        if not name.startswith(tuple(f"{table}_no_" for table in LEGACY)):
            db.execute(sql)


@migrations(name="0010_typed_search")
def _typed_search(db: Database) -> None:
    # Issue 18: a full-text index of the typed lines alone (`_typed_index.py`), so that searching what
    # users typed does not go through every line the bot said with the same words.
    create_typed_index(db.conn)


@migrations(name="0011_guidance_version")
def _guidance_version(db: Database) -> None:
    # Issue 19: the version of the other guidance flags beside criteria_version (the flags themselves are
    # in the result's JSON). NULL on the results stored before: the flags were never computed for them.
    # The chain covers it once set (`_chain.ADDED`), so those rows verify as they were chained; the
    # results' chain trigger is made again to pass it to the MAC.
    db.execute("ALTER TABLE results ADD COLUMN guidance_version TEXT")
    db.execute("DROP TRIGGER results_chain")
    db.execute(TRIGGERS["results_chain"])


def schema_tables() -> tuple[dict[str, list[str]], list[str]]:
    """Every table the migrations create with its columns, in order, and which of them make up the
    full-text index (the FTS tables and their shadow tables), read from a fresh in-memory database."""
    db = connect(":memory:")  # with the chain's SQL function, as the migrations need it
    try:
        ensure_schema(db)
        names = db.table_names()
        index = set()
        for fts in db.table_names(fts5=True) + db.table_names(fts4=True):
            index.add(fts)
            index.update(t for t in names if t.startswith(f"{fts}_"))
        return {name: [c.name for c in db[name].columns] for name in names}, sorted(index)
    finally:
        db.close()


class NewerSchema(Exception):
    """The file was written by a newer ITB Screen: its schema is one this code does not know."""

    def __init__(self, path: str | os.PathLike[str], version: int) -> None:
        super().__init__(f"{path} was written by a newer ITB Screen (schema {version}); upgrade")
        self.path = Path(path)
        self.version = version


def _known() -> frozenset[str]:
    """The names of the migrations this code has (all pending on an empty database)."""
    return frozenset(m.name for m in migrations.pending(Database(memory=True)))


def refuse_newer(conn: sqlite3.Connection, path: str | os.PathLike[str]) -> None:
    """Raise NewerSchema when user_version, or the migrations recorded in the file, go beyond ours."""
    known = _known()
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    applied: list[str] = []
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_sqlite_migrations'").fetchone():
        rows = conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (migrations.name,)
        ).fetchall()
        applied = [row[0] for row in rows]
    if version > len(known) or not known.issuperset(applied):
        raise NewerSchema(path, max(version, len(applied)))


def recorded_version(conn: sqlite3.Connection) -> int:
    """The schema the file says it is at: its user_version, or the count of our migrations it records if
    more (a file of before user_version was kept; a migration's record deleted by hand is no older file,
    but one `verify` must see, so it opens)."""
    applied = len(migrations.applied(Database(conn, execute_plugins=False)))
    return max(applied, int(conn.execute("PRAGMA user_version").fetchone()[0]))


def refuse_older(conn: sqlite3.Connection, path: str | os.PathLike[str]) -> None:
    """Raise NotInitialised when the file is at no schema of ours (`empty`: no table at all, as a first
    start killed before its schema was committed leaves it), OlderSchema when it is at an older one."""
    version = recorded_version(conn)
    if not version:
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        raise NotInitialised(path, empty=tables == 0)
    if version < len(_known()):
        raise OlderSchema(path, version, len(_known()))


def check_schema(path: str | os.PathLike[str]) -> None:
    """`refuse_newer` and `refuse_older` on the file at `path`, opened read-only: it is of this code's
    schema, or the exception says why not."""
    conn = connect_readonly(path)
    try:
        refuse_newer(conn, path)
        refuse_older(conn, path)
    finally:
        conn.close()


def open_schema(path: str | os.PathLike[str], readonly: bool = False) -> Database:
    """The database at `path`, of a schema this code knows (NewerSchema otherwise), up to date.

    Writable: created or migrated. Read-only (`connect_readonly`): never migrated, since that is a write
    (a reader may have no right to write, and an upgrade deserves a copy first: `upgrade`); a file of an
    older schema, or none, raises OlderSchema or NotInitialised.
    """
    if not readonly:
        db = connect(path, check=lambda conn: refuse_newer(conn, path))
        try:
            _writer_key(db.conn, Path(path))
            ensure_schema(db)
        except BaseException:
            db.close()
            raise
        return db
    conn = connect_readonly(path)
    try:
        refuse_newer(conn, path)
        refuse_older(conn, path)
    except BaseException:
        conn.close()
        raise
    return Database(conn, execute_plugins=False)


def _writer_key(conn: sqlite3.Connection, path: Path) -> None:
    """Give a writer the chain's key: found (or, before anything is chained, created) and checked against
    the chain's last entry now, so that a missing or wrong key is refused in one line (ChainKeyError)
    when the file is opened, not at the first answer. A file we cannot write needs none: nothing will be
    chained (and a key we may not read is no reason to refuse reading)."""
    keyed = attach(conn)
    if path.exists() and not os.access(path, os.W_OK):
        return
    if has_chain(conn):
        check_key(conn, keyed)
    else:
        keyed.get(chained=False)


def _attached(conn: sqlite3.Connection) -> bool:
    """Whether the connection has the chain's SQL function already (attached with a checked key)."""
    return any(row[0] == "itb_mac" for row in conn.execute("PRAGMA function_list"))


def ensure_schema(db: Database) -> None:
    """Create or migrate the schema; safe when several processes open a new file at once. The connection
    is given the chain's SQL function (`_chain.attach`) unless it has it: the chain's triggers need it."""
    if not _attached(db.conn):
        attach(db.conn)
    if migrations.pending(db):
        with immediate(db):
            migrations.apply(db)
            db.execute(f"PRAGMA user_version = {len(migrations.applied(db))}")
            if has_chain(db.conn):  # the migrations, recorded by sqlite-utils, are chained like the rest
                chain_rows(db.conn, "_sqlite_migrations")
