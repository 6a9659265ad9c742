"""`itb-screen purge` and strangers' refusals (issue 11, part 5): the transcript text of closed cases past
a window is cleared (a dry run unless --apply), everything chained is kept and still verifies; a stranger's
refusal is audited at most once a day."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.storage import Store, verify_file
from itb_screen.storage._chain import append

RESULT = {"recommendation": "proceed", "criteria_version": "test"}
OLD = (datetime.now(UTC) - timedelta(days=400)).isoformat(timespec="microseconds")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def case_with_talk(store: Store, ref: str, status: str, word: str, old: bool) -> int:
    """A case with an answer, a result and two messages naming `word`; `old`: last updated 400 days ago."""
    user = store.user("console", "alice")
    with store.transaction():
        case = store.create_case(user.id, ref, "age_years")
        store.record_answer(case.id, "age_years", 40, user.id, "answer")
        store.record_message(user.id, case.id, "console", "in", f"the patient mentions {word}")
        store.record_message(user.id, case.id, "console", "out", f"noted {word}")
        store.record_result(case.id, RESULT, user.id)
        store.save_case(case.id, state="done", status=status, return_to_review=0, pending=None)
    if old:
        store.db.execute("UPDATE cases SET updated_at = ? WHERE id = ?", (OLD, case.id))
    return case.id


def filled(db_path) -> Store:
    store = Store(db_path)
    case_with_talk(store, "OLD-DONE", "done", "pumpkin", old=True)
    case_with_talk(store, "OLD-VOID", "void", "walrus", old=True)
    case_with_talk(store, "OLD-OPEN", "open", "giraffe", old=True)  # open: kept however old
    case_with_talk(store, "NEW-DONE", "done", "lantern", old=False)  # closed but recent: kept
    store.first_time("telegram", "1")
    store.db.execute("UPDATE seen_inputs SET at = ?", (OLD,))
    store.first_time("telegram", "2")
    return store


def counts(path) -> dict[str, object]:
    conn = sqlite3.connect(path)
    try:
        tables = ("answers", "results", "case_events", "audit", "seen_inputs")
        found: dict[str, object] = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables
        }
        found["texts"] = [r[0] for r in conn.execute("SELECT text FROM messages ORDER BY id")]
        found["chained"] = [
            r[0] for r in conn.execute("SELECT hash FROM answers UNION ALL SELECT hash FROM results")
        ]
        return found
    finally:
        conn.close()


def test_a_dry_run_says_what_would_go_and_writes_nothing(db_path):
    filled(db_path).close()
    before = counts(db_path)
    result = run("purge", "--older-than", "365", "--db", str(db_path))
    assert result.exit_code == 0, result.output
    assert "would purge 4 message(s) of 2 closed case(s)" in result.output
    assert "1 remembered input id(s)" in result.output
    assert counts(db_path) == before


def test_apply_clears_old_closed_transcripts_only_and_the_history_still_verifies(db_path):
    store = filled(db_path)
    refs = {ref: store.case_by_ref(ref).id for ref in ("OLD-DONE", "OLD-VOID", "OLD-OPEN", "NEW-DONE")}
    answers = {ref: store.answers(case) for ref, case in refs.items()}
    results = {ref: store.results(case) for ref, case in refs.items()}
    store.close()
    before = counts(db_path)
    result = run("purge", "--older-than", "365", "--apply", "--db", str(db_path))
    assert result.exit_code == 0, result.output
    assert "purged 4 message(s) of 2 closed case(s) older than 365 day(s)" in result.output
    with Store(db_path) as store:
        for ref in ("OLD-DONE", "OLD-VOID"):
            texts = [m["text"] for m in store.transcript(refs[ref])]
            assert len(texts) == 2 and all(t.startswith("[purged 20") for t in texts), texts
        for ref, word in (("OLD-OPEN", "giraffe"), ("NEW-DONE", "lantern")):
            assert [m["text"] for m in store.transcript(refs[ref])] == [
                f"the patient mentions {word}",
                f"noted {word}",
            ]
            assert len(store.search(word)) == 2
        assert store.search("pumpkin") == [] and store.search("walrus") == []
        assert {ref: store.answers(case) for ref, case in refs.items()} == answers
        assert {ref: store.results(case) for ref, case in refs.items()} == results
        assert store.first_time("telegram", "1") and not store.first_time("telegram", "2")
    after = counts(db_path)
    assert after["answers"] == before["answers"] and after["results"] == before["results"]
    assert after["chained"] == before["chained"]
    assert after["audit"] == before["audit"] + 1
    conn = sqlite3.connect(db_path)
    line = conn.execute("SELECT channel, event, detail FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    assert (
        line[:2] == ("cli", "purge") and "4 message(s) of 2 closed case(s) older than 365 day(s)" in line[2]
    )
    verified = run("verify", "--db", str(db_path))
    assert verified.exit_code == 0 and verified.output.startswith("verified: 4 cases"), verified.output
    again = run("purge", "--older-than", "365", "--apply", "--db", str(db_path))
    assert "purged 0 message(s) of 0 closed case(s)" in again.output


def test_the_search_index_forgets_text_removed_by_update_or_delete(db_path):
    """Both ways of removing text keep messages_fts consistent: its triggers delete the old entry."""
    store = filled(db_path)
    conn = store.db.conn
    assert len(store.search("lantern")) == 2 and len(store.search("giraffe")) == 2
    conn.execute("UPDATE messages SET text = 'gone' WHERE text LIKE '%lantern%'")
    conn.execute("DELETE FROM messages WHERE text LIKE '%giraffe%'")
    assert store.search("lantern") == [] and store.search("giraffe") == []
    for word in ("lantern", "giraffe"):
        assert (
            conn.execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?", (word,)).fetchone()[
                0
            ]
            == 0
        )
    conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")  # raises if not
    store.close()


def test_a_missing_database_is_named_and_not_created(tmp_path):
    path = tmp_path / "none.db"
    result = run("purge", "--older-than", "30", "--db", str(path))
    assert result.exit_code == 2 and f"no database at {path}" in result.output
    assert not path.exists()
    assert run("purge", "--db", str(path)).exit_code == 2  # --older-than is required


def test_a_stranger_is_audited_once_a_day(db_path):
    store = Store(db_path)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="microseconds")
    with store.transaction():
        append(store.db.conn, "audit", (yesterday, "telegram", "99", "access_denied", "message"))
    assert store.audit_refusal("telegram", "99", "message")  # yesterday's line does not count
    assert not store.audit_refusal("telegram", "99", "button")
    assert not store.audit_refusal("telegram", "99", "message")
    assert store.audit_refusal("telegram", "42", "message")  # another stranger
    assert store.audit_refusal("console", "99", "message")  # another channel's 99
    rows = store.db.execute("SELECT channel, external_id, detail FROM audit ORDER BY id").fetchall()
    assert rows == [
        ("telegram", "99", "message"),
        ("telegram", "99", "message"),
        ("telegram", "42", "message"),
        ("console", "99", "message"),
    ]
    store.close()
    assert verify_file(db_path).ok
