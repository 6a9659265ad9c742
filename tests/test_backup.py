"""`itb-screen backup` (issue 11, part 4): a consistent copy while the bot writes, checked after writing."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time

from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.storage import Store


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def answers(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT value FROM answers ORDER BY id")]
    finally:
        conn.close()


def test_a_backup_taken_while_answers_are_written_holds_every_committed_row(tmp_path):
    path, target = tmp_path / "itb.db", tmp_path / "backup.db"
    writer = Store(path)
    user = writer.user("console", "alice")
    case = writer.create_case(user.id, "ABC-1", "age_years")
    committed: list[str] = []

    def answer() -> None:
        with writer.transaction():
            writer.record_answer(case.id, "age_years", len(committed), user.id, "change")
        committed.append(str(len(committed)))

    for _ in range(50):
        answer()
    # The main file holds these 50; from here on commits stay in the WAL (no automatic checkpoint), as
    # they do between checkpoints of a running bot.
    writer.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    writer.db.execute("PRAGMA wal_autocheckpoint = 0")
    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.is_set():
            answer()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        while len(committed) < 300:
            time.sleep(0.01)
        before = list(committed)  # committed before the backup began: all must be in it
        shutil.copy(path, tmp_path / "plain.db")  # what copying the main file alone would keep
        wal_size = path.with_name(path.name + "-wal").stat().st_size
        result = run("backup", str(target), "--db", str(path))
        after = list(committed)
    finally:
        stop.set()
        thread.join()
        writer.close()
    assert result.exit_code == 0, result.output
    assert (
        result.output.startswith(f"wrote {target} (") and "integrity ok, verified: 1 cases," in result.output
    )
    copied = answers(target)
    # A snapshot: every row committed before the backup, then an unbroken run of later ones, none torn.
    assert len(before) <= len(copied) <= len(after)
    assert copied == after[: len(copied)]
    # The point of the online backup: the WAL held most of these rows, and the main file alone lacks them.
    assert wal_size > 0
    assert answers(tmp_path / "plain.db") == before[:50]
    assert not target.with_name(target.name + "-wal").exists()  # the copy stands alone


def test_the_copy_passes_sqlite_integrity_check_and_the_chains(store, db_path, tmp_path):
    user = store.user("console", "alice")
    case = store.create_case(user.id, "ABC-1", "age_years")
    store.record_answer(case.id, "age_years", 8, user.id, "answer")
    store.audit("console", "alice", "start")
    target = tmp_path / "copy.db"
    assert run("backup", str(target), "--db", str(db_path)).exit_code == 0
    conn = sqlite3.connect(target)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()
    # The copy verifies with the source's key (beside both here), and its head is the one backup recorded.
    first, head = run("verify", "--db", str(target)).output.splitlines()
    assert first == "verified: 1 cases, 2 rows"
    logged = json.loads((tmp_path / "itb-screen-heads.log").read_text())
    assert head == f"head: {logged['rows']} chained rows, {logged['head']}"
    assert logged["copy"] == str(target.resolve()) and logged["db"] == str(db_path.resolve())


def test_an_existing_file_is_kept_unless_force(store, db_path, tmp_path):
    target = tmp_path / "copy.db"
    target.write_text("yesterday's backup")
    result = run("backup", str(target), "--db", str(db_path))
    assert result.exit_code == 2 and "exists (--force replaces it)" in result.output
    assert target.read_text() == "yesterday's backup"
    result = run("backup", str(target), "--db", str(db_path), "--force")
    assert result.exit_code == 0, result.output
    assert answers(target) == []  # a database now, not the old text


def test_a_missing_database_exits_2_and_writes_nothing(tmp_path):
    target = tmp_path / "copy.db"
    result = run("backup", str(target), "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 2 and f"no database at {tmp_path / 'none.db'}" in result.output
    assert not target.exists() and not (tmp_path / "none.db").exists()


def test_a_backup_of_an_altered_history_is_written_and_says_so(store, db_path, tmp_path):
    user = store.user("console", "alice")
    case = store.create_case(user.id, "ABC-1", "age_years")
    store.record_answer(case.id, "age_years", 8, user.id, "answer")
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("DROP TRIGGER answers_no_update")
    conn.execute("UPDATE answers SET value = '30'")
    conn.close()
    target = tmp_path / "copy.db"
    result = run("backup", str(target), "--db", str(db_path))
    assert result.exit_code == 1
    assert "case ABC-1: answers row 1: altered" in result.output
    assert answers(target) == ["30"]  # a faithful copy is still evidence
