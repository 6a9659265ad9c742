"""Checking a set of answers against the catalogue: one readable error per bad value."""

from __future__ import annotations

import json
from collections.abc import Mapping

from ._catalogue import QUESTIONS, QUESTIONS_BY_FIELD, Question

#: The answer that leaves a question unanswered ("don't know / skip").
UNKNOWN = "unknown"

Value = int | str | tuple[str, ...]
Answers = dict[str, Value]


class AnswerError(ValueError):
    """An answer that the catalogue does not allow; the message names field, value and what is allowed."""

    def __init__(self, field: str, value: object, allowed: str, reason: str = "") -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        shown = json.dumps(value) if _jsonable(value) else repr(value)
        why = f" ({reason})" if reason else ""
        super().__init__(f"{field}: {shown} is not allowed{why}; allowed: {allowed}")


def _jsonable(value: object) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def check_value(question: Question, value: object) -> Value:
    """Return the answer in its stored form (many-choice in catalogue order) or raise AnswerError."""
    allowed = question.allowed()
    if question.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int):
            raise AnswerError(question.field, value, allowed, "not a whole number")
        if not question.minimum <= value <= question.maximum:  # type: ignore[operator]
            raise AnswerError(question.field, value, allowed, "out of range")
        return value
    if question.kind == "one":
        if not isinstance(value, str):
            raise AnswerError(question.field, value, allowed, "expected one code as a string")
        if value not in question.codes:
            raise AnswerError(question.field, value, allowed, "unknown code")
        return value
    if not isinstance(value, (list, tuple)):
        raise AnswerError(question.field, value, allowed, "expected a list")
    if not value:
        raise AnswerError(question.field, value, allowed, "empty list")
    for code in value:
        if not isinstance(code, str) or code not in question.codes:
            raise AnswerError(question.field, value, allowed, f"unknown code {json.dumps(code)}")
    if len(set(value)) != len(value):
        raise AnswerError(question.field, value, allowed, "a code is listed twice")
    exclusive = question.exclusive_code
    if exclusive and exclusive in value and len(value) > 1:
        raise AnswerError(question.field, value, allowed, f"{exclusive} excludes the other codes")
    chosen = set(value)
    return tuple(code for code in question.codes if code in chosen)


def validate_answers(raw: object) -> Answers:
    """Check one case's answers (a JSON object keyed by field code).

    An absent key, JSON null or "unknown" leaves a question unanswered. Returns only the answered fields.
    """
    if not isinstance(raw, Mapping):
        raise AnswerError("(case)", raw, "a JSON object of answers keyed by field code")
    answers: Answers = {}
    for key, value in raw.items():
        question = QUESTIONS_BY_FIELD.get(key)
        if question is None:
            raise AnswerError(
                str(key), value, "field codes " + ", ".join(q.field for q in QUESTIONS), "unknown field"
            )
        if value is None or value == UNKNOWN:
            continue
        answers[key] = check_value(question, value)
    return answers


def to_json_value(value: Value) -> object:
    """The JSON form of a stored answer (many-choice tuples become lists)."""
    return list(value) if isinstance(value, tuple) else value
