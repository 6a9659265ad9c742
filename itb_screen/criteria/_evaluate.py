"""From answers to a result: pure, no I/O."""

from __future__ import annotations

from ._answers import Answers
from ._catalogue import asked_field_set, asked_questions
from ._points import NOT_CANDIDATE, POINTS, PointRule
from ._result import DiscussionPoint, Reason, Result
from ._rules import REQUIRED_FIELDS, decide
from ._version import CRITERIA_VERSION

#: The points emitted whatever the recommendation, in order (candidate points need a candidate).
_ALWAYS = tuple(point for point in POINTS if point.kind == "always")


def applicable(answers: Answers) -> Answers:
    """The answers the rules see: an answer to a question no longer asked is ignored.

    (An age changed to 18 or over drops `growth_complications`; it stays in the history.)
    """
    asked = asked_field_set(answers)
    if answers.keys() <= asked:  # the usual case: every answer is to a question asked
        return dict(answers)
    return {f: v for f, v in answers.items() if f in asked}


def unanswered(answers: Answers) -> tuple[str, ...]:
    """Questions asked for these answers (skip logic applied) that have no answer, in order."""
    if asked_field_set(answers) <= answers.keys():  # all answered
        return ()
    return tuple(q.field for q in asked_questions(answers) if q.field not in answers)


#: The discussion points made so far, by code and reasons. A point is a frozen value, so one serves every
#: result it is in; most are the same each time (`_points._when`), and a few vary with an answer (the age).
_MADE: dict[tuple[str, tuple[Reason, ...]], DiscussionPoint] = {}
_MADE_AT_MOST = 4096


def _point(rule: PointRule, reasons: tuple[Reason, ...]) -> DiscussionPoint:
    key = (rule.code, reasons)
    made = _MADE.get(key)
    if made is None:
        made = DiscussionPoint(rule.code, rule.text, rule.source, reasons)
        if len(_MADE) < _MADE_AT_MOST:
            _MADE[key] = made
    return made


def evaluate(answers: Answers) -> Result:
    """Evaluate validated answers (see `validate_answers`) with the rules and points of the spec."""
    answers = applicable(answers)
    rule, because = decide(answers)
    points = []
    for point in POINTS if rule.recommendation not in NOT_CANDIDATE else _ALWAYS:
        reasons = point.trigger(answers)
        if reasons is not None:
            points.append(_point(point, reasons))
    missing = tuple(f for f in REQUIRED_FIELDS if f not in answers)
    # Positional, in the order of Result's fields (a frozen dataclass is made faster so).
    return Result(
        rule.recommendation,
        rule.sources,
        because,
        tuple(points),
        missing,
        unanswered(answers),
        CRITERIA_VERSION,
    )
