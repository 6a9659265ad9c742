"""The reader in the conversation (issue 16): follow-up questions answered by Yes/No, qualifiers kept as
notes (identifiers removed), ICD-10-CM codes kept and shown, doubt stores nothing."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from itb_screen.dialogue import Identity
from itb_screen.review.caseview import case_view, show_text
from itb_screen.review.exports import fhir_questionnaire_response

LEE = Identity("console", "lee")


def at(dialogue, field: str, ref: str = "READ-1", age: str = "45") -> None:
    """Open a case and answer until `field` is the open question (each answer typed as a number)."""
    prompts = dialogue.handle(LEE, f"/new {ref}")
    while prompts[-1].field != field:
        prompts = dialogue.handle(LEE, age if prompts[-1].field == "age_years" else "1")
        assert prompts[0].kind != "refusal", prompts[0].text


def texts(prompts) -> list[str]:
    return [p.text for p in prompts]


def test_a_follow_up_is_asked_and_a_yes_stores_its_option(dialogue, store):
    at(dialogue, "baclofen_reaction")
    asked = dialogue.handle(LEE, "allergy")
    assert any("Was it confirmed as a true hypersensitivity by the treating team?" in t for t in texts(asked))
    case = store.case_by_ref("READ-1")
    assert "baclofen_reaction" not in store.answers(case.id)  # nothing stored until the answer
    saved = dialogue.handle(LEE, "yes")
    assert "Saved (Baclofen reaction): Confirmed hypersensitivity" in texts(saved)
    assert store.answers(case.id)["baclofen_reaction"] == "confirmed_hypersensitivity"


def test_a_no_to_a_follow_up_stores_its_other_option(dialogue, store):
    at(dialogue, "mental_health")
    dialogue.handle(LEE, "depression")
    dialogue.handle(LEE, "no")
    assert store.answers(store.case_by_ref("READ-1").id)["mental_health"] == "unmanageable"


def test_a_follow_up_without_a_no_option_asks_the_question_again(dialogue, store):
    at(dialogue, "primary_condition")
    dialogue.handle(LEE, "tetraplegia")
    again = dialogue.handle(LEE, "no")
    assert "Not saved: answer the question again." in texts(again)
    assert "primary_condition" not in store.answers(store.case_by_ref("READ-1").id)


@pytest.mark.parametrize("typed", ["?UTI", "possible chest infection", "awaiting urine culture"])
def test_doubt_stores_nothing_and_says_why(dialogue, store, typed):
    at(dialogue, "active_infection")
    said = dialogue.handle(LEE, typed)
    assert said[0].kind == "refusal" and "sounds unsure" in said[0].text
    assert "active_infection" not in store.answers(store.case_by_ref("READ-1").id)


def test_a_qualifier_is_stored_as_the_note_and_shown(dialogue, store):
    at(dialogue, "seizures")
    said = dialogue.handle(LEE, "yes - well controlled on levetiracetam")
    assert "Saved (Seizures): Yes (note: well controlled on levetiracetam)" in texts(said)
    case = store.case_by_ref("READ-1")
    assert store.answer_notes(case.id)["seizures"] == {"note": "well controlled on levetiracetam"}
    assert "17. Seizures: Yes (note: well controlled on levetiracetam)" in show_text(store, case)


def test_a_note_never_keeps_an_identifier(dialogue, store):
    at(dialogue, "psychosocial_compliance_concerns")
    dialogue.handle(LEE, "no - daughter on 07700 900123 drives her")
    case = store.case_by_ref("READ-1")
    note = store.answer_notes(case.id)["psychosocial_compliance_concerns"]["note"]
    assert "900123" not in note and "07700" not in note and "drives her" in note


def test_the_icd_10_cm_code_is_kept_shown_and_exported_as_a_coding(dialogue, store):
    at(dialogue, "primary_condition")
    dialogue.handle(LEE, "spastic diplegia")
    case = store.case_by_ref("READ-1")
    assert store.answers(case.id)["primary_condition"] == "cerebral_palsy"
    assert store.answer_notes(case.id)["primary_condition"] == {"icd10cm": "G80.1"}
    assert "ICD-10-CM G80.1 Spastic diplegic cerebral palsy" in show_text(store, case)
    response = fhir_questionnaire_response(case_view(store, case))
    QuestionnaireResponse.model_validate(response)
    [item] = [i for i in response["item"] if i["linkId"] == "primary_condition"]
    [kept] = item["answer"][0]["item"]
    coding = kept["answer"][0]["valueCoding"]
    assert (coding["system"], coding["code"]) == ("http://hl7.org/fhir/sid/icd-10-cm", "G80.1")


def test_an_answer_changed_without_a_note_drops_the_old_note(dialogue, store):
    at(dialogue, "seizures")
    dialogue.handle(LEE, "yes - febrile convulsions only")
    dialogue.handle(LEE, "back")
    dialogue.handle(LEE, "no")
    case = store.case_by_ref("READ-1")
    assert store.answers(case.id)["seizures"] == "no" and "seizures" not in store.answer_notes(case.id)


# The conversation around the reader (issue 16, part 4) ------------------------------------------------
def test_a_pending_offer_is_asked_again_when_the_console_comes_back(dialogue, store):
    at(dialogue, "interference")
    offered = dialogue.handle(LEE, "mobilty")
    assert "Did you mean Mobility? Yes to save it, No to answer again." in texts(offered)
    again = dialogue.current(LEE, announce=True)  # what a console shows when it starts again
    assert texts(again)[-1] == "Did you mean Mobility? Yes to save it, No to answer again."
    assert again[-1].controls  # with its Yes and No
    dialogue.handle(LEE, "yes")
    assert store.answers(store.case_by_ref("READ-1").id)["interference"] == ("mobility",)


def test_a_pending_follow_up_is_asked_again_too(dialogue):
    at(dialogue, "mental_health")
    dialogue.handle(LEE, "anxiety")
    assert "Is it managed now? Yes or No." in texts(dialogue.current(LEE, announce=True))


def test_an_answer_typed_where_an_earlier_question_shows_is_refused_and_nothing_is_stored(dialogue, store):
    at(dialogue, "primary_condition")
    case = store.case_by_ref("READ-1")
    dialogue.handle(LEE, "MS", shown=("READ-1", "primary_condition"))  # window 1 answers
    stale = dialogue.handle(LEE, "CP", shown=("READ-1", "primary_condition"))  # window 2 still shows it
    assert stale[0].kind == "refusal" and "has moved on" in stale[0].text
    assert stale[-1].field == "disease_course"  # where the case is now, shown
    assert store.answers(case.id)["primary_condition"] == "multiple_sclerosis"
    assert "disease_course" not in store.answers(case.id)


def test_an_answer_typed_in_a_window_that_shows_another_case_is_refused(dialogue, store):
    at(dialogue, "primary_condition")
    dialogue.handle(LEE, "/new READ-2")
    stale = dialogue.handle(LEE, "45", shown=("READ-1", "primary_condition"))
    assert stale[0].kind == "refusal" and "READ-2" in stale[0].text
    assert store.answers(store.case_by_ref("READ-2").id) == {}


def test_the_console_asks_a_pending_offer_again_after_a_restart(db_path):
    from .test_console import itb

    first = itb(
        "console", "--db", str(db_path), "--user", "lee", stdin="/new RST-1\n45\nMS\nworsening\nmobilty\n"
    )
    assert "Did you mean Mobility?" in first.stdout
    second = itb("console", "--db", str(db_path), "--user", "lee", stdin="yes\n")
    before_yes = second.stdout.split("Saved (Interference)")[0]
    assert "Did you mean Mobility?" in before_yes
    assert "Saved (Interference): Mobility" in second.stdout


def test_the_csv_and_json_records_carry_the_notes_and_the_icd_code(dialogue, store):
    import csv
    import io

    from itb_screen.review.listing import case_records, cases_csv

    at(dialogue, "primary_condition")
    dialogue.handle(LEE, "SPMS")
    while dialogue.current(LEE)[-1].field != "seizures":
        dialogue.handle(LEE, "1")
    dialogue.handle(LEE, "yes - febrile convulsions as a toddler")
    [record] = case_records(store)
    assert record["notes"] == {
        "primary_condition": {"icd10cm": "G35.C0"},
        "seizures": {"note": "febrile convulsions as a toddler"},
    }
    [row] = csv.DictReader(io.StringIO(cases_csv([record])))
    assert row["icd10cm"] == "G35.C0" and row["notes"] == "seizures: febrile convulsions as a toddler"
