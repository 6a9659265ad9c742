"""Storage: the pragmas of every connection, migrations, the append-only answer history, unique case
references, several processes writing one file at once, and why writes begin with BEGIN IMMEDIATE."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC
from pathlib import Path

import pytest
from sqlite_utils import Database

from itb_screen.criteria import QUESTIONS
from itb_screen.storage import (
    RefInUse,
    SearchQueryError,
    Store,
    check_readable,
    connect,
    connect_readonly,
    ensure_schema,
    immediate,
    migrations,
    schema_tables,
)

from .drive import asked_by_contract

ROOT = Path(__file__).resolve().parent.parent
TABLES = {"users", "cases", "answers", "messages", "results", "audit"}


def pragmas(db: Database) -> dict:
    return {
        name: db.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
    }


def registered_migrations() -> list[str]:
    """Every migration of the set: all of them are pending on an empty database."""
    return [m.name for m in migrations.pending(Database(memory=True))]


# Connections --------------------------------------------------------------------------------------
@pytest.mark.parametrize("opened_by", ["connect", "Store", "second connection", "reopened Store"])
def test_every_connection_sets_wal_full_sync_busy_timeout_and_foreign_keys(opened_by, tmp_path):
    path = tmp_path / "itb.db"
    with Store(path) as first:
        if opened_by == "connect":
            db = connect(tmp_path / "other.db")
        elif opened_by == "Store":
            db = first.db
        elif opened_by == "second connection":
            db = connect(path)  # pragmas are per connection: a second one must set its own
        else:
            first.close()
            db = Store(path).db
        try:
            found = pragmas(db)
            assert found["journal_mode"] == "wal"
            assert found["synchronous"] == 2  # FULL: the WAL is fsynced on every commit
            assert found["busy_timeout"] >= 1000  # ms: a writer waits for another instead of failing
            assert found["foreign_keys"] == 1
        finally:
            if db is not first.db:
                db.close()


def test_a_read_only_connection_reads_the_latest_writes_and_writes_nothing(store, db_path):
    reader = connect_readonly(db_path)
    try:
        store.user("console", "alice")  # written after the reader opened, still in the WAL
        assert reader.execute("SELECT count(*) FROM users").fetchone()[0] == 1
        for sql in (
            "INSERT INTO audit (at, event) VALUES ('now', 'x')",
            "DELETE FROM users",
            "CREATE TABLE x (a)",
        ):
            with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
                reader.execute(sql)
    finally:
        reader.close()
    assert store.db.execute("SELECT count(*) FROM users").fetchone()[0] == 1


def test_check_readable_creates_nothing_and_refuses_what_is_not_a_database(tmp_path):
    missing = tmp_path / "none.db"
    with pytest.raises(FileNotFoundError, match="no database at"):
        check_readable(missing)
    assert not missing.exists()
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        check_readable(notes)


def test_check_readable_accepts_a_database(store, db_path):
    assert check_readable(db_path) == db_path


def test_schema_tables_are_what_a_new_file_has(store):
    columns, index = schema_tables()
    assert columns == {t: [c.name for c in store.db[t].columns] for t in store.db.table_names()}
    assert TABLES | {"case_events", "seen_inputs"} <= set(columns)
    assert "messages_fts" in index and not TABLES & set(index)
    assert columns["cases"][-1] == "first_review_at"


def test_a_raw_search_that_is_not_fts5_is_a_named_error(store):
    with pytest.raises(SearchQueryError, match="unbalanced"):
        store.search('"unbalanced AND', raw=True)
    assert store.search('"unbalanced AND') == []  # words, not syntax, without raw


def test_foreign_keys_are_enforced(store):
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        with store.transaction():
            store.record_answer(999, "age_years", 8, None, "answer")
    assert store.db.execute("SELECT count(*) FROM answers").fetchone()[0] == 0


def test_connections_are_in_autocommit_so_every_write_transaction_is_explicit(tmp_path):
    db = connect(tmp_path / "itb.db")
    try:
        assert db.conn.isolation_level is None
        ensure_schema(db)
        assert not db.conn.in_transaction
        with immediate(db):
            assert db.conn.in_transaction
            with immediate(db):  # nested: joins the outer transaction
                db.execute("INSERT INTO audit (at, event) VALUES ('now', 'nested')")
            assert db.conn.in_transaction
        assert not db.conn.in_transaction
        with pytest.raises(RuntimeError), immediate(db):
            db.execute("INSERT INTO audit (at, event) VALUES ('now', 'rolled back')")
            raise RuntimeError
        assert [r[0] for r in db.execute("SELECT event FROM audit")] == ["nested"]
    finally:
        db.close()


# Schema -------------------------------------------------------------------------------------------
def test_schema_is_created_on_first_use_and_user_version_counts_the_migrations(tmp_path):
    path = tmp_path / "new" / "itb.db"
    path.parent.mkdir()
    assert not path.exists()
    with Store(path) as store:
        names = set(store.db.table_names())
        assert TABLES <= names
        version = store.db.execute("PRAGMA user_version").fetchone()[0]
        assert version == len(registered_migrations()) >= 1
        assert [m.name for m in migrations.applied(store.db)] == registered_migrations()
        assert migrations.pending(store.db) == []


def test_reopening_does_not_run_the_migrations_again(tmp_path, monkeypatch):
    path = tmp_path / "itb.db"
    with Store(path) as store:
        with store.transaction():
            user = store.user("console", "alice")
            case = store.create_case(user.id, "KEEP-1", "age_years")
            store.record_answer(case.id, "age_years", 8, user.id, "answer")
        applied = store.db.execute("SELECT * FROM _sqlite_migrations ORDER BY id").fetchall()
        schema = store.db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()

    def run_again(*args, **kwargs):
        raise AssertionError("migrations ran again on an up-to-date file")

    monkeypatch.setattr(migrations, "apply", run_again)
    for _ in range(2):
        with Store(path) as store:
            assert store.db.execute("SELECT * FROM _sqlite_migrations ORDER BY id").fetchall() == applied
            found = store.db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
            assert found == schema
            assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(registered_migrations())
            assert store.answers(store.case_by_ref("KEEP-1").id) == {"age_years": 8}


# The answer history ---------------------------------------------------------------------------
def test_answers_are_an_append_only_history(store):
    with store.transaction():
        user = store.user("console", "alice")
        case = store.create_case(user.id, "HIST-1", "age_years")
    steps = [
        ("age_years", 8, "answer"),
        ("interference", ("comfort", "adl"), "answer"),
        ("disease_course", None, "skip"),
        ("age_years", 40, "change"),  # a change adds a row, it does not overwrite
        ("interference", None, "skip"),  # an answer skipped later: unanswered now
        ("disease_course", "progressive", "change"),
    ]
    for field, value, action in steps:
        with store.transaction():
            store.record_answer(case.id, field, value, user.id, action)

    history = store.history(case.id)
    assert [(h["field"], h["value"], h["action"]) for h in history] == steps
    assert [h["id"] for h in history] == sorted(h["id"] for h in history)
    assert all(h["user"] == "alice" and h["channel"] == "console" for h in history)
    # current = the latest row of each field; skipped = NULL, left out unless asked for
    assert store.answers(case.id) == {"age_years": 40, "disease_course": "progressive"}
    assert store.answers(case.id, include_skipped=True) == {
        "age_years": 40,
        "interference": None,
        "disease_course": "progressive",
    }
    raw = store.db.execute(
        "SELECT field, value FROM answers WHERE case_id = ? ORDER BY id", (case.id,)
    ).fetchall()
    assert raw == [
        ("age_years", "8"),
        ("interference", '["comfort", "adl"]'),
        ("disease_course", None),
        ("age_years", "40"),
        ("interference", None),
        ("disease_course", '"progressive"'),
    ]


def test_history_of_one_case_is_not_mixed_with_another(store):
    with store.transaction():
        user = store.user("console", "alice")
        first = store.create_case(user.id, "MIX-1", "age_years")
        second = store.create_case(user.id, "MIX-2", "age_years")
        store.record_answer(first.id, "age_years", 8, user.id, "answer")
        store.record_answer(second.id, "age_years", 9, user.id, "answer")
        store.record_answer(first.id, "age_years", 10, user.id, "change")
        assert store.answers(first.id) == {"age_years": 10}
        assert store.answers(second.id) == {"age_years": 9}
        assert len(store.history(first.id)) == 2 and len(store.history(second.id)) == 1


# Case references ------------------------------------------------------------------------------
@pytest.mark.parametrize("again", ["ABC-1", "abc-1", "Abc-1", "aBC-1"])
def test_case_references_are_unique_whatever_their_case(again, store):
    with store.transaction():
        alice = store.user("console", "alice")
        bob = store.user("telegram", "bob")
        case = store.create_case(alice.id, "ABC-1", "age_years")
        for owner in (alice, bob):
            with pytest.raises(RefInUse):
                store.create_case(owner.id, again, "age_years")
        assert store.case_by_ref(again) == case
        # the database itself refuses it, not only the Store
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            store.db.execute(
                "INSERT INTO cases (ref, user_id, state, status, return_to_review, created_at, updated_at) "
                "VALUES (?, ?, 'age_years', 'open', 0, 'now', 'now')",
                (again, bob.id),
            )
        assert [c.ref for c in store.all_cases()] == ["ABC-1"]


# Several processes on one file ----------------------------------------------------------------
WORKER = r"""
import json, sys, time
from pathlib import Path
from itb_screen.dialogue import Dialogue, Identity
from itb_screen.storage import Store

path, worker, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
plans = json.loads((folder / f"plans-{worker}.json").read_text())
(folder / f"ready-{worker}").touch()
while not (folder / "go").exists():
    time.sleep(0.002)
started = time.time()
store = Store(path)  # every worker opens the file at the same moment
dialogue = Dialogue(store)
inputs = 0
race = dialogue.handle(Identity("console", f"racer-{worker}"), "/new RACE-1")
inputs += 1
for number, plan in enumerate(plans):
    who = Identity("console", f"w{worker}-u{number}")
    prompts = dialogue.handle(who, f"/new W{worker}-C{number}")
    inputs += 1
    while prompts[-1].kind == "question":
        prompts = dialogue.handle(who, plan[prompts[-1].field])
        inputs += 1
        assert prompts[0].kind != "refusal", prompts[0].text
    assert prompts[-1].kind == "review", prompts[-1].text
    prompts = dialogue.handle(who, "confirm")
    inputs += 1
    assert prompts[-1].kind == "result", prompts[-1].text
store.close()
print(json.dumps({"worker": worker, "inputs": inputs, "won_race": race[0].kind != "refusal",
                  "started": started, "ended": time.time()}))
"""

WORKERS = 4
CASES_EACH = 14  # about 20 inputs a case: some 290 inputs a worker


def plan(worker: int, number: int) -> tuple[dict[str, str], dict]:
    """What worker `worker` types for its case `number`, and the answers that should be stored."""
    typed, stored = {}, {}
    for q in QUESTIONS:
        if q.kind == "number":
            value = (7 * worker + 5 * number) % 40  # children and adults: growth asked or not
            typed[q.field], stored[q.field] = str(value), value
        elif q.kind == "one":
            index = (worker + number + q.number) % len(q.options)
            option = q.options[index]
            form = (worker + q.number) % 3
            typed[q.field] = [str(index + 1), option.code, option.label.upper()][form]
            stored[q.field] = option.code
        else:
            others = [o for o in q.options if o.code != "none"]
            chosen = {others[number % len(others)].code, others[(number + worker + 1) % len(others)].code}
            typed[q.field] = ", ".join(str(q.codes.index(c) + 1) for c in sorted(chosen))
            stored[q.field] = tuple(c for c in q.codes if c in chosen)
    # Stored: what is asked, by the spec and other-guidance.md (the growth question under 18, a follow-up
    # when its answer holds).
    asked = asked_by_contract(stored)
    return typed, {f: v for f, v in stored.items() if f in asked}


def test_processes_writing_one_file_at_once_all_succeed(tmp_path):
    path = tmp_path / "shared.db"
    # Not created first: the workers open the brand-new file together.
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": pythonpath}
    procs = []
    for worker in range(WORKERS):
        plans = [plan(worker, n)[0] for n in range(CASES_EACH)]
        (tmp_path / f"plans-{worker}.json").write_text(json.dumps(plans))
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", WORKER, str(path), str(worker), str(tmp_path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
                env=env,
            )
        )
    try:
        deadline = time.monotonic() + 60
        while not all((tmp_path / f"ready-{w}").exists() for w in range(WORKERS)):
            assert all(p.poll() is None for p in procs), "a worker died before it was ready"
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.01)
        (tmp_path / "go").touch()
        results = [proc.communicate(timeout=120) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    outcomes = []
    for proc, (out, err) in zip(procs, results, strict=True):
        assert "database is locked" not in err
        assert proc.returncode == 0, err
        outcomes.append(json.loads(out))

    assert all(o["inputs"] >= 200 for o in outcomes), outcomes
    assert max(o["started"] for o in outcomes) < min(o["ended"] for o in outcomes), "the workers overlapped"
    assert sum(o["won_race"] for o in outcomes) == 1, "exactly one worker gets a reference all want"
    with Store(path) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(registered_migrations())
        assert len(store.all_cases()) == WORKERS * CASES_EACH + 1
        for worker in range(WORKERS):
            for number in range(CASES_EACH):
                case = store.case_by_ref(f"W{worker}-C{number}")
                assert store.answers(case.id) == plan(worker, number)[1], case.ref
                assert case.status == "done" and store.latest_result(case.id) is not None
        inputs = store.db.execute("SELECT count(*) FROM messages WHERE direction = 'in'").fetchone()[0]
        assert inputs == sum(o["inputs"] for o in outcomes)


# Why BEGIN IMMEDIATE ----------------------------------------------------------------------------
def _counter_file(path: Path) -> None:
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode = WAL")
    setup.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
    setup.execute("INSERT INTO counter VALUES (0)")
    setup.close()


def test_a_deferred_transaction_cannot_write_after_another_connection_committed(tmp_path):
    """SQLITE_BUSY_SNAPSHOT: a reader that wants to write after someone else wrote cannot be saved by
    the busy timeout; its snapshot is stale, so SQLite fails at once with "database is locked"."""
    path = tmp_path / "demo.db"
    _counter_file(path)
    first = sqlite3.connect(path, isolation_level=None, timeout=2, check_same_thread=False)
    second = sqlite3.connect(path, isolation_level=None, timeout=2, check_same_thread=False)
    first_read, second_committed = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def reader_then_writer():
        first.execute("BEGIN")  # deferred, as Python's sqlite3 begins by default
        n = first.execute("SELECT n FROM counter").fetchone()[0]
        first_read.set()
        assert second_committed.wait(10)
        started = time.monotonic()
        try:
            first.execute("UPDATE counter SET n = ?", (n + 1,))
        except sqlite3.OperationalError as error:
            failure.append(error)
            assert time.monotonic() - started < 1.5, "failed at once, not after the busy timeout"
        finally:
            first.execute("ROLLBACK")

    def writer():
        assert first_read.wait(10)
        second.execute("UPDATE counter SET n = n + 1")  # autocommit: the reader holds no write lock
        second_committed.set()

    threads = [threading.Thread(target=reader_then_writer), threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    try:
        assert len(failure) == 1
        assert "database is locked" in str(failure[0])
        assert failure[0].sqlite_errorcode == sqlite3.SQLITE_BUSY_SNAPSHOT
        assert second.execute("SELECT n FROM counter").fetchone()[0] == 1
    finally:
        first.close()
        second.close()


def test_immediate_makes_the_second_writer_wait_and_both_succeed(tmp_path):
    """With BEGIN IMMEDIATE the lock is taken before the read: the second writer waits (busy timeout)
    until the first commits, then reads the new value; no error and no lost update."""
    path = tmp_path / "demo.db"
    _counter_file(path)
    first, second = connect(path), connect(path)
    for db in (first, second):
        db.execute("PRAGMA busy_timeout = 3000")  # small, but longer than the first holds its lock
    first_read, second_waiting = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    seen_by_second: list[int] = []

    def first_writer():
        try:
            with immediate(first):
                n = first.execute("SELECT n FROM counter").fetchone()[0]
                first_read.set()
                assert second_waiting.wait(10)
                time.sleep(0.2)  # the second is now blocked in BEGIN IMMEDIATE
                first.execute("UPDATE counter SET n = ?", (n + 1,))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    def second_writer():
        try:
            assert first_read.wait(10)
            second_waiting.set()
            with immediate(second):  # waits for the first to commit
                n = second.execute("SELECT n FROM counter").fetchone()[0]
                seen_by_second.append(n)
                second.execute("UPDATE counter SET n = ?", (n + 1,))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=first_writer), threading.Thread(target=second_writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    try:
        assert errors == []
        assert seen_by_second == [1], "the second writer read after the first committed"
        assert first.execute("SELECT n FROM counter").fetchone()[0] == 2
    finally:
        first.close()
        second.close()


def test_opening_a_new_file_while_another_process_writes_it_waits_instead_of_failing(tmp_path):
    path = tmp_path / "new.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process creating the file right now, before it is WAL
    release = threading.Timer(0.3, other.execute, ("COMMIT",))
    release.start()
    try:
        with Store(path) as store:  # should wait the 0.3 s (busy timeout), then open
            assert pragmas(store.db)["journal_mode"] == "wal"
    finally:
        release.join()
        other.close()


def test_a_failed_commit_leaves_no_transaction_open(store, db_path):
    """COMMIT itself can fail (here a deferred foreign key; on disk, a full disk): nothing stays open."""
    with pytest.raises(sqlite3.IntegrityError):
        with immediate(store.db):
            store.db.execute("PRAGMA defer_foreign_keys = ON")
            store.db.execute(
                "INSERT INTO answers (case_id, field, action, at) VALUES (999, 'x', 'answer', 'now')"
            )
    assert not store.db.conn.in_transaction
    user = store.user("console", "after")
    with store.transaction():
        store.record_message(user.id, None, "console", "in", "kept")
    other = sqlite3.connect(db_path)
    assert other.execute("SELECT text FROM messages").fetchall() == [("kept",)]
    other.close()


def test_remembered_inputs_are_forgotten_after_a_while(store):
    from datetime import datetime, timedelta

    with store.transaction():
        assert store.first_time("telegram", "7:1") is True
        assert store.first_time("telegram", "7:1") is False
        assert store.first_time("console", "7:1") is True
    assert store.forget_inputs("telegram", datetime.now(UTC) - timedelta(days=2)) == 0
    assert store.forget_inputs("telegram", datetime.now(UTC) + timedelta(seconds=1)) == 1
    with store.transaction():
        assert store.first_time("telegram", "7:1") is True
        assert store.first_time("console", "7:1") is False


# Amendments and voiding ---------------------------------------------------------------------------
def test_case_events_keep_kind_reason_who_and_when_in_order(store):
    with store.transaction():
        user = store.user("console", "lee", "Dr Lee")
        case = store.create_case(user.id, "AM-1", "review")
        store.record_event(case.id, "amend", "age was mistyped", user.id)
        store.record_event(case.id, "void", "opened by mistake", user.id)
        events = store.events(case.id)
        assert [(e["kind"], e["reason"], e["by"]) for e in events] == [
            ("amend", "age was mistyped", "Dr Lee"),
            ("void", "opened by mistake", "Dr Lee"),
        ]
        assert all(e["at"] for e in events)
        with pytest.raises(ValueError, match="unknown case event"):
            store.record_event(case.id, "delete", "no such kind", user.id)


def test_results_are_kept_side_by_side_with_who_and_the_amendment_reason(store):
    with store.transaction():
        user = store.user("console", "lee", "Dr Lee")
        case = store.create_case(user.id, "AM-2", "done")
        first = {"recommendation": "incomplete", "criteria_version": "v", "discussion_points": []}
        second = {**first, "recommendation": "refer_for_screening"}
        store.record_result(case.id, first, user.id)
        store.record_result(case.id, second, user.id, kind="amend", reason="infection resolved")
        results = store.results(case.id)
        assert [(r["result"]["recommendation"], r["kind"], r["reason"], r["by"]) for r in results] == [
            ("incomplete", "confirm", None, "Dr Lee"),
            ("refer_for_screening", "amend", "infection resolved", "Dr Lee"),
        ]
        assert store.latest_result(case.id)[0]["recommendation"] == "refer_for_screening"


def test_void_is_a_status_a_case_can_be_saved_with(store):
    with store.transaction():
        user = store.user("console", "lee")
        case = store.create_case(user.id, "AM-3", "q")
        store.save_case(case.id, state="done", status="void", return_to_review=False, pending=None)
        assert store.case(case.id).status == "void"
        with pytest.raises(ValueError, match="unknown status"):
            store.save_case(case.id, state="done", status="deleted", return_to_review=False, pending=None)


def test_the_first_time_a_case_reaches_the_review_is_kept(store):
    with store.transaction():
        user = store.user("console", "lee")
        case = store.create_case(user.id, "FR-1", "age_years")
        store.save_case(case.id, state="age_years", status="open", return_to_review=0, pending=None)
        assert store.case(case.id).first_review_at is None
        first = store.save_case(
            case.id, state="review", status="open", return_to_review=0, pending=None, at_review=True
        )
        store.save_case(case.id, state="seizures", status="open", return_to_review=1, pending=None)
        store.save_case(
            case.id, state="review", status="open", return_to_review=0, pending=None, at_review=True
        )
        assert store.case(case.id).first_review_at == first


def test_migration_fills_first_review_from_the_transcript_of_older_cases(tmp_path):
    path = tmp_path / "old.db"
    db = Database(path)
    pending = migrations.pending(db)
    before = [m for m in pending if m.name < "0005"]
    for migration in before:  # a database as 0004 left it
        migration.fn(db)
        db["_sqlite_migrations"].insert(
            {"migration_set": "itb_screen", "name": migration.name, "applied_at": "2026-01-01"}, alter=True
        )
    db.execute("INSERT INTO users (channel, external_id, created_at) VALUES ('console', 'lee', 'x')")
    db.execute(
        "INSERT INTO cases (ref, user_id, state, status, created_at, updated_at) "
        "VALUES ('OLD-1', 1, 'done', 'done', 'x', 'x'), ('OLD-2', 1, 'age_years', 'open', 'x', 'x')"
    )
    db.execute(
        "INSERT INTO messages (case_id, channel, direction, text, at) VALUES "
        "(1, 'console', 'out', 'Review case OLD-1: check every answer', '2026-02-01T10:00'), "
        "(1, 'console', 'out', 'Review case OLD-1: check every answer', '2026-02-02T10:00'), "
        "(2, 'console', 'out', 'Case OLD-2 - question 1 of 17', '2026-02-01T10:00')"
    )
    db.conn.commit()
    db.close()
    with Store(path) as store:
        assert store.case_by_ref("OLD-1").first_review_at == "2026-02-01T10:00"
        assert store.case_by_ref("OLD-2").first_review_at is None
