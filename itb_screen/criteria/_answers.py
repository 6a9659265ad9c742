"""Checking a set of answers against the catalogue: one readable error per bad value."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

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


def _refused(question: Question, value: object, reason: str) -> AnswerError:
    """The error for a value `question` does not allow (its message is built only when one is refused)."""
    return AnswerError(question.field, value, question.allowed(), reason)


def check_value(question: Question, value: object) -> Value:
    """Return the answer in its stored form (many-choice in catalogue order) or raise AnswerError."""
    return _CHECKS[question.kind](question, value)


def _check_number(question: Question, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refused(question, value, "not a whole number")
    if not question.minimum <= value <= question.maximum:  # type: ignore[operator]
        raise _refused(question, value, "out of range")
    return value


def _check_one(question: Question, value: object) -> str:
    if not isinstance(value, str):
        raise _refused(question, value, "expected one code as a string")
    if value not in question.code_set:
        raise _refused(question, value, "unknown code")
    return value


def _check_many(question: Question, value: object) -> tuple[str, ...]:
    """A list of distinct codes of the question (an exclusive code alone), in catalogue order: the one
    test every valid answer passes, before `_refuse_many` finds what is wrong with any other."""
    chosen = None
    if isinstance(value, (list, tuple)) and value:
        try:
            chosen = set(value)
        except TypeError:  # an unhashable item: no code
            pass
    exclusive = question.exclusive_code
    if (
        chosen is None
        or len(chosen) != len(value)  # type: ignore[arg-type]
        or not chosen <= question.code_set
        or (exclusive and exclusive in chosen and len(chosen) > 1)
    ):
        _refuse_many(question, value)
    assert chosen is not None
    return tuple(sorted(chosen, key=question.position.__getitem__))  # in catalogue order


_CHECKS: dict[str, Callable[[Question, object], Value]] = {
    "number": _check_number,
    "one": _check_one,
    "many": _check_many,
}


def _refuse_many(question: Question, value: object) -> None:
    """Raise the AnswerError that says what is wrong with a many-choice answer `_check_many` refused."""
    if not isinstance(value, (list, tuple)):
        raise _refused(question, value, "expected a list")
    if not value:
        raise _refused(question, value, "empty list")
    for code in value:
        if not isinstance(code, str) or code not in question.code_set:
            raise _refused(question, value, f"unknown code {json.dumps(code)}")
    if len(set(value)) != len(value):
        raise _refused(question, value, "a code is listed twice")
    raise _refused(question, value, f"{question.exclusive_code} excludes the other codes")


#: Each one-choice field's codes ("unknown" left out: it leaves a question unanswered): the common
#: answer, one code as a string, is checked with one lookup.
_ONE_CODES = {q.field: q.code_set - {UNKNOWN} for q in QUESTIONS if q.kind == "one"}


def validate_answers(raw: object) -> Answers:
    """Check one case's answers (a JSON object keyed by field code).

    An absent key, JSON null or "unknown" leaves a question unanswered. Returns only the answered fields.
    """
    if type(raw) is not dict and not isinstance(raw, Mapping):  # a dict, as JSON gives, checked first
        raise AnswerError("(case)", raw, "a JSON object of answers keyed by field code")
    answers: Answers = {}
    for key, value in raw.items():
        codes = _ONE_CODES.get(key)
        if codes is not None and type(value) is str and value in codes:
            answers[key] = value
            continue
        question = QUESTIONS_BY_FIELD.get(key)
        if question is None:
            raise AnswerError(
                str(key), value, "field codes " + ", ".join(q.field for q in QUESTIONS), "unknown field"
            )
        if value is None or value == UNKNOWN:
            continue
        answers[key] = _CHECKS[question.kind](question, value)
    return answers


def to_json_value(value: Value) -> object:
    """The JSON form of a stored answer (many-choice tuples become lists)."""
    return list(value) if isinstance(value, tuple) else value
