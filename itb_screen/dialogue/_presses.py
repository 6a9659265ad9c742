"""Button presses: decoded, checked against the open case and what its state accepts, then routed.

Callback data can be forged by a client: a code we never made, a press on another case or on a question
already closed, or an action the state has no transition for is refused and changes nothing. Which
actions a state accepts is the machine's own knowledge (`Dialogue.accepts`), not a second table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..criteria import QUESTIONS, QUESTIONS_BY_FIELD
from ..storage import Case
from . import _buttons as buttons
from . import _cases, _commands, _corrections, _questions, _reports, _review, _team
from . import _messages as say
from ._buttons import Press
from ._prompts import state_code
from ._turn import Turn

if TYPE_CHECKING:
    from ._engine import Dialogue

#: The machine trigger a press of each action needs from the case's state.
TRIGGER_OF = {
    "answer": "advance",
    "toggle": "advance",
    "done": "advance",
    "key": "advance",
    "erase": "advance",
    "skip": "advance",
    "yes": "advance",
    "no": "advance",
    "back": "back",
    "change": "change",
    "confirm": "confirm",
}


def press(d: Dialogue, turn: Turn, code: str) -> None:
    offer = _questions.offered(turn)  # read before any press ends the offer
    d.stop_awaiting(turn)
    pressed = buttons.decode(code)
    if pressed is None:
        return d.refuse(turn, say.UNKNOWN_BUTTON)
    anywhere = _ANYWHERE.get(pressed.action)
    if anywhere is not None:
        return anywhere(d, turn, pressed)
    case = turn.case
    if case is None or case.id != pressed.case_id or pressed.state != state_code(case.state):
        turn.say("refusal", say.STALE)
        return d.show_current(turn)
    if not d.accepts(turn, TRIGGER_OF.get(pressed.action, "")):
        return d.refuse(turn, say.UNKNOWN_BUTTON)
    _AT_CASE[pressed.action](d, turn, pressed, offer)


# Presses that name their own case (a list, a result, a generated reference): no open question needed.
def _generate(d: Dialogue, turn: Turn, pressed: Press) -> None:
    _cases.generated(d, turn, pressed.index)


def _seen(d: Dialogue, turn: Turn, pressed: Press) -> Case | None:
    """The case a press names by id, if this user may know it exists (`_commands.may_see`); else None,
    refused exactly as an id of no case is: ids can be walked, so a refusal that named the case (or was
    kept in its transcript) would tell every reference to anyone."""
    case = d.store.case(pressed.case_id)
    if case is None or not _commands.may_see(d, turn, case):
        d.refuse(turn, say.UNKNOWN_BUTTON)
        return None
    return case


def _open(d: Dialogue, turn: Turn, pressed: Press) -> None:
    case = _seen(d, turn, pressed)
    if case is None:
        return None
    if case.user_id != turn.user.id:  # Continue is the owner's: a reviewer reads, a giver reads
        return d.refuse(turn, say.UNKNOWN_BUTTON)
    _cases.resume(d, turn, case)


def _amend(d: Dialogue, turn: Turn, pressed: Press) -> None:
    case = _seen(d, turn, pressed)
    if case is not None:
        _corrections.ask_reason(d, turn, case)


def _named(d: Dialogue, turn: Turn, pressed: Press, command: str, reading: bool = False) -> Case | None:
    """The pressed notice's case if this user may act on it as the typed command would (its rights are
    `_commands.case_named`'s: one rule for a press and a command); else refused."""
    case = _seen(d, turn, pressed)
    if case is None:
        return None
    return _commands.case_named(d, turn, case.ref, command, own_only=False, reading=reading)


def _show(d: Dialogue, turn: Turn, pressed: Press) -> None:
    """Show REF on a notice: as /show REF."""
    case = _named(d, turn, pressed, "show", reading=True)
    if case is not None:
        _reports.show(d, turn, case)


def _summary(d: Dialogue, turn: Turn, pressed: Press) -> None:
    """Summary REF on a notice: as /summary REF."""
    case = _named(d, turn, pressed, "summary", reading=True)
    if case is not None:
        _reports.summary(d, turn, case)


def _handoff(d: Dialogue, turn: Turn, pressed: Press) -> None:
    """A member tapped under /handoff REF: as /handoff REF ID."""
    if pressed.index is None:  # a code we never made: our hand-off buttons carry the member's id
        return d.refuse(turn, say.UNKNOWN_BUTTON)
    case = _named(d, turn, pressed, "handoff")
    if case is not None and _team.handoff(d, turn, case, str(pressed.index)):
        turn.pressed = say.PRESSED_HANDED.format(ref=case.ref)  # the choice is closed


_ANYWHERE: dict[str, Callable[[Dialogue, Turn, Press], None]] = {
    "generate": _generate,
    "open": _open,
    "amend": _amend,
    "show": _show,
    "summary": _summary,
    "handoff": _handoff,
}


# Presses on the open case's question or review.
def _choice(d: Dialogue, turn: Turn, pressed: Press, offer: Any) -> None:
    """An option of the open question: answer (one-choice) or toggle (many-choice)."""
    question = QUESTIONS_BY_FIELD[turn.state]
    wanted = {"one": "answer", "many": "toggle"}.get(question.kind)
    if pressed.action != wanted or pressed.index is None or not 1 <= pressed.index <= len(question.options):
        return d.refuse(turn, say.UNKNOWN_BUTTON)
    chosen = question.options[pressed.index - 1].code
    if wanted == "answer":
        return _questions.accept(d, turn, question, chosen)
    _questions.toggle(d, turn, question, chosen)


def _done_or_keys(d: Dialogue, turn: Turn, pressed: Press, offer: Any) -> None:
    """Done of a many-choice question, or a key, erase or OK of the age's keypad."""
    question = QUESTIONS_BY_FIELD[turn.state]
    if question.kind == "number":
        return _questions.keypad(d, turn, question, pressed.action, pressed.index)
    if pressed.action == "done" and question.kind == "many":
        return _questions.done(d, turn, question)
    d.refuse(turn, say.UNKNOWN_BUTTON)


_AT_CASE: dict[str, Callable[[Dialogue, Turn, Press, Any], None]] = {
    "answer": _choice,
    "toggle": _choice,
    "done": _done_or_keys,
    "key": _done_or_keys,
    "erase": _done_or_keys,
    "skip": lambda d, turn, pressed, offer: _questions.skip(d, turn),
    "yes": lambda d, turn, pressed, offer: _questions.answer_offer(d, turn, True, offer),
    "no": lambda d, turn, pressed, offer: _questions.answer_offer(d, turn, False, offer),
    "back": lambda d, turn, pressed, offer: _review.back(d, turn),
    "change": lambda d, turn, pressed, offer: _review.change(d, turn, pressed.target),
    "confirm": lambda d, turn, pressed, offer: _review.confirm(d, turn, anyway=pressed.index == 1),
}


def describe(code: str) -> str:
    """A press as the transcript records it: `[pressed] answer Side effects on oral baclofen (case 3, 9)`."""
    pressed = buttons.decode(code)
    if pressed is None:
        return f"[pressed] unknown button {code[:64]!r}"
    label = pressed.action
    if pressed.action in ("answer", "toggle") and pressed.index:
        question = next((q for q in QUESTIONS if q.tag == pressed.state), None)
        if question and pressed.index <= len(question.options):
            label = f"{pressed.action} {question.options[pressed.index - 1].label}"
    elif pressed.action == "change" and pressed.target:
        label = f"change question {pressed.target}"
    elif pressed.action == "key" and pressed.index is not None:
        label = f"key {pressed.index}"
    elif pressed.action == "confirm" and pressed.index == 1:
        label = "confirm anyway"
    return f"[pressed] {label} (case {pressed.case_id}, {pressed.state})"
