"""The questionnaire and its cases in the formats other systems import: FHIR R4 here, the data
dictionaries in `dictionary.py` (the project's) and `redcap.py` (REDCap's), re-exported from here.

Pure functions of the catalogue (and of `CaseView`s): no database, no clock, no network, so an export is
the same every time it is made from the same data. Nothing here names a patient: a case is identified by
its case reference only, which the spec forbids from being a name, a date of birth or a record number.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from ..criteria import (
    CRITERIA_VERSION,
    DISCLAIMER,
    GUIDANCE_VERSION,
    ICD10CM_DESCRIPTIONS,
    QUESTIONS,
    QUESTIONS_BY_FIELD,
    SOURCE,
    Question,
    applicable,
)
from ._fhir_base import (
    CASE_REF_SYSTEM,
    FHIR_BASE,
    GUIDANCE_SOURCE_SYSTEM,
    QUESTIONNAIRE_ID,
    QUESTIONNAIRE_URL,
    SEED_STATEMENT_SYSTEM,
    fhir_datetime,
    full_url,
    resource_id,
    source_coding,
)
from .dictionary import DATA_DICTIONARY_COLUMNS, FORM_NAME, data_dictionary_csv, data_dictionary_rows
from .fhir_results import case_provenances, clinical_impressions
from .summary import CaseView

#: The FHIR system of ICD-10-CM codes.
ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"

#: The Questionnaire's version: its items follow the consensus criteria and the other guidance (whose
#: follow-up questions it asks), so a change of either is a new version of it.
QUESTIONNAIRE_VERSION = f"{CRITERIA_VERSION}+{GUIDANCE_VERSION}"

__all__ = [
    "BUNDLE_HEAD",
    "CASE_REF_SYSTEM",
    "DATA_DICTIONARY_COLUMNS",
    "FHIR_BASE",
    "FORM_NAME",
    "GUIDANCE_SOURCE_SYSTEM",
    "QUESTIONNAIRE_ID",
    "QUESTIONNAIRE_URL",
    "QUESTIONNAIRE_VERSION",
    "SEED_STATEMENT_SYSTEM",
    "bundle_entries",
    "code_system",
    "data_dictionary_csv",
    "data_dictionary_rows",
    "fhir_bundle",
    "fhir_case_entries",
    "fhir_questionnaire",
    "fhir_questionnaire_response",
    "response_status",
]

# --- FHIR R4 ----------------------------------------------------------------------------------------

_MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
_ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-item-control"
_ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"

#: Case status (storage) -> QuestionnaireResponse.status. A cancelled case will not be completed: stopped.
#: A void case was opened by mistake: entered-in-error (exported only with --include-void). A finished
#: case that was amended is `amended` (`response_status`).
_RESPONSE_STATUS = {"done": "completed", "cancelled": "stopped", "void": "entered-in-error"}

#: An item the clinician answered `unknown`: no answer, and FHIR's reason why ("asked but unknown").
_DATA_ABSENT = {
    "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
    "valueCode": "asked-unknown",
}


def code_system(field: str) -> str:
    """The code system of one choice field's answer codes: one per field, so `yes` of two fields differ."""
    return f"{FHIR_BASE}/CodeSystem/{field}"


def _coding(question: Question, code: str) -> dict:
    return {"system": code_system(question.field), "code": code, "display": question.option(code).label}


def _enable_when(question: Question) -> list[dict]:
    """The catalogue's condition as FHIR's enableWhen: `age_years` < 18 (answerInteger), or a choice
    equal to one code (answerCoding, in the code system of that question's answers)."""
    when = question.asked_when
    if when is None:
        return []
    if when.equals is not None:
        coding = _coding(QUESTIONS_BY_FIELD[when.field], when.equals)
        return [{"question": when.field, "operator": "=", "answerCoding": coding}]
    return [{"question": when.field, "operator": "<", "answerInteger": when.below}]


def _item(question: Question) -> dict:
    """One Questionnaire item: the question's wording, type, options, range, skip rule and sources (seed
    statements; a follow-up's the label's or NICE's)."""
    item: dict = {
        "linkId": question.field,
        "code": [source_coding(s) for s in question.serves],
        "prefix": f"{question.tag}.",
        "text": question.text,
        "type": "integer" if question.kind == "number" else "choice",
    }
    if question.kind == "number":
        item["extension"] = [
            {"url": _MIN_VALUE, "valueInteger": question.minimum},
            {"url": _MAX_VALUE, "valueInteger": question.maximum},
        ]
    if enable_when := _enable_when(question):
        item["enableWhen"] = enable_when
    if question.kind == "many":
        item["repeats"] = True
    if question.options:
        item["answerOption"] = [{"valueCoding": _coding(question, o.code)} for o in question.options]
    if question.hint:
        item["item"] = [_hint_item(question)]
    return item


def _hint_item(question: Question) -> dict:
    """The question's hint as a display item shown as a prompt."""
    control = {"coding": [{"system": _ITEM_CONTROL_SYSTEM, "code": "prompt"}]}
    return {
        "linkId": f"{question.field}.hint",
        "text": question.hint,
        "type": "display",
        "extension": [{"url": _ITEM_CONTROL, "valueCodeableConcept": control}],
    }


def fhir_questionnaire() -> dict:
    """The catalogue as a FHIR R4 Questionnaire, so an EHR or form tool can show the same questions.

    No item is marked `required`: every question may be skipped (`unknown`), and a case without the
    required answers is still a finished case whose result is `incomplete`.
    """
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "url": QUESTIONNAIRE_URL,
        "version": QUESTIONNAIRE_VERSION,
        "name": "ITBScreen",
        "title": "ITB screening referral questionnaire",
        "status": "active",
        "subjectType": ["Patient"],
        "description": (
            f"Questions for deciding whether to refer a patient with spasticity for an "
            f"intrathecal baclofen (ITB) screening test. Source: {SOURCE}. The follow-up questions "
            f"({', '.join(q.tag for q in QUESTIONS if q.from_guidance)}) are asked for the US label's and "
            f"NICE CG145's checks, which never change the recommendation. {DISCLAIMER}"
        ),
        "item": [_item(q) for q in QUESTIONS],
    }


def _answer(question: Question, value: object, kept: Mapping[str, str] | None = None) -> list[dict]:
    if question.kind == "number":
        answers = [{"valueInteger": value}]
    else:
        codes = value if isinstance(value, (tuple, list)) else (value,)
        answers = [{"valueCoding": _coding(question, str(code))} for code in codes]
    kept_items = _kept_items(question, kept or {})
    if kept_items:  # what the answer kept rides on its (first) answer, as child items
        answers[0]["item"] = kept_items
    return answers


def _kept_items(question: Question, kept: Mapping[str, str]) -> list[dict]:
    """The ICD-10-CM code of a diagnosis named (a Coding of that system) and the note typed with it."""
    items = []
    if kept.get("icd10cm"):
        code = kept["icd10cm"]
        coding = {"system": ICD10CM_SYSTEM, "code": code, "display": ICD10CM_DESCRIPTIONS.get(code, code)}
        items.append({"linkId": f"{question.field}.icd10cm", "answer": [{"valueCoding": coding}]})
    if kept.get("note"):
        items.append({"linkId": f"{question.field}.note", "answer": [{"valueString": kept["note"]}]})
    return items


def response_status(view: CaseView) -> str:
    """QuestionnaireResponse.status: `amended` for a finished case amended since it was confirmed."""
    if view.status == "done" and any(e.kind == "amend" for e in view.events):
        return "amended"
    return _RESPONSE_STATUS.get(view.status, "in-progress")


def fhir_questionnaire_response(view: CaseView) -> dict:
    """One case as a FHIR R4 QuestionnaireResponse to the questionnaire of this criteria version.

    Items only for asked questions: answered, or answered `unknown` (an item with no answer and the
    data-absent-reason `asked-unknown`); a question skipped or never reached has none, and an answer to a
    question no longer asked, such as growth complications after the age became adult, would break the
    questionnaire's enableWhen. There is no `subject`: the case reference is not a patient identifier.
    """
    answers = applicable(view.answers)
    response: dict = {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id(view.ref),
        "identifier": {"system": CASE_REF_SYSTEM, "value": view.ref},
        "questionnaire": f"{QUESTIONNAIRE_URL}|{QUESTIONNAIRE_VERSION}",
        "status": response_status(view),
        "authored": fhir_datetime(view.updated_at),
    }
    if view.user:
        response["author"] = {"display": view.user}
    response["item"] = [
        {"linkId": q.field, "text": q.text, "answer": _answer(q, answers[q.field], view.notes.get(q.field))}
        if q.field in answers
        else {"linkId": q.field, "text": q.text, "extension": [_DATA_ABSENT]}
        for q in QUESTIONS
        if q.field in answers or q.field in view.not_known
    ]
    if not response["item"]:
        del response["item"]  # FHIR forbids empty arrays
    return response


def fhir_case_entries(view: CaseView) -> list[dict]:
    """One case's Bundle entries: its QuestionnaireResponse, a ClinicalImpression per stored result and a
    Provenance per amendment, hand-off and voiding (each built from this case alone, so a Bundle can be
    written one case at a time)."""
    resources = [fhir_questionnaire_response(view), *clinical_impressions(view), *case_provenances(view)]
    return [{"fullUrl": full_url(r), "resource": r} for r in resources]


#: A Bundle's fields before its entries (`fhir_bundle`; an export writes the entries one by one after).
BUNDLE_HEAD = {"resourceType": "Bundle", "type": "collection"}


def fhir_bundle(views: Iterable[CaseView]) -> dict:
    """A collection Bundle: the Questionnaire, then each case's entries (`fhir_case_entries`), in order.

    One file carries the questions, the answers, the results and the corrections, so a receiver needs
    nothing else to read it.
    """
    return {**BUNDLE_HEAD, "entry": list(bundle_entries(views))}


def bundle_entries(views: Iterable[CaseView]) -> Iterator[dict]:
    """The Bundle's entries one at a time: the Questionnaire's, then each case's as its view comes."""
    yield {"fullUrl": QUESTIONNAIRE_URL, "resource": fhir_questionnaire()}
    for view in views:
        yield from fhir_case_entries(view)
