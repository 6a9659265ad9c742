"""benchmarks/faults.py at small counts (issue 11, "Proof"): kills of both channels, a crowd on one file,
hostile input, a full and a read-only disk, tampering and a backup under load, each with the same zeros
as the full run (`python benchmarks/faults.py`), so CI checks them in well under a minute."""

from __future__ import annotations

import os
import shutil
import sqlite3

import pytest

from benchmarks.faults import (
    backup_under_load,
    concurrency,
    disk_full,
    hostile,
    kills_console,
    kills_telegram,
    read_only,
    stored_identifiers,
    tampering,
)
from itb_screen.storage import Store


def test_console_killed_at_random_points_loses_no_acknowledged_answer(tmp_path):
    figures = kills_console(5, tmp_path)
    assert (figures.lost, figures.integrity_failures, figures.verify_failures) == (0, 0, 0), figures.line()
    assert figures.resumable == figures.kills == 5 and figures.ok


def test_telegram_bot_killed_at_random_points_loses_no_acknowledged_answer(tmp_path):
    figures = kills_telegram(3, tmp_path)
    assert (figures.lost, figures.integrity_failures, figures.verify_failures) == (0, 0, 0), figures.line()
    assert figures.resumable == figures.kills == 3 and not figures.problems and figures.ok


def test_concurrent_writers_and_readers_never_show_a_lock(tmp_path):
    figures = concurrency(2, tmp_path, cases=2)
    assert (figures.locked_shown, figures.tracebacks, figures.failed_exits, figures.lost) == (0, 0, 0, 0)
    assert figures.transactions > 50 and figures.reads > 0 and figures.ok, figures.line()


def test_hostile_input_gives_no_traceback_and_stores_no_identifier(tmp_path):
    figures = hostile(300, tmp_path)
    assert (figures.tracebacks, figures.stored) == (0, 0), figures.examples
    assert figures.lines + figures.payloads == 300 and figures.ok


def test_the_scan_for_identifiers_is_not_blind(tmp_path):
    """An identifier written past the guard, straight into the file, is found: by the planted string, the
    project's guard or the scan's own patterns."""
    db = tmp_path / "leak.db"
    Store(db).close()
    conn = sqlite3.connect(db)
    for text in (
        "born 1990-03-15",
        "NHS 943 476 5919",
        "jane@example.org",
        "Mr Smith",
        "ok 2026-11-29 02:28 UTC",
    ):
        conn.execute(
            "INSERT INTO messages (channel, direction, text, at) VALUES ('console', 'in', ?, 'x')", (text,)
        )
    conn.commit()
    conn.close()
    assert len(stored_identifiers(db, ["Mr Smith"])) == 4  # the bot's own time stamp is not one


@pytest.fixture(scope="module")
def full_disk(tmp_path_factory):
    return disk_full(2, tmp_path_factory.mktemp("full"))


def test_a_full_disk_refuses_each_console_input_in_one_line_and_keeps_the_rest(full_disk):
    assert full_disk.said > 0 and full_disk.damaged == 0, full_disk.line()
    assert not [p for p in full_disk.problems if p.startswith("console")], full_disk.problems


def test_a_backup_onto_a_full_disk_fails_in_one_line_and_leaves_nothing(full_disk):
    assert full_disk.tracebacks == 0 and not full_disk.problems, full_disk.problems


@pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None,
    reason="as root the permissions are bypassed, and setpriv (to run as nobody) is not installed",
)
def test_a_read_only_database_and_directory_give_one_line_per_input_and_no_traceback(tmp_path):
    figures = read_only(tmp_path)
    assert (figures.tracebacks, figures.damaged) == (0, 0), figures.problems
    assert figures.said >= 5 and figures.ok


def test_every_tampering_statement_is_refused_or_detected(tmp_path):
    figures = tampering(tmp_path)
    assert figures.detected == figures.tried > 20 and figures.refused == figures.refusals_tried > 0


def test_a_backup_under_load_restores_and_verifies(tmp_path):
    figures = backup_under_load(2, tmp_path)
    assert figures.ok, (figures.line(), figures.output)
    assert figures.copied >= figures.before > 0
