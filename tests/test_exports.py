"""The REDCap data dictionary and the FHIR resources: the catalogue exactly, and valid for their readers.

The FHIR resources are checked with the `fhir.resources` R4B models (R4B shares R4's Questionnaire and
QuestionnaireResponse). Those models check structure and data types but not code values (a wrong
`status` passes), so the tests also check the values themselves.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from itb_screen.criteria import (
    CRITERIA_VERSION,
    FIELDS,
    GUIDANCE_VERSION,
    QUESTIONS,
    REQUIRED_FIELDS,
    applicable,
)
from itb_screen.review.exports import (
    CASE_REF_SYSTEM,
    DATA_DICTIONARY_COLUMNS,
    QUESTIONNAIRE_URL,
    code_system,
    data_dictionary_csv,
    data_dictionary_rows,
    fhir_bundle,
    fhir_questionnaire,
    fhir_questionnaire_response,
)

from .conftest import SPEC_FILE, VIGNETTE_IDS, VIGNETTES
from .test_catalogue import guidance_flags, guidance_follow_ups, guidance_sources
from .test_summary import UPDATED, VIGNETTE, case_view

QUESTION_IDS = [q.field for q in QUESTIONS]
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
#: other-guidance.md's follow-up questions by field, and the spec's seed statements by id.
FOLLOW_UPS = {f["field"]: f for f in guidance_follow_ups()}
STATEMENTS = dict(re.findall(r"^\| (S\d+) \| (.+?) \|$", SPEC_FILE.read_text(), re.M))
#: The questionnaire's version: the consensus criteria's and the other guidance's (its follow-ups).
VERSION = f"{CRITERIA_VERSION}+{GUIDANCE_VERSION}"


def contract_sources(field: str) -> list[str]:
    """The guidance sources a follow-up serves: those of other-guidance.md's flags its answer raises."""
    return sorted({s for f in guidance_flags() if f"`{field}`" in f["when"] for s in f["sources"]})


def redcap_logic(when: str) -> str:
    """A condition as other-guidance.md or the spec writes it, in REDCap's syntax."""
    field, operator, value = re.fullmatch(r"`(\w+)` (=|<) `?(\w+)`?", when).groups()
    return f"[{field}] = '{value}'" if operator == "=" else f"[{field}] < {value}"


# --- REDCap data dictionary -------------------------------------------------------------------------


def test_one_row_per_question_in_catalogue_order_then_the_results_fields():
    rows = data_dictionary_rows()
    result = ["recommendation", "discussion_points", "missing_required", "unanswered", "criteria_version"]
    result += ["other_guidance", "guidance_version"]  # the evaluate contract, then other-guidance.md's
    assert [r["field_name"] for r in rows] == [*FIELDS, *result]
    assert all(tuple(r) == DATA_DICTIONARY_COLUMNS for r in rows)
    assert {r["form_name"] for r in rows} == {"itb_screening"}


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_row_is_the_question(question):
    row = next(r for r in data_dictionary_rows() if r["field_name"] == question.field)
    assert row["field_label"] == question.text
    assert row["field_note"] == question.hint
    if question.field in FOLLOW_UPS:  # the label's and NICE's sources, and when it is asked
        assert (row["seed_statements"], row["guidance_sources"].split()) == (
            "",
            contract_sources(question.field),
        )
        assert row["asked_when"] == FOLLOW_UPS[question.field]["when"].replace("`", "")
    else:
        assert (row["seed_statements"], row["guidance_sources"]) == (" ".join(question.serves), "")
    assert row["required_field"] == ("y" if question.field in REQUIRED_FIELDS else "")
    if question.kind == "number":
        assert row["field_type"] == "text"
        assert row["text_validation_type_or_show_slider_number"] == "integer"
        assert (row["text_validation_min"], row["text_validation_max"]) == ("0", "120")
        assert row["choices"] == ""
    else:
        assert row["field_type"] == {"one": "radio", "many": "checkbox"}[question.kind]
        assert row["text_validation_type_or_show_slider_number"] == ""
        choices = [c.split(", ", 1) for c in row["choices"].split(" | ")]
        assert choices == [[o.code, o.label] for o in question.options]


def test_branching_logic_is_the_age_rule_and_the_follow_ups_conditions():
    logic = {r["field_name"]: r["branching_logic"] for r in data_dictionary_rows()}
    assert logic.pop("growth_complications") == "[age_years] <> '' and [age_years] < 18"
    assert logic.pop("child_surgical_risks") == "[age_years] <> '' and [age_years] < 18"
    assert logic["sci_level_t6_or_above"] == "[primary_condition] = 'spinal_cord_injury'"
    for field, follow_up in FOLLOW_UPS.items():
        if "=" in follow_up["when"]:
            assert logic.pop(field) == redcap_logic(follow_up["when"])
    assert set(logic.values()) == {""}


def test_the_flags_are_listed_with_their_sources_and_text():
    row = next(r for r in data_dictionary_rows() if r["field_name"] == "other_guidance")
    flags = guidance_flags()
    assert [c.split(", ", 1) for c in row["choices"].split(" | ")] == [[f["code"], f["text"]] for f in flags]
    sources = [part.split(": ") for part in row["guidance_sources"].split(" | ")]
    assert sources == [[f["code"], ", ".join(f["sources"])] for f in flags]
    assert sources[2] == ["label_reserves_spinal_origin", "L3, S3"]
    version = next(r for r in data_dictionary_rows() if r["field_name"] == "guidance_version")
    assert GUIDANCE_VERSION in version["field_note"] and "before the flags" in version["field_note"]


def test_csv_parses_back_to_the_rows():
    text = data_dictionary_csv()
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames) == DATA_DICTIONARY_COLUMNS
    assert list(reader) == data_dictionary_rows()


# --- FHIR Questionnaire -----------------------------------------------------------------------------


def items_by_link_id() -> dict[str, dict]:
    return {item["linkId"]: item for item in fhir_questionnaire()["item"]}


def test_questionnaire_validates_as_fhir_r4b():
    resource = fhir_questionnaire()
    model = Questionnaire.model_validate(resource)
    assert model.url == QUESTIONNAIRE_URL and model.version == VERSION
    assert (resource["id"], resource["status"]) == ("itb-screen", "active")
    assert [i.linkId for i in model.item] == list(FIELDS)
    json.dumps(resource)  # plain JSON, no models or tuples inside


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_questionnaire_item_is_the_question(question):
    item = items_by_link_id()[question.field]
    assert item["text"] == question.text
    if (
        question.field in FOLLOW_UPS
    ):  # the guidance sources' system, what each says as other-guidance.md has it
        assert [c["code"] for c in item["code"]] == contract_sources(question.field)
        assert {c["system"] for c in item["code"]} == {
            "https://itb-screen.example/fhir/CodeSystem/guidance-source"
        }
        # What the source says, as other-guidance.md paraphrases it (its notes in brackets aside).
        assert all(guidance_sources()[c["code"]].split(" (")[0] in c["display"] for c in item["code"])
        assert item["prefix"] == f"{question.number}{question.suffix}."
    else:
        assert [c["code"] for c in item["code"]] == list(question.serves)
        assert [c["display"] for c in item["code"]] == [STATEMENTS[s] for s in question.serves]
        assert item["prefix"] == f"{question.number}."
    if question.kind == "number":
        assert item["type"] == "integer"
        bounds = {e["url"]: e["valueInteger"] for e in item["extension"]}
        assert bounds == {MIN_VALUE: question.minimum, MAX_VALUE: question.maximum}
        assert "answerOption" not in item
    else:
        assert item["type"] == "choice"
        assert item.get("repeats", False) is (question.kind == "many")
        assert [o["valueCoding"] for o in item["answerOption"]] == [
            {"system": code_system(question.field), "code": o.code, "display": o.label}
            for o in question.options
        ]
    if question.asked_when is None:
        assert "enableWhen" not in item
    elif "=" not in FOLLOW_UPS.get(question.field, {"when": ""})["when"]:
        assert item["enableWhen"] == [{"question": "age_years", "operator": "<", "answerInteger": 18}]
    else:  # `primary_condition` = `spinal_cord_injury`: that option's coding, as its item offers it
        source, code = re.findall(r"`(\w+)`", FOLLOW_UPS[question.field]["when"])
        offered = [o["valueCoding"] for o in items_by_link_id()[source]["answerOption"]]
        [coding] = [c for c in offered if c["code"] == code]
        assert item["enableWhen"] == [{"question": source, "operator": "=", "answerCoding": coding}]


def test_hints_are_display_items():
    for question in QUESTIONS:
        children = items_by_link_id()[question.field].get("item", [])
        hints = [c["text"] for c in children if c["type"] == "display"]
        assert hints == ([question.hint] if question.hint else [])


def test_questionnaire_is_the_same_every_time():
    assert fhir_questionnaire() == fhir_questionnaire()


# --- FHIR QuestionnaireResponse ---------------------------------------------------------------------


@pytest.mark.parametrize("vignette", VIGNETTES, ids=VIGNETTE_IDS)
def test_response_validates_and_carries_every_answer(vignette):
    view = case_view(vignette)
    resource = fhir_questionnaire_response(view)
    QuestionnaireResponse.model_validate(resource)
    json.dumps(resource)
    assert resource["questionnaire"] == f"{QUESTIONNAIRE_URL}|{VERSION}"
    assert resource["status"] == "completed"
    assert resource["authored"] == UPDATED
    assert resource["identifier"] == {"system": CASE_REF_SYSTEM, "value": view.ref}
    assert "subject" not in resource  # the case ref is not a patient identifier
    answers = applicable(view.answers)
    assert [i["linkId"] for i in resource["item"]] == [f for f in FIELDS if f in answers]
    items = items_by_link_id()
    for item in resource["item"]:
        question_item, value = items[item["linkId"]], answers[item["linkId"]]
        assert item["text"] == question_item["text"]
        if question_item["type"] == "integer":
            assert item["answer"] == [{"valueInteger": value}]
            continue
        codes = value if isinstance(value, tuple) else (value,)
        assert [a["valueCoding"]["code"] for a in item["answer"]] == list(codes)
        options = [o["valueCoding"] for o in question_item["answerOption"]]
        assert all(a["valueCoding"] in options for a in item["answer"])


@pytest.mark.parametrize(
    ("status", "expected"),
    [("done", "completed"), ("open", "in-progress"), ("cancelled", "stopped"), ("void", "entered-in-error")],
)
def test_response_status_follows_the_case(status, expected):
    view = case_view(VIGNETTE["P01"], status=status, finished=status == "done")
    resource = fhir_questionnaire_response(view)
    assert resource["status"] == expected
    QuestionnaireResponse.model_validate(resource)


def test_answer_to_a_question_no_longer_asked_is_left_out():
    view = case_view(VIGNETTE["P02"], age_years=30)
    assert "growth_complications" in view.answers
    link_ids = [i["linkId"] for i in fhir_questionnaire_response(view)["item"]]
    assert "growth_complications" not in link_ids and "age_years" in link_ids


def test_case_without_answers_has_no_items():
    view = replace(case_view(VIGNETTE["P01"], status="open", finished=False), answers={})
    resource = fhir_questionnaire_response(view)
    QuestionnaireResponse.model_validate(resource)
    assert "item" not in resource


@pytest.mark.parametrize(
    ("stamp", "authored"),
    [
        ("2025-03-04 09:31:12", "2025-03-04T09:31:12+00:00"),
        ("2025-03-04T09:31:12Z", "2025-03-04T09:31:12+00:00"),
        ("2025-03-04T10:31:12+01:00", "2025-03-04T10:31:12+01:00"),
        ("2025-03-04", "2025-03-04"),
    ],
)
def test_authored_is_a_fhir_datetime(stamp, authored):
    view = replace(case_view(VIGNETTE["P01"]), updated_at=stamp)
    resource = fhir_questionnaire_response(view)
    assert resource["authored"] == authored
    QuestionnaireResponse.model_validate(resource)


def test_response_id_is_stable_and_a_valid_fhir_id():
    first = fhir_questionnaire_response(case_view(VIGNETTE["P01"], ref="P01_x"))
    again = fhir_questionnaire_response(case_view(VIGNETTE["P03"], ref="P01_x"))
    other = fhir_questionnaire_response(case_view(VIGNETTE["P01"], ref="P01-x"))
    assert first["id"] == again["id"] != other["id"]
    assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", first["id"])  # FHIR id: no `_`, unlike refs


def test_user_becomes_the_author():
    view = replace(case_view(VIGNETTE["P01"]), user="Dr Example")
    resource = fhir_questionnaire_response(view)
    assert resource["author"] == {"display": "Dr Example"}
    QuestionnaireResponse.model_validate(resource)


# --- FHIR Bundle ------------------------------------------------------------------------------------


def test_bundle_holds_the_questionnaire_and_every_case():
    views = [case_view(v) for v in VIGNETTES]
    bundle = fhir_bundle(views)
    Bundle.model_validate(bundle)
    json.dumps(bundle)
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "collection")
    resources = [e["resource"] for e in bundle["entry"]]
    assert resources[0] == fhir_questionnaire()
    assert resources[1:] == [fhir_questionnaire_response(v) for v in views]
    full_urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(full_urls)) == len(full_urls)


def test_empty_bundle_still_carries_the_questionnaire():
    bundle = fhir_bundle(iter(()))
    Bundle.model_validate(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Questionnaire"]
