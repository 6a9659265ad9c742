"""Short labels of the fields, for people: `Age: 45 years` in summaries, `show` and lists of fields.

A question's own sentence is too long to label an answer with, and a field code (`age_years`) is an
internal name that stays in JSON, CSV and FHIR. One label per field, checked against the catalogue when
this module is imported, so a question added without a label fails at start-up.
"""

from __future__ import annotations

from ._catalogue import FIELDS

SHORT_LABELS: dict[str, str] = {
    "age_years": "Age",
    "primary_condition": "Condition",
    "disease_course": "Course",
    "interference": "Interference",
    "ambulatory": "Walks (ambulatory)",
    "growth_complications": "Growth problems",
    "prior_treatments": "Prior treatments",
    "cognitive_impairment": "Cognition impaired",
    "baclofen_reaction": "Baclofen reaction",
    "active_infection": "Active infection",
    "goals": "Goals",
    "goals_realistic": "Goals realistic",
    "mental_health": "Mental health",
    "psychosocial_compliance_concerns": "Psychosocial concerns",
    "financial_burden": "Financial burden",
    "hydrocephalus_shunt": "Hydrocephalus shunt",
    "seizures": "Seizures",
    "abdominal_pelvic_surgery": "Abdominal/pelvic surgery",
}


def _check_labels(labels: dict[str, str], fields: tuple[str, ...]) -> None:
    """Every field of the catalogue has exactly one non-empty label, and no two labels are alike."""
    missing = [f for f in fields if f not in labels]
    extra = [f for f in labels if f not in fields]
    if missing or extra:
        raise ValueError(f"short labels must cover the catalogue's fields exactly: missing {missing}, "
                         f"not fields {extra}")
    blank = [f for f, label in labels.items() if not label.strip()]
    if blank:
        raise ValueError(f"empty short labels: {blank}")
    folded = [label.casefold() for label in labels.values()]
    if len(set(folded)) != len(folded):
        raise ValueError("two fields have the same short label")


_check_labels(SHORT_LABELS, FIELDS)


def short_label(field: str) -> str:
    """The short label of a field code: `age_years` -> `Age`. KeyError for a field not in the catalogue."""
    return SHORT_LABELS[field]
