"""`dictionary --format redcap` and `export --format redcap`: a data dictionary REDCap's upload accepts and
records that import with it (issue 12, "Into the team's REDCap").

No REDCap server is needed: the files are checked against what REDCap publishes, written out here from
its documentation and not read from the code: the dictionary's 18 column headers, its field types and
validation names, its variable-name rule, its checkbox export columns (`variable___code`) and what its
Data Import Tool checks (every column a field of the dictionary, a checkbox as its expanded columns).
The records come from a real SQLite database filled by driving the dialogue as a clinician would.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.criteria import CRITERIA_VERSION, QUESTIONS, QUESTIONS_BY_FIELD
from itb_screen.dialogue import Identity

from .conftest import SPEC_FILE, VIGNETTES
from .drive import screen
from .test_catalogue import guidance_flags, guidance_follow_ups
from .test_exports import contract_sources, redcap_logic

ALICE = Identity("console", "alice", "Alice")

#: REDCap's data dictionary header, in its order, as REDCap writes it in "Download the current Data
#: Dictionary" (Project Setup > Data Dictionary) and as its "Upload Data Dictionary" expects it.
REDCAP_HEADER = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]
#: REDCap's field types and the text validations used here (REDCap's names for them).
REDCAP_FIELD_TYPES = {
    "text",
    "notes",
    "radio",
    "dropdown",
    "checkbox",
    "yesno",
    "truefalse",
    "calc",
    "descriptive",
    "file",
    "slider",
    "sql",
}
REDCAP_VALIDATIONS = {"", "integer", "number", "date_ymd", "datetime_ymd", "datetime_seconds_ymd"}
#: REDCap's `yesno` field stores 1 (Yes) or 0 (No).
YESNO = {"", "0", "1"}
#: The completion field REDCap adds to every instrument (`<form>_complete`): 0 Incomplete, 1 Unverified,
#: 2 Complete. Not a dictionary row; its Data Import Tool takes it as a column.
FORM_COMPLETE = "itb_screening_complete"
#: The action tag that keeps the project's missing data codes out of a field.
NO_MISSING = "@NOMISSING"
#: REDCap's variable names: lower-case letters, digits and `_`, starting with a letter, at most 100.
VARIABLE = re.compile(r"[a-z][a-z0-9_]{0,99}")
#: REDCap's choices cell: `code, Label | code, Label`.
CHOICE = re.compile(r"\s*([A-Za-z0-9_\-.]+)\s*,\s*(\S[^|]*?)\s*")
YMD_HMS = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def redcap_checkbox_column(variable: str, code: str) -> str:
    """REDCap's export column of one checkbox option: the code lower-cased, every other character `_`."""
    return variable + "___" + "".join(c if c.isascii() and c.isalnum() else "_" for c in code.lower())


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def parse(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def dictionary() -> list[dict[str, str]]:
    header, rows = parse(run("dictionary", "--format", "redcap"))
    assert header == REDCAP_HEADER
    return rows


def choices(row: dict[str, str]) -> list[tuple[str, str]]:
    """A choices cell parsed as REDCap reads it; fails unless every choice is `code, Label`."""
    cell = row["Choices, Calculations, OR Slider Labels"]
    parsed = [CHOICE.fullmatch(part) for part in cell.split("|")]
    assert all(parsed), f"{row['Variable / Field Name']}: {cell!r}"
    return [(m.group(1), m.group(2)) for m in parsed if m]


def fields_of(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["Variable / Field Name"]: row for row in rows}


# --- the data dictionary ----------------------------------------------------------------------------


def test_header_is_redcaps_eighteen_columns_in_order():
    text = run("dictionary", "--format", "redcap")
    assert next(csv.reader(io.StringIO(text))) == REDCAP_HEADER
    assert len(REDCAP_HEADER) == 18


def test_record_id_first_then_the_questions_in_order_then_the_result():
    names = list(fields_of(dictionary()))
    assert names[0] == "record_id"
    assert names[1 : 1 + len(QUESTIONS)] == [q.field for q in QUESTIONS]
    assert {"recommendation", "discussion_points", "criteria_version", "case_status"} <= set(names)


def test_every_row_is_one_redcap_takes():
    rows = dictionary()
    names = [row["Variable / Field Name"] for row in rows]
    assert len(set(names)) == len(names)
    for row in rows:
        name = row["Variable / Field Name"]
        assert VARIABLE.fullmatch(name), name
        assert row["Form Name"] == "itb_screening"
        assert row["Field Type"] in REDCAP_FIELD_TYPES, name
        assert row["Text Validation Type OR Show Slider Number"] in REDCAP_VALIDATIONS, name
        assert row["Required Field?"] in ("", "y"), name
        assert row["Identifier?"] in ("", "y"), name
        if row["Field Type"] in ("radio", "checkbox"):
            assert choices(row), name
        else:
            assert row["Choices, Calculations, OR Slider Labels"] == "", name


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.field for q in QUESTIONS])
def test_question_row_is_the_question(question):
    row = fields_of(dictionary())[question.field]
    assert row["Field Label"] == question.text
    if question.kind == "number":
        assert row["Field Type"] == "text"
        assert row["Text Validation Type OR Show Slider Number"] == "integer"
        assert (row["Text Validation Min"], row["Text Validation Max"]) == (
            str(question.minimum),
            str(question.maximum),
        )
    else:
        assert row["Field Type"] == {"one": "radio", "many": "checkbox"}[question.kind]
        assert choices(row) == [(o.code, o.label) for o in question.options]


def test_the_growth_question_is_shown_below_the_spec_age_only():
    """The spec's table says which question depends on the age, and below what: REDCap's syntax of it."""
    spec = SPEC_FILE.read_text(encoding="utf-8")
    field, source, below = re.search(r"^\| \d+ \| `(\w+)` \| `(\w+)` < (\d+) \|", spec, re.M).groups()
    assert (field, source, below) == ("growth_complications", "age_years", "18")
    logic = {
        name: row["Branching Logic (Show field only if...)"] for name, row in fields_of(dictionary()).items()
    }
    assert logic.pop(field) == "[age_years] < 18"
    # other-guidance.md's follow-ups: each shown while its condition holds, in REDCap's syntax.
    for follow_up in guidance_follow_ups():
        assert logic.pop(follow_up["field"]) == redcap_logic(follow_up["when"]), follow_up["field"]
    assert set(logic.values()) == {""}


def test_a_follow_up_is_numbered_after_its_question_and_names_its_sources_in_words():
    rows = fields_of(dictionary())
    for follow_up in guidance_follow_ups():
        row, parent = rows[follow_up["field"]], rows[follow_up["after"]]
        number = row["Question Number (surveys only)"]
        assert re.fullmatch(r"\d+[a-z]", number) and number[:-1] == parent["Question Number (surveys only)"]
        sources = contract_sources(follow_up["field"])
        words = {"L": "US label", "N": "NICE CG145, under 19s"}[sources[0][0]]
        assert row["Field Annotation"].startswith(f"Sources: {words} {', '.join(sources)}"), row[
            "Field Annotation"
        ]
        assert "UNK" in row["Field Annotation"] and NO_MISSING not in row["Field Annotation"]
    assert rows["child_surgical_risks"]["Question Number (surveys only)"] == "6a"


def test_branching_logic_names_fields_the_way_redcap_does():
    rows = fields_of(dictionary())
    for name, row in rows.items():
        logic = row["Branching Logic (Show field only if...)"]
        for variable, code in re.findall(r"\[(\w+)(?:\((\w+)\))?\]", logic):
            assert variable in rows, name
            if code:  # `[field(code)] = '1'`: a checkbox option
                assert rows[variable]["Field Type"] == "checkbox"
                assert code in dict(choices(rows[variable]))


def test_result_fields():
    rows = fields_of(dictionary())
    assert rows["recommendation"]["Field Type"] == "radio"
    assert dict(choices(rows["recommendation"]))["refer_after_review"] == "Refer after team review"
    assert rows["discussion_points"]["Field Type"] == "checkbox"
    assert "paediatric_growth" in dict(choices(rows["discussion_points"]))
    assert rows["missing_required"]["Field Type"] == "notes"
    assert rows["criteria_version"]["Field Type"] == "text"
    # other-guidance.md's flags, as codes in a notes field (each named with its sources), and their version.
    assert (rows["other_guidance"]["Field Type"], rows["guidance_version"]["Field Type"]) == ("notes", "text")
    note = rows["other_guidance"]["Field Note"]
    assert all(f"{f['code']} ({', '.join(f['sources'])})" in note for f in guidance_flags())
    assert rows["other_guidance"]["Field Annotation"] == "@READONLY @NOMISSING"
    assert rows["result_at"]["Text Validation Type OR Show Slider Number"] == "datetime_seconds_ymd"
    assert [c for c, _ in choices(rows["case_status"])] == ["open", "done", "cancelled", "void"]


def test_the_csv_dictionary_is_unchanged():
    header = next(csv.reader(io.StringIO(run("dictionary", "--format", "csv"))))
    assert header[:3] == ["field_name", "form_name", "field_type"]


# --- the records, from a database filled through the dialogue ---------------------------------------

SCREENED = [v for v in VIGNETTES if v["id"] in ("P01", "P02", "P04", "P08", "P09")]


@pytest.fixture
def db(dialogue, db_path) -> str:
    """Five vignettes screened by Alice as R-P01...; R-VOID screened and then voided."""
    for vignette in SCREENED:
        assert screen(dialogue, ALICE, f"R-{vignette['id']}", vignette["answers"])[-1].kind == "result"
    assert screen(dialogue, ALICE, "R-VOID", VIGNETTES[0]["answers"])[-1].kind == "result"
    assert "void" in dialogue.handle(ALICE, "/void R-VOID opened by mistake")[0].text
    return str(db_path)


def records(db: str, *flags: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    header, rows = parse(run("export", "--format", "redcap", "--db", db, *flags))
    return header, {row["record_id"]: row for row in rows}


def missing_codes() -> list[str]:
    """The project's missing data codes as `dictionary --format redcap-project` declares them (REDCap's
    setting: `code, Label` pairs separated by ` | `)."""
    declared = json.loads(run("dictionary", "--format", "redcap-project"))["missing_data_codes"]
    return [pair.split(",", 1)[0].strip() for pair in declared.split("|")]


def expected_columns(rows: list[dict[str, str]], codes: list[str]) -> list[str]:
    """What REDCap's import takes for this dictionary: each field, a checkbox as its option columns and,
    unless @NOMISSING, a column per missing data code (as REDCap exports them), then the form's
    completion field."""
    columns = []
    for row in rows:
        name = row["Variable / Field Name"]
        if row["Field Type"] == "checkbox":
            options = [code for code, _ in choices(row)]
            options += codes if NO_MISSING not in row["Field Annotation"] else []
            columns += [redcap_checkbox_column(name, code) for code in options]
        else:
            columns.append(name)
    return [*columns, FORM_COMPLETE]


def test_every_column_is_a_field_or_a_checkbox_option_and_record_id_comes_first(db):
    header, _ = records(db)
    rows = dictionary()
    assert header[0] == "record_id"
    assert header == expected_columns(rows, missing_codes())
    plain = {r["Variable / Field Name"] for r in rows if r["Field Type"] != "checkbox"}
    boxes = {r["Variable / Field Name"] for r in rows if r["Field Type"] == "checkbox"}
    for column in header:
        field, sep, _ = column.partition("___")
        assert (column in plain | {FORM_COMPLETE}) if not sep else (field in boxes), column


def test_records_carry_the_answers_given_and_the_result(db):
    _, by_ref = records(db)
    assert sorted(by_ref) == sorted(f"R-{v['id']}" for v in SCREENED)  # R-VOID left out
    for vignette in SCREENED:
        row, answers, expected = by_ref[f"R-{vignette['id']}"], vignette["answers"], vignette["expected"]
        for question in QUESTIONS:
            given = answers.get(question.field)
            given = None if given == "unknown" else given
            if question.kind == "many":
                ticked = {c for c in question.codes if row[redcap_checkbox_column(question.field, c)] == "1"}
                assert ticked == set(given or ()), (vignette["id"], question.field)
            else:
                assert row[question.field] == ("" if given is None else str(given)), question.field
        assert row["case_status"] == "done"
        assert row["recommendation"] == expected["recommendation"]
        points = {
            k.split("___", 1)[1] for k, v in row.items() if k.startswith("discussion_points___") and v == "1"
        }
        assert points == set(expected["discussion_points"])
        missing = [m for m in row["missing_required"].split(", ") if m]
        assert missing == expected["missing_required"]
        assert row["criteria_version"] == CRITERIA_VERSION
        assert YMD_HMS.fullmatch(row["result_at"]), row["result_at"]


def check_values(row: dict[str, str], rows: dict[str, dict[str, str]], codes: list[str]) -> None:
    """Every value of a record is one its field allows: a choice, a number in range, 0/1 for a checkbox
    or yes/no, the form's completion 0/1/2, a missing data code only where the field takes them."""
    for column, value in row.items():
        if column == FORM_COMPLETE:
            assert value in ("0", "1", "2")
            continue
        field = rows[column.partition("___")[0]]
        if value in codes:
            assert NO_MISSING not in field["Field Annotation"], column
        elif field["Field Type"] in ("checkbox", "yesno"):
            assert value in YESNO and (value or field["Field Type"] == "yesno"), column
        elif field["Field Type"] == "radio":
            assert value in {"", *dict(choices(field))}, (column, value)
        elif field["Text Validation Type OR Show Slider Number"] == "integer" and value:
            low, high = int(field["Text Validation Min"]), int(field["Text Validation Max"])
            assert low <= int(value) <= high, column
        elif field["Text Validation Type OR Show Slider Number"] == "datetime_seconds_ymd" and value:
            assert YMD_HMS.fullmatch(value), column


def test_every_value_is_one_its_field_allows(db):
    rows = fields_of(dictionary())
    _, by_ref = records(db, "--include-void")
    for row in by_ref.values():
        check_values(row, rows, missing_codes())


def test_a_void_case_only_with_include_void(db):
    _, by_ref = records(db, "--include-void")
    assert by_ref["R-VOID"]["case_status"] == "void"


def test_the_growth_answer_only_for_a_child(db):
    _, by_ref = records(db)
    growth = [c for c in QUESTIONS_BY_FIELD["growth_complications"].codes]
    child, adult = by_ref["R-P02"], by_ref["R-P01"]
    assert int(child["age_years"]) < 18 and int(adult["age_years"]) >= 18
    assert any(child[redcap_checkbox_column("growth_complications", c)] == "1" for c in growth)
    assert all(adult[redcap_checkbox_column("growth_complications", c)] == "0" for c in growth)


def test_export_to_a_file(db, tmp_path):
    out = tmp_path / "records.csv"
    result = CliRunner().invoke(cli, ["export", "--format", "redcap", "--db", db, "--out", str(out)])
    assert result.exit_code == 0, result.output
    header, rows = parse(out.read_text(encoding="utf-8"))
    assert header[0] == "record_id" and len(rows) == len(SCREENED)
