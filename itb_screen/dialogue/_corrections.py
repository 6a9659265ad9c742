"""Correcting a finished record: /amend (with a reason; the new result is kept beside the old) and /void.

Only the case's owner or a reviewer may do either. The reason is the only free text the dialogue keeps:
it must fit one line of `MAX_REASON` characters and must not look like a patient identifier; a refused
reason is kept in the transcript as a marker only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..storage import Case
from ..storage.identifiers import identifier_kind
from . import _messages as say
from ._machine import NOT_RETURNING, REVIEW
from ._turn import Awaiting, Turn

if TYPE_CHECKING:
    from ._engine import Dialogue

#: The longest reason of an amendment or a voiding.
MAX_REASON = 200


def refusal(turn: Turn, case: Case, verb: str) -> str | None:
    """Why this user may not amend or void `case` now, or None: its owner or a reviewer may."""
    if case.user_id != turn.user.id and not turn.reviewer:
        return say.NOT_YOURS.format(ref=case.ref, verb=verb)
    if case.status == "void":
        return say.IS_VOID.format(ref=case.ref, verb="amended" if verb == "amend" else "voided again")
    if verb == "amend" and case.status != "done":
        return say.NOT_FINISHED.format(ref=case.ref)
    return None


def ask_reason(d: Dialogue, turn: Turn, case: Case) -> None:
    """/amend REF or the Amend button: the next message is the reason."""
    turn.subject = case
    refused = refusal(turn, case, "amend")
    if refused is not None:
        return d.refuse(turn, refused, show=False)
    turn.pressed = say.PRESSED_AMEND
    d.set_awaiting(turn, Awaiting("reason", case_id=case.id))
    turn.say("notice", say.ASK_AMEND_REASON.format(ref=case.ref, limit=MAX_REASON), case_ref=case.ref)


def _reason_refusal(turn: Turn, reason: str) -> str | None:
    """Why a typed reason cannot be kept, or None; one that is not kept is redacted in the transcript."""
    if not reason:
        return say.REASON_EMPTY.format(limit=MAX_REASON)
    if len(reason) > MAX_REASON:
        turn.redacted = say.REDACTED_LONG_REASON.format(limit=MAX_REASON)  # unread: never kept
        return say.REASON_TOO_LONG.format(limit=MAX_REASON)
    kind = identifier_kind(reason)
    if kind is not None:
        turn.redacted = say.REDACTED_REASON
        return say.REASON_IDENTIFIER.format(kind=kind)
    return None


def amend_reason(d: Dialogue, turn: Turn, text: str, case_id: int) -> None:
    """The reason typed after /amend: the case reopens at the review (a refused reason is asked again)."""
    reason = " ".join(text.split())
    refused = _reason_refusal(turn, reason)
    if refused is not None:  # still waiting for a reason: /cancel stops
        return turn.say("refusal", refused)
    d.set_awaiting(turn, None)
    case = d.store.case(case_id)
    refused = refusal(turn, case, "amend") if case is not None else say.UNKNOWN_BUTTON
    if case is None or refused is not None:  # changed meanwhile (voided, or amended by someone else)
        return d.refuse(turn, refused or say.UNKNOWN_BUTTON, show=False)
    d.store.record_event(case.id, "amend", reason, turn.user.id)
    d.store.audit(turn.user.channel, turn.user.external_id, "amend_case", f"{case.ref}: {reason}")
    d.activate(turn, case.id)
    turn.case = case
    d.load_answers(turn)
    d.save(turn, REVIEW, status="open")
    turn.say("notice", say.AMEND_OPENED.format(ref=case.ref, reason=reason))
    d.show_current(turn, quiet=True)


def void(d: Dialogue, turn: Turn, case: Case, reason: str) -> None:
    """/void REF reason: the case is kept with its history, marked void, left out of lists."""
    turn.subject = case
    reason = " ".join(reason.split())
    refused = refusal(turn, case, "void")
    if refused is None:
        refused = _reason_refusal(turn, reason) if reason else say.VOID_USAGE
        if turn.redacted is not None:
            turn.redacted = f"/void {case.ref} {turn.redacted}"
    if refused is not None:
        return d.refuse(turn, refused, show=False)
    d.store.record_event(case.id, "void", reason, turn.user.id)
    d.store.audit(turn.user.channel, turn.user.external_id, "void_case", f"{case.ref}: {reason}")
    d.store.save_case(case.id, state=case.state, status="void", return_to_review=NOT_RETURNING, pending=None)
    if turn.case is not None and turn.case.id == case.id:
        d.activate(turn, None)
        turn.case = None
    turn.say("notice", say.VOIDED.format(ref=case.ref), case_ref=case.ref)
