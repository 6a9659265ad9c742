"""The questionnaire and its cases as REDCap takes them: a data dictionary its upload accepts and records
its Data Import Tool accepts with that dictionary.

Everything is derived from the catalogue (fields, wording, choices, ranges, required fields and the skip
logic as branching logic), the recommendations, the discussion points and the other guidance flags, so
nothing here lists a question. Pure functions: no database, no clock. The project's own dictionary
(`itb-screen dictionary --format csv`) is `dictionary.py`; this is the file REDCap's upload takes as it is.

Codes: REDCap raw choice codes may be letters, digits and `_`; the catalogue's, the recommendations', the
points' and the flags' codes are lower-case identifiers already (the catalogue refuses anything else), so
they are used unchanged (no mapping) and an exported case goes back into `itb-screen evaluate` as it is. A
code that REDCap would not take fails this module's import instead of making a file REDCap refuses.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import TextIO

from ..criteria import (
    FLAGS,
    GUIDANCE_VERSION,
    POINTS,
    QUESTIONS,
    RECOMMENDATIONS,
    REQUIRED_FIELDS,
    UNKNOWN,
    Question,
    sources_words,
)
from ..storage import STATUSES
from .dictionary import FORM_NAME, branching_logic
from .listing import handoffs_cell
from .summary import status_words

__all__ = [
    "COMPLETE",
    "DICTIONARY_COLUMNS",
    "DICTIONARY_HEADER",
    "MISSING_DATA_CODES",
    "RECORD_ID",
    "RESULT_FIELDS",
    "UNK",
    "checkbox_column",
    "complete_status",
    "missing_data_codes",
    "project_settings",
    "choices",
    "record_columns",
    "redcap_dictionary_csv",
    "redcap_dictionary_rows",
    "redcap_record",
    "redcap_records_csv",
    "write_redcap_records",
]

#: The data dictionary's 18 columns, in REDCap's order: (API metadata name, CSV header). The headers are
#: those REDCap writes in "Download the current Data Dictionary" (Project Setup > Data Dictionary) and
#: expects on upload; the names are those of the API's "Export Metadata" (REDCap API documentation).
DICTIONARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("field_name", "Variable / Field Name"),
    ("form_name", "Form Name"),
    ("section_header", "Section Header"),
    ("field_type", "Field Type"),
    ("field_label", "Field Label"),
    ("select_choices_or_calculations", "Choices, Calculations, OR Slider Labels"),
    ("field_note", "Field Note"),
    ("text_validation_type_or_show_slider_number", "Text Validation Type OR Show Slider Number"),
    ("text_validation_min", "Text Validation Min"),
    ("text_validation_max", "Text Validation Max"),
    ("identifier", "Identifier?"),
    ("branching_logic", "Branching Logic (Show field only if...)"),
    ("required_field", "Required Field?"),
    ("custom_alignment", "Custom Alignment"),
    ("question_number", "Question Number (surveys only)"),
    ("matrix_group_name", "Matrix Group Name"),
    ("matrix_ranking", "Matrix Ranking?"),
    ("field_annotation", "Field Annotation"),
)
DICTIONARY_HEADER: tuple[str, ...] = tuple(header for _, header in DICTIONARY_COLUMNS)

#: The record's first field: REDCap's record identifier, here the case reference (never a patient's).
RECORD_ID = "record_id"

#: The fields after the questions: what ITB Screen stored, read-only in REDCap.
RESULT_FIELDS = (
    "case_status",
    "recommendation",
    "discussion_points",
    "missing_required",
    "criteria_version",
    "other_guidance",
    "guidance_version",
    "result_at",
    "handoffs",
    "amended",
    "amendment_reason",
    "amended_at",
    "void",
    "void_reason",
)

#: REDCap's missing data code for "the clinician does not know" (an answer `unknown`), as REDCap's own
#: list of suggested codes names it. Declared for the project (`project_settings`: Project Setup >
#: Additional customizations > Missing Data Codes, or the API's Import Project Info); the result
#: fields and the record id refuse it (`@NOMISSING`), so it can stand only in a question's field.
UNK = "UNK"
MISSING_DATA_CODES: tuple[tuple[str, str], ...] = ((UNK, "Unknown"),)

#: The form's completion field REDCap adds to every instrument (`<form>_complete`: 0 Incomplete,
#: 1 Unverified, 2 Complete): not a dictionary row, but a column its Data Import Tool takes.
COMPLETE = f"{FORM_NAME}_complete"

#: REDCap variable names and raw choice codes as this module writes them.
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TYPE = {"number": "text", "one": "radio", "many": "checkbox"}
_RESULT_SECTION = "Result stored by ITB Screen (read only)"
_READ_ONLY = "@READONLY @NOMISSING"
_UNK_NOTE = f"{UNK}: the clinician does not know; blank: not answered."
_FLAGS = (
    "Flag codes, comma-separated: " + "; ".join(f"{f.code} ({', '.join(f.sources)})" for f in FLAGS) + "."
)
_GUIDANCE_VERSION_NOTE = f"{GUIDANCE_VERSION} or later; blank for a result stored before the flags existed."


def _check_codes() -> None:
    """Refuse, at import, a code or name REDCap would not take as a raw value or variable name."""
    names = [RECORD_ID, *RESULT_FIELDS, *(q.field for q in QUESTIONS)]
    codes = [*(o.code for q in QUESTIONS for o in q.options), *RECOMMENDATIONS, *(p.code for p in POINTS)]
    codes += [f.code for f in FLAGS]  # written into a notes field, kept to the same alphabet
    codes += list(STATUSES)
    for name in names + codes:
        if not _NAME.match(name) or len(name) > 100:
            raise ValueError(f"{name!r} is not a REDCap variable name or raw choice code")
    if len(set(names + [COMPLETE])) != len(names) + 1:
        raise ValueError("a result field has the name of a question or of the form's completion field")
    # A missing data code must differ from every choice code, also as a checkbox column's suffix.
    if {c.lower() for c, _ in MISSING_DATA_CODES} & {c.lower() for c in codes}:
        raise ValueError("a missing data code is also a choice code")


_check_codes()


def checkbox_column(field: str, code: str) -> str:
    """The column REDCap gives one option of a checkbox field: `field___code` (code lower-cased, anything
    but a letter or digit as `_`)."""
    return f"{field}___{re.sub(r'[^a-z0-9]', '_', code.lower())}"


def _choices(pairs: Iterable[tuple[str, str]]) -> str:
    """REDCap's choices cell: `code, Label | code, Label`."""
    return " | ".join(f"{code}, {label}" for code, label in pairs)


def choices(row: Mapping[str, str]) -> list[tuple[str, str]]:
    """A dictionary row's choices as (code, label) pairs, parsed back as REDCap does."""
    cell = row["select_choices_or_calculations"]
    if row["field_type"] not in ("radio", "checkbox", "dropdown") or not cell:
        return []
    pairs = [choice.split(",", 1) for choice in cell.split("|")]
    return [(code.strip(), label.strip()) for code, label in pairs]


def _row(field: str, field_type: str, label: str, **cells: str) -> dict[str, str]:
    """One dictionary row: every column, blank unless given."""
    row = dict.fromkeys((name for name, _ in DICTIONARY_COLUMNS), "")
    row.update(field_name=field, form_name=FORM_NAME, field_type=field_type, field_label=label, **cells)
    return row


def _annotation(question: Question) -> str:
    """What a question serves, for the record: the seed statements, or a follow-up's guidance sources in
    words (`US label L2`), then what UNK means."""
    if question.from_guidance:
        return f"Sources: {sources_words(question.serves)} (other-guidance.md). {_UNK_NOTE}"
    return f"Seed statements: {' '.join(question.serves)}. {_UNK_NOTE}"


def _question_row(question: Question, first: bool) -> dict[str, str]:
    """A question's row; its skip rule as branching logic, `[age_years] < 18` (REDCap evaluates it false
    while the age is blank, so a blank age hides the question as the catalogue does) or
    `[primary_condition] = 'spinal_cord_injury'`."""
    number = question.kind == "number"
    return _row(
        question.field,
        _TYPE[question.kind],
        question.text,
        section_header="Screening questions" if first else "",
        select_choices_or_calculations=_choices((o.code, o.label) for o in question.options),
        field_note=question.hint,
        text_validation_type_or_show_slider_number="integer" if number else "",
        text_validation_min=str(question.minimum) if number else "",
        text_validation_max=str(question.maximum) if number else "",
        branching_logic=branching_logic(question, blank_check=False),
        required_field="y" if question.field in REQUIRED_FIELDS else "",
        question_number=question.tag,
        field_annotation=_annotation(question),
    )


def _result_rows() -> list[dict[str, str]]:
    """The result's fields, in RESULT_FIELDS order, read-only."""
    statuses = _choices((s, status_words(s)) for s in STATUSES)
    recommendations = _choices((r.code, r.title) for r in RECOMMENDATIONS.values())
    points = _choices((p.code, p.text) for p in POINTS)
    rows = [
        _row("case_status", "radio", "Case status", select_choices_or_calculations=statuses),
        _row("recommendation", "radio", "Recommendation", select_choices_or_calculations=recommendations),
        _row("discussion_points", "checkbox", "Points to discuss", select_choices_or_calculations=points),
        _row(
            "missing_required",
            "notes",
            "Required answers missing",
            field_note="Field codes, comma-separated.",
        ),
        _row("criteria_version", "text", "Criteria version"),
        _row("other_guidance", "notes", "Other guidance to check (US label, NICE CG145)", field_note=_FLAGS),
        _row("guidance_version", "text", "Other guidance version", field_note=_GUIDANCE_VERSION_NOTE),
        _row("result_at", "text", "When the result was stored (UTC)"),
        _row(
            "handoffs",
            "notes",
            "Hand-offs",
            field_note="Who handed the case to whom, when (UTC), oldest first: A -> B (date); B -> C (date).",
        ),
        *_correction_rows(),
    ]
    rows[0]["section_header"] = _RESULT_SECTION
    for row in rows:
        row["field_annotation"] = _READ_ONLY
        if row["field_name"] in ("result_at", "amended_at"):
            row["text_validation_type_or_show_slider_number"] = "datetime_seconds_ymd"
    return rows


def _correction_rows() -> list[dict[str, str]]:
    """What the team corrected: amended (yes/no), the latest amendment's reason and time, void and why."""
    return [
        _row("amended", "yesno", "Amended after it was confirmed"),
        _row("amendment_reason", "notes", "Why it was amended (the latest amendment)"),
        _row("amended_at", "text", "When it was last amended (UTC)"),
        _row("void", "yesno", "Void (opened by mistake)"),
        _row("void_reason", "notes", "Why it was voided"),
    ]


def redcap_dictionary_rows() -> list[dict[str, str]]:
    """The data dictionary: `record_id` (the case reference), one row per question in catalogue order,
    then the result's fields. Keys are the API metadata names of DICTIONARY_COLUMNS, in that order."""
    record_id = _row(
        RECORD_ID,
        "text",
        "Case reference",
        field_note="The case reference used in ITB Screen; never a patient's name, birth date or number.",
        field_annotation="@NOMISSING",
    )
    questions = [_question_row(q, i == 0) for i, q in enumerate(QUESTIONS)]
    return [record_id, *questions, *_result_rows()]


def redcap_dictionary_csv() -> str:
    """The dictionary as the CSV file REDCap's Data Dictionary upload takes: its 18 headers, then the rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(DICTIONARY_HEADER)
    writer.writerows([row[name] for name, _ in DICTIONARY_COLUMNS] for row in redcap_dictionary_rows())
    return out.getvalue()


def record_columns() -> list[str]:
    """The records' columns: each dictionary field in order, a checkbox as one `field___code` per option
    (and per missing data code where the field takes them, as REDCap exports it: `goals___unk`), then the
    form's completion field."""
    return list(_record_columns())


@cache
def _record_columns() -> tuple[str, ...]:
    """`record_columns`, worked out from the dictionary once (every record is keyed by them)."""
    columns = []
    for row in redcap_dictionary_rows():
        if row["field_type"] == "checkbox":
            codes = [code for code, _ in choices(row)]
            if "@NOMISSING" not in row["field_annotation"]:
                codes += [code for code, _ in MISSING_DATA_CODES]
            columns += [checkbox_column(row["field_name"], code) for code in codes]
        else:
            columns.append(row["field_name"])
    return (*columns, COMPLETE)


def missing_data_codes() -> str:
    """The project's missing data codes as REDCap's setting holds them: `UNK, Unknown` (one `code, label`
    per line in Additional customizations; ` | ` between them in the API's project info)."""
    return " | ".join(f"{code}, {label}" for code, label in MISSING_DATA_CODES)


def project_settings() -> dict[str, str]:
    """What the project needs beside the dictionary, as the API's Import Project Info takes it."""
    return {"missing_data_codes": missing_data_codes()}


def complete_status(status: str) -> str:
    """The form's completion status: 2 (Complete) for a confirmed case, else 0 (Incomplete)."""
    return "2" if status == "done" else "0"


def _stamp(stamp: str | None) -> str:
    """An ISO 8601 stamp as REDCap's datetime_seconds_ymd, `2026-11-29 04:38:21`, in UTC."""
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _ticks(field: str, codes: Iterable[str], chosen: Iterable[str]) -> dict[str, str]:
    """A checkbox field's 0/1 columns (REDCap writes 0 for every unticked option)."""
    picked = set(chosen)
    return {checkbox_column(field, code): "1" if code in picked else "0" for code in codes}


def _answer_cells(question: Question, value: object) -> dict[str, str]:
    """One question's cells: the answer, UNK for an answer `unknown` (a checkbox ticks its `___unk`
    column), blank for a question skipped, never asked or no longer asked."""
    unknown = value == UNKNOWN
    if question.kind == "many":
        chosen = () if unknown or not isinstance(value, (list, tuple)) else value
        cells = _ticks(question.field, question.codes, chosen)
        cells[checkbox_column(question.field, UNK)] = "1" if unknown else "0"
        return cells
    return {question.field: UNK if unknown else "" if value is None else str(value)}


def _correction_cells(record: Mapping) -> dict[str, str]:
    return {
        "amended": "1" if record.get("amended") else "0",
        "amendment_reason": record.get("amendment_reason") or "",
        "amended_at": _stamp(record.get("amended_at")),
        "void": "1" if record.get("void") else "0",
        "void_reason": record.get("void_reason") or "",
        COMPLETE: complete_status(record["status"]),
    }


def redcap_record(record: Mapping) -> dict[str, str]:
    """One case (a `listing.case_records` record) as a REDCap record, keyed by `record_columns()`.

    Answers are those the rules see (a question no longer asked is left blank, as its branching hides
    it); an unanswered question is blank, one the clinician does not know is UNK.
    """
    answers = record["answers"]
    row = {RECORD_ID: record["ref"]}
    for q in QUESTIONS:
        row.update(_answer_cells(q, answers.get(q.field)))
    result = record["result"] or {}
    row["case_status"] = record["status"]
    row["recommendation"] = result.get("recommendation", "")
    chosen = (p["code"] for p in result.get("discussion_points", []))
    row.update(_ticks("discussion_points", (p.code for p in POINTS), chosen))
    row["missing_required"] = ", ".join(result.get("missing_required", []))
    row["criteria_version"] = result.get("criteria_version", "")
    row["other_guidance"] = ", ".join(f["code"] for f in result.get("other_guidance", []))
    row["guidance_version"] = result.get("guidance_version") or ""
    row["result_at"] = _stamp(record["result_at"])
    row["handoffs"] = handoffs_cell(record.get("handoffs") or (), _stamp)
    row.update(_correction_cells(record))
    return {column: row[column] for column in _record_columns()}


def redcap_records_csv(records: Iterable[Mapping]) -> str:
    """The cases as the CSV REDCap's Data Import Tool takes (records in rows, `record_id` first)."""
    out = io.StringIO()
    write_redcap_records(records, out)
    return out.getvalue()


def write_redcap_records(records: Iterable[Mapping], out: TextIO) -> int:
    """`redcap_records_csv` written to `out` row by row, as each record is read; how many rows."""
    writer = csv.DictWriter(out, fieldnames=_record_columns())
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(redcap_record(record))
        count += 1
    return count
