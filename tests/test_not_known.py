"""`unknown` kept as "Not known" (issue 18): the clinician does not know, told apart from a question skipped
or never reached, in storage, `show`, the summary and the records; the rules still see it as unanswered
(screening-spec.md: "Every question can be answered `unknown` ... which leaves it unanswered").

Cases are typed through the real Dialogue on a real SQLite file.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.criteria import QUESTIONS_BY_FIELD, evaluate, validate_answers
from itb_screen.dialogue import Dialogue, Identity
from itb_screen.storage import Store

from .conftest import VIGNETTES
from .drive import typed

ALICE = Identity("console", "alice", "Alice")
#: P01 (refer_for_screening, spec vignette) with the condition not known and the course skipped.
P01 = next(v for v in VIGNETTES if v["id"] == "P01")
WORDS = {"primary_condition": "unknown", "disease_course": "skip"}


def type_case(dialogue: Dialogue, who: Identity, ref: str, answers: dict, words: dict) -> None:
    """Type a case to its result: `words[field]` where given, else the answer by its number."""
    prompts = dialogue.handle(who, f"/new {ref}")
    while prompts[-1].kind == "question":
        field = prompts[-1].field
        prompts = dialogue.handle(
            who, words.get(field) or typed(QUESTIONS_BY_FIELD[field], answers.get(field), "numbers")
        )
    assert prompts[-1].kind == "review"
    if dialogue.handle(who, "confirm")[-1].kind != "result":
        assert dialogue.handle(who, "confirm")[-1].kind == "result"  # confirmed again with gaps


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def db(dialogue: Dialogue, db_path) -> str:
    type_case(dialogue, ALICE, "NK-P01", P01["answers"], WORDS)
    return str(db_path)


def _case_id(store: Store, ref: str) -> int:
    case = store.case_by_ref(ref)
    assert case is not None
    return case.id


def test_unknown_is_kept_apart_from_a_skip_and_from_a_question_never_reached(dialogue: Dialogue, store):
    dialogue.handle(ALICE, "/new NK-1")
    for line in ("40", "unknown", "skip"):  # age; condition not known; course skipped
        assert dialogue.handle(ALICE, line)[0].kind != "refusal"
    case_id = _case_id(store, "NK-1")
    assert store.not_known(case_id) == {"primary_condition"}
    assert store.answers(case_id) == {"age_years": 40}  # the rules see neither as an answer
    assert [(h["field"], h["action"]) for h in store.history(case_id)] == [
        ("age_years", "answer"),
        ("primary_condition", "unknown"),
        ("disease_course", "skip"),
    ]


def test_unknown_said_again_is_kept_once_and_an_answer_given_later_replaces_it(dialogue: Dialogue, store):
    dialogue.handle(ALICE, "/new NK-2")
    dialogue.handle(ALICE, "unknown")  # age not known
    dialogue.handle(ALICE, "back")
    dialogue.handle(ALICE, "don't know")  # said again: nothing more to keep
    case_id = _case_id(store, "NK-2")
    assert [h["action"] for h in store.history(case_id)] == ["unknown"]
    dialogue.handle(ALICE, "back")
    dialogue.handle(ALICE, "52")
    assert store.not_known(case_id) == set()
    dialogue.handle(ALICE, "back")
    dialogue.handle(ALICE, "unknown")  # clears 52: not known again
    assert store.not_known(case_id) == {"age_years"}
    assert [h["action"] for h in store.history(case_id)] == ["unknown", "change", "clear"]


def test_the_rules_still_see_not_known_as_unanswered(db, store):
    """The spec: `unknown` leaves a question unanswered; neither question is required, so P01's result."""
    (result,) = store.results(_case_id(store, "NK-P01"))
    assert result["result"]["recommendation"] == P01["expected"]["recommendation"]
    assert {"primary_condition", "disease_course"} <= set(result["result"]["unanswered"])


def test_show_and_its_history_say_not_known_apart_from_not_answered(db):
    out = run("show", "NK-P01", "--db", db, "--history")
    assert "\n2. Condition: Not known\n" in out
    assert "\n3. Course: not answered\n" in out
    assert "unknown Q2 Condition: - -> Not known" in out
    assert "skip   Q3 Course: - -> unanswered" in out


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_the_summary_says_not_known_in_every_format(db, fmt):
    out = run("summary", "NK-P01", "--db", db, "--format", fmt)
    condition, course = {
        "text": ("- Condition: Not known", "- Course: not answered"),
        "markdown": ("- **Condition:** Not known", "- **Course:** not answered"),
        "html": (
            '<tr><th scope="row">Condition</th><td>Not known</td></tr>',
            '<tr><th scope="row">Course</th><td>not answered</td></tr>',
        ),
    }[fmt]
    assert condition in out and course in out


def test_json_records_carry_unknown_and_leave_out_what_was_skipped(db):
    for args in (
        ("export", "--format", "json"),
        ("cases", "--format", "json"),
        ("show", "NK-P01", "--format", "json"),
    ):
        data = json.loads(run(*args, "--db", db))
        answers = (data if isinstance(data, dict) else data[0])["answers"]
        assert answers["primary_condition"] == "unknown", args
        assert "disease_course" not in answers, args
        assert answers["age_years"] == P01["answers"]["age_years"], args
    (case,) = json.loads(run("export", "--format", "json", "--db", db))
    assert (
        evaluate(validate_answers(case["answers"])).to_dict() == case["result"]
    )  # `unknown` read as unanswered


def test_csv_cells_unknown_and_empty(db):
    for args in (("export", "--format", "csv"), ("cases", "--format", "csv")):
        (row,) = csv.DictReader(io.StringIO(run(*args, "--db", db)))
        assert (row["primary_condition"], row["disease_course"]) == ("unknown", ""), args
        assert row["seizures"] == P01["answers"]["seizures"]
