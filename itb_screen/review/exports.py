"""The questionnaire and its cases in the formats other systems import: REDCap and FHIR R4.

Pure functions of the catalogue (and of `CaseView`s): no database, no clock, no network, so an export is
the same every time it is made from the same data. Nothing here names a patient: a case is identified by
its case reference only, which the spec forbids from being a name, a date of birth or a record number.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from ..criteria import (
    CRITERIA_VERSION,
    DISCLAIMER,
    ICD10CM_DESCRIPTIONS,
    QUESTIONS,
    REQUIRED_FIELDS,
    SEED_STATEMENTS,
    SOURCE,
    Question,
    applicable,
)
from .summary import CaseView

#: The FHIR system of ICD-10-CM codes.
ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"

__all__ = [
    "CASE_REF_SYSTEM",
    "DATA_DICTIONARY_COLUMNS",
    "FHIR_BASE",
    "FORM_NAME",
    "QUESTIONNAIRE_ID",
    "QUESTIONNAIRE_URL",
    "SEED_STATEMENT_SYSTEM",
    "code_system",
    "data_dictionary_csv",
    "data_dictionary_rows",
    "fhir_bundle",
    "fhir_questionnaire",
    "fhir_questionnaire_response",
]

# --- REDCap -----------------------------------------------------------------------------------------

#: The REDCap instrument the questionnaire becomes.
FORM_NAME = "itb_screening"

#: REDCap data dictionary columns (API metadata names), plus `seed_statements` for traceability and
#: `short_forms`: what the bot also reads for each code (`multiple_sclerosis: MS`), so a site that builds its
#: own form or audits a transcript sees which typed words became which code; `words_read`: the longer
#: phrases of notes it reads in a sentence (`spastic diplegia`, `walks with frame`).
DATA_DICTIONARY_COLUMNS: tuple[str, ...] = (
    "field_name",
    "form_name",
    "field_type",
    "field_label",
    "choices",
    "text_validation_type_or_show_slider_number",
    "text_validation_min",
    "text_validation_max",
    "branching_logic",
    "required_field",
    "field_note",
    "seed_statements",
    "short_forms",
    "words_read",
)

_REDCAP_TYPE = {"number": "text", "one": "radio", "many": "checkbox"}


def _branching_logic(question: Question) -> str:
    """REDCap syntax for `asked_when`; the blank check mirrors the catalogue (no age, no question)."""
    when = question.asked_when
    if when is None:
        return ""
    return f"[{when.field}] <> '' and [{when.field}] < {when.below}"


def _words_read(question: Question) -> str:
    """`code: phrase, phrase | code: ...`: the longer phrases of notes and letters the reader also takes
    for each code (criteria/_vocabulary.py; diagnoses with their ICD-10-CM code), in catalogue order."""
    by_code: dict[str, list[str]] = {}
    names = {(name, o.code) for o in question.options for name in (o.label, *o.aliases, *o.names())}
    for phrase, label in question.phrases():
        if label in question.codes and (phrase, label) not in names:
            by_code.setdefault(label, []).append(phrase)
    return " | ".join(f"{c}: {', '.join(dict.fromkeys(by_code[c]))}" for c in question.codes if c in by_code)


def _short_forms(question: Question) -> str:
    """`code: alias, alias | code: alias`, for the options that have short forms, in catalogue order."""
    return " | ".join(f"{o.code}: {', '.join(o.aliases)}" for o in question.options if o.aliases)


def data_dictionary_rows() -> list[dict[str, str]]:
    """One REDCap data dictionary row per question, in catalogue order, so a site can collect the same data.

    Choice codes are the spec's codes (REDCap accepts lower-case letters, digits and `_`), so data exported
    from REDCap can be fed to `itb-screen evaluate` unchanged.
    """
    rows = []
    for q in QUESTIONS:
        number = q.kind == "number"
        rows.append(
            {
                "field_name": q.field,
                "form_name": FORM_NAME,
                "field_type": _REDCAP_TYPE[q.kind],
                "field_label": q.text,
                "choices": " | ".join(f"{o.code}, {o.label}" for o in q.options),
                "text_validation_type_or_show_slider_number": "integer" if number else "",
                "text_validation_min": str(q.minimum) if number else "",
                "text_validation_max": str(q.maximum) if number else "",
                "branching_logic": _branching_logic(q),
                "required_field": "y" if q.field in REQUIRED_FIELDS else "",
                "field_note": q.hint,
                "seed_statements": " ".join(q.serves),
                "short_forms": _short_forms(q),
                "words_read": _words_read(q) if q.kind != "number" else "",
            }
        )
    return rows


def data_dictionary_csv() -> str:
    """The data dictionary as CSV text (RFC 4180: quoted where needed, CRLF line ends), header first."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=DATA_DICTIONARY_COLUMNS)
    writer.writeheader()
    writer.writerows(data_dictionary_rows())
    return out.getvalue()


# --- FHIR R4 ----------------------------------------------------------------------------------------

#: The base of every URL this project mints. A placeholder domain: stable, never dereferenced.
FHIR_BASE = "https://itb-screen.example/fhir"
QUESTIONNAIRE_ID = "itb-screen"
QUESTIONNAIRE_URL = f"{FHIR_BASE}/Questionnaire/{QUESTIONNAIRE_ID}"
#: The identifier system of case references.
CASE_REF_SYSTEM = f"{FHIR_BASE}/case-ref"
#: The code system of the seed statements S1..S13 that each question serves.
SEED_STATEMENT_SYSTEM = f"{FHIR_BASE}/CodeSystem/seed-statement"

_MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
_ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-item-control"
_ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"

#: Case status (storage) -> QuestionnaireResponse.status. A cancelled case will not be completed: stopped.
#: A void case was opened by mistake: entered-in-error (exported only with --include-void).
_RESPONSE_STATUS = {"done": "completed", "cancelled": "stopped", "void": "entered-in-error"}


def code_system(field: str) -> str:
    """The code system of one choice field's answer codes: one per field, so `yes` of two fields differ."""
    return f"{FHIR_BASE}/CodeSystem/{field}"


def _coding(question: Question, code: str) -> dict:
    return {"system": code_system(question.field), "code": code, "display": question.option(code).label}


def _item(question: Question) -> dict:
    """One Questionnaire item: the question's wording, type, options, range, skip rule and sources."""
    item: dict = {
        "linkId": question.field,
        "code": [
            {"system": SEED_STATEMENT_SYSTEM, "code": s, "display": SEED_STATEMENTS[s]}
            for s in question.serves
        ],
        "prefix": f"{question.number}.",
        "text": question.text,
        "type": "integer" if question.kind == "number" else "choice",
    }
    if question.kind == "number":
        item["extension"] = [
            {"url": _MIN_VALUE, "valueInteger": question.minimum},
            {"url": _MAX_VALUE, "valueInteger": question.maximum},
        ]
    if question.asked_when is not None:
        item["enableWhen"] = [
            {
                "question": question.asked_when.field,
                "operator": "<",
                "answerInteger": question.asked_when.below,
            }
        ]
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
        "version": CRITERIA_VERSION,
        "name": "ITBScreen",
        "title": "ITB screening referral questionnaire",
        "status": "active",
        "subjectType": ["Patient"],
        "description": (
            f"Questions for deciding whether to refer a patient with spasticity for an "
            f"intrathecal baclofen (ITB) screening test. Source: {SOURCE}. {DISCLAIMER}"
        ),
        "item": [_item(q) for q in QUESTIONS],
    }


def _fhir_datetime(stamp: str) -> str:
    """An ISO 8601 stamp as a FHIR dateTime: `T` separator and a zone (storage writes UTC)."""
    if len(stamp) == 10:  # a bare date is a valid dateTime as it is
        datetime.strptime(stamp, "%Y-%m-%d")
        return stamp
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


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


def _response_id(ref: str) -> str:
    """A stable resource id from the case ref (refs may hold `_`, which FHIR ids may not)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{CASE_REF_SYSTEM}/{ref}"))


def fhir_questionnaire_response(view: CaseView) -> dict:
    """One case as a FHIR R4 QuestionnaireResponse to the questionnaire of this criteria version.

    Items only for answered questions that are asked (an answer to a question no longer asked, such as
    growth complications after the age became adult, would break the questionnaire's enableWhen). There
    is no `subject`: the case reference is not a patient identifier.
    """
    answers = applicable(view.answers)
    response: dict = {
        "resourceType": "QuestionnaireResponse",
        "id": _response_id(view.ref),
        "identifier": {"system": CASE_REF_SYSTEM, "value": view.ref},
        "questionnaire": f"{QUESTIONNAIRE_URL}|{CRITERIA_VERSION}",
        "status": _RESPONSE_STATUS.get(view.status, "in-progress"),
        "authored": _fhir_datetime(view.updated_at),
    }
    if view.user:
        response["author"] = {"display": view.user}
    response["item"] = [
        {"linkId": q.field, "text": q.text, "answer": _answer(q, answers[q.field], view.notes.get(q.field))}
        for q in QUESTIONS
        if q.field in answers
    ]
    if not response["item"]:
        del response["item"]  # FHIR forbids empty arrays
    return response


def fhir_bundle(views: Iterable[CaseView]) -> dict:
    """A collection Bundle: the Questionnaire, then one QuestionnaireResponse per case, in order.

    One file carries the questions and the answers, so a receiver needs nothing else to read it.
    """
    entries = [{"fullUrl": QUESTIONNAIRE_URL, "resource": fhir_questionnaire()}]
    for view in views:
        response = fhir_questionnaire_response(view)
        entries.append({"fullUrl": f"urn:uuid:{response['id']}", "resource": response})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
