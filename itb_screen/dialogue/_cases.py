"""Cases: starting one under a reference, resuming, cancelling, and listing one's own."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from ..criteria import RECOMMENDATIONS, progress
from ..storage import Case, RefInUse
from ..storage.identifiers import reference_kind
from . import _buttons as buttons
from . import _messages as say
from ._machine import CHOOSING, DONE
from ._parse import Refusal, check_ref
from ._prompts import cases_prompt, new_ref_prompt, where
from ._turn import Awaiting, Turn

if TYPE_CHECKING:
    from ._engine import Dialogue


def ask_ref(d: Dialogue, turn: Turn) -> None:
    """/new without a reference: the next message is read as one; a generated one is offered."""
    number = secrets.randbelow(buttons.REF_SPACE)
    while reference_kind(buttons.generated_ref(number)):  # `ITB-22345` would be refused as a number
        number = secrets.randbelow(buttons.REF_SPACE)
    d.set_awaiting(turn, Awaiting("ref", number=str(number)))  # the press of any other number is refused
    turn.prompts.append(new_ref_prompt(number))


def new(d: Dialogue, turn: Turn, text: str) -> None:
    """Start a case under the reference `text`, unless it could identify a patient or is taken."""
    try:
        ref = check_ref(text)
    except Refusal as refusal:
        # Never keep what was refused: it may be a name, a date of birth or a record number.
        command = "" if turn.awaiting("ref") is not None else "/new "
        turn.redacted = say.REDACTED.format(command=command)
        return turn.say("refusal", str(refusal), case_ref=None)
    existing = d.store.case_by_ref(ref)
    if existing is not None:
        mine = existing.user_id == turn.user.id
        message = (say.YOUR_REF_EXISTS if mine else say.REF_TAKEN).format(ref=existing.ref if mine else ref)
        return turn.say("refusal", message, case_ref=None)
    try:
        case = d.store.create_case(turn.user.id, ref, CHOOSING)
    except RefInUse:  # pragma: no cover - checked just above, inside the same transaction
        return turn.say("refusal", say.REF_TAKEN.format(ref=ref), case_ref=None)
    if turn.case is not None and turn.state not in (CHOOSING, DONE):
        turn.say("notice", say.STILL_OPEN.format(ref=turn.case.ref, where=where(turn.case, turn.answers)))
    d.activate(turn, case.id)
    turn.case, turn.answers, turn.visited = case, {}, set()
    state = d.move(turn, "start")
    assert state is not None
    d.save(turn, state)
    turn.say("notice", say.CASE_STARTED.format(ref=ref))
    d.show_current(turn, quiet=True)


def generated(d: Dialogue, turn: Turn, number: int | None) -> None:
    """The generated reference offered by /new, pressed: only the one offered to this user, while the
    wait for a reference is on (no other input since); a forged or an old number creates nothing."""
    offered = turn.waited.number if turn.waited is not None and turn.waited.kind == "ref" else None
    if number is None or number >= buttons.REF_SPACE or offered != str(number):
        return d.refuse(turn, say.UNKNOWN_BUTTON)
    turn.pressed = say.GENERATE_LABEL.format(ref=buttons.generated_ref(number))
    new(d, turn, buttons.generated_ref(number))


def resume(d: Dialogue, turn: Turn, case: Case) -> None:
    """Open one of the user's cases where it stopped (a cancelled one is reopened, a void one is not)."""
    if case.status == "void":
        return d.refuse(turn, say.IS_VOID.format(ref=case.ref, verb="resumed"), show=False)
    d.activate(turn, case.id)
    turn.case = case
    d.load_answers(turn)
    turn.pressed = say.PRESSED_OPENED.format(ref=case.ref)
    if case.status == "cancelled":
        d.save(turn, case.state, status="open")
        turn.say("notice", say.REOPENED.format(ref=case.ref))
    d.show_current(turn)


def cancel(d: Dialogue, turn: Turn, arg: str = "") -> None:
    """/cancel: stop waiting for a reference or reason, else close the open case (answers kept)."""
    waiting = turn.waiting
    if waiting is not None and waiting.kind in ("ref", "reason"):
        d.set_awaiting(turn, None)
        return turn.say("notice", say.NEW_CANCELLED if waiting.kind == "ref" else say.AMEND_CANCELLED)
    case = turn.case
    if case is None or turn.state == CHOOSING:
        return turn.say("notice", say.NO_OPEN_CASE)
    if case.status == "open" and d.store.latest_result(case.id) is not None:
        d.save(turn, DONE, status="done")  # leaving an amendment: the case stays finished as it was
        message = say.AMEND_LEFT
    elif case.status == "open":
        d.save(turn, case.state, status="cancelled")
        message = say.CANCELLED
    else:
        message = say.CLOSED
    d.activate(turn, None)
    turn.say("notice", message.format(ref=case.ref), case_ref=case.ref)


def list_cases(d: Dialogue, turn: Turn) -> None:
    """The user's cases (void ones left out), most recently touched first, with an Open button each."""
    rows = []
    for case in d.store.cases_of(turn.user.id):
        if case.status == "void":
            continue
        answered, asked = progress(d.store.answers(case.id))
        result = d.store.latest_result(case.id) if case.status == "done" else None
        outcome = RECOMMENDATIONS[result[0]["recommendation"]].title if result else ""
        rows.append((case, answered, asked, outcome, turn.case is not None and case.id == turn.case.id))
    turn.prompts.append(cases_prompt(rows, d.store.handed_on(turn.user.id)))
