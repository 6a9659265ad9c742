"""The conversation as a finite-state machine, generated from the criteria catalogue.

States: choosing a case, one state per question (named by its field code), review, done. The transitions
are declared as data by `transition_table()`; skip logic comes from each question's `asked_when`, so
there is no second list of questions here. One Machine serves every conversation: models of recently
active cases are added to it and the least recently used removed (see `Dialogue`), because
transitions keeps about 10 KB per model and an idle case belongs in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from transitions import Machine

from ..criteria import QUESTIONS, Question

CHOOSING = "choosing_case"
REVIEW = "review"
DONE = "done"
QUESTION_STATES: tuple[str, ...] = tuple(q.field for q in QUESTIONS)
STATES: tuple[str, ...] = (CHOOSING, *QUESTION_STATES, REVIEW, DONE)
CASE_STATES: tuple[str, ...] = (*QUESTION_STATES, REVIEW, DONE)


#: Why a case at a question returns to the review after the answer (cases.return_to_review).
NOT_RETURNING = 0
#: A change chosen at the review: the answer, or `back`, returns to the review.
CHANGING = 1
#: Stepped back from the review: an answer returns to the review, `back` goes on to earlier questions.
STEPPED_BACK = 2


class Conversation:
    """The model of one case's conversation on the shared machine; its fields are set for each input.

    answers: the current answers; visited: fields with any stored row (answered or skipped);
    returning: NOT_RETURNING, CHANGING or STEPPED_BACK; target: the state `change`/`resume` aims at.
    """

    if TYPE_CHECKING:  # bound by the Machine when the model is added (never defined here at run time)
        state: str

        def trigger(self, name: str) -> bool: ...

        def may_trigger(self, name: str) -> bool: ...

    def __init__(
        self,
        answers: dict[str, Any],
        visited: set[str],
        returning: int = NOT_RETURNING,
        target: str | None = None,
    ) -> None:
        self.answers = answers
        self.visited = visited
        self.returning = returning
        self.target = target


Condition = Callable[[Any], bool]


def _named(name: str, check: Callable[[Conversation], bool]) -> Condition:
    """A condition on the event's model, named for the diagram."""

    def condition(event: Any) -> bool:
        return check(event.model)

    condition.__name__ = name
    return condition


def _asked(question: Question) -> Condition:
    rule = question.asked_when
    assert rule is not None
    return _named(rule.name, lambda m: question.is_asked(m.answers))


def _target_is(state: str) -> Condition:
    return _named(f"target_{state}", lambda m: m.target == state)


def _newly_asked(question: Question) -> Condition:
    """A question that skip logic now asks and that was never asked before (after an age change)."""
    rule = question.asked_when
    assert rule is not None
    return _named(
        f"{rule.name}_not_yet_asked",
        lambda m: question.is_asked(m.answers) and question.field not in m.visited,
    )


_returning = _named("returning_to_review", lambda m: m.returning != NOT_RETURNING)
_changing = _named("changing_from_review", lambda m: m.returning == CHANGING)


def _walk(
    questions: tuple[Question, ...], source: str, trigger: str, end: str | None
) -> list[dict[str, Any]]:
    """`trigger` from `source` to the first of `questions` that is asked, else to `end` (if any)."""
    table: list[dict[str, Any]] = []
    for question in questions:
        if question.asked_when is None:
            table.append({"trigger": trigger, "source": source, "dest": question.field})
            return table
        table.append(
            {"trigger": trigger, "source": source, "dest": question.field, "conditions": [_asked(question)]}
        )
    if end is not None:
        table.append({"trigger": trigger, "source": source, "dest": end})
    return table


def transition_table() -> list[dict]:
    """Every transition, in the order transitions tries them (the first whose conditions hold wins)."""
    table: list[dict] = [{"trigger": "start", "source": CHOOSING, "dest": QUESTIONS[0].field}]
    table += [
        {"trigger": "resume", "source": CHOOSING, "dest": s, "conditions": [_target_is(s)]}
        for s in CASE_STATES
    ]
    table.append({"trigger": "leave", "source": list(CASE_STATES), "dest": CHOOSING})
    for index, question in enumerate(QUESTIONS):
        # A change made at review returns there, unless it made skip logic ask a question not yet asked:
        # one that depends on this answer, or on the answer this one depends on (an age changed to a
        # child's asks the growth question, then the child's surgical risks).
        decides = {question.field} | ({question.asked_when.field} if question.asked_when else set())
        for later in QUESTIONS[index + 1 :]:
            if later.asked_when is not None and later.asked_when.field in decides:
                table.append(
                    {
                        "trigger": "advance",
                        "source": question.field,
                        "dest": later.field,
                        "conditions": [_returning, _newly_asked(later)],
                    }
                )
        table.append(
            {"trigger": "advance", "source": question.field, "dest": REVIEW, "conditions": [_returning]}
        )
        table += _walk(QUESTIONS[index + 1 :], question.field, "advance", REVIEW)
        table.append({"trigger": "back", "source": question.field, "dest": REVIEW, "conditions": [_changing]})
        if index:
            table += _walk(tuple(reversed(QUESTIONS[:index])), question.field, "back", None)
    table += _walk(tuple(reversed(QUESTIONS)), REVIEW, "back", None)
    table += [
        {"trigger": "change", "source": REVIEW, "dest": q.field, "conditions": [_target_is(q.field)]}
        for q in QUESTIONS
    ]
    table.append({"trigger": "confirm", "source": REVIEW, "dest": DONE})
    return table


def build_machine(machine_class: type[Machine] = Machine, **options: Any) -> Machine:
    """The shared Machine (no models yet); `machine_class` may be a GraphMachine for the diagram."""
    return machine_class(
        model=None,
        states=list(STATES),
        transitions=transition_table(),
        initial=CHOOSING,
        auto_transitions=False,
        send_event=True,
        **options,
    )
