"""From answers to a result: pure, no I/O."""

from __future__ import annotations

from ._answers import Answers
from ._catalogue import Question, asked_field_set, skip_logic
from ._guidance import raise_flags
from ._points import NOT_CANDIDATE, POINTS, PointRule
from ._result import DiscussionPoint, Reason, Result
from ._rules import REQUIRED_FIELDS, decide
from ._version import CRITERIA_VERSION, GUIDANCE_VERSION

_REQUIRED = frozenset(REQUIRED_FIELDS)

#: The points emitted whatever the recommendation, in order (candidate points need a candidate).
_ALWAYS = tuple(point for point in POINTS if point.kind == "always")


def applicable(answers: Answers) -> Answers:
    """The answers the rules and flags see: an answer to a question no longer asked is ignored.

    (An age changed to 18 or over drops `growth_complications`, a condition changed from spinal cord
    injury drops `sci_level_t6_or_above`; they stay in the history.)
    """
    asked = asked_field_set(answers)
    if answers.keys() <= asked:  # the usual case: every answer is to a question asked
        return dict(answers)
    return {f: v for f, v in answers.items() if f in asked}


def unanswered(answers: Answers) -> tuple[str, ...]:
    """Questions asked for these answers (skip logic applied) that have no answer, in order."""
    return _unanswered(answers, *skip_logic(answers))


def _unanswered(answers: Answers, questions: tuple[Question, ...], asked: frozenset[str]) -> tuple[str, ...]:
    if asked <= answers.keys():  # all answered
        return ()
    return tuple(q.field for q in questions if q.field not in answers)


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
    questions, asked = skip_logic(answers)
    if not answers.keys() <= asked:  # an answer to a question no longer asked: the rules ignore it
        answers = applicable(answers)
        questions, asked = skip_logic(answers)
    rule, because = decide(answers)
    points = []
    for point in POINTS if rule.recommendation not in NOT_CANDIDATE else _ALWAYS:
        reasons = point.trigger(answers)
        if reasons is not None:
            points.append(_MADE.get((point.code, reasons)) or _point(point, reasons))
    missing = () if answers.keys() >= _REQUIRED else tuple(f for f in REQUIRED_FIELDS if f not in answers)
    # Positional, in the order of Result's fields (a frozen dataclass is made faster so).
    return Result(
        rule.recommendation,
        rule.sources,
        because,
        tuple(points),
        missing,
        _unanswered(answers, questions, asked),
        CRITERIA_VERSION,
        raise_flags(answers),  # apart: computed from the same answers, read by no rule or point
        GUIDANCE_VERSION,
    )
