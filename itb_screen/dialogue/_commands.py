"""Typed commands: one handler each, found by name in a table (`/help` and `/start` share one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..storage import Case
from . import _cases, _corrections, _questions, _reports, _review, _team
from . import _messages as say
from ._machine import CHOOSING, QUESTION_STATES
from ._parse import Refusal, check_ref
from ._turn import Turn

if TYPE_CHECKING:
    from ._engine import Dialogue

#: The commands every channel understands, in the order of the help and of Telegram's menu.
COMMANDS: dict[str, str] = {
    "new": "/new [REF]: start a new case (a case reference, never a patient's name)",
    "cases": "/cases: list your cases with their progress (reviewers: /cases all for every case)",
    "resume": "/resume REF: continue a case where it stopped",
    "back": "/back: go back to the previous question",
    "skip": "/skip: move on (an answer already given is kept; type 'unknown' to clear it)",
    "summary": "/summary [REF]: the referral summary of a finished case, to paste into a referral",
    "show": "/show REF: a case in full: answers, results, changes and transcript (reviewers: any case)",
    "amend": "/amend REF: reopen a finished case to correct it, with a reason (the old result is kept)",
    "void": "/void REF reason: mark a case opened by mistake as void (kept, left out of lists)",
    "handoff": "/handoff REF [MEMBER]: give a case to another member (without MEMBER: pick one from a list)",
    "remind": "/remind on|off: reminders of your open cases left idle",
    "digest": "/digest: the week's cases by recommendation and the open ones (reviewers)",
    "cancel": "/cancel: close the open case (its answers are kept)",
    "help": "/help: what this bot does and how to answer",
}


def command(d: Dialogue, turn: Turn, text: str) -> None:
    """Route `/name args` to its handler; an unknown name is refused with a pointer to /help."""
    name, _, rest = text[1:].partition(" ")
    name = name.split("@", 1)[0].casefold()  # Telegram adds @botname in groups
    if name != "cancel" and not (name == "new" and turn.awaiting("ref") is not None):
        d.stop_awaiting(turn)  # a reference, a reason or an offer is read from the very next input only
    handler = HANDLERS.get(name)
    if handler is None:
        return d.refuse(turn, say.UNKNOWN_COMMAND.format(name=name[:32]))
    handler(d, turn, rest.strip())


def case_named(
    d: Dialogue, turn: Turn, ref: str, command_name: str, own_only: bool, reading: bool = False
) -> Case | None:
    """The case `ref` names, if this user may act on it; else None, with the refusal said.

    Its owner may; a reviewer too unless `own_only`; when only `reading` it, so may a member who handed
    it on. A reference that could identify a patient is neither kept in the transcript nor repeated.
    """
    try:
        check_ref(ref)
    except Refusal as refusal:
        turn.redacted = say.REDACTED.format(command=f"/{command_name} ")
        d.refuse(turn, str(refusal), show=False)
        return None
    case = d.store.case_by_ref(ref)
    mine = case is not None and case.user_id == turn.user.id
    gave = case is not None and reading and not mine and d.store.handed_by(case.id, turn.user.id)
    # One reply whether the case is another member's or does not exist: a refusal must not confirm it.
    if case is None or not (mine or gave or (turn.reviewer and not own_only)):
        missing = say.NO_CASE_CALLED if turn.reviewer and not own_only else say.NO_SUCH_CASE
        d.refuse(turn, missing.format(ref=ref), show=False)
        return None
    turn.subject = case
    return case


def may_see(d: Dialogue, turn: Turn, case: Case) -> bool:
    """Whether this user may know that `case` exists: its owner, a reviewer, or a member who handed it on
    (who keeps read access). Anyone else is answered as if there were no such case."""
    return case.user_id == turn.user.id or turn.reviewer or d.store.handed_by(case.id, turn.user.id)


def served(d: Dialogue) -> dict[str, str]:
    """The commands this dialogue's channel serves, as /help offers them: /summary and /show need the
    read-outs, /handoff the team's list, /remind a channel whose members are shown their reminders."""
    missing = set()
    if d.reports is None:
        missing |= {"summary", "show"}
    if d.team is None:
        missing.add("handoff")
    if not d.capabilities.reminders:
        missing.add("remind")
    return {name: line for name, line in COMMANDS.items() if name not in missing}


def _help(d: Dialogue, turn: Turn, arg: str) -> None:
    turn.say("help", say.help_text(served(d)), case_ref=None)
    d.show_current(turn, quiet=True)


def _start(d: Dialogue, turn: Turn, arg: str) -> None:
    """/start (a chat's first message): a greeting saying what the bot is and is not, then /help."""
    how = say.ANSWER_HOW_BUTTONS if d.capabilities.buttons else say.ANSWER_HOW_TYPED
    turn.say("notice", say.GREETING.format(name=turn.user.shown_name, how=how), case_ref=None)
    _help(d, turn, arg)


def _remind(d: Dialogue, turn: Turn, arg: str) -> None:
    if not d.capabilities.reminders:
        return d.refuse(turn, say.NO_REPORTS.format(name="remind"), show=False)
    _team.remind(d, turn, arg)


def _new(d: Dialogue, turn: Turn, arg: str) -> None:
    return _cases.new(d, turn, arg) if arg else _cases.ask_ref(d, turn)


def _cases_command(d: Dialogue, turn: Turn, arg: str) -> None:
    if arg.casefold() == "all" and _reports.all_cases(d, turn):
        return None
    _cases.list_cases(d, turn)


def _resume(d: Dialogue, turn: Turn, arg: str) -> None:
    if not arg:
        return d.show_current(turn) if turn.case else _cases.list_cases(d, turn)
    case = case_named(d, turn, arg, "resume", own_only=True)
    if case is not None:
        _cases.resume(d, turn, case)


def _back(d: Dialogue, turn: Turn, arg: str) -> None:
    if turn.state == CHOOSING:
        return turn.say("notice", say.NO_OPEN_CASE)
    _review.back(d, turn)


def _skip(d: Dialogue, turn: Turn, arg: str) -> None:
    if turn.state == CHOOSING:
        return turn.say("notice", say.NO_OPEN_CASE)
    if turn.state not in QUESTION_STATES:
        return d.refuse(turn, say.NOTHING_TO_SKIP)
    _questions.skip(d, turn)


def _summary(d: Dialogue, turn: Turn, arg: str) -> None:
    if not arg:
        return _reports.summary(d, turn, turn.case)
    case = case_named(d, turn, arg, "summary", own_only=False, reading=True)
    if case is not None:
        _reports.summary(d, turn, case)


def _show(d: Dialogue, turn: Turn, arg: str) -> None:
    if not arg:
        return d.refuse(turn, say.SHOW_USAGE, show=False)
    case = case_named(d, turn, arg, "show", own_only=False, reading=True)
    if case is not None:
        _reports.show(d, turn, case)


def _amend(d: Dialogue, turn: Turn, arg: str) -> None:
    if not arg:
        return d.refuse(turn, say.AMEND_USAGE, show=False)
    case = case_named(d, turn, arg, "amend", own_only=False)
    if case is not None:
        _corrections.ask_reason(d, turn, case)


def _void(d: Dialogue, turn: Turn, arg: str) -> None:
    ref, _, reason = arg.partition(" ")
    if not ref:
        return d.refuse(turn, say.VOID_USAGE, show=False)
    case = case_named(d, turn, ref, "void", own_only=False)
    if case is not None:
        _corrections.void(d, turn, case, reason)


def _handoff(d: Dialogue, turn: Turn, arg: str) -> None:
    """/handoff REF MEMBER; /handoff REF offers the members; /handoff alone, for the open case."""
    ref, _, member = arg.partition(" ")
    if not ref and turn.case is None:
        return d.refuse(turn, _team.HANDOFF_USAGE, show=False)
    if not ref and turn.case is not None:
        ref = turn.case.ref
    case = case_named(d, turn, ref, "handoff", own_only=False)
    if case is None:
        return None
    if member.strip():
        _team.handoff(d, turn, case, member.strip())
    else:
        _team.offer_members(d, turn, case)


Handler = Callable[["Dialogue", Turn, str], None]

#: Command name -> handler.
HANDLERS: dict[str, Handler] = {
    "help": _help,
    "start": _start,
    "new": _new,
    "cases": _cases_command,
    "resume": _resume,
    "back": _back,
    "skip": _skip,
    "summary": _summary,
    "show": _show,
    "cancel": _cases.cancel,
    "amend": _amend,
    "void": _void,
    "handoff": _handoff,
    "remind": _remind,
    "digest": lambda d, turn, arg: _team.digest(d, turn),
}
