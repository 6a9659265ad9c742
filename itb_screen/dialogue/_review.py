"""Moving about a case and finishing it: back, the review, changing an answer, confirming.

`back` from the review steps into the last question and the next answer returns to the review; a change
chosen at the review returns there too. `confirm` with asked questions unanswered lists them first and
goes ahead on a second confirm (or Confirm anyway).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..criteria import QUESTIONS_BY_FIELD, asked_questions, evaluate, short_label, unanswered
from . import _messages as say
from . import _team
from ._machine import CHANGING, DONE, QUESTION_STATES, REVIEW, STEPPED_BACK
from ._prompts import result_prompt, review_help, unanswered_prompt
from ._turn import Turn

if TYPE_CHECKING:
    from ._engine import Dialogue

#: cases.pending at the review once `confirm` listed the unanswered questions: a second confirm goes ahead.
CONFIRM_WARNED = ("confirm",)


def back(d: Dialogue, turn: Turn) -> None:
    from_review = turn.state == REVIEW
    state = d.move(turn, "back")
    if state is None:
        return d.refuse(turn, say.FIRST_QUESTION if turn.state in QUESTION_STATES else say.CANNOT_GO_BACK)
    turn.pressed = say.PRESSED_BACK
    # Stepped back from the review: the next answer returns there; `back` goes on further back.
    d.save(turn, state, returning=STEPPED_BACK if from_review else None)
    d.show_current(turn, quiet=True)


def typed_at_review(d: Dialogue, turn: Turn, word: str) -> None:
    """`confirm`, or the number (or field code) of an answer to change."""
    if word == "confirm":  # only the word itself: a stray "yes" must not close the case
        return confirm(d, turn)
    word = word.removeprefix("change").strip()
    asked = asked_questions(turn.answers)
    # The question's own number as the review shows it (`7`, `2a` for a follow-up), or its field code.
    chosen = next((q for q in asked if word.casefold() in (q.tag, q.field)), None)
    if chosen is None:
        return d.refuse(turn, review_help(asked))
    change(d, turn, chosen.tag)


def change(d: Dialogue, turn: Turn, tag: str | None) -> None:
    """Open the question tagged `tag` (`7`, `2b`) from the review; the answer returns there."""
    question = next((q for q in asked_questions(turn.answers) if q.tag == tag), None)
    if question is None:
        return d.refuse(turn, say.UNKNOWN_BUTTON)
    state = d.move(turn, "change", target=question.field)
    assert state == question.field
    turn.pressed = say.PRESSED_CHANGE.format(label=f"{question.tag}. {question.text}")
    d.save(turn, state, returning=CHANGING)
    d.show_current(turn, quiet=True)


def confirm(d: Dialogue, turn: Turn, anyway: bool = False) -> None:
    """The recommendation, stored beside any earlier result (an amended case keeps both)."""
    case = turn.case
    if case is None or turn.state != REVIEW:
        return d.refuse(turn, say.CONFIRM_AT_REVIEW)
    left = unanswered(turn.answers)
    if left and not anyway and case.pending != CONFIRM_WARNED:
        d.save(turn, REVIEW, pending=CONFIRM_WARNED)  # the review stays; a second confirm goes ahead
        # By their short labels and the numbers the review shows: "Injury at T6 or above (2b)".
        labels = [f"{short_label(f)} ({QUESTIONS_BY_FIELD[f].tag})" for f in left]
        turn.prompts.append(unanswered_prompt(case, labels))
        return None
    result = evaluate(turn.answers)
    state = d.move(turn, "confirm")
    assert state == DONE
    amended = d.store.latest_result(case.id) is not None
    reason = next((e["reason"] for e in reversed(d.store.events(case.id)) if e["kind"] == "amend"), None)
    d.store.record_result(
        case.id,
        result.to_dict(),
        turn.user.id,
        kind="amend" if amended else "confirm",
        reason=reason if amended else None,
    )
    d.save(turn, state, status="done")
    turn.pressed = say.PRESSED_CONFIRMED
    _team.notify(d, turn, case, result, amended)
    if amended:
        turn.say("notice", say.AMENDED.format(ref=case.ref))
    assert turn.case is not None
    turn.prompts.append(result_prompt(turn.case, result, d.guidance()))
