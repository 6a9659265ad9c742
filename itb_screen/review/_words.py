"""What the review site shows a clinician, in words: recommendations, answers, fields, where a case waits,
how long, and times to the minute in the site's time zone.

Codes stay in the raw tables and the data formats (`.json`, `.csv`): these words are for the pages a
clinician reads (the team's pages and the canned queries' HTML, through Datasette's `render_cell`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..criteria import (
    QUESTIONS_BY_FIELD,
    RECOMMENDATIONS,
    Reason,
    position,
    reasons_text,
    short_label,
    value_label,
)
from .summary import status_words, when_words

#: How a stored result came to be made (results.kind), as the case page's history says it.
HOW = {"confirm": "confirmed", "amend": "amended", "reevaluate": "re-evaluated"}
#: An answer row's action (answers.action) in words.
ACTIONS = {
    "answer": "answered",
    "change": "changed",
    "skip": "skipped",
    "clear": "cleared",
    "unknown": "not known",
}
#: Who a transcript line is from (messages.direction).
DIRECTIONS = {"in": "typed", "out": "ITB Screen"}


def zone_of(name: str | None) -> tzinfo:
    """The time zone named in the site's settings (an IANA name); UTC for none or one not known here."""
    if not name or name.strip().upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def when(stamp: str | None, zone: tzinfo) -> str:
    """A stored time (UTC, ISO 8601) to the minute in the site's time zone: `2026-11-04 09:00 GMT`."""
    return when_words(stamp, zone)


def recommendation_words(code: str | None) -> str:
    """`Refer after team review` for `refer_after_review`; a code this version does not know, as it is."""
    return RECOMMENDATIONS[code].title if code in RECOMMENDATIONS else (code or "")


def field_words(field: str | None) -> str:
    """`9. Baclofen reaction`: a question by its number in the spec and its short label."""
    if field not in QUESTIONS_BY_FIELD:
        return field or ""
    return f"{QUESTIONS_BY_FIELD[field].tag}. {short_label(field)}"


def state_words(state: str | None, answers: Mapping[str, object] | None = None) -> str:
    """Where a case waits: `question 7 of 18`, `the review`, `its result` (as the chat says it: with the
    case's `answers`, the follow-ups asked for them are counted, `question 8 of 19`; without, the 18)."""
    if state in QUESTIONS_BY_FIELD:
        return "question {} of {}".format(*position(state, answers or {}))
    return {"review": "the review", "done": "its result", "choosing_case": "not started"}.get(state or "", "")


def where_words(state: str | None) -> str:
    """Where a case waits, when its answers are not at hand (a canned query's row): the question by its
    number in the spec and its label (`2b. Injury level`), for "question N of M" counts the follow-ups
    asked for the case's own answers, and a count without them would differ from the chat's."""
    return field_words(state) if state in QUESTIONS_BY_FIELD else state_words(state)


def _decoded(field: str, value: Any) -> Any:
    """A value as stored (JSON text) or as SQLite's json_extract gives it, as the criteria hold it."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            pass  # json_extract gives a code as bare text
    if isinstance(value, list):
        return tuple(value)
    if QUESTIONS_BY_FIELD[field].kind == "number" and isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def value_words(field: str | None, value: Any) -> str:
    """An answer in words (`Recorded allergy, not confirmed`); `no answer` for a skipped or cleared one."""
    if value is None:
        return "no answer"
    if field not in QUESTIONS_BY_FIELD:
        return str(value)
    try:
        return value_label(field, _decoded(field, value))
    except (KeyError, ValueError, TypeError):
        return str(value)  # an answer this version no longer offers: shown as stored


def why_words(recommendation: str | None, why: str | None) -> str:
    """The cases-needing-review query's `why` in words: the missing answers of an incomplete result
    (`Missing: Baclofen reaction, Active infection`), else the answers that made the rule hold
    (`field = value; ...`) as the criteria phrase them."""
    if not why:
        return ""
    if recommendation == "incomplete":
        return "Missing: " + ", ".join(
            short_label(f) if f in QUESTIONS_BY_FIELD else f for f in why.split(", ")
        )
    reasons = []
    for item in why.split("; "):
        field, _, raw = item.partition(" = ")
        if field not in QUESTIONS_BY_FIELD:
            return why
        reasons.append(Reason(field, _decoded(field, raw) if raw else None))
    text = reasons_text(tuple(reasons))
    return text[:1].upper() + text[1:]


def waited(now: datetime, since: str) -> str:
    """How long since a stored time, in words read at a glance: `3 days`, `5 hours`, `12 minutes`."""
    seconds = max(0, int((now - datetime.fromisoformat(since)).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return "under a minute"


#: The canned queries' columns of stored times.
TIME_COLUMNS = frozenset(
    {"at", "created_at", "updated_at", "result_at", "changed_at", "first_review_at", "voided_at", "sent_at"}
)


def cell_words(row: Any, column: str, value: Any, zone: tzinfo) -> str | None:
    """A canned query's cell in words, or None to leave it as it is (the reference links are the
    site's, `pages.py`)."""
    keys = row.keys() if hasattr(row, "keys") else ()
    if value is None:
        return None
    if column in TIME_COLUMNS:
        return when(str(value), zone)
    if column in ("recommendation", "last_recommendation"):
        return recommendation_words(value)
    if column == "why":
        return why_words(row["recommendation"] if "recommendation" in keys else None, value)
    if column in ("previous_value", "new_value") and "field" in keys:
        return value_words(row["field"], value)
    table: dict[str, Callable[[Any], str]] = {
        "field": field_words,
        "where": where_words,
        "status": status_words,
        "action": lambda v: ACTIONS.get(v, v),
        "kind": lambda v: HOW.get(v, v),
        "direction": lambda v: DIRECTIONS.get(v, v),
    }
    words = table.get(column)
    return words(value) if words else None
