"""Short labels of the fields, for people: `Age: 45 years` in summaries, `show` and lists of fields.

A question's own sentence is too long to label an answer with, and a field code (`age_years`) is an
internal name that stays in JSON, CSV and FHIR. Each question declares its label (`short=`) in the
catalogue; they are checked when this module is imported, so a question added without one fails at
start-up.
"""

from __future__ import annotations

from ._catalogue import QUESTIONS

#: Field code -> short label, as declared beside each question in the catalogue.
SHORT_LABELS: dict[str, str] = {q.field: q.short for q in QUESTIONS}


def _check_labels(labels: dict[str, str]) -> None:
    """Every question has a non-empty label, and no two labels are alike."""
    blank = [f for f, label in labels.items() if not label.strip()]
    if blank:
        raise ValueError(f"questions without a short label: {blank}")
    folded = [label.casefold() for label in labels.values()]
    if len(set(folded)) != len(folded):
        raise ValueError("two fields have the same short label")


_check_labels(SHORT_LABELS)


def short_label(field: str) -> str:
    """The short label of a field code: `age_years` -> `Age`. KeyError for a field not in the catalogue."""
    return SHORT_LABELS[field]
