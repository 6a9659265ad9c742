"""What every FHIR resource this project writes shares: the base of the URLs it mints, its identifier
and code systems, stable resource ids, and FHIR's dateTime from a stored stamp."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from ..criteria import GUIDANCE_SOURCES, SEED_STATEMENTS

#: The base of every URL this project mints. A placeholder domain: stable, never dereferenced.
FHIR_BASE = "https://itb-screen.example/fhir"
QUESTIONNAIRE_ID = "itb-screen"
QUESTIONNAIRE_URL = f"{FHIR_BASE}/Questionnaire/{QUESTIONNAIRE_ID}"
#: The identifier system of case references.
CASE_REF_SYSTEM = f"{FHIR_BASE}/case-ref"
#: The code system of the seed statements S1..S13 that each question serves.
SEED_STATEMENT_SYSTEM = f"{FHIR_BASE}/CodeSystem/seed-statement"
#: The code system of the other guidance's sources (other-guidance.md: the US label L1..L4, NICE N1..N4),
#: which the follow-up questions serve and the flags cite.
GUIDANCE_SOURCE_SYSTEM = f"{FHIR_BASE}/CodeSystem/guidance-source"


def source_coding(source: str) -> dict[str, Any]:
    """A seed statement (`S3`) or a guidance source (`L3`) as a Coding of its system, what it says shown."""
    if source in SEED_STATEMENTS:
        return {"system": SEED_STATEMENT_SYSTEM, "code": source, "display": SEED_STATEMENTS[source]}
    found = GUIDANCE_SOURCES[source]
    return {"system": GUIDANCE_SOURCE_SYSTEM, "code": source, "display": f"{found.where}: {found.says}"}


def fhir_datetime(stamp: str) -> str:
    """An ISO 8601 stamp as a FHIR dateTime: `T` separator and a zone (storage writes UTC)."""
    if len(stamp) == 10:  # a bare date is a valid dateTime as it is
        datetime.strptime(stamp, "%Y-%m-%d")
        return stamp
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def resource_id(ref: str, *parts: object) -> str:
    """A stable resource id from the case ref and what tells one of its resources from another (refs may
    hold `_`, which FHIR ids may not)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([f"{CASE_REF_SYSTEM}/{ref}", *map(str, parts)])))


def full_url(resource: dict) -> str:
    """The Bundle entry's fullUrl of a resource with a uuid id, which references inside the Bundle use."""
    return f"urn:uuid:{resource['id']}"
