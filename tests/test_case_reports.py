"""Amended and void cases in the reports (issue 9, parts 3-5): `cases`, `show`, `summary`, `export`,
`reevaluate`, and read-only commands on a path with no database.

The database is built through the Store API as the dialogue stores an amendment and a voiding (the
dialogue itself is tested elsewhere), on the shared `store` fixture: a real SQLite file per test.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.criteria import asked_fields, evaluate, validate_answers
from itb_screen.storage import Store

from .conftest import VIGNETTES

VIGNETTE = {v["id"]: v["answers"] for v in VIGNETTES}
AMEND_REASON = "seizure history was missed <b>"
VOID_REASON = "opened for the wrong patient"


def _screen(store: Store, user_id: int, ref: str, answers: dict, confirm: bool = True) -> int:
    """A case answered field by field and confirmed, as the dialogue would store it."""
    with store.transaction():
        case = store.create_case(user_id, ref, "age_years")
        for field, value in validate_answers(answers).items():
            store.record_answer(case.id, field, value, user_id, "answer")
        if confirm:
            store.save_case(case.id, state="done", status="done", return_to_review=False, pending=None)
            store.record_result(case.id, evaluate(validate_answers(answers)).to_dict(), user_id)
    return case.id


def _amend(store: Store, case_id: int, user_id: int, reason: str, **changes) -> None:
    """/amend REF + reason, answers changed at the review, confirm: as the dialogue stores it."""
    with store.transaction():
        store.record_event(case_id, "amend", reason, user_id)
        for field, value in changes.items():
            store.record_answer(case_id, field, value, user_id, "change")
        answers = store.answers(case_id)
        store.save_case(case_id, state="done", status="done", return_to_review=False, pending=None)
        store.record_result(case_id, evaluate(answers).to_dict(), user_id, kind="amend", reason=reason)


def _void(store: Store, case_id: int, user_id: int, reason: str) -> None:
    with store.transaction():
        case = store.case(case_id)
        store.save_case(case_id, state=case.state, status="void", return_to_review=False, pending=None)
        store.record_event(case_id, "void", reason, user_id)


@pytest.fixture
def db(store: Store, db_path) -> str:
    """A-1: P01 by Alice, amended by Bob (seizures yes). V-1: P09 by Alice, voided by Carol.
    G-1: P02 (a child with growth problems) by Alice, then the age corrected to 30 before confirming.
    O-1: open, age only. T-1: P01 by Telegram user 42, whose name the database does not know.
    """
    alice = store.user("console", "alice", "Alice").id
    bob = store.user("console", "bob", "Bob").id
    carol = store.user("console", "carol", "Carol").id
    _amend(store, _screen(store, alice, "A-1", VIGNETTE["P01"]), bob, AMEND_REASON, seizures="yes")
    _void(store, _screen(store, alice, "V-1", VIGNETTE["P09"]), carol, VOID_REASON)
    growth = _screen(store, alice, "G-1", VIGNETTE["P02"], confirm=False)
    with store.transaction():
        store.record_answer(growth, "age_years", 30, alice, "change")
        store.save_case(growth, state="done", status="done", return_to_review=False, pending=None)
        store.record_result(growth, evaluate(store.answers(growth)).to_dict(), alice)
    _screen(store, alice, "O-1", {"age_years": 50}, confirm=False)
    _screen(store, store.user("telegram", "42").id, "T-1", VIGNETTE["P01"])
    return str(db_path)


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def _event_at(store: Store, ref: str, kind: str, seconds: bool = False) -> str:
    """When an event was stored, as people read it: `2026-01-02 03:04 UTC` (`show`: with seconds)."""
    at = next(e["at"] for e in store.events(store.case_by_ref(ref).id) if e["kind"] == kind)
    return at[: 19 if seconds else 16].replace("T", " ") + " UTC"


# --- void cases are left out unless asked for ------------------------------------------------------
def test_cases_leave_out_void_cases_unless_asked(db):
    refs = [r["ref"] for r in json.loads(run("cases", "--db", db, "--json").stdout)]
    assert refs == ["A-1", "G-1", "O-1", "T-1"]
    every = [r["ref"] for r in json.loads(run("cases", "--db", db, "--json", "--include-void").stdout)]
    assert every == ["A-1", "V-1", "G-1", "O-1", "T-1"]
    void = json.loads(run("cases", "--db", db, "--json", "--status", "void").stdout)
    assert [(r["ref"], r["status"]) for r in void] == [("V-1", "void")]
    assert "V-1" not in run("cases", "--db", db).stdout
    assert "V-1" not in run("cases", "--db", db, "--csv").stdout
    assert "V-1" in run("cases", "--db", db, "--csv", "--include-void").stdout
    assert "V-1" not in run("cases", "--db", db, "--recommendation", "refer_after_review").stdout


@pytest.mark.parametrize("fmt", ["csv", "json", "fhir"])
def test_exports_leave_out_void_cases_unless_asked(db, fmt):
    plain = run("export", "--db", db, "--format", fmt)
    assert plain.exit_code == 0 and "V-1" not in plain.stdout and "A-1" in plain.stdout
    every = run("export", "--db", db, "--format", fmt, "--include-void")
    assert every.exit_code == 0 and "V-1" in every.stdout


def test_a_void_case_in_fhir_is_entered_in_error(db):
    from fhir.resources.R4B.bundle import Bundle

    bundle = json.loads(run("export", "--db", db, "--format", "fhir", "--include-void").stdout)
    Bundle.model_validate(bundle)
    statuses = {
        e["resource"]["identifier"]["value"]: e["resource"]["status"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    }
    assert statuses == {
        "A-1": "amended",  # issue 18: an amended case's response is amended, not completed
        "V-1": "entered-in-error",
        "G-1": "completed",
        "O-1": "in-progress",
        "T-1": "completed",
    }


def test_json_export_keeps_every_result_and_event(db):
    exported = run("export", "--db", db, "--format", "json", "--include-void").stdout
    cases = {c["ref"]: c for c in json.loads(exported)}
    amended = cases["A-1"]
    assert [(r["kind"], r["reason"], r["by"]) for r in amended["results"]] == [
        ("confirm", None, "Alice"),
        ("amend", AMEND_REASON, "Bob"),
    ]
    assert amended["result"] == amended["results"][-1]["result"]
    assert [(e["kind"], e["reason"], e["by"]) for e in amended["events"]] == [("amend", AMEND_REASON, "Bob")]
    void = cases["V-1"]["events"]
    assert [(e["kind"], e["reason"], e["by"]) for e in void] == [("void", VOID_REASON, "Carol")]


def test_reevaluate_skips_void_cases(db, store):
    # Plant a newer result, as an older criteria version might have made it, in the void case and in a
    # live one: only the live one is re-evaluated.
    with store.transaction():
        for ref in ("V-1", "T-1"):
            case_id = store.case_by_ref(ref).id
            old = {
                **store.latest_result(case_id)[0],
                "recommendation": "incomplete",
                "criteria_version": "itb-selection-2015.0",
            }
            store.record_result(case_id, old, None, kind="reevaluate")
    out = run("reevaluate", "--db", db, "--apply").stdout
    assert "T-1: incomplete -> refer_for_screening" in out and "V-1" not in out
    assert "Re-evaluated 3 stored results" in out  # A-1, G-1 and T-1; O-1 has none, V-1 is void
    assert [r["kind"] for r in store.results(store.case_by_ref("V-1").id)] == ["confirm", "reevaluate"]
    assert [r["kind"] for r in store.results(store.case_by_ref("T-1").id)] == [
        "confirm",
        "reevaluate",
        "reevaluate",
    ]


# --- answers no longer asked ---------------------------------------------------------------------------
def test_listings_leave_out_answers_no_longer_asked_and_the_history_keeps_them(db):
    growth = next(r for r in json.loads(run("cases", "--db", db, "--json").stdout) if r["ref"] == "G-1")
    assert growth["answers"]["age_years"] == 30 and "growth_complications" not in growth["answers"]
    adult = validate_answers({**VIGNETTE["P02"], "age_years": 30})
    asked = asked_fields(adult)  # every question an adult is asked; P02 answers them all
    assert (growth["answered"], growth["asked"]) == (len(asked), len(asked))
    assert "growth_complications" not in asked
    for args in (("cases", "--csv"), ("export", "--format", "csv")):
        row = next(r for r in csv.DictReader(io.StringIO(run(*args, "--db", db).stdout)) if r["ref"] == "G-1")
        assert row["growth_complications"] == "" and row["age_years"] == "30"
    everything = json.loads(run("export", "--db", db, "--format", "json").stdout)
    exported = next(c for c in everything if c["ref"] == "G-1")
    assert "growth_complications" not in exported["answers"]
    assert [h["value"] for h in exported["history"] if h["field"] == "growth_complications"] == [
        ["limb_deformity", "joint_dislocation"]
    ]


# --- show ------------------------------------------------------------------------------------------------
def test_show_says_amended_and_keeps_both_results(db, store):
    out = run("show", "A-1", "--db", db).stdout
    when = _event_at(store, "A-1", "amend", seconds=True)
    assert f"\nAmended {when} by Bob: {AMEND_REASON}\n" in out
    assert out.startswith("Case A-1: Finished, owner Alice\n")
    latest = out.split("Results, oldest first:")[0]
    assert "by Bob:\nRecommendation: Refer for the ITB screening test" in latest
    assert "(S13; because the patient has a history of seizures)" in latest
    history = out.split("Results, oldest first:\n")[1].splitlines()[:2]
    assert history[0].endswith("Refer for the ITB screening test (itb-selection-2016.1), confirmed by Alice")
    assert history[1].endswith(f"amended by Bob: {AMEND_REASON}")


def test_show_a_void_case(db, store):
    out = run("show", "V-1", "--db", db).stdout
    assert out.startswith("Case V-1: Void (opened by mistake), owner Alice\n")
    assert f"Voided {_event_at(store, 'V-1', 'void', seconds=True)} by Carol: {VOID_REASON}" in out
    assert "it gives no recommendation" in out and "Recommendation:" not in out
    assert "Results, oldest first:" in out


def test_show_json(db):
    data = json.loads(run("show", "A-1", "--db", db, "--json").stdout)
    assert data["ref"] == "A-1" and data["status"] == "done" and data["user"] == "Alice"
    # Many-choice answers in the catalogue's order of options, as stored.
    assert data["answers"] == {
        **VIGNETTE["P01"],
        "goals": ["improve_transfers", "improve_sleep"],
        "seizures": "yes",
    }
    assert [r["recommendation"] for r in data["results"]] == ["refer_for_screening", "refer_for_screening"]
    first, second = data["results"]
    assert (first["reason"], first["by"], first["kind"]) == (None, "Alice", "confirm")
    assert (second["reason"], second["by"], second["kind"]) == (AMEND_REASON, "Bob", "amend")
    assert first["at"] < second["at"]
    assert [p["code"] for p in first["discussion_points"]] == ["goal_setting"]
    assert [p["code"] for p in second["discussion_points"]] == ["seizure_history", "goal_setting"]
    for result in data["results"]:
        assert {"recommendation", "discussion_points", "criteria_version", "at", "by", "reason"} <= set(
            result
        )
    assert [(e["kind"], e["reason"], e["by"]) for e in data["events"]] == [("amend", AMEND_REASON, "Bob")]
    assert [(h["field"], h["value"], h["action"]) for h in data["history"] if h["field"] == "seizures"] == [
        ("seizures", "no", "answer"),
        ("seizures", "yes", "change"),
    ]
    assert "transcript" not in data
    with_transcript = json.loads(run("show", "A-1", "--db", db, "--json", "--transcript").stdout)
    assert with_transcript["transcript"] == []  # built through the Store API: nothing was said


@pytest.mark.parametrize(("ref", "status"), [("V-1", "void"), ("O-1", "open")])
def test_show_json_status(db, ref, status):
    data = json.loads(run("show", ref, "--db", db, "--json").stdout)
    assert data["status"] == status
    assert data["results"] == ([] if ref == "O-1" else data["results"])
    if ref == "V-1":
        assert [(e["kind"], e["by"]) for e in data["events"]] == [("void", "Carol")]


# --- summaries -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_summary_of_an_amended_case(db, store, fmt):
    out = run("summary", "A-1", "--db", db, "--format", fmt).stdout
    when = _event_at(store, "A-1", "amend")
    reason = {
        "text": AMEND_REASON,
        "markdown": r"seizure history was missed \<b\>",
        "html": "seizure history was missed &lt;b&gt;",
    }[fmt]
    assert f"Amended {when} by Bob: {reason}" in out
    assert "Discuss the seizure history before the screening test." in out  # the latest result


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_summary_of_a_void_case(db, store, fmt):
    out = run("summary", "V-1", "--db", db, "--format", fmt).stdout
    assert f"Voided {_event_at(store, 'V-1', 'void')} by Carol: {VOID_REASON}" in out
    assert "Refer after team review" not in out and "Refer for" not in out
    assert "must not be used for a referral" in out


def test_chat_summary_of_a_void_case_says_it_was_voided(db, store):
    from itb_screen.dialogue import Dialogue, Identity
    from itb_screen.review.chat import ChatReports

    dialogue, alice = Dialogue(store, reports=ChatReports()), Identity("console", "alice")
    reply = dialogue.handle(alice, "/summary V-1")[0].text
    assert "Void (opened by mistake)" in reply and VOID_REASON in reply
    assert "Refer after team review" not in reply
    assert "not finished" in dialogue.handle(alice, "/summary O-1")[0].text


def test_screened_by_uses_the_name_in_the_users_file(db, tmp_path):
    assert "Screened by: 42\n" in run("summary", "T-1", "--db", db).stdout  # no name known anywhere
    users = tmp_path / "users.toml"
    users.write_text('[[users]]\nid = 42\nname = "Dr Lee"\nrole = "clinician"\n')
    env = {"ITB_SCREEN_USERS": str(users)}
    assert "Screened by: Dr Lee\n" in run("summary", "T-1", "--db", db, env=env).stdout
    assert json.loads(run("show", "T-1", "--db", db, "--json", env=env).stdout)["user"] == "Dr Lee"
    table = run("cases", "--db", db, env=env).stdout
    assert any(line.split()[:3] == ["T-1", "Dr", "Lee"] for line in table.splitlines())
    # A console user called 42 is somebody else: the users file names Telegram users only.
    users.write_text("not toml [")
    assert "Screened by: 42\n" in run("summary", "T-1", "--db", db, env=env).stdout  # unreadable: ignored


# --- read-only commands on a path with no database --------------------------------------------------
READ_ONLY = [
    ("cases",),
    ("cases", "--json"),
    ("show", "A-1"),
    ("show", "A-1", "--json"),
    ("summary", "A-1"),
    ("export",),
    ("export", "--format", "fhir"),
    ("search", "allergy"),
    ("reevaluate",),
    ("reevaluate", "--apply"),
    ("review",),
]


@pytest.mark.parametrize("args", READ_ONLY, ids=[" ".join(a) for a in READ_ONLY])
def test_a_read_only_command_without_a_database_exits_2_and_creates_nothing(args, tmp_path):
    missing = tmp_path / "none.db"
    result = run(*args, "--db", str(missing))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: no database at {missing}: --db or ITB_SCREEN_DB names the file\n"
    assert list(tmp_path.iterdir()) == []


def test_the_database_named_by_the_environment_is_checked_too(tmp_path):
    missing = tmp_path / "env.db"
    result = run("cases", env={"ITB_SCREEN_DB": str(missing)})
    assert result.exit_code == 2 and f"no database at {missing}" in result.stderr
    assert not missing.exists()


def test_the_console_still_starts_a_new_database(tmp_path):
    new = tmp_path / "new.db"
    result = CliRunner().invoke(cli, ["console", "--db", str(new), "--user", "dr-lee"], input="")
    assert result.exit_code == 0 and new.exists()
