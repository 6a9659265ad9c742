"""The team's read-outs in the chat: /summary, /show and /cases all, with who may read what.

The dialogue decides who may read a case (its owner; a reviewer any, audited) and keeps the exchange in
the transcript like every other command; the words of a read-out come from `Reports`, which the channel
passes in (`itb_screen.review` provides one: the dialogue imports nothing of it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ..storage import Case, Store
from . import _messages as say
from ._turn import Turn

if TYPE_CHECKING:
    from ._engine import Dialogue


class Reports(Protocol):
    """What renders the read-outs; each returns plain text."""

    def summary(self, store: Store, case: Case) -> str:
        """The referral summary of a finished (or void) case."""

    def show(self, store: Store, case: Case) -> str:
        """A case in full: answers, results, changes and transcript."""

    def all_cases(self, store: Store) -> str:
        """Every case of every user, one line each."""


def _audit(d: Dialogue, turn: Turn, event: str, detail: str) -> None:
    d.store.audit(turn.user.channel, turn.user.external_id, event, detail)


def summary(d: Dialogue, turn: Turn, case: Case | None) -> None:
    """/summary [REF]: the open case's, or REF's (a reviewer's reading of another's case is audited)."""
    if d.reports is None:
        return d.refuse(turn, say.NO_REPORTS.format(name="summary"), show=False)
    if case is None:
        return turn.say("notice", say.NO_OPEN_CASE_SUMMARY, case_ref=None)
    turn.subject = case
    if case.status not in ("done", "void"):  # a void case's summary says so, and gives no result
        return turn.say("notice", say.NOT_FINISHED_SUMMARY.format(ref=case.ref), case_ref=case.ref)
    if case.user_id != turn.user.id:
        _audit(d, turn, "read_case", f"summary {case.ref}")
    turn.say("report", d.reports.summary(d.store, case), case_ref=case.ref)


def show(d: Dialogue, turn: Turn, case: Case) -> None:
    """/show REF: a case in full (owners their own, reviewers any); every reading is audited."""
    if d.reports is None:
        return d.refuse(turn, say.NO_REPORTS.format(name="show"), show=False)
    turn.subject = case
    _audit(d, turn, "show_case", case.ref)
    turn.say("report", d.reports.show(d.store, case), case_ref=case.ref)


def all_cases(d: Dialogue, turn: Turn) -> bool:
    """/cases all: every case, for reviewers (audited); False when this user may not see them."""
    if not turn.reviewer:
        turn.say("refusal", say.REVIEWERS_ONLY, case_ref=None)
        return False
    if d.reports is None:
        d.refuse(turn, say.NO_REPORTS.format(name="cases all"), show=False)
        return True
    _audit(d, turn, "list_all_cases", "")
    turn.say("report", d.reports.all_cases(d.store), case_ref=None)
    return True
