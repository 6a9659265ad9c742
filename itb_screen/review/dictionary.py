"""The project's own data dictionary (`itb-screen dictionary --format csv` or `json`): one row per question
in catalogue order, the follow-ups of the other guidance included with their condition and sources, then
one row per field of the result `itb-screen evaluate` returns, the other guidance flags with their sources.

REDCap-style (API metadata names), with columns of its own for reading rather than uploading: the seed
statements, the short forms and words the bot reads, when a question is asked and the guidance sources.
`redcap.py` makes the file REDCap's upload takes. Pure functions of the catalogue and the criteria.
"""

from __future__ import annotations

import csv
import io

from ..criteria import (
    CRITERIA_VERSION,
    FLAGS,
    GUIDANCE_VERSION,
    POINTS,
    QUESTIONS,
    RECOMMENDATIONS,
    REQUIRED_FIELDS,
    RULES,
    Question,
)

__all__ = [
    "DATA_DICTIONARY_COLUMNS",
    "FORM_NAME",
    "RESULT_ROWS",
    "branching_logic",
    "data_dictionary_csv",
    "data_dictionary_rows",
]

#: The REDCap instrument the questionnaire becomes.
FORM_NAME = "itb_screening"

#: REDCap data dictionary columns (API metadata names), plus `seed_statements` for traceability and
#: `short_forms`: what the bot also reads for each code (`multiple_sclerosis: MS`), so a site that builds its
#: own form or audits a transcript sees which typed words became which code; `words_read`: the longer
#: phrases of notes it reads in a sentence (`spastic diplegia`, `walks with frame`); `asked_when`: the
#: catalogue's condition as other-guidance.md writes it (`seizures = yes`); `guidance_sources`: the label's
#: and NICE's sources a follow-up serves, or each flag's sources (`under_label_age: L1`).
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
    "asked_when",
    "guidance_sources",
)

_REDCAP_TYPE = {"number": "text", "one": "radio", "many": "checkbox"}

#: The result's fields, in `itb-screen evaluate`'s order: (field, type, label, note).
RESULT_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("recommendation", "radio", "Recommendation", "The first rule that holds decides."),
    ("discussion_points", "checkbox", "Points to discuss", "In the spec's order."),
    ("missing_required", "notes", "Required answers missing", "Field codes."),
    ("unanswered", "notes", "Questions asked and unanswered", "Field codes."),
    ("criteria_version", "text", "Criteria version", f"The consensus rules' version: {CRITERIA_VERSION}."),
    (
        "other_guidance",
        "checkbox",
        "Other guidance to check",
        "The US label's and NICE's checks (other-guidance.md), in its order: shown apart from the "
        "recommendation, which they never change.",
    ),
    (
        "guidance_version",
        "text",
        "Other guidance version",
        f"The flags' rules' version: {GUIDANCE_VERSION}; empty for a result stored before the flags.",
    ),
)


def branching_logic(question: Question, blank_check: bool = True) -> str:
    """REDCap syntax for the catalogue's condition: `[age_years] < 18` (with `blank_check`, after
    `[age_years] <> '' and`: no age, no question), or `[primary_condition] = 'spinal_cord_injury'`."""
    when = question.asked_when
    if when is None:
        return ""
    if when.equals is not None:
        return f"[{when.field}] = '{when.equals}'"
    blank = f"[{when.field}] <> '' and " if blank_check else ""
    return f"{blank}[{when.field}] < {when.below}"


#: How many phrases a code lists in `words_read`: the times and cord levels are made by rule, thousands of
#: them (`less than 12 months`, `T7 or below`), which no spreadsheet cell holds (Excel's: 32,767 characters).
WORDS_LISTED = 40


def _words_read(question: Question) -> str:
    """`code: phrase, phrase | code: ...`: the longer phrases of notes and letters the reader also takes
    for each code (criteria/_vocabulary.py; diagnoses with their ICD-10-CM code), in catalogue order; past
    `WORDS_LISTED`, how many more."""
    by_code: dict[str, list[str]] = {}
    names = {(name, o.code) for o in question.options for name in (o.label, *o.aliases, *o.names())}
    for phrase, label in question.phrases():
        if label in question.codes and (phrase, label) not in names:
            by_code.setdefault(label, []).append(phrase)
    return " | ".join(f"{c}: {_listed(by_code[c])}" for c in question.codes if c in by_code)


def _listed(phrases: list[str]) -> str:
    unique = list(dict.fromkeys(phrases))
    more = len(unique) - WORDS_LISTED
    shown = ", ".join(unique[:WORDS_LISTED])
    return f"{shown} and {more:,} more (criteria/_vocabulary.py)" if more > 0 else shown


def _short_forms(question: Question) -> str:
    """`code: alias, alias | code: alias`, for the options that have short forms, in catalogue order."""
    return " | ".join(f"{o.code}: {', '.join(o.aliases)}" for o in question.options if o.aliases)


def _question_row(q: Question) -> dict[str, str]:
    number = q.kind == "number"
    guidance = q.from_guidance  # a follow-up serves the label's or NICE's sources, not the seed's
    return {
        "field_name": q.field,
        "form_name": FORM_NAME,
        "field_type": _REDCAP_TYPE[q.kind],
        "field_label": q.text,
        "choices": " | ".join(f"{o.code}, {o.label}" for o in q.options),
        "text_validation_type_or_show_slider_number": "integer" if number else "",
        "text_validation_min": str(q.minimum) if number else "",
        "text_validation_max": str(q.maximum) if number else "",
        "branching_logic": branching_logic(q),
        "required_field": "y" if q.field in REQUIRED_FIELDS else "",
        "field_note": q.hint,
        "seed_statements": "" if guidance else " ".join(q.serves),
        "short_forms": _short_forms(q),
        "words_read": _words_read(q) if not number else "",
        "asked_when": q.asked_when.describe() if q.asked_when else "",
        "guidance_sources": " ".join(q.serves) if guidance else "",
    }


def _result_cells(field: str) -> dict[str, str]:
    """A result field's choices and sources: each recommendation's rule and each point's statement (seed
    statements), each flag's sources (guidance sources, with S3 where a flag cites the consensus)."""
    if field == "recommendation":
        sources = {r.recommendation: " ".join(r.sources) for r in RULES}
        return {
            "choices": " | ".join(f"{r.code}, {r.title}" for r in RECOMMENDATIONS.values()),
            "seed_statements": " | ".join(f"{code}: {sources[code]}" for code in RECOMMENDATIONS),
        }
    if field == "discussion_points":
        return {
            "choices": " | ".join(f"{p.code}, {p.text}" for p in POINTS),
            "seed_statements": " | ".join(f"{p.code}: {p.source}" for p in POINTS),
        }
    if field == "other_guidance":
        return {
            "choices": " | ".join(f"{f.code}, {f.text}" for f in FLAGS),
            "guidance_sources": " | ".join(f"{f.code}: {', '.join(f.sources)}" for f in FLAGS),
        }
    return {}


def _result_row(field: str, field_type: str, label: str, note: str) -> dict[str, str]:
    row = dict.fromkeys(DATA_DICTIONARY_COLUMNS, "")
    row.update(field_name=field, form_name=FORM_NAME, field_type=field_type, field_label=label)
    row["field_note"] = f"Result (stored, read only). {note}"
    row.update(_result_cells(field))
    return row


def data_dictionary_rows() -> list[dict[str, str]]:
    """One row per question in catalogue order, so a site can collect the same data, then one per field
    of the result (`RESULT_ROWS`).

    Choice codes are the spec's codes (REDCap accepts lower-case letters, digits and `_`), so data exported
    from REDCap can be fed to `itb-screen evaluate` unchanged.
    """
    return [*(_question_row(q) for q in QUESTIONS), *(_result_row(*row) for row in RESULT_ROWS)]


def data_dictionary_csv() -> str:
    """The data dictionary as CSV text (RFC 4180: quoted where needed, CRLF line ends), header first."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=DATA_DICTIONARY_COLUMNS)
    writer.writeheader()
    writer.writerows(data_dictionary_rows())
    return out.getvalue()
