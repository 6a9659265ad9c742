"""`itb-screen evaluate`: the contract of screening-spec.md, through a real subprocess and CliRunner."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from itb_screen.cli import cli

from .conftest import VIGNETTE_IDS, VIGNETTES, VIGNETTES_FILE

CONTRACT_KEYS = {"recommendation", "discussion_points", "missing_required", "unanswered", "criteria_version"}


def evaluate(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["evaluate", *args], input=input)


def check(result_obj: dict, expected: dict) -> None:
    assert CONTRACT_KEYS <= set(result_obj)
    assert result_obj["recommendation"] == expected["recommendation"]
    assert [p["code"] for p in result_obj["discussion_points"]] == expected["discussion_points"]
    assert result_obj["missing_required"] == expected["missing_required"]
    for point in result_obj["discussion_points"]:
        assert {"code", "text", "source"} <= set(point)


@pytest.mark.parametrize("case", VIGNETTES, ids=VIGNETTE_IDS)
def test_vignette_through_a_real_subprocess(case, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case["answers"]))
    run = subprocess.run(
        [sys.executable, "-m", "itb_screen", "evaluate", str(path)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    check(json.loads(run.stdout), case["expected"])


def test_standard_input():
    out = evaluate("-", input=json.dumps(VIGNETTES[0]["answers"]))
    assert out.exit_code == 0
    check(json.loads(out.stdout), VIGNETTES[0]["expected"])


def test_json_list_gives_one_result_per_case_in_order(tmp_path):
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([v["answers"] for v in VIGNETTES]))
    out = evaluate(str(path))
    assert out.exit_code == 0, out.output
    results = json.loads(out.stdout)
    assert len(results) == len(VIGNETTES)
    for result, case in zip(results, VIGNETTES, strict=True):
        check(result, case["expected"])


def test_jsonl_gives_one_line_per_case():
    lines = "\n".join(json.dumps(v["answers"]) for v in VIGNETTES) + "\n\n"
    out = evaluate("--jsonl", "-", input=lines)
    assert out.exit_code == 0, out.output
    rows = out.stdout.strip().splitlines()
    assert len(rows) == len(VIGNETTES)
    for row, case in zip(rows, VIGNETTES, strict=True):
        check(json.loads(row), case["expected"])


def test_text_format_reads_as_a_clinician_would():
    case = next(v for v in VIGNETTES if v["expected"]["recommendation"] == "refer_after_review")
    out = evaluate("--format", "text", "-", input=json.dumps(case["answers"]))
    assert out.exit_code == 0
    text = out.stdout
    assert "Refer after team review (refer_after_review)" in text
    assert "(S11; because " in text and "Because " in text
    assert "_" not in text.replace("(refer_after_review)", "")  # no field or option codes
    assert "does not replace the ITB screening test or clinical judgement" in text
    assert "{" not in text


BAD_INPUTS = [
    ("unknown field", {"favourite_colour": "blue"}, ["favourite_colour", "unknown field", "age_years"]),
    ("code not allowed", {"ambulatory": "sometimes"}, ["ambulatory", '"sometimes"', "yes, no"]),
    ("string for list", {"interference": "comfort"}, ["interference", '"comfort"', "expected a list"]),
    ("list for one", {"ambulatory": ["yes"]}, ["ambulatory", "expected one code"]),
    ("code in list", {"goals": ["fly"]}, ["goals", '"fly"', "improve_walking"]),
    ("none with others", {"interference": ["none", "comfort"]}, ["interference", "none excludes"]),
    ("empty list", {"interference": []}, ["interference", "empty list"]),
    ("duplicate", {"interference": ["comfort", "comfort"]}, ["interference", "twice"]),
    ("age too high", {"age_years": 121}, ["age_years", "121", "0 to 120"]),
    ("age negative", {"age_years": -1}, ["age_years", "-1", "0 to 120"]),
    ("age string", {"age_years": "8"}, ["age_years", '"8"', "whole number"]),
    ("age fraction", {"age_years": 8.5}, ["age_years", "8.5", "whole number"]),
    ("age boolean", {"age_years": True}, ["age_years", "true", "whole number"]),
    ("not an object", [1], ["case 1", "JSON object"]),
]


@pytest.mark.parametrize(
    "answers, words", [(a, w) for _, a, w in BAD_INPUTS], ids=[n for n, _, _ in BAD_INPUTS]
)
def test_bad_input_exit_2_one_line(answers, words, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(answers))
    run = subprocess.run(
        [sys.executable, "-m", "itb_screen", "evaluate", str(path)], capture_output=True, text=True
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "Traceback" not in run.stderr
    for word in words:
        assert word in run.stderr


@pytest.mark.parametrize(
    "args, stdin, words",
    [
        (["-"], "{not json", ["not JSON", "line 1"]),
        (["--jsonl", "-"], '{"age_years": 3}\n{oops\n', ["line 2", "not JSON"]),
        (["/nonexistent/file.json"], None, ["cannot read", "/nonexistent/file.json"]),
        (["-"], "[" * 100_000, ["nested too deeply"]),
    ],
    ids=["bad-json", "bad-jsonl-line", "missing-file", "nested-too-deep"],
)
def test_unreadable_input_exit_2_one_line(args, stdin, words):
    out = evaluate(*args, input=stdin)
    assert out.exit_code == 2
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1
    for word in words:
        assert word in out.stderr


def test_bad_case_in_a_list_is_named_and_nothing_printed():
    cases = [VIGNETTES[0]["answers"], {"seizures": "often"}]
    out = evaluate("-", input=json.dumps(cases))
    assert out.exit_code == 2
    assert out.stdout == ""
    assert out.stderr.startswith("Error: case 2: seizures:")


def test_unknown_and_null_leave_questions_unanswered():
    out = evaluate("-", input=json.dumps({"seizures": "unknown", "goals": None, "age_years": 30}))
    result = json.loads(out.stdout)
    assert {"seizures", "goals"} <= set(result["unanswered"])
    assert "age_years" not in result["unanswered"]


def test_vignette_objects_in_a_list_echo_their_ids():
    # The vignette files' own shape, {"id", "description", "answers", "expected"}, read as they are.
    out = evaluate("-", input=json.dumps(VIGNETTES))
    assert out.exit_code == 0, out.output
    results = json.loads(out.stdout)
    assert [r["id"] for r in results] == [v["id"] for v in VIGNETTES]
    assert list(results[0])[0] == "id"
    for result, case in zip(results, VIGNETTES, strict=True):
        check(result, case["expected"])


def test_the_vignettes_file_itself_through_jsonl():
    out = evaluate("--jsonl", str(VIGNETTES_FILE))
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in rows] == [v["id"] for v in VIGNETTES]
    for row, case in zip(rows, VIGNETTES, strict=True):
        check(row, case["expected"])


def test_one_vignette_object_and_its_text():
    case = next(v for v in VIGNETTES if v["id"] == "P04")
    single = json.loads(evaluate("-", input=json.dumps({"id": "P04", "answers": case["answers"]})).stdout)
    assert single["id"] == "P04" and single["recommendation"] == "defer_active_infection"
    text = evaluate("--format", "text", "-", input=json.dumps(VIGNETTES[:2])).stdout
    assert text.startswith("Case P01 (1 of 2)\nRecommendation: ")
    assert "\n\nCase P02 (2 of 2)\nRecommendation: " in text
    bare = json.dumps([v["answers"] for v in VIGNETTES[:2]])
    numbered = evaluate("--format", "text", "-", input=bare).stdout
    assert numbered.startswith("Case 1 of 2\nRecommendation: ")
    one = evaluate("--format", "text", "-", input=json.dumps({"id": "P04", "answers": case["answers"]}))
    one = one.stdout
    assert one.startswith("Case P04\nRecommendation: Defer: active infection")


def test_bare_answers_have_no_id():
    result = json.loads(evaluate("-", input=json.dumps(VIGNETTES[0]["answers"])).stdout)
    assert "id" not in result


@pytest.mark.parametrize(
    "cases, words",
    [
        ([{"id": "X1", "answers": {"seizures": "often"}}], ['case "X1": seizures:', '"often"']),
        ({"id": "X2", "answers": {"age_years": 200}}, ['case "X2": age_years:', "0 to 120"]),
        ([{"id": "X3", "answers": {}, "answer": {}}], ['case "X3"', 'unknown key "answer"', "id, answers"]),
        ([{"id": ["a"], "answers": {}}], ["case 1", '"id" must be a string or a number']),
        ([{"id": "X5", "answers": ["comfort"]}], ['case "X5"', "JSON object"]),
    ],
    ids=["bad-answer", "single-bad-answer", "unknown-key", "bad-id", "answers-not-an-object"],
)
def test_a_bad_vignette_object_is_named_by_its_id(cases, words):
    out = evaluate("-", input=json.dumps(cases))
    assert out.exit_code == 2 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1
    for word in words:
        assert word in out.stderr


def test_vignettes_file_through_jsonl_end_to_end():
    # The public file itself is JSON Lines of {id, answers, expected}: its answers column is what we feed.
    lines = VIGNETTES_FILE.read_text().splitlines()
    stdin = "\n".join(json.dumps(json.loads(line)["answers"]) for line in lines)
    out = evaluate("--jsonl", "-", input=stdin)
    assert [json.loads(r)["recommendation"] for r in out.stdout.splitlines()] == [
        v["expected"]["recommendation"] for v in VIGNETTES
    ]
