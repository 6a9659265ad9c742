"""Older, empty and read-only databases (issue 17): commands that only read never migrate or write.

A database of an older schema is refused by every command but `run`, `console` and `upgrade` in one line
(exit 2) that names `itb-screen upgrade`, and is left byte for byte; `upgrade` keeps a copy beside it
before it migrates. A file left empty (0 bytes) by a first start killed early is said to be empty (exit
2), never "tampered", and the console creates its schema. In a directory, or of a file, the user cannot
write, the reading commands work (checked as an unprivileged user: root would bypass the permissions).
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
from sqlite_utils import Database

from itb_screen.criteria import evaluate, validate_answers
from itb_screen.storage import OlderSchema, current_version, encode_value, migrations, open_store

from .conftest import VIGNETTES

REF = "OLD-1"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
P01 = next(v for v in VIGNETTES if v["id"] == "P01")
#: Every command that opens an existing database and must not migrate it.
READERS = {
    "cases": ["cases"],
    "show": ["show", REF],
    "summary": ["summary", REF],
    "search": ["search", "spasticity"],
    "export": ["export"],
    "reevaluate": ["reevaluate"],
    "reevaluate --apply": ["reevaluate", "--apply"],
    "purge": ["purge", "--older-than", "1"],
    "purge --apply": ["purge", "--older-than", "1", "--apply"],
    "verify": ["verify"],
    "backup": ["backup", "COPY"],
    "review": ["review", "--port", "1"],
}


def run(args: list[str], prefix: list[str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    command = [*(prefix or []), sys.executable, "-m", "itb_screen", *args]
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": ""}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, **kwargs)


def older(path: Path, version: int, with_case: bool = False) -> Path:
    """A database as ITB Screen left it at schema `version` (its first `version` migrations), closed; with
    a finished case written as that version wrote them (schemas before the hash chain, 1 to 5)."""
    names = [m.name for m in migrations.pending(Database(memory=True))]
    db = Database(path)
    migrations.apply(db, stop_before=names[version])
    db.execute(f"PRAGMA user_version = {version}")
    if with_case:
        _finished_case(db)
    db.close()
    return path


def _finished_case(db: Database) -> None:
    at = "2026-01-05T10:00:00+00:00"
    answers = validate_answers(P01["answers"])
    db.execute(
        "INSERT INTO users (id, channel, external_id, name, created_at) VALUES (1, 'console', 'al', 'Al', ?)",
        [at],
    )
    db.execute(
        "INSERT INTO cases (id, ref, user_id, state, status, created_at, updated_at) "
        "VALUES (1, ?, 1, 'done', 'done', ?, ?)",
        [REF, at, at],
    )
    for field, value in answers.items():
        db.execute(
            "INSERT INTO answers (case_id, field, value, action, user_id, at) "
            "VALUES (1, ?, ?, 'answer', 1, ?)",
            [field, encode_value(value), at],
        )
    db.execute(
        "INSERT INTO messages (case_id, user_id, channel, direction, text, at) "
        "VALUES (1, 1, 'console', 'in', ?, ?)",
        ["spasticity worse at night", at],
    )
    result = evaluate(answers)
    db.execute(
        "INSERT INTO results (case_id, recommendation, criteria_version, result, kind, user_id, at) "
        "VALUES (1, ?, ?, ?, 'confirm', 1, ?)",
        [result.recommendation, result.criteria_version, json.dumps(result.to_dict()), at],
    )


def listing(folder: Path) -> tuple:
    """The files of `folder` and each one's bytes: what a command that writes nothing leaves as it was."""
    return tuple((p.name, p.read_bytes()) for p in sorted(folder.iterdir()))


@pytest.mark.parametrize("args", READERS.values(), ids=READERS.keys())
def test_an_older_database_is_refused_in_one_line_and_left_as_it_was(tmp_path, args) -> None:
    path = older(tmp_path / "itb-screen.db", 6)
    before = listing(tmp_path)
    args = [str(tmp_path / "copy.db") if a == "COPY" else a for a in args]
    result = run([*args, "--db", str(path)])
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"Error: this database ({path}) is at schema 6, older than this ITB Screen's {current_version()}; "
        "run itb-screen upgrade\n"
    )
    assert result.stdout == ""
    assert listing(tmp_path) == before  # no migration, no -wal or -shm, no copy


@pytest.mark.parametrize("args", READERS.values(), ids=READERS.keys())
def test_an_empty_file_is_said_to_be_empty_not_tampered(tmp_path, args) -> None:
    path = tmp_path / "itb-screen.db"
    path.touch()  # what a first start killed before its schema was committed leaves
    args = [str(tmp_path / "copy.db") if a == "COPY" else a for a in args]
    result = run([*args, "--db", str(path)])
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"Error: {path} is empty: no ITB Screen database was created in it yet (itb-screen run or "
        "itb-screen console creates one)\n"
    )
    assert listing(tmp_path) == (("itb-screen.db", b""),)


def test_the_console_creates_the_schema_in_an_empty_file(tmp_path) -> None:
    path = tmp_path / "itb-screen.db"
    path.touch()
    started = run(["console", "--user", "al", "--db", str(path)], input="/new EMPTY-1\n40\n")
    assert started.returncode == 0, started.stderr
    assert run(["verify", "--db", str(path)]).returncode == 0
    listed = run(["cases", "--format", "json", "--db", str(path)])
    assert [case["ref"] for case in json.loads(listed.stdout)] == ["EMPTY-1"]


def test_storage_opens_an_older_file_read_only_without_migrating_it(tmp_path) -> None:
    path = older(tmp_path / "itb-screen.db", 6)
    before = listing(tmp_path)
    with pytest.raises(OlderSchema) as raised:
        open_store(path, readonly=True)
    assert (raised.value.version, raised.value.current) == (6, current_version())
    assert listing(tmp_path) == before


def schema_of(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def test_upgrade_keeps_a_copy_then_migrates_and_the_case_reads_back(tmp_path) -> None:
    path = older(tmp_path / "itb-screen.db", 5, with_case=True)
    as_it_was = path.read_bytes()
    done = run(["upgrade", "--db", str(path)])
    assert done.returncode == 0, done.stderr
    copy = tmp_path / "itb-screen.db.before-upgrade-5.db"
    assert done.stdout == f"upgraded {path} from schema 5 to {current_version()}; as it was: {copy}\n"
    assert schema_of(copy) == 5 and schema_of(path) == current_version()
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT ref FROM cases").fetchall() == [(REF,)]
    conn.close()
    assert path.read_bytes() != as_it_was
    [case] = json.loads(run(["cases", "--format", "json", "--db", str(path)]).stdout)
    recommendation = evaluate(validate_answers(P01["answers"])).recommendation
    assert (case["ref"], case["status"], case["result"]["recommendation"]) == (REF, "done", recommendation)
    assert "spasticity worse at night" in run(["search", "spasticity", "--db", str(path)]).stdout
    assert run(["verify", "--db", str(path)]).returncode == 0
    again = run(["upgrade", "--db", str(path)])
    assert again.returncode == 0
    assert again.stdout == f"{path} is at schema {current_version()}, this version's: nothing to upgrade\n"
    assert sorted(p.name for p in tmp_path.glob("*.before-upgrade-*")) == [copy.name]


def test_upgrade_never_replaces_a_copy_and_then_changes_nothing(tmp_path) -> None:
    path = older(tmp_path / "itb-screen.db", 6)
    copy = tmp_path / "itb-screen.db.before-upgrade-6.db"
    copy.write_bytes(b"an earlier copy")
    before = listing(tmp_path)
    refused = run(["upgrade", "--db", str(path)])
    assert refused.returncode == 2
    assert (
        refused.stderr
        == f"Error: {copy} exists, from an earlier upgrade: move it away first; nothing was changed\n"
    )
    assert listing(tmp_path) == before


def test_upgrade_of_an_empty_file_creates_the_schema_and_of_a_newer_one_refuses(tmp_path) -> None:
    path = tmp_path / "itb-screen.db"
    path.touch()
    done = run(["upgrade", "--db", str(path)])
    assert done.stdout == f"initialised {path} at schema {current_version()} (it was empty)\n"
    assert not list(tmp_path.glob("*.before-upgrade-*"))
    newer = older(tmp_path / "newer.db", 1)
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    refused = run(["upgrade", "--db", str(newer)])
    assert refused.returncode == 2
    assert (
        refused.stderr
        == f"Error: {newer} was written by a newer ITB Screen (schema 99); upgrade; nothing was changed\n"
    )
    assert run(["upgrade", "--db", str(tmp_path / "none.db")]).returncode == 2


# As an unprivileged user ----------------------------------------------------------------------------
@pytest.fixture
def folder() -> Iterator[Path]:
    """A directory outside pytest's private tmp (which the unprivileged user cannot enter)."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is not installed")
    made = Path(tempfile.mkdtemp(prefix="itb-ro-"))
    made.chmod(0o755)
    try:
        yield made
    finally:
        made.chmod(0o755)
        shutil.rmtree(made)


def readable(folder: Path, directory_mode: int) -> None:
    """Every file readable by anyone (the chain's key too: `verify` needs it), the directory as asked."""
    for file in folder.iterdir():
        file.chmod(0o444 if file.suffix == ".db" else 0o644)
    folder.chmod(directory_mode)


def current(folder: Path) -> Path:
    path = folder / "itb-screen.db"
    path.unlink(missing_ok=True)
    older(path, 5, with_case=True)
    assert run(["upgrade", "--db", str(path)]).returncode == 0
    for copy in folder.glob("*.before-upgrade-*"):
        copy.unlink()
    return path


READ_ONLY_USES = {
    "cases": (["cases", "--format", "json"], f'"ref": "{REF}"'),
    "show": (["show", REF, "--transcript"], "spasticity worse at night"),
    "summary": (["summary", REF], REF),
    "search": (["search", "spasticity"], REF),
    "export": (["export"], REF),
    "verify": (["verify"], "verified: 1 cases"),
    "backup": (["backup", "OUT"], "integrity ok"),
}
RO = stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH


@pytest.mark.parametrize("where", ["directory", "file"])
def test_reading_commands_work_on_a_database_the_user_cannot_write(folder, where) -> None:
    """A read-only directory (0555, a 0444 file) or only a read-only file (0444) in a directory the user
    may write: every reading command works as uid 65534, and the database keeps its bytes."""
    path = current(folder)
    readable(folder, RO if where == "directory" else 0o777)
    probe = subprocess.run([*NOBODY, "test", "-w", str(path)], capture_output=True)
    assert probe.returncode == 1, "the file must not be writable by the user the commands run as"
    before, names = path.read_bytes(), sorted(os.listdir(folder))
    out = Path(tempfile.mkdtemp(prefix="itb-out-"))
    out.chmod(0o777)
    try:
        for args, shown in READ_ONLY_USES.values():
            args = [str(out / "copy.db") if a == "OUT" else a for a in args]
            result = run([*args, "--db", str(path)], prefix=NOBODY, cwd=out)
            assert result.returncode == 0, (args, result.stderr)
            assert shown in result.stdout, (args, result.stdout)
    finally:
        shutil.rmtree(out)
    assert path.read_bytes() == before
    if (
        where == "directory"
    ):  # a writable one gets the -shm and -wal SQLite's readers need (`connect_readonly`)
        assert sorted(os.listdir(folder)) == names


@pytest.mark.parametrize("state", ["older", "empty"])
def test_an_older_or_empty_database_in_a_read_only_directory_is_said_so(folder, state) -> None:
    path = folder / "itb-screen.db"
    if state == "older":
        older(path, 6)
    else:
        path.touch()
    readable(folder, RO)
    for args in (["cases"], ["verify"], ["show", REF]):
        result = run([*args, "--db", str(path)], prefix=NOBODY, cwd="/")
        assert result.returncode == 2, result.stderr
        assert ("run itb-screen upgrade" if state == "older" else "is empty") in result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_upgrade_that_cannot_write_its_copy_migrates_nothing(folder) -> None:
    path = older(folder / "itb-screen.db", 6)
    readable(folder, RO)
    before = listing(folder)
    result = run(["upgrade", "--db", str(path)], prefix=NOBODY, cwd="/")
    assert result.returncode == 1
    copy = folder / "itb-screen.db.before-upgrade-6.db"
    assert result.stderr.startswith(f"Error: cannot write {copy}: ")
    assert result.stderr.endswith("nothing was written; nothing was migrated\n")
    assert len(result.stderr.splitlines()) == 1
    assert listing(folder) == before
