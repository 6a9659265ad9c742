"""Tamper evidence against an insider with the database file (issue 11 part 3, issue 17 part 2).

History is append-only in the database (triggers) and every row that must never change is in one keyed
chain (HMAC-SHA-256, the key kept outside the file). Each attack below runs on a fresh copy of a filled
database with a plain `sqlite3` connection, as someone with the file and the sqlite3 shell would: the
attacker drops triggers, recomputes the old unkeyed per-case hashes (`prev_hash`, `hash`, which anyone
could), deletes chain entries, or makes their own with a key of their own. `itb-screen verify` must exit
1 for every one while the key is kept apart; a removed tail shows only against a head kept elsewhere,
so those attacks are verified with `--head`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from itb_screen.cli import cli
from itb_screen.storage import Store, migrations, verify_file
from itb_screen.storage._chain import ADDED, CHAINED, TRIGGERS, WRITTEN, mac, trigger_sql
from itb_screen.storage._legacy_chain import LEGACY, legacy_hash

#: The history tables (each with a row in the middle of its case's rows, or of the audit log).
TABLES = list(WRITTEN)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def fill(store: Store) -> None:
    """Two cases with 4 answers, 3 results and 3 events each, and an audit log of three entries (every
    table has a middle row); the second case is handed to bob and finished, so owners and statuses
    differ between them."""
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
    bob = store.user("console", "bob")
    store.hand_off(2, user.id, bob.id)
    store.save_case(2, state="done", status="done", return_to_review=0, pending=None)
    for event in ("start", "new_case", "confirm"):
        store.audit("console", "alice", event, "detail")


@pytest.fixture(autouse=True)
def key_apart(tmp_path, monkeypatch) -> Path:
    """The chain's key in a directory of its own (ITB_SCREEN_KEY_FILE), not beside the database."""
    (tmp_path / "keys").mkdir()
    path = tmp_path / "keys" / "itb-screen.key"
    monkeypatch.setenv("ITB_SCREEN_KEY_FILE", str(path))
    return path


@pytest.fixture
def filled(store, db_path):
    fill(store)
    return db_path


def raw(path) -> sqlite3.Connection:
    """A plain connection, as someone with the file and the sqlite3 shell would have."""
    return sqlite3.connect(path, isolation_level=None)


def drop_triggers(conn: sqlite3.Connection) -> None:
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")


def restore_triggers(conn: sqlite3.Connection) -> None:
    """What a careful attacker does last: every trigger put back as it was, so none is reported missing."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    for name, sql in TRIGGERS.items():
        if name not in present:
            try:
                conn.execute(sql)
            except sqlite3.OperationalError:  # its table is gone
                pass


def second_row(conn: sqlite3.Connection, table: str) -> int:
    """A row in the middle: of case ABC-1 (id 1), or of the audit log."""
    where = "WHERE case_id = 1" if table in LEGACY and LEGACY[table].scope else ""
    return conn.execute(f"SELECT id FROM {table} {where} ORDER BY id LIMIT 1 OFFSET 1").fetchone()[0]


def head_of(path) -> str:
    """The chain's head as `verify --head` takes it (COUNT:HEX), read before an attack."""
    conn = raw(path)
    seq, last = conn.execute("SELECT seq, mac FROM chain ORDER BY seq DESC LIMIT 1").fetchone()
    conn.close()
    return f"{seq}:{last}"


def copy_of(source: Path, copy: Path) -> Path:
    """A copy of a database that may still be open (its recent rows are in the WAL)."""
    shutil.copy(source, copy)
    wal = source.with_name(source.name + "-wal")
    if wal.exists():
        shutil.copy(wal, copy.with_name(copy.name + "-wal"))
    return copy


# The attacker's tools ---------------------------------------------------------------------------------
def legacy_rehash(conn: sqlite3.Connection, every: bool = False) -> None:
    """Recompute the old unkeyed chains (sha256 per case, the audit log one chain) of every row that
    has one (rows written before the upgrade; `every`: all rows), as schemas 6 to 8 hashed them: what
    made a rewrite invisible to the old `verify`."""
    for table, spec in LEGACY.items():
        # The columns schemas 7 and 8 added (hashed when set); the keyed chain's ADDED came after them.
        added = [c for c in WRITTEN[table] if c not in spec.columns and c not in ADDED.get(table, ())]
        scope = spec.scope or "NULL"
        columns = ", ".join((*spec.columns, *added))
        which = "" if every else "WHERE hash IS NOT NULL"
        query = f"SELECT {scope}, id, {columns} FROM {table} {which} ORDER BY {scope}, id"
        prev: dict[object, str] = {}
        for key, row_id, *values in conn.execute(query).fetchall():
            kept = [*values[: len(spec.columns)], *(v for v in values[len(spec.columns) :] if v is not None)]
            digest = legacy_hash(prev.get(key, ""), table, kept)
            conn.execute(
                f"UPDATE {table} SET prev_hash = ?, hash = ? WHERE id = ?",
                (prev.get(key, ""), digest, row_id),
            )
            prev[key] = digest


ATTACKER_KEY = secrets.token_bytes(32)


def attacker_mac(conn: sqlite3.Connection) -> None:
    """`itb_mac` with the attacker's own key: the chain's triggers then take the attacker's inserts."""
    conn.create_function("itb_mac", -1, lambda prev, t, i, *v: mac(ATTACKER_KEY, prev or "", t, i, v))


def rechain(conn: sqlite3.Connection, key: bytes, start: int = 1) -> None:
    """Recompute every chain entry from `start` on with `key`, over the rows as they are now (renumbered)."""
    entries = conn.execute("SELECT tbl, row_id FROM chain WHERE seq >= ? ORDER BY seq", (start,)).fetchall()
    prev = conn.execute("SELECT mac FROM chain WHERE seq = ?", (start - 1,)).fetchone()
    prev_mac = prev[0] if prev else ""
    conn.execute("DELETE FROM chain WHERE seq >= ?", (start,))
    for seq, (table, row_id) in enumerate(entries, start):
        values = conn.execute(
            f"SELECT {', '.join(CHAINED[table])} FROM {table} WHERE id = ?", (row_id,)
        ).fetchone()
        if values is None:
            continue
        prev_mac = mac(key, prev_mac, table, row_id, values)
        conn.execute("INSERT INTO chain VALUES (?, ?, ?, ?)", (seq, table, row_id, prev_mac))


def unchain(conn: sqlite3.Connection, table: str, where: str) -> None:
    """Delete rows and their chain entries (the entries after them are left as they were)."""
    ids = [r[0] for r in conn.execute(f"SELECT id FROM {table} WHERE {where}")]
    for row_id in ids:
        conn.execute("DELETE FROM chain WHERE tbl = ? AND row_id = ?", (table, row_id))
        conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))


# The attacks -------------------------------------------------------------------------------------------
def _rewrite_and_rehash(table: str, sql: str) -> Callable[[sqlite3.Connection], None]:
    def attack(conn: sqlite3.Connection) -> None:
        drop_triggers(conn)
        conn.execute(sql.format(row=second_row(conn, table)))
        legacy_rehash(conn)

    return attack


def _forged_row(table: str) -> Callable[[sqlite3.Connection], None]:
    """A row appended with a valid old-style hash (linked to the case's last one), no trigger dropped:
    `itb_mac` is the attacker's, so the chain's trigger takes it."""
    values = {
        "answers": (1, "age_years", "30", "change", 1, "2030-01-01"),
        "results": (1, "not_indicated", "1", "{}", "confirm", 1, "2030-01-01", None),
    }[table]

    def attack(conn: sqlite3.Connection) -> None:
        attacker_mac(conn)
        last = conn.execute(f"SELECT hash FROM {table} WHERE case_id = 1 ORDER BY id DESC LIMIT 1").fetchone()
        prev = (last[0] if last else None) or ""
        columns = ", ".join((*LEGACY[table].columns, "prev_hash", "hash"))
        marks = ", ".join("?" * (len(values) + 2))
        digest = legacy_hash(prev, table, values)
        conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", (*values, prev, digest))

    return attack


def _delete_case(keep_entries: bool) -> Callable[[sqlite3.Connection], None]:
    def attack(conn: sqlite3.Connection) -> None:
        drop_triggers(conn)
        for table in ("answers", "results", "case_events", "case_changes"):
            if keep_entries:
                conn.execute(f"DELETE FROM {table} WHERE case_id = 1")
            else:
                unchain(conn, table, "case_id = 1")
        conn.execute("UPDATE users SET active_case_id = NULL")
        conn.execute("DELETE FROM messages WHERE case_id = 1")
        conn.execute("DELETE FROM cases WHERE id = 1")
        legacy_rehash(conn)

    return attack


def _sql(*statements: str, triggers: bool = False) -> Callable[[sqlite3.Connection], None]:
    def attack(conn: sqlite3.Connection) -> None:
        if triggers:
            attacker_mac(conn)
        else:
            drop_triggers(conn)
        for statement in statements:
            conn.execute(statement)

    return attack


def _remove_void_event(conn: sqlite3.Connection) -> None:
    drop_triggers(conn)
    unchain(conn, "case_events", "case_id = 1 AND kind = 'void'")
    legacy_rehash(conn)


def _delete_audit_line_and_rechain(conn: sqlite3.Connection) -> None:
    drop_triggers(conn)
    gone = second_row(conn, "audit")
    seq = conn.execute("SELECT seq FROM chain WHERE tbl = 'audit' AND row_id = ?", (gone,)).fetchone()[0]
    conn.execute("DELETE FROM audit WHERE id = ?", (gone,))
    legacy_rehash(conn)
    rechain(conn, ATTACKER_KEY, start=seq)  # every entry after it, with a key of the attacker's


def _forge_entry_without_key(conn: sqlite3.Connection) -> None:
    drop_triggers(conn)
    conn.execute("INSERT INTO audit (at, event) VALUES ('2030-01-01', 'forged')")
    row_id, (seq, last) = conn.execute("SELECT max(id) FROM audit").fetchone()[0], head(conn)
    digest = hashlib.sha256((last + f'["audit",{row_id}]').encode()).hexdigest()
    conn.execute("INSERT INTO chain VALUES (?, 'audit', ?, ?)", (seq + 1, row_id, digest))


def _rechain_with_a_guessed_key(conn: sqlite3.Connection) -> None:
    drop_triggers(conn)
    conn.execute("UPDATE results SET recommendation = 'not_indicated' WHERE id = 1")
    rechain(conn, hmac.new(b"guess", b"itb-screen", hashlib.sha256).digest())


def _reorder_rows(conn: sqlite3.Connection) -> None:
    """Two answers of a case swap places (ids), each keeping its content."""
    drop_triggers(conn)
    first = second_row(conn, "answers")
    conn.execute("UPDATE answers SET id = -1 WHERE id = ?", (first,))
    conn.execute("UPDATE answers SET id = ? WHERE id = ?", (first, first + 1))
    conn.execute("UPDATE answers SET id = ? WHERE id = -1", (first + 1,))
    legacy_rehash(conn)


def _renumber_with_its_entry(conn: sqlite3.Connection) -> None:
    """The first age given becomes the current one (the latest row of a field is current): its id moved
    past the change, and its chain entry made to name the new id."""
    drop_triggers(conn)
    first = conn.execute("SELECT id FROM answers WHERE case_id = 1 ORDER BY id LIMIT 1").fetchone()[0]
    conn.execute("UPDATE answers SET id = 1000 WHERE id = ?", (first,))
    conn.execute("UPDATE chain SET row_id = 1000 WHERE tbl = 'answers' AND row_id = ?", (first,))


def _reorder_entries(conn: sqlite3.Connection) -> None:
    drop_triggers(conn)
    conn.execute("UPDATE chain SET seq = -1 WHERE seq = 20")
    conn.execute("UPDATE chain SET seq = 20 WHERE seq = 21")
    conn.execute("UPDATE chain SET seq = 21 WHERE seq = -1")


def _truncate_tail(entries: int) -> Callable[[sqlite3.Connection], None]:
    """The last `entries` rows removed with their entries: what is left verifies."""

    def attack(conn: sqlite3.Connection) -> None:
        drop_triggers(conn)
        last = conn.execute("SELECT tbl, row_id FROM chain ORDER BY seq DESC LIMIT ?", (entries,)).fetchall()
        for table, row_id in last:
            conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
            conn.execute("DELETE FROM chain WHERE tbl = ? AND row_id = ?", (table, row_id))

    return attack


def head(conn: sqlite3.Connection) -> tuple[int, str]:
    return conn.execute("SELECT seq, mac FROM chain ORDER BY seq DESC LIMIT 1").fetchone()


@dataclass(frozen=True)
class Attack:
    """Something done to a copy of the file; `anchored`: it shows only against a head kept elsewhere."""

    run: Callable[[sqlite3.Connection], None]
    anchored: bool = False


#: What the unkeyed design let pass (issue 17's measurements), then what it already caught (below).
ATTACKS: dict[str, Attack] = {
    "rewrite an answer, old hashes recomputed": Attack(
        _rewrite_and_rehash("answers", "UPDATE answers SET value = '99' WHERE id = {row}")
    ),
    "rewrite a result, old hashes recomputed": Attack(
        _rewrite_and_rehash("results", "UPDATE results SET recommendation = 'not_indicated' WHERE id = {row}")
    ),
    "a skipped answer's NULL made the text 'None', old hashes recomputed": Attack(
        _rewrite_and_rehash(
            "answers", "UPDATE answers SET value = 'None' WHERE value IS NULL AND case_id = 1"
        )
    ),
    "append a forged answer with a valid old hash, no trigger dropped": Attack(_forged_row("answers")),
    "append a forged result with a valid old hash, no trigger dropped": Attack(_forged_row("results")),
    "delete a whole case with its chain entries": Attack(_delete_case(keep_entries=False)),
    "delete a whole case, its chain entries left": Attack(_delete_case(keep_entries=True)),
    "swap two cases' references": Attack(
        _sql(
            "UPDATE cases SET ref = 'SWAP' WHERE id = 1",
            "UPDATE cases SET ref = 'ABC-1' WHERE id = 2",
            "UPDATE cases SET ref = 'XYZ-2' WHERE id = 1",
        )
    ),
    "change a case's owner": Attack(_sql("UPDATE cases SET user_id = 2 WHERE id = 1")),
    "change a case's status": Attack(_sql("UPDATE cases SET status = 'done' WHERE id = 1")),
    "change a case's status with its trigger in place": Attack(
        _sql("UPDATE cases SET status = 'open' WHERE id = 2", triggers=True)
    ),
    "a user renamed (every row of theirs relabelled)": Attack(
        _sql("UPDATE users SET external_id = 'mallory' WHERE id = 1")
    ),
    "remove a void event with its chain entry": Attack(_remove_void_event),
    "delete a middle audit line and recompute the rest": Attack(_delete_audit_line_and_rechain),
    "delete a migration's record": Attack(
        _sql("DELETE FROM _sqlite_migrations WHERE name = '0003_seen_inputs'")
    ),
    "delete a migration's record and its chain entry": Attack(
        _sql(
            "DELETE FROM chain WHERE tbl = '_sqlite_migrations' AND row_id = 3",
            "DELETE FROM _sqlite_migrations WHERE id = 3",
        )
    ),
    "drop the chain (a file made to look older)": Attack(_sql("DROP TABLE chain")),
    "forge a chain entry without the key": Attack(_forge_entry_without_key),
    "recompute the whole chain with a guessed key": Attack(_rechain_with_a_guessed_key),
    "add a row with no chain entry": Attack(
        _sql("INSERT INTO case_events (case_id, kind, reason, at) VALUES (1, 'void', 'x', '2030-01-01')")
    ),
    "reorder two rows": Attack(_reorder_rows),
    "make an earlier answer current, its chain entry renumbered with it": Attack(_renumber_with_its_entry),
    "reorder two chain entries": Attack(_reorder_entries),
    "chain a row twice": Attack(
        _sql("INSERT INTO chain SELECT seq + 1000, tbl, row_id, mac FROM chain WHERE seq = 12")
    ),
    "truncate the tail (the last audit line)": Attack(_truncate_tail(1), anchored=True),
    "truncate the tail (the last three rows)": Attack(_truncate_tail(3), anchored=True),
}

#: Single statements (run with the triggers dropped) that the unkeyed design already caught.
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
    *(f"UPDATE {t} SET prev_hash = 'x' WHERE id = {{row}}" for t in TABLES),
    # Swap two rows' content: every value the same, the order changed.
    "UPDATE answers SET value = CASE id WHEN {row} THEN '8' ELSE '4' END WHERE id IN ({row} - 1, {row})",
    # A forged row inserted, with a made-up hash.
    "INSERT INTO answers (case_id, field, value, action, at, prev_hash, hash) "
    "VALUES (1, 'age_years', '30', 'change', '2030-01-01', '', 'x')",
    # A forged row that copies its predecessor's hash as its link.
    "INSERT INTO audit (at, event, prev_hash, hash) SELECT 'later', 'forged', hash, hash FROM audit "
    "WHERE id = {row}",
]


def _statement(sql: str) -> Callable[[sqlite3.Connection], None]:
    def attack(conn: sqlite3.Connection) -> None:
        drop_triggers(conn)
        table = sql.split()[1 if sql.startswith("UPDATE") else 2]
        conn.execute(sql.format(row=second_row(conn, table)))

    return attack


ATTACKS.update({sql: Attack(_statement(sql)) for sql in TAMPERING})


def attacked(source: Path, copy: Path, attack: Attack, key: Path | None = None) -> list[str]:
    """Run `attack` on a copy of `source`; the arguments of the `verify` that must catch it."""
    anchor = ["--head", head_of(source)] if attack.anchored else []
    copy_of(source, copy)
    conn = raw(copy)
    try:
        attack.run(conn)
        restore_triggers(conn)
    finally:
        conn.close()
    return ["verify", "--db", str(copy), *(["--key", str(key)] if key else []), *anchor]


@pytest.mark.parametrize("name", ATTACKS)
def test_each_attack_is_detected_with_the_key_kept_apart(filled, tmp_path, name):
    args = attacked(filled, tmp_path / "attacked.db", ATTACKS[name])
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert "NOT verified" in result.output and "Traceback" not in result.output
    assert "trigger" not in result.output  # the chain caught it, not a trigger left missing


def test_a_removed_tail_verifies_alone_and_shows_against_the_head(filled, tmp_path):
    """The limit of any chain kept in the file, and its answer: a head kept elsewhere."""
    args = attacked(filled, tmp_path / "attacked.db", ATTACKS["truncate the tail (the last three rows)"])
    assert run(*args[:3]).exit_code == 0
    result = run(*args)
    assert result.exit_code == 1
    count = int(args[-1].split(":")[0])
    assert f"database: chain: has {count - 3} entries, fewer than the {count} of the head" in result.output


# What verify says of an intact database ---------------------------------------------------------------
def test_an_intact_database_verifies_and_prints_its_head(filled):
    result = run("verify", "--db", str(filled))
    # 2 cases of 4 answers and 3 results, 3 events each and a hand-off; and 3 audit entries
    assert result.exit_code == 0
    count, last = head_of(filled).split(":")
    assert result.output == f"verified: 2 cases, 24 rows\nhead: {count} chained rows, {last}\n"


@pytest.mark.parametrize("table", ["answers", "results", "case_events", "audit", "case_changes", "chain"])
@pytest.mark.parametrize("sql", ["UPDATE {t} SET {c} = {c}", "DELETE FROM {t}"])
def test_the_database_refuses_to_rewrite_or_delete_history(filled, table, sql):
    conn = raw(filled)
    column = "mac" if table == "chain" else "at"
    before = conn.execute(f"SELECT * FROM {table}").fetchall()
    with pytest.raises(sqlite3.IntegrityError, match=f"{table} is append-only"):
        conn.execute(sql.format(t=table, c=column))
    assert conn.execute(f"SELECT * FROM {table}").fetchall() == before
    conn.close()


def test_a_plain_sqlite3_shell_cannot_even_insert_into_a_chained_table(filled):
    conn = raw(filled)
    for sql in (
        "INSERT INTO audit (at, event) VALUES ('now', 'x')",
        "UPDATE cases SET status = 'void' WHERE id = 1",
    ):
        with pytest.raises(sqlite3.OperationalError, match="no such function: itb_mac"):
            conn.execute(sql)
    conn.close()
    assert run("verify", "--db", str(filled)).exit_code == 0


def chained(path) -> list[tuple[str, int]]:
    conn = raw(path)
    try:
        return conn.execute("SELECT tbl, row_id FROM chain ORDER BY seq").fetchall()
    finally:
        conn.close()


def test_every_write_is_chained_once_in_commit_order(store, db_path):
    """Each write adds the entries of the rows it wrote, and nothing else (a save that changes no
    reference, owner or status adds none)."""
    start = len(chained(db_path))
    alice = store.user("console", "alice")
    store.user("console", "alice", name="Alice")  # a name is not identity: not chained
    case = store.create_case(alice.id, "ABC-1", "age_years")
    store.record_answer(case.id, "age_years", 8, alice.id, "answer")
    store.save_case(case.id, state="review", status="open", return_to_review=0, pending=None)
    store.save_case(case.id, state="done", status="done", return_to_review=0, pending=None)
    store.record_result(case.id, {"recommendation": "refer", "criteria_version": "1"}, alice.id)
    store.record_event(case.id, "amend", "typo", alice.id)
    bob = store.user("console", "bob")
    store.hand_off(case.id, alice.id, bob.id)
    store.audit("console", "alice", "show_case")
    store.audit_refusal("telegram", "666", "stranger")
    store.purge(30, apply=True, who="admin")
    assert chained(db_path)[start:] == [
        ("users", 1),
        ("case_changes", 1),
        ("answers", 1),
        ("case_changes", 2),
        ("results", 1),
        ("case_events", 1),
        ("users", 2),
        ("case_events", 2),
        ("case_changes", 3),
        ("audit", 1),
        ("audit", 2),
        ("audit", 3),
    ]
    assert verify_file(db_path).ok


def test_null_and_the_text_none_are_hashed_apart():
    key = secrets.token_bytes(32)
    macs = {mac(key, "", "answers", 1, [value]) for value in (None, "None", "null", 8, "8", "")}
    assert len(macs) == 6


# The key ---------------------------------------------------------------------------------------------
def test_verify_or_backup_without_the_key_says_so_in_one_line(filled, key_apart, tmp_path):
    key_apart.rename(tmp_path / "elsewhere.key")
    result = run("verify", "--db", str(filled))
    assert result.exit_code == 2
    assert result.output == (
        f"Error: no key at {key_apart}: --key or ITB_SCREEN_KEY_FILE names the database's key file\n"
    )
    result = run("backup", str(tmp_path / "copy.db"), "--db", str(filled))
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "no key at" in result.output
    assert not (tmp_path / "copy.db").exists() and not key_apart.exists()
    assert run("verify", "--db", str(filled), "--key", str(tmp_path / "elsewhere.key")).exit_code == 0


def test_another_key_verifies_nothing(filled, tmp_path):
    other = tmp_path / "other.key"
    other.write_text(secrets.token_hex(32))
    result = run("verify", "--db", str(filled), "--key", str(other))
    assert result.exit_code == 1
    assert "no entry verifies with this key: it is not this database's key" in result.output
    other.write_text("not a key")
    result = run("verify", "--db", str(filled), "--key", str(other))
    assert (result.exit_code, result.output) == (
        2,
        f"Error: {other} is not an ITB Screen key (64 hex digits)\n",
    )


def test_a_writer_without_its_key_or_with_another_is_refused_when_it_opens(
    filled, key_apart, tmp_path, monkeypatch
):
    from itb_screen.storage import ChainKeyError

    key_apart.rename(tmp_path / "kept.key")
    with pytest.raises(ChainKeyError, match="no key at"):
        Store(filled)
    assert not key_apart.exists()  # never a new key for a chained database
    other = tmp_path / "other.key"
    other.write_text(secrets.token_hex(32))
    monkeypatch.setenv("ITB_SCREEN_KEY_FILE", str(other))
    with pytest.raises(ChainKeyError, match="does not verify chain entry"):
        Store(filled)
    result = CliRunner().invoke(cli, ["console", "--db", str(filled), "--user", "alice"], input="/cases\n")
    assert result.exit_code == 2 and "is not this database's key" in result.output
    assert "Traceback" not in result.output


def test_the_key_is_made_once_with_mode_0600_where_the_readme_says(tmp_path, monkeypatch):
    monkeypatch.delenv("ITB_SCREEN_KEY_FILE")
    monkeypatch.delenv("ITB_SCREEN_USERS", raising=False)
    Store(tmp_path / "a.db").close()
    beside = tmp_path / "itb-screen.key"
    assert beside.stat().st_mode & 0o777 == 0o600
    assert re.fullmatch(r"[0-9a-f]{64}\n", beside.read_text())
    text = beside.read_text()
    Store(tmp_path / "a.db").close()
    Store(tmp_path / "b.db").close()  # one key may serve several databases in a directory
    assert beside.read_text() == text
    (tmp_path / "conf").mkdir()
    monkeypatch.setenv("ITB_SCREEN_USERS", str(tmp_path / "conf" / "users.toml"))
    Store(tmp_path / "c.db").close()
    assert (tmp_path / "conf" / "itb-screen.key").stat().st_mode & 0o777 == 0o600
    assert run("verify", "--db", str(tmp_path / "c.db")).exit_code == 0


# Heads kept elsewhere ------------------------------------------------------------------------------------
def test_a_head_given_by_hand_is_extended_by_later_writes(filled, store):
    anchor = head_of(filled)
    store.audit("console", "alice", "later")
    result = run("verify", "--db", str(filled), "--head", anchor)
    assert result.exit_code == 0, result.output
    count, digest = anchor.split(":")
    assert result.output.splitlines()[-1] == (
        f"extends 1 head(s) kept elsewhere, the longest: {count} chained rows "
        f"(the head {count}:{digest[:12]}…)"
    )
    result = run("verify", "--db", str(filled), "--head", "12:abc")
    assert result.exit_code == 2 and "is not a head: COUNT:HEX" in result.output


def test_backups_record_their_heads_and_verify_since_backup_checks_them(filled, store, tmp_path):
    (tmp_path / "backups").mkdir()
    log = tmp_path / "backups" / "itb-screen-heads.log"
    result = run("backup", str(tmp_path / "backups" / "monday.db"), "--db", str(filled))
    assert result.exit_code == 0, result.output
    assert (
        result.output.splitlines()[1]
        == f"head: {head_of(filled).replace(':', ' chained rows, ')} (recorded in {log})"
    )
    store.audit("console", "alice", "tuesday")
    assert run("backup", str(tmp_path / "backups" / "tuesday.db"), "--db", str(filled)).exit_code == 0
    store.audit("console", "alice", "wednesday")
    result = run("verify", "--db", str(filled), "--since-backup", "--heads-log", str(log))
    assert result.exit_code == 0, result.output
    assert f"extends 2 head(s) kept elsewhere ({log}), the longest: " in result.output
    assert "chained rows (the backup of " in result.output
    missing = tmp_path / "none.log"
    result = run("verify", "--db", str(filled), "--since-backup", "--heads-log", str(missing))
    assert result.exit_code == 2 and f"no heads log at {missing}" in result.output


def test_with_the_key_a_rewrite_verifies_but_not_against_a_backup_head_kept_apart(
    filled, key_apart, tmp_path
):
    """Whoever has the key can recompute the whole chain: verify alone then passes. A backup's head
    kept where they cannot reach shows it: the chain's entry of that number no longer has that MAC."""
    (tmp_path / "backups").mkdir()
    assert run("backup", str(tmp_path / "backups" / "copy.db"), "--db", str(filled)).exit_code == 0
    log = tmp_path / "backups" / "itb-screen-heads.log"
    copy = copy_of(filled, tmp_path / "rewritten.db")
    conn = raw(copy)
    drop_triggers(conn)
    row = second_row(conn, "results")
    conn.execute("UPDATE results SET recommendation = 'not_indicated' WHERE id = ?", (row,))
    seq = conn.execute("SELECT seq FROM chain WHERE tbl = 'results' AND row_id = ?", (row,)).fetchone()[0]
    rechain(conn, bytes.fromhex(key_apart.read_text()), start=seq)
    restore_triggers(conn)
    conn.close()
    assert run("verify", "--db", str(copy)).exit_code == 0
    result = run("verify", "--db", str(copy), "--since-backup", "--heads-log", str(log))
    assert result.exit_code == 1
    count = head_of(filled).split(":")[0]
    assert f"database: chain row {count}: is not the head of the backup of " in result.output
    assert "the history up to it was rewritten" in result.output


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


def test_a_trigger_dropped_or_made_harmless_is_reported(filled):
    conn = raw(filled)
    conn.execute("DROP TRIGGER results_no_delete")
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT 1; END")
    conn.execute("DROP TRIGGER answers_chain")
    conn.execute("CREATE TRIGGER answers_chain AFTER INSERT ON answers BEGIN SELECT 1; END")
    conn.close()
    result = run("verify", "--db", str(filled))
    assert result.exit_code == 1
    assert "trigger results_no_delete missing" in result.output
    assert "trigger audit_no_update changed" in result.output
    assert "trigger answers_chain changed" in result.output


def test_verify_without_a_database_exits_2_and_creates_none(tmp_path, key_apart):
    missing = tmp_path / "none.db"
    result = run("verify", "--db", str(missing))
    assert result.exit_code == 2
    assert f"no database at {missing}" in result.output
    assert not missing.exists() and not key_apart.exists()


# The migrations ---------------------------------------------------------------------------------------
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
    older = run("verify", "--db", str(path))  # a reader never migrates: it names the upgrade
    assert older.exit_code == 2 and "run itb-screen upgrade" in older.output
    with Store(path) as store:
        store.record_answer(1, "gmfcs", 3, 1, "answer")  # the chain goes on from the old rows
    assert run("verify", "--db", str(path)).output.startswith("verified: 1 cases, 4 rows\nhead: ")
    conn = raw(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE answers SET value = '7' WHERE id = 1")
    conn.close()


@pytest.fixture
def upgraded(tmp_path) -> Path:
    """A database written by schema 8 (the unkeyed chain's hashes filled as that version did), then
    opened by this one (the keyed chain built over it), then written to."""
    path = tmp_path / "upgraded.db"
    db = Database(path)
    migrations.apply(db, stop_before="0009_keyed_chain")
    db.execute("INSERT INTO users (channel, external_id, created_at) VALUES ('console', 'lee', 'x')")
    db.execute(
        "INSERT INTO cases (ref, user_id, state, status, created_at, updated_at) "
        "VALUES ('OLD-1', 1, 'done', 'done', 'x', 'x')"
    )
    for value in ("8", "9", "10"):
        db.execute(
            "INSERT INTO answers (case_id, field, value, action, user_id, at) "
            "VALUES (1, 'age', ?, 'answer', 1, 'x')",
            (value,),
        )
    # Schema 8 stored each row with its hashes; here they are filled after, by the same rule.
    db.execute("DROP TRIGGER answers_no_update")
    legacy_rehash(db.conn, every=True)
    db.execute(trigger_sql("answers", "UPDATE"))
    db.conn.commit()
    db.close()
    with Store(path) as store:
        store.record_answer(1, "gmfcs", 3, 1, "change")
    return path


def test_an_upgraded_database_verifies_and_its_old_rows_are_chained(upgraded):
    conn = raw(upgraded)
    old = conn.execute("SELECT count(*) FROM answers WHERE hash IS NOT NULL").fetchone()[0]
    conn.close()
    assert old == 3  # the unkeyed hashes of the rows before the upgrade are kept
    assert run("verify", "--db", str(upgraded)).output.startswith("verified: 1 cases, 4 rows\nhead: ")
    attack = _rewrite_and_rehash("answers", "UPDATE answers SET value = '99' WHERE id = {row}")
    args = attacked(upgraded, upgraded.with_name("attacked.db"), Attack(attack))
    result = run(*args)
    assert result.exit_code == 1 and "case OLD-1: answers row 2: altered" in result.output
