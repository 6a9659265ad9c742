"""A database from a newer version, and read-only commands in a read-only directory (issue 11, part 6).

A file whose `PRAGMA user_version` (or recorded migrations) goes beyond the migrations this code has is
refused before anything runs on it: every command exits 2 with one line and the file is left byte for
byte. The commands that only read open the database read-only, so they work where the directory cannot
be written to (checked as an unprivileged user: root would bypass the permissions).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from itb_screen.criteria import evaluate, validate_answers
from itb_screen.storage import NewerSchema, open_store

from .conftest import VIGNETTES

REF = "SPAS-001"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _write_database(path: Path) -> None:
    """A database with one finished case, written and closed (its -wal folded in and removed)."""
    answers = validate_answers(VIGNETTES[0]["answers"])
    with open_store(path) as store:
        user = store.user("console", "alice", "Alice")
        with store.transaction():
            case = store.create_case(user.id, REF, "age_years")
            for field, value in answers.items():
                store.record_answer(case.id, field, value, user.id, "answer")
            store.save_case(case.id, state="done", status="done", return_to_review=False, pending=None)
            store.record_result(case.id, evaluate(answers).to_dict(), user.id)


def _run(args: list[str], prefix: list[str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    command = [*(prefix or []), sys.executable, "-m", "itb_screen", *args]
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": ""}
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, **kwargs)


@pytest.fixture
def newer_db(tmp_path) -> Path:
    """A real database file, then marked as written by schema 99."""
    path = tmp_path / "itb-screen.db"
    _write_database(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    return path


NEWER_COMMANDS = {
    "cases": ["cases"],
    "show": ["show", REF],
    "console": ["console", "--user", "alice"],
    "run": ["run"],
    "summary": ["summary", REF],
    "search": ["search", "spasticity"],
    "export": ["export"],
    "reevaluate": ["reevaluate"],
    "reevaluate --apply": ["reevaluate", "--apply"],
    "verify": ["verify"],
    "backup": ["backup", "COPY"],
}


@pytest.mark.parametrize("args", NEWER_COMMANDS.values(), ids=NEWER_COMMANDS.keys())
def test_a_newer_schema_is_refused_in_one_line_and_left_unchanged(newer_db, args):
    before = newer_db.read_bytes()
    copy = newer_db.with_name("copy.db")
    args = [str(copy) if a == "COPY" else a for a in args]
    result = _run([*args, "--db", str(newer_db)], input="new\n")
    assert result.returncode == 2, result.stderr
    refused = f"Error: {newer_db} was written by a newer ITB Screen (schema 99); upgrade\n"
    if args == ["run"]:  # without a token, `run` first says it starts the console
        assert result.stderr == f"TELEGRAM_BOT_TOKEN is not set: starting the console channel.\n{refused}"
    else:
        assert result.stderr == refused
    assert result.stdout == ""
    assert newer_db.read_bytes() == before
    assert not copy.exists()


def test_the_review_site_refuses_a_newer_schema(newer_db):
    pytest.importorskip("datasette")
    result = _run(["review", "--db", str(newer_db), "--port", "1"])
    assert result.returncode == 2
    assert result.stderr == f"Error: {newer_db} was written by a newer ITB Screen (schema 99); upgrade\n"


def test_a_migration_this_code_does_not_know_is_refused(tmp_path):
    """user_version as ours, but the file records a migration we do not have: newer all the same."""
    path = tmp_path / "itb-screen.db"
    _write_database(path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('itb_screen', '0099_future', '2030-01-01')"
        )
    known = conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    conn.close()
    before = path.read_bytes()
    for readonly in (False, True):
        with pytest.raises(NewerSchema) as raised:
            open_store(path, readonly=readonly)
        assert raised.value.version == known
    assert path.read_bytes() == before


def test_the_current_schema_opens(tmp_path):
    path = tmp_path / "itb-screen.db"
    _write_database(path)
    with open_store(path, readonly=True) as store:
        assert [c.ref for c in store.all_cases()] == [REF]


@pytest.fixture
def readonly_dir() -> Iterator[Path]:
    """A directory (outside pytest's private tmp) holding a closed database, then made read-only."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is not installed")
    folder = Path(tempfile.mkdtemp(prefix="itb-ro-"))
    try:
        _write_database(folder / "itb-screen.db")
        (folder / "itb-screen.db").chmod(0o644)
        (folder / "itb-screen.key").chmod(0o644)  # `verify` needs the chain's key: its user may read it
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        yield folder
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


READ_COMMANDS = {
    "cases": (["cases", "--json"], f'"ref": "{REF}"'),
    "show": (["show", REF], REF),
    "summary": (["summary", REF], REF),
    "search": (["search", "alice"], ""),
    "export": (["export"], REF),
    "reevaluate": (["reevaluate"], ""),
    "verify": (["verify"], "verified: 1 cases"),
}


@pytest.mark.parametrize("args, shown", READ_COMMANDS.values(), ids=READ_COMMANDS.keys())
def test_commands_that_read_work_in_a_read_only_directory(readonly_dir, args, shown):
    path = readonly_dir / "itb-screen.db"
    before = sorted(os.listdir(readonly_dir)), path.read_bytes()
    probe = subprocess.run([*NOBODY, "test", "-w", str(readonly_dir)], capture_output=True)
    assert probe.returncode == 1, "the directory must not be writable by the user the commands run as"
    result = _run([*args, "--db", str(path)], prefix=NOBODY, cwd=readonly_dir)
    assert result.returncode == 0, result.stderr
    assert shown in result.stdout
    if args[:2] == ["cases", "--json"]:
        assert [c["ref"] for c in json.loads(result.stdout)] == [REF]
    assert (sorted(os.listdir(readonly_dir)), path.read_bytes()) == before
