"""Review and export commands on a database made by driving the public vignettes through the dialogue."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.criteria import QUESTIONS, QUESTIONS_BY_FIELD, asked_fields, evaluate, validate_answers
from itb_screen.dialogue import Dialogue, Identity
from itb_screen.storage import Store

from .conftest import VIGNETTES
from .drive import screen

ALICE = Identity("console", "alice", "Alice")
HOSTILE = Identity("console", "mallory", '<script>alert("x")</script> & Co')


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("review") / "itb.db"
    with Store(path) as store:
        dialogue = Dialogue(store)
        for index, case in enumerate(VIGNETTES):
            who = HOSTILE if case["id"] == "P10" else ALICE
            style = ("numbers", "labels", "codes")[index % 3]
            screen(dialogue, who, f"R-{case['id']}", case["answers"], style)
        # A case whose seizures answer is changed at review, before it is confirmed.
        prompts = screen(dialogue, ALICE, "R-CHANGED", VIGNETTES[0]["answers"], confirm=False)
        seizures = next(line.number for line in prompts[-1].review if line.field == "seizures")
        dialogue.handle(ALICE, "zebra")  # a word never in a question: refused, but in the transcript
        dialogue.handle(ALICE, str(seizures))
        dialogue.handle(ALICE, "yes")
        dialogue.handle(ALICE, "yes")  # other-guidance.md's follow-up: are the seizures controlled?
        if dialogue.handle(ALICE, "confirm")[-1].kind != "result":  # P01 leaves its 2b unanswered
            dialogue.handle(ALICE, "confirm")
        screen(dialogue, ALICE, "R-OPEN", {}, confirm=False)
    return str(path)


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    return result


def test_cases_filters(db):
    done = json.loads(run("cases", "--db", db, "--json", "--status", "done").stdout)
    assert len(done) == len(VIGNETTES) + 1
    review = json.loads(run("cases", "--db", db, "--json", "--recommendation", "refer_after_review").stdout)
    expected = {f"R-{v['id']}" for v in VIGNETTES if v["expected"]["recommendation"] == "refer_after_review"}
    assert {r["ref"] for r in review} == expected
    mallory = json.loads(run("cases", "--db", db, "--json", "--user", "mallory").stdout)
    assert [r["ref"] for r in mallory] == ["R-P10"]
    assert json.loads(run("cases", "--db", db, "--json", "--since", "2999-01-01").stdout) == []
    since_2000 = json.loads(run("cases", "--db", db, "--json", "--since", "2000-01-01").stdout)
    assert len(since_2000) == len(VIGNETTES) + 2
    bad = run("cases", "--db", db, "--since", "yesterday")
    assert bad.exit_code == 2


def test_cases_table_default(db):
    out = run("cases", "--db", db, "--status", "open").stdout.splitlines()
    assert out[0].split()[:3] == ["REF", "USER", "STATUS"]
    assert out[1].split()[:3] == ["R-OPEN", "Alice", "open"]


def rows_to_answers(row: dict) -> dict:
    answers = {}
    for question in QUESTIONS:
        cell = row[question.field]
        if cell == "":
            continue
        if question.kind == "number":
            answers[question.field] = int(cell)
        elif question.kind == "many":
            answers[question.field] = cell.split("|")
        else:
            answers[question.field] = cell
    return answers


@pytest.mark.parametrize("args", [("export", "--format", "csv"), ("cases", "--csv")])
def test_csv_round_trip_gives_the_stored_results(db, args):
    text = run(*args, "--db", db).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(VIGNETTES) + 2
    assert list(rows[0])[6 : 6 + len(QUESTIONS)] == [q.field for q in QUESTIONS]
    for row in rows:
        if row["status"] != "done":
            assert row["recommendation"] == ""
            continue
        result = evaluate(validate_answers(rows_to_answers(row)))
        assert result.recommendation == row["recommendation"]
        assert "|".join(p.code for p in result.discussion_points) == row["discussion_points"]


def test_json_export_round_trip_and_contents(db, tmp_path):
    out = tmp_path / "all.json"
    result = run("export", "--db", db, "--format", "json", "--out", str(out))
    assert result.exit_code == 0 and "written to" in result.stderr
    cases = json.loads(out.read_text())
    for case in cases:
        assert case["history"] and case["transcript"]
        if case["result"]:
            assert evaluate(validate_answers(case["answers"])).to_dict() == case["result"]
            assert case["results"][-1]["result"] == case["result"]
    changed = next(c for c in cases if c["ref"] == "R-CHANGED")
    assert [h["action"] for h in changed["history"] if h["field"] == "seizures"] == ["answer", "change"]


def test_fhir_export_validates(db):
    from fhir.resources.R4B.bundle import Bundle

    bundle = json.loads(run("export", "--db", db, "--format", "fhir").stdout)
    Bundle.model_validate(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Questionnaire") == 1
    assert kinds.count("QuestionnaireResponse") == len(VIGNETTES) + 2


def test_show_answers_reasons_changes_and_transcript(db):
    out = run("show", "R-CHANGED", "--db", db, "--transcript").stdout
    assert out.startswith("Case R-CHANGED: Finished, owner Alice\n")
    seizures = QUESTIONS_BY_FIELD["seizures"].number
    assert "\n1. Age: 34 years\n" in out and f"\n{seizures}. Seizures: Yes\n" in out
    assert QUESTIONS_BY_FIELD["seizures"].text not in out.split("Transcript:")[0]  # short labels
    assert "Refer for the ITB screening test (refer_for_screening)" in out
    assert "(S13; because the patient has a history of seizures)" in out
    assert f"change Q{seizures} Seizures: No -> Yes" in out
    assert "Alice" in out
    assert ">> zebra" in out
    missing = run("show", "NOPE-1", "--db", db)
    assert missing.exit_code == 2 and "no case NOPE-1" in missing.stderr


def test_show_history_lists_every_answer(db):
    out = run("show", "R-P01", "--db", db, "--history").stdout
    answers = validate_answers(VIGNETTES[0]["answers"])
    answered = [f for f in asked_fields(answers) if f in answers]
    assert out.count(" answer ") >= len(answered) > 0
    for field in answered:
        assert f" answer Q{QUESTIONS_BY_FIELD[field].number} " in out, field


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_summary_formats(db, fmt):
    case = next(v for v in VIGNETTES if v["id"] == "P09")
    out = run("summary", "R-P09", "--db", db, "--format", fmt).stdout
    assert "Refer after team review" in out and "refer_after_review" not in out
    assert "S10" in out and "because a baclofen allergy is recorded but not confirmed" in out
    assert "does not replace the ITB screening test" in out
    texts = {p.code: p.text for p in evaluate(validate_answers(case["answers"])).discussion_points}
    for code in case["expected"]["discussion_points"]:
        assert texts[code].split(";")[0].replace("'", "&#x27;" if fmt == "html" else "'") in out
    if fmt == "html":
        assert out.lstrip().lower().startswith("<!doctype html>") and out.rstrip().endswith("</html>")


def test_summary_html_escapes_a_hostile_value(db):
    out = run("summary", "R-P10", "--db", db, "--format", "html").stdout
    assert "<script>" not in out
    assert "&lt;script&gt;" in out


def test_dictionary_csv():
    rows = list(csv.DictReader(io.StringIO(run("dictionary", "--csv").stdout)))
    assert [r["field_name"] for r in rows][: len(QUESTIONS)] == [q.field for q in QUESTIONS]
    growth = next(r for r in rows if r["field_name"] == "growth_complications")
    assert "[age_years] < 18" in growth["branching_logic"]
    reaction = next(r for r in rows if r["field_name"] == "baclofen_reaction")
    assert reaction["seed_statements"].split() == ["S9", "S10"]


def test_search_finds_typed_words_only(db):
    hits = run("search", "zebra", "--db", db)
    assert hits.exit_code == 0
    lines = hits.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("R-CHANGED\t") and lines[0].endswith("zebra")
    none = run("search", "giraffe", "--db", db)
    assert none.stdout == "" and "No message matches" in none.stderr
    assert run("search", "allergy", "--db", db).stdout.count("R-P09") >= 1
    bad = run("search", '"unbalanced AND', "--db", db, "--raw")
    assert bad.exit_code == 2


def test_search_typed_keeps_to_what_users_wrote(db):
    everything = run("search", "allergy", "--db", db).stdout.splitlines()
    assert any("\tout\t" in line for line in everything)  # the bot's question about allergies, each case
    typed = run("search", "allergy", "--db", db, "--typed").stdout.splitlines()
    assert all(line.split("\t")[2] == "in " for line in typed)
    assert typed == [line for line in everything if line.split("\t")[2] == "in "]
    assert run("search", "zebra", "--db", db, "--typed").stdout.strip().endswith("zebra")


def test_search_index_is_kept_current(store, dialogue):
    dialogue.handle(ALICE, "/new S-1")
    assert store.search("okapi") == []
    dialogue.handle(ALICE, "okapi")
    # The typed line; the bot's refusal may quote the word back.
    assert [h["text"] for h in store.search("okapi") if h["direction"] == "in"] == ["okapi"]


def copy_of(db: str, path) -> str:
    """A copy of the database, made with SQLite's backup API (the WAL included), with its chain's key
    beside it: writing to a copy in another directory takes the key it was chained with."""
    source, target = sqlite3.connect(db), sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()
    shutil.copy(Path(db).with_name("itb-screen.key"), Path(path).with_name("itb-screen.key"))
    return str(path)


def stored_kinds(path: str) -> dict[str, list[str]]:
    """Each case's stored results by kind (confirm, amend, reevaluate), oldest first."""
    with Store(path) as store:
        return {case.ref: [r["kind"] for r in store.results(case.id)] for case in store.all_cases()}


def test_reevaluate_finds_a_planted_difference_and_applies_beside(tmp_path, db):
    path = copy_of(db, tmp_path / "copy.db")
    # Plant a newer result as an older criteria version might have made it.
    with Store(path) as store, store.transaction():
        case = store.case_by_ref("R-P01")
        old = {
            **store.latest_result(case.id)[0],
            "recommendation": "refer_after_review",
            "criteria_version": "itb-selection-2015.0",
        }
        store.record_result(case.id, old, None, kind="reevaluate")
    before = stored_kinds(path)
    assert before["R-P01"] == ["confirm", "reevaluate"]

    dry = run("reevaluate", "--db", path)
    assert dry.exit_code == 0
    assert "R-P01: refer_after_review -> refer_for_screening (stored with itb-selection-2015.0)" in dry.stdout
    assert "nothing written" in dry.stdout
    assert stored_kinds(path) == before

    applied = run("reevaluate", "--db", path, "--apply")
    assert "1 new results stored" in applied.stdout
    assert stored_kinds(path) == {**before, "R-P01": ["confirm", "reevaluate", "reevaluate"]}
    assert "No recommendation" in run("reevaluate", "--db", path).stdout


def test_evaluate_output_carries_the_reasons():
    case = next(v for v in VIGNETTES if v["id"] == "P09")
    result = CliRunner().invoke(cli, ["evaluate", "-"], input=json.dumps(case["answers"]))
    data = json.loads(result.stdout)
    point = next(p for p in data["discussion_points"] if p["code"] == "verify_baclofen_allergy")
    assert point["because"] == [{"field": "baclofen_reaction", "value": "recorded_allergy"}]
    assert data["because"] == [{"field": "baclofen_reaction", "value": "recorded_allergy"}]


def commands() -> dict[str, click.Command]:
    """Every command of `itb-screen`, loaded (the group imports a command's module when it is used)."""
    ctx = click.Context(cli)
    return {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}


def test_every_command_has_help_with_an_example_and_a_readme_mention():
    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    for name, command in commands().items():
        assert "Example:" in (command.help or ""), name
        assert f"itb-screen {name}" in readme, f"README.md does not show itb-screen {name}"


def test_option_choices_follow_their_sources():
    """Choices are read from the one place that declares them, never spelled out again."""
    from itb_screen.criteria import RECOMMENDATIONS
    from itb_screen.review.summary import SUMMARY_FORMATS
    from itb_screen.storage import STATUSES

    params = {name: {p.name: p for p in command.params} for name, command in commands().items()}
    assert tuple(params["cases"]["status"].type.choices) == STATUSES
    assert tuple(params["cases"]["recommendation"].type.choices) == tuple(RECOMMENDATIONS)
    assert tuple(params["summary"]["fmt"].type.choices) == SUMMARY_FORMATS


def test_dictionary_fhir_and_one_format_only():
    from fhir.resources.R4B.questionnaire import Questionnaire

    Questionnaire.model_validate(json.loads(run("dictionary", "--fhir").stdout))
    both = run("dictionary", "--csv", "--fhir")
    assert both.exit_code == 2 and "choose one" in both.stderr
