"""Tamper evidence (issue 11, part 3): answers, results, case events and the audit log are append-only in
the database (triggers) and hash-chained per case (the audit log as one chain); `itb-screen verify`
recomputes every chain, checks the triggers, and names what was altered."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from itb_screen.cli import cli
from itb_screen.storage import Store, migrations, verify_file
from itb_screen.storage._chain import CHAINED, TRIGGERS

TABLES = list(CHAINED)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def fill(store: Store) -> None:
    """Two cases with 4 answers, 3 results and 3 events each, and an audit log of three entries (every
    chain has a middle row: removing a chain's last row is the limit `_chain.py` states)."""
    user = store.user("console", "alice")
    for ref in ("ABC-1", "XYZ-2"):
        case = store.create_case(user.id, ref, "age_years")
        with store.transaction():
            store.record_answer(case.id, "age_years", 8, user.id, "answer")
            store.record_answer(case.id, "gmfcs", 4, user.id, "answer")
            store.record_answer(case.id, "age_years", 9, user.id, "change")
            store.record_answer(case.id, "seizures", None, user.id, "skip")
        for kind in ("confirm", "reevaluate", "reevaluate"):
            store.record_result(case.id, {"recommendation": "refer", "criteria_version": "1"}, user.id, kind)
        store.record_event(case.id, "amend", "age was wrong", user.id)
        store.record_event(case.id, "amend", "second look", user.id)
        store.record_event(case.id, "void", "opened by mistake", user.id)
    for event in ("start", "new_case", "confirm"):
        store.audit("console", "alice", event, "detail")


@pytest.fixture
def filled(store, db_path):
    fill(store)
    return db_path


def raw(path) -> sqlite3.Connection:
    """A plain connection, as someone with the file and the sqlite3 shell would have."""
    return sqlite3.connect(path, isolation_level=None)


def drop_triggers(conn: sqlite3.Connection) -> None:
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")


def second_row(conn: sqlite3.Connection, table: str) -> int:
    """A row in the middle of a chain: of case ABC-1 (id 1), or of the audit log."""
    where = "WHERE case_id = 1" if CHAINED[table].scope else ""
    return conn.execute(f"SELECT id FROM {table} {where} ORDER BY id LIMIT 1 OFFSET 1").fetchone()[0]


# The database refuses ---------------------------------------------------------------------------------
@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("sql", ["UPDATE {t} SET at = 'rewritten'", "DELETE FROM {t}"])
def test_the_database_refuses_to_rewrite_or_delete_history(filled, table, sql):
    conn = raw(filled)
    before = conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    with pytest.raises(sqlite3.IntegrityError, match=f"{table} is append-only"):
        conn.execute(sql.format(t=table))
    assert conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() == before
    conn.close()


def test_an_intact_database_verifies(filled):
    result = run("verify", "--db", str(filled))
    # 2 cases of 4 answers, 3 results and 3 events each; and 3 audit entries
    assert (result.exit_code, result.output) == (0, "verified: 2 cases, 23 rows\n")


def test_every_insert_path_extends_its_chain(store, db_path):
    fill(store)
    conn = raw(db_path)
    for table, spec in CHAINED.items():
        scope = spec.scope or "NULL"
        rows = conn.execute(f"SELECT {scope}, prev_hash, hash FROM {table} ORDER BY {scope}, id").fetchall()
        assert rows and all(len(digest) == 64 for _, _, digest in rows), table
        for (scope_a, _, digest), (scope_b, prev, _) in zip(rows, rows[1:], strict=False):
            assert prev == (digest if scope_a == scope_b else ""), table
    conn.close()


# verify names what was altered --------------------------------------------------------------------------
def test_a_rewritten_answer_is_named_by_case_table_and_row(filled):
    conn = raw(filled)
    conn.execute("DROP TRIGGER answers_no_update")
    row = conn.execute("SELECT id FROM answers WHERE case_id = 2 ORDER BY id LIMIT 1").fetchone()[0]
    conn.execute("UPDATE answers SET value = '12' WHERE id = ?", (row,))
    conn.close()
    result = run("verify", "--db", str(filled))
    assert result.exit_code == 1
    assert f"case XYZ-2: answers row {row}: altered" in result.output
    assert "trigger answers_no_update missing" in result.output
    assert "ABC-1" not in result.output  # the untouched case is not blamed


def test_a_row_deleted_in_the_middle_of_a_chain_is_detected(filled):
    conn = raw(filled)
    drop_triggers(conn)
    gone = second_row(conn, "answers")
    conn.execute("DELETE FROM answers WHERE id = ?", (gone,))
    conn.close()
    found = verify_file(filled)
    assert [(p.table, p.row_id, p.case_id) for p in found.problems if p.row_id] == [("answers", gone + 1, 1)]
    assert "does not follow" in found.describe(found.problems[0])


#: Tampering statements, each run alone on a copy of the filled database with its triggers dropped.
TAMPERING = [
    *(f"UPDATE {t} SET at = '2020-01-01T00:00:00' WHERE id = {{row}}" for t in TABLES),
    "UPDATE answers SET value = '99' WHERE id = {row}",
    "UPDATE answers SET field = 'seizures' WHERE id = {row}",
    "UPDATE answers SET action = 'skip' WHERE id = {row}",
    "UPDATE answers SET user_id = NULL WHERE id = {row}",
    "UPDATE answers SET case_id = 2 WHERE id = {row}",
    "UPDATE results SET recommendation = 'do_not_refer' WHERE id = {row}",
    "UPDATE results SET result = '{{}}' WHERE id = {row}",
    "UPDATE results SET reason = 'invented' WHERE id = {row}",
    "UPDATE case_events SET reason = 'nothing happened' WHERE id = {row}",
    "UPDATE case_events SET kind = 'void' WHERE id = {row}",
    "UPDATE audit SET event = 'harmless' WHERE id = {row}",
    "UPDATE audit SET external_id = 'bob' WHERE id = {row}",
    *(f"DELETE FROM {t} WHERE id = {{row}}" for t in TABLES),
    *(f"UPDATE {t} SET prev_hash = hash WHERE id = {{row}}" for t in TABLES),
    # Swap two rows' content: every value the same, the order changed.
    "UPDATE answers SET value = CASE id WHEN {row} THEN '8' ELSE '4' END WHERE id IN ({row} - 1, {row})",
    # A forged row inserted into a chain, with a made-up hash.
    "INSERT INTO answers (case_id, field, value, action, at, prev_hash, hash) "
    "VALUES (1, 'age_years', '30', 'change', '2030-01-01', '', 'x')",
    # A forged row that copies its predecessor's hash as its link but cannot compute a valid hash.
    "INSERT INTO audit (at, event, prev_hash, hash) SELECT 'later', 'forged', hash, hash FROM audit "
    "WHERE id = {row}",
]


@pytest.mark.parametrize("sql", TAMPERING)
def test_each_tampering_statement_is_detected_in_the_chain(filled, tmp_path, sql):
    copy = tmp_path / "tampered.db"
    shutil.copy(filled, copy)
    wal = filled.with_name(filled.name + "-wal")  # the store is still open: recent rows are in the WAL
    if wal.exists():
        shutil.copy(wal, copy.with_name(copy.name + "-wal"))
    conn = raw(copy)
    drop_triggers(conn)
    table = sql.split()[1 if sql.startswith("UPDATE") else 2]
    conn.execute(sql.format(row=second_row(conn, table)))
    conn.close()
    found = verify_file(copy)
    # Not only the dropped triggers: a chain itself names the altered table.
    assert any(p.row_id is not None and p.table == table for p in found.problems), sql
    assert run("verify", "--db", str(copy)).exit_code == 1


# The triggers themselves ------------------------------------------------------------------------------
def test_a_trigger_dropped_or_made_harmless_is_reported(filled):
    conn = raw(filled)
    conn.execute("DROP TRIGGER results_no_delete")
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT 1; END")
    conn.close()
    result = run("verify", "--db", str(filled))
    assert result.exit_code == 1
    assert "trigger results_no_delete missing" in result.output
    assert "trigger audit_no_update changed" in result.output


def test_verify_without_a_database_exits_2_and_creates_none(tmp_path):
    missing = tmp_path / "none.db"
    result = run("verify", "--db", str(missing))
    assert result.exit_code == 2
    assert f"no database at {missing}" in result.output
    assert not missing.exists()


# The migration ----------------------------------------------------------------------------------------
def test_the_migration_chains_rows_stored_before_it(tmp_path):
    path = tmp_path / "old.db"
    db = Database(path)
    migrations.apply(db, stop_before="0006_tamper_evidence")  # a database as 0005 left it
    db.execute("INSERT INTO users (channel, external_id, created_at) VALUES ('console', 'lee', 'x')")
    db.execute(
        "INSERT INTO cases (ref, user_id, state, status, created_at, updated_at) "
        "VALUES ('OLD-1', 1, 'done', 'done', 'x', 'x')"
    )
    for value in ("8", "9"):
        db.execute(
            "INSERT INTO answers (case_id, field, value, action, at) VALUES (1, 'age', ?, 'answer', 'x')",
            (value,),
        )
    db.execute("INSERT INTO audit (at, event) VALUES ('x', 'start')")
    db.close()
    assert "no hash chain" in run("verify", "--db", str(path)).output
    with Store(path) as store:
        store.record_answer(1, "gmfcs", 3, 1, "answer")  # the chain goes on from the old rows
    assert run("verify", "--db", str(path)).output == "verified: 1 cases, 4 rows\n"
    conn = raw(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE answers SET value = '7' WHERE id = 1")
    conn.close()
