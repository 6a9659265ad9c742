"""The console's faults, each one line on standard error while the next lines are still read: the database
busy, read-only or full (real SQLite files), and input that is not UTF-8. Subprocesses where a traceback
could show; run_console on real files where the fault needs a setting of the console's own connection."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from itb_screen.bot.console import fault_line, run_console
from itb_screen.storage import Store

USER = "dr-lee"

#: The console with a busy timeout of 0.2 s instead of 10 s, so that a held lock fails the save quickly.
BUSY_CONSOLE = (
    "from itb_screen.storage import _connection; _connection.BUSY_TIMEOUT_MS = 200; "
    "from itb_screen.cli import main; main()"
)


def env() -> dict[str, str]:
    # UTF-8 input whatever the test machine's locale; no token, no database from the environment.
    drop = ("TELEGRAM_BOT_TOKEN", "ITB_SCREEN_DB")
    return {k: v for k, v in os.environ.items() if k not in drop} | {"PYTHONUTF8": "1"}


def saved(db: Path, ref: str) -> dict[str, object]:
    """The answers stored for case `ref`, read afresh from the file."""
    with Store(db) as store:
        case = store.case_by_ref(ref)
        assert case is not None
        return store.answers(case.id)


def assert_clean(out: str, err: str) -> None:
    assert "Traceback" not in out + err and "Error:" not in err


def test_busy_database_loses_one_input_and_reads_the_next(tmp_path):
    db = tmp_path / "busy.db"
    console = subprocess.Popen(
        [sys.executable, "-c", BUSY_CONSOLE, "console", "--db", str(db), "--user", USER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    assert console.stdin and console.stdout and console.stderr

    def send(line: str) -> None:
        console.stdin.write(line + "\n")
        console.stdin.flush()

    send("/new BUSY-1")
    send("40")
    while "Saved (Age): 40 years" not in (line := console.stdout.readline()):
        assert line, "the console ended before saving the age"
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another program writing for longer than the busy timeout
    send("MS")
    fault = console.stderr.readline()  # waits for the console to give up on the lock
    blocker.execute("ROLLBACK")
    blocker.close()
    send("MS")
    out, err = console.communicate(timeout=60)
    assert fault == "Not saved: the database is busy; earlier answers are kept.\n"
    assert err == ""
    assert_clean(out, fault + err)
    assert out.count("> MS\n") == 2 and out.count("Saved (Condition): Multiple sclerosis") == 1
    assert console.returncode == 1
    assert saved(db, "BUSY-1") == {"age_years": 40, "primary_condition": "multiple_sclerosis"}


def test_read_only_database_file_refuses_each_input_in_one_line():
    # Root writes to a 0444 file regardless, so the console runs as nobody (uid 65534) when we are root.
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    if as_nobody and shutil.which("setpriv") is None:
        pytest.skip("needs setpriv to run the console as an unprivileged user")
    # Not tmp_path: pytest's base directory is private to root. The directory stays writable (SQLite
    # creates its -wal and -shm files there); only the database file is read-only.
    where = Path(tempfile.mkdtemp(prefix="itb-readonly-"))
    try:
        where.chmod(0o777)
        db = where / "ro.db"
        first = console_run(db, "/new RO-1\n40\n")
        assert first.returncode == 0, first.stderr
        db.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        run = console_run(db, "MS\nprogressive\n", prefix=as_nobody, cwd=where)
        assert_clean(run.stdout, run.stderr)
        assert "Continuing case RO-1" in run.stdout  # opened and read: only writing fails
        assert "> MS\n" in run.stdout and "> progressive\n" in run.stdout
        assert run.stderr == "Not saved: the database is read-only; earlier answers are kept.\n" * 2
        assert run.returncode == 1
        assert saved(db, "RO-1") == {"age_years": 40}
    finally:
        shutil.rmtree(where, ignore_errors=True)


def console_run(
    db: Path, stdin: str | bytes, prefix: list[str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The console as a subprocess fed `stdin` (bytes as they are); its output decoded."""
    run = subprocess.run(
        [*(prefix or []), sys.executable, "-m", "itb_screen", "console", "--db", str(db), "--user", USER],
        input=stdin.encode() if isinstance(stdin, str) else stdin,
        capture_output=True,
        env=env(),
        cwd=cwd,
        timeout=60,
    )
    return subprocess.CompletedProcess(run.args, run.returncode, run.stdout.decode(), run.stderr.decode())


def run_on_files(store: Store, tmp_path: Path, lines: list[str]) -> tuple[int, str, str]:
    """run_console on real files: the lines as its input; (exit status, standard output, standard error)."""
    source, out, err = tmp_path / "in.txt", tmp_path / "out.txt", tmp_path / "err.txt"
    source.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    with (
        open(source, encoding="utf-8") as stdin,
        open(out, "w", encoding="utf-8") as stdout,
        open(err, "w", encoding="utf-8") as stderr,
    ):
        status = run_console(store, USER, stdin, stdout, stderr)
    return status, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8")


def test_full_database_loses_the_inputs_that_do_not_fit(store, db_path, tmp_path):
    status, _, err = run_on_files(store, tmp_path, ["/new FULL-1", "40"])
    assert (status, err) == (0, "")
    # The file may not grow past its size now: an input that needs a new page fails with SQLITE_FULL.
    # (max_page_count belongs to the connection, so it is set on the console's own.)
    conn = store.db.conn
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    assert conn.execute(f"PRAGMA max_page_count = {pages}").fetchone()[0] == pages
    # Each "?" adds its explanation to the transcript; once the transcript's last page is full, every
    # later input needs a new page and fails, rolled back whole.
    status, out, err = run_on_files(store, tmp_path, ["?"] * 40)
    assert_clean(out, err)
    assert out.count("> ?\n") == 40  # every line read, the ones after the first fault too
    faults = err.splitlines()
    assert len(faults) >= 10 and set(faults) == {"Not saved: the database is full; earlier answers are kept."}
    assert status == 1
    assert saved(db_path, "FULL-1") == {"age_years": 40}


def test_undecodable_line_is_refused_and_the_next_is_read(tmp_path):
    db = tmp_path / "enc.db"
    run = console_run(db, b"/new ENC-1\n\xff\n40\n")
    assert_clean(run.stdout, run.stderr)
    assert run.stderr == "Unreadable: that line is not UTF-8 text, so it was ignored; type it again.\n"
    assert "> \\xff\n" in run.stdout and "Saved (Age): 40 years" in run.stdout
    assert run.returncode == 1
    assert saved(db, "ENC-1") == {"age_years": 40}


def test_text_stream_with_undecoded_bytes_is_refused_too(store):
    # sys.stdin under surrogateescape hands bytes it could not decode over as lone surrogates.
    stdout, stderr = io.StringIO(), io.StringIO()
    status = run_console(store, USER, io.StringIO("/new ENC-2\n\udcff\n40\n"), stdout, stderr)
    assert stderr.getvalue().count("\n") == 1 and stderr.getvalue().startswith("Unreadable:")
    assert "Saved (Age): 40 years" in stdout.getvalue()
    assert status == 1


def test_other_database_errors_name_their_class_in_one_short_line():
    line = fault_line(sqlite3.DatabaseError("file is not a database " + "z" * 500))
    assert line.startswith("Not saved: database error (DatabaseError: file is not a database zz")
    assert line.endswith("; earlier answers are kept.") and len(line) < 160 and "\n" not in line
