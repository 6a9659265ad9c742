"""A case's results and corrections in FHIR R4: a ClinicalImpression per stored result and a Provenance
per amendment, hand-off and voiding, each pointing at the case's QuestionnaireResponse.

Pure functions of one `CaseView` (its stored results and events), so an export can be written one case
at a time. Like the QuestionnaireResponse, nothing names a patient: ClinicalImpression's required
`subject` is a reference by display only ("the patient screened as case REF"), and people are named as
the team knows them, by display.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..criteria import (
    DISCLAIMER,
    GUIDANCE_HEADING,
    GUIDANCE_SOURCES,
    RECOMMENDATIONS,
    SEED_STATEMENTS,
    Result,
    because_line,
    missing_heading,
    reasons_text,
    recommendation_line,
    short_label,
    sources_words,
)
from ._fhir_base import FHIR_BASE, fhir_datetime, resource_id
from .summary import CaseEvent, CaseView

__all__ = [
    "CASE_EVENT_SYSTEM",
    "FLAG_SYSTEM",
    "POINT_SYSTEM",
    "PROTOCOL",
    "SEED_DOI",
    "case_provenances",
    "clinical_impression",
    "clinical_impressions",
    "provenance",
]

#: The consensus the rules follow (screening-spec.md), as ClinicalImpression.protocol: its DOI as a URI.
SEED_DOI = "10.1111/ner.12447"
PROTOCOL = f"https://doi.org/{SEED_DOI}"
#: The code systems of the discussion points and of what can happen to a case.
POINT_SYSTEM = f"{FHIR_BASE}/CodeSystem/discussion-point"
#: The code system of the other guidance flags (other-guidance.md), apart from the points'.
FLAG_SYSTEM = f"{FHIR_BASE}/CodeSystem/other-guidance-flag"
CASE_EVENT_SYSTEM = f"{FHIR_BASE}/CodeSystem/case-event"

_DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
#: How a result came to be made (results.kind), in words.
_MADE = {"confirm": "Confirmed", "amend": "Amended", "reevaluate": "Re-evaluated with the current criteria"}
#: Each case event: its words, and HL7's data operation where one says it (a voiding nullifies).
_EVENTS = {
    "amend": ("Amended", ("UPDATE", "revise")),
    "void": ("Voided: opened by mistake", ("NULLIFY", "nullify")),
    "handoff": ("Handed to another member", None),
}


def _ref(resource_id_: str, kind: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id_}", "type": kind}


def _summary(result: Result) -> str:
    """The result in words: recommendation, meaning, why, what is missing, and the disclaimer."""
    parts = [f"{recommendation_line(result, code=False)}.", RECOMMENDATIONS[result.recommendation].meaning]
    if because := because_line(result):
        parts.append(because)
    if result.missing_required:
        missing = ", ".join(short_label(f) for f in result.missing_required)
        parts.append(f"{missing_heading(result.recommendation)}: {missing}.")
    return " ".join([*parts, DISCLAIMER])


def _findings(result: Result) -> list[dict[str, Any]]:
    """A finding per discussion point: the point's code and text, its source and the answers behind it."""
    return [
        {
            "itemCodeableConcept": {
                "coding": [{"system": POINT_SYSTEM, "code": p.code, "display": p.text}],
                "text": p.text,
            },
            "basis": p.source + (f"; because {reasons_text(p.because)}" if p.because else ""),
        }
        for p in result.discussion_points
    ]


def _flag_findings(result: Result) -> list[dict[str, Any]]:
    """A finding per other guidance flag, after the points' and in a code system of its own: the flag's
    code and text, and as its basis the heading, its sources in words and the answers behind it."""
    return [
        {
            "itemCodeableConcept": {
                "coding": [{"system": FLAG_SYSTEM, "code": f.code, "display": f.text}],
                "text": f.text,
            },
            "basis": f"{GUIDANCE_HEADING}: {sources_words(f.sources)}"
            + (f"; because {reasons_text(f.because)}" if f.because else ""),
        }
        for f in result.other_guidance
    ]


def _notes(result: Result) -> list[dict[str, str]]:
    """Each point's statement quoted, then each flag's sources: a seed statement quoted, a guidance source
    as other-guidance.md paraphrases it, with where it is."""
    notes = [
        {"text": f'{p.code} ({p.source}): "{SEED_STATEMENTS[p.source]}"'} for p in result.discussion_points
    ]
    for flag in result.other_guidance:
        for source in flag.sources:
            found = GUIDANCE_SOURCES.get(source)
            said = f"{found.where}: {found.says}" if found else f'"{SEED_STATEMENTS[source]}"'
            notes.append({"text": f"{flag.code} ({source}): {said}"})
    return notes


def _made(stored: Mapping[str, Any]) -> str:
    """How a result was made, by whom and why: `Amended by Dr Lee: seizure history found`."""
    words = _MADE.get(stored["kind"], str(stored["kind"]))
    by = f" by {stored['by']}" if stored.get("by") else ""
    why = f": {stored['reason']}" if stored.get("reason") else ""
    return f"{words}{by}{why}"


def clinical_impression(view: CaseView, stored: Mapping[str, Any], previous: str | None = None) -> dict:
    """One stored result as a ClinicalImpression: `summary` in words, a `finding` per discussion point
    then per other guidance flag (every flag stored: a receiver filters by its sources), each point's
    statement and each flag's sources as a `note`, the seed's DOI as `protocol`, the QuestionnaireResponse
    as `supportingInfo`; `previous` the impression of the result before it. A void case's results are
    entered-in-error."""
    result = Result.from_dict(stored["result"])
    resource: dict[str, Any] = {
        "resourceType": "ClinicalImpression",
        "id": resource_id(view.ref, "result", stored["id"]),
        "status": "entered-in-error" if view.status == "void" else "completed",
        "code": {"text": "ITB screening referral decision support"},
        "description": _made(stored),
        "subject": {"type": "Patient", "display": f"The patient screened as case {view.ref}"},
        "effectiveDateTime": fhir_datetime(stored["at"]),
        "date": fhir_datetime(stored["at"]),
        "protocol": [PROTOCOL],
        "summary": _summary(result),
        "supportingInfo": [_ref(resource_id(view.ref), "QuestionnaireResponse")],
    }
    if stored.get("by"):
        resource["assessor"] = {"display": stored["by"]}
    if previous:
        resource["previous"] = _ref(previous, "ClinicalImpression")
    if findings := [*_findings(result), *_flag_findings(result)]:
        resource["finding"] = findings
        resource["note"] = _notes(result)
    return resource


def clinical_impressions(view: CaseView) -> list[dict]:
    """A ClinicalImpression per stored result of the case, oldest first, each naming the one before."""
    out: list[dict] = []
    for stored in view.results:
        out.append(clinical_impression(view, stored, out[-1]["id"] if out else None))
    return out


def _agents(event: CaseEvent) -> list[dict[str, Any]]:
    """Who: the member who amended or voided it (author); a hand-off's giver (performer) and receiver,
    who holds the case from then on (custodian)."""

    def agent(code: str, who: str) -> dict[str, Any]:
        kind = {"coding": [{"system": _PARTICIPANT, "code": code}]}
        return {"type": kind, "who": {"display": who or "unknown"}}

    if event.kind == "handoff":
        return [agent("performer", event.by), agent("custodian", event.to)]
    return [agent("author", event.by)]


def provenance(view: CaseView, event: CaseEvent) -> dict:
    """One amendment, hand-off or voiding as a Provenance of the case's QuestionnaireResponse (and, for
    an amendment, of the result it made): who, when (`occurredDateTime`, `recorded`) and why (`reason`:
    the reason typed; for a hand-off, to whom)."""
    words, operation = _EVENTS[event.kind]
    coding = [{"system": CASE_EVENT_SYSTEM, "code": event.kind, "display": words}]
    if operation:
        coding.append({"system": _DATA_OPERATION, "code": operation[0], "display": operation[1]})
    why = event.reason or f"Handed from {event.by} to {event.to} to carry on the screening"
    targets = [_ref(resource_id(view.ref), "QuestionnaireResponse")]
    made = next((r for r in view.results if r["kind"] == "amend" and r["at"] >= event.at), None)
    if event.kind == "amend" and made is not None:
        targets.append(_ref(resource_id(view.ref, "result", made["id"]), "ClinicalImpression"))
    return {
        "resourceType": "Provenance",
        "id": resource_id(view.ref, "event", event.kind, event.at),
        "target": targets,
        "occurredDateTime": fhir_datetime(event.at),
        "recorded": fhir_datetime(event.at),
        "activity": {"coding": coding, "text": words},
        "reason": [{"text": why}],
        "agent": _agents(event),
    }


def case_provenances(view: CaseView) -> list[dict]:
    """A Provenance per amendment, hand-off and voiding of the case, oldest first."""
    return [provenance(view, e) for e in view.events if e.kind in _EVENTS]
