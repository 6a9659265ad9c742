"""From answers to a result: pure, no I/O."""

from __future__ import annotations

from ._answers import Answers
from ._catalogue import QUESTIONS_BY_FIELD, asked_questions
from ._points import NOT_CANDIDATE, POINTS
from ._result import DiscussionPoint, Result
from ._rules import REQUIRED_FIELDS, decide
from ._version import CRITERIA_VERSION


def applicable(answers: Answers) -> Answers:
    """The answers the rules see: an answer to a question no longer asked is ignored.

    (An age changed to 18 or over drops `growth_complications`; it stays in the history.)
    """
    return {f: v for f, v in answers.items() if QUESTIONS_BY_FIELD[f].is_asked(answers)}


def unanswered(answers: Answers) -> tuple[str, ...]:
    """Questions asked for these answers (skip logic applied) that have no answer, in order."""
    return tuple(q.field for q in asked_questions(answers) if q.field not in answers)


def evaluate(answers: Answers) -> Result:
    """Evaluate validated answers (see `validate_answers`) with the rules and points of the spec."""
    answers = applicable(answers)
    rule, because = decide(answers)
    candidate = rule.recommendation not in NOT_CANDIDATE
    points = []
    for point in POINTS:
        if point.kind == "candidate" and not candidate:
            continue
        reasons = point.trigger(answers)
        if reasons is not None:
            points.append(DiscussionPoint(point.code, point.text, point.source, reasons))
    return Result(
        recommendation=rule.recommendation,
        recommendation_sources=rule.sources,
        because=because,
        discussion_points=tuple(points),
        missing_required=tuple(f for f in REQUIRED_FIELDS if f not in answers),
        unanswered=unanswered(answers),
        criteria_version=CRITERIA_VERSION,
    )
