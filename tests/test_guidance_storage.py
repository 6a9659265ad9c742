"""Issue 19 in storage and re-evaluation, on real database files through the real CLI.

Results keep `guidance_version` beside `criteria_version` (migration 0011; NULL on results stored before
the flags existed). The keyed chain covers it: a schema-10 database upgrades and verifies, and a
guidance_version set, cleared or rewritten by hand shows in `verify`. `reevaluate` reports flags raised or
cleared apart from recommendations and points, and a result stored before the flags as "flags never
computed", not as every flag raised. A follow-up whose condition stopped holding leaves the exports.

Expected flags come from the guidance vignettes (tests/data/guidance-public.jsonl, written from
other-guidance.md) and from other-guidance.md's table.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.criteria import GUIDANCE_VERSION, evaluate, validate_answers
from itb_screen.storage import Store, connect, encode_value, immediate, migrations
from itb_screen.storage._chain import TRIGGERS, attach, chain_rows

from .conftest import DATA

GUIDANCE = {v["id"]: v for v in map(json.loads, (DATA / "guidance-public.jsonl").read_text().splitlines())}
AT = "2026-01-05T10:00:00.000000+00:00"


@pytest.fixture(autouse=True)
def key_apart(tmp_path, monkeypatch) -> Path:
    """The chain's key in a directory of its own, as a site keeps it."""
    (tmp_path / "keys").mkdir()
    path = tmp_path / "keys" / "itb-screen.key"
    monkeypatch.setenv("ITB_SCREEN_KEY_FILE", str(path))
    return path


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def before_the_flags(result: dict) -> dict:
    """A result as ITB Screen stored it before issue 19: no other_guidance, no guidance_version."""
    return {k: v for k, v in result.items() if k not in ("other_guidance", "guidance_version")}


# --- a database of schema 10, upgraded ------------------------------------------------------------------
#: PG03 (a C5 spinal cord injury, oral baclofen never tried) as schema 10 asked it: no follow-up question.
OLD_ANSWERS = {k: v for k, v in GUIDANCE["PG03"]["answers"].items() if k != "sci_level_t6_or_above"}


def schema_10(path: Path) -> Path:
    """A database as schema 10 left it, through its own triggers (chained with the key): one finished case
    whose answers and result were written as that version wrote them (a results row without the column)."""
    db = connect(path)
    attach(db.conn)
    with immediate(db):
        migrations.apply(db, stop_before="0011_guidance_version")
        db.execute("PRAGMA user_version = 10")
        chain_rows(db.conn, "_sqlite_migrations")
    answers = validate_answers(OLD_ANSWERS)
    with immediate(db):
        db.execute(
            "INSERT INTO users (channel, external_id, name, created_at) VALUES ('console', 'al', 'Al', ?)",
            [AT],
        )
        db.execute(
            "INSERT INTO cases (ref, user_id, state, status, created_at, updated_at) "
            "VALUES ('OLD-1', 1, 'done', 'done', ?, ?)",
            [AT, AT],
        )
        for field, value in answers.items():
            db.execute(
                "INSERT INTO answers (case_id, field, value, action, user_id, at) "
                "VALUES (1, ?, ?, 'answer', 1, ?)",
                [field, encode_value(value), AT],
            )
        result = before_the_flags(evaluate(answers).to_dict())
        db.execute(
            "INSERT INTO results (case_id, recommendation, criteria_version, result, kind, user_id, at) "
            "VALUES (1, ?, ?, ?, 'confirm', 1, ?)",
            [result["recommendation"], result["criteria_version"], json.dumps(result), AT],
        )
    db.close()
    return path


def versions(path: Path) -> list:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT guidance_version FROM results ORDER BY id")]
    finally:
        conn.close()


@pytest.fixture
def upgraded(tmp_path) -> Path:
    """The schema-10 database upgraded, re-evaluated with --apply: result 1 from before, result 2 after."""
    path = schema_10(tmp_path / "itb.db")
    refused = run("export", "--db", str(path))
    assert refused.exit_code == 2 and "is at schema 10, older than this ITB Screen's 11" in refused.output
    done = run("upgrade", "--db", str(path))
    assert done.exit_code == 0 and "from schema 10 to 11" in done.output, done.output
    assert run("verify", "--db", str(path)).exit_code == 0
    assert versions(path) == [None]  # stored before the flags: never computed
    dry = run("reevaluate", "--db", str(path)).output
    # PG03 without its injury level: the label's reservation (L3) only, withdrawal_risk needs the level.
    assert (
        "Flags never computed: 1 results stored before the other guidance flags; 1 would raise flags now."
        in dry
    )
    assert "OLD-1: would raise label_reserves_spinal_origin\n" in dry
    assert "No recommendation or discussion point would change." in dry
    assert "No other guidance flag would change." in dry and "1 would change; nothing written" in dry
    assert "1 new results stored" in run("reevaluate", "--db", str(path), "--apply").output
    assert versions(path) == [None, GUIDANCE_VERSION]
    return path


def test_an_upgraded_database_verifies_and_a_result_made_after_has_its_guidance_version(upgraded):
    verified = run("verify", "--db", str(upgraded))
    assert verified.exit_code == 0 and verified.output.startswith("verified: 1 cases, "), verified.output
    again = run("reevaluate", "--db", str(upgraded)).output
    assert "never computed" not in again and "nothing written" not in again
    [case] = json.loads(run("cases", "--db", str(upgraded), "--format", "json").output)
    assert [f["code"] for f in case["result"]["other_guidance"]] == ["label_reserves_spinal_origin"]


ATTACKS = {
    "a result of before the flags given a version": "UPDATE results SET guidance_version = ? WHERE id = 1",
    "a result's version cleared, as if stored before the flags": "UPDATE results SET guidance_version = NULL "
    "WHERE id = 2 AND ? IS NOT NULL",
    "a result's version rewritten": "UPDATE results SET guidance_version = ? || '-old' WHERE id = 2",
}


@pytest.mark.parametrize("statement", ATTACKS.values(), ids=ATTACKS.keys())
def test_verify_shows_a_guidance_version_changed_by_hand(upgraded, tmp_path, statement):
    copy = tmp_path / "attacked.db"
    shutil.copy(upgraded, copy)
    for suffix in ("-wal",):
        if upgraded.with_name(upgraded.name + suffix).exists():
            shutil.copy(upgraded.with_name(upgraded.name + suffix), copy.with_name(copy.name + suffix))
    conn = sqlite3.connect(copy, isolation_level=None)
    conn.execute("DROP TRIGGER results_no_update")
    assert conn.execute(statement, (GUIDANCE_VERSION,)).rowcount == 1
    conn.execute(TRIGGERS["results_no_update"])  # put back as it was: no trigger reported missing
    conn.close()
    found = run("verify", "--db", str(copy))
    row = 1 if "id = 1" in statement else 2
    assert found.exit_code == 1 and f"case OLD-1: results row {row}: altered" in found.output, found.output


# --- re-evaluation on a database the current version wrote ------------------------------------------------
def _case(store: Store, ref: str, answers: dict, stored: dict) -> None:
    user = store.user("console", "alice", "Alice").id
    case = store.create_case(user, ref, "age_years")
    with store.transaction():
        for field, value in validate_answers(answers).items():
            store.record_answer(case.id, field, value, user, "answer")
        store.record_result(case.id, stored, user)
        store.save_case(case.id, state="done", status="done", return_to_review=0, pending=None)


def _kinds(path: Path) -> dict[str, list[str]]:
    with Store(path) as store:
        return {case.ref: [r["kind"] for r in store.results(case.id)] for case in store.all_cases()}


def test_reevaluate_reports_flags_apart_from_recommendations_and_never_computed_apart_from_changes(db_path):
    now = {ref: evaluate(validate_answers(GUIDANCE[ref]["answers"])).to_dict() for ref in GUIDANCE}
    old_flag = {"code": "withdrawal_risk", "text": "x", "sources": ["L4"], "because": []}
    with Store(db_path) as store:
        # PG02's flags stored by an older guidance: withdrawal_risk then, its own two now.
        _case(
            store,
            "FLAGS-1",
            GUIDANCE["PG02"]["answers"],
            {**now["PG02"], "other_guidance": [old_flag], "guidance_version": "g-2025"},
        )
        # PG04's recommendation stored by older criteria, its flags (none) as now.
        _case(
            store,
            "REC-1",
            GUIDANCE["PG04"]["answers"],
            {**now["PG04"], "recommendation": "refer_after_review", "criteria_version": "c-2015"},
        )
        _case(store, "OLD-1", GUIDANCE["PG01"]["answers"], before_the_flags(now["PG01"]))  # flags now
        _case(store, "OLD-2", GUIDANCE["PG06"]["answers"], before_the_flags(now["PG06"]))  # none now
        _case(store, "SAME-1", GUIDANCE["PG05"]["answers"], now["PG05"])
    dry = run("reevaluate", "--db", str(db_path)).output
    recommendations, flags = dry.split("Other guidance flags:\n")
    assert "REC-1: refer_after_review -> refer_for_screening (stored with c-2015)" in recommendations
    assert "FLAGS-1" not in recommendations and "REC-1" not in flags
    expected = GUIDANCE["PG02"]["expected"]["other_guidance"]
    assert f"FLAGS-1: raised {', '.join(expected)}; cleared withdrawal_risk (stored with g-2025)" in flags
    assert (
        "Flags never computed: 2 results stored before the other guidance flags; 1 would raise flags now."
        in flags
    )
    assert f"OLD-1: would raise {', '.join(GUIDANCE['PG01']['expected']['other_guidance'])}\n" in flags
    assert "OLD-2" not in dry and "SAME-1" not in dry
    assert dry.endswith("3 would change; nothing written (use --apply to store the new results).\n")
    assert "3 new results stored" in run("reevaluate", "--db", str(db_path), "--apply").output
    new = {"confirm": ["confirm"], "both": ["confirm", "reevaluate"]}
    assert _kinds(db_path) == {
        "FLAGS-1": new["both"],
        "REC-1": new["both"],
        "OLD-1": new["both"],
        "OLD-2": new["confirm"],
        "SAME-1": new["confirm"],
    }
    again = run("reevaluate", "--db", str(db_path)).output
    assert (
        "No recommendation or discussion point would change.\nNo other guidance flag would change.\n" in again
    )
    assert (
        "Flags never computed: 1 results stored before the other guidance flags; 0 would raise flags now."
        in again
    )


def test_a_follow_up_dropped_by_a_change_leaves_the_exports_and_stays_in_the_history(db_path):
    answers = GUIDANCE["PG03"]["answers"]  # a C5 injury: withdrawal_risk, from the injury's level
    changed = {**answers, "primary_condition": "stroke"}  # then not a spinal cord injury: 2b no longer asked
    with Store(db_path) as store:
        _case(store, "DROP-1", answers, evaluate(validate_answers(changed)).to_dict())
        user = store.user("console", "alice").id
        with store.transaction():
            store.record_answer(store.case_by_ref("DROP-1").id, "primary_condition", "stroke", user, "change")
    [row] = csv.DictReader(io.StringIO(run("export", "--db", str(db_path)).output))
    assert (row["primary_condition"], row["sci_level_t6_or_above"], row["other_guidance"]) == (
        "stroke",
        "",
        "",
    )
    [record] = json.loads(run("export", "--db", str(db_path), "--format", "json").output)
    assert "sci_level_t6_or_above" not in record["answers"]
    assert ("sci_level_t6_or_above", "yes") in [(h["field"], h["value"]) for h in record["history"]]
    [redcap] = csv.DictReader(io.StringIO(run("export", "--db", str(db_path), "--format", "redcap").output))
    assert redcap["sci_level_t6_or_above"] == "" and redcap["other_guidance"] == ""
    bundle = json.loads(run("export", "--db", str(db_path), "--format", "fhir").output)
    [response] = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert "sci_level_t6_or_above" not in [i["linkId"] for i in response["item"]]
