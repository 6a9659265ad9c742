"""What every layout of the referral summary shows, gathered once (`summary.py` gathers it from a case):
so the text, Markdown and HTML layouts cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass

from ..criteria import CITATION, Result

#: The heading of every summary.
TITLE = "ITB screening referral summary"

#: What the answer list says for a question that is asked and has no answer.
NOT_ANSWERED = "not answered"


@dataclass(frozen=True)
class Parts:
    """The summary's content once, before any format lays it out (so the three formats cannot drift)."""

    facts: tuple[tuple[str, str], ...]  # (label, value); values are user-supplied and must be escaped
    who: str  # a case handed on: "Pre-screened by A, completed by B; handed from A to B on DATE." or ""
    events: tuple[str, ...]  # "Amended DATE by WHO: reason", user-supplied text inside
    result: Result | None  # None when there is no recommendation to give (unfinished or void)
    state_note: str  # why there is no recommendation, or a warning that the result is stale
    missing_head: str
    missing: tuple[str, ...]
    answers: tuple[tuple[str, str], ...]  # (short label, answer in words), every asked question in order
    version: str
    sources: tuple[str, ...]  # the S-ids cited, in number order


def sources_intro(p: Parts) -> str:
    if p.sources:
        return f"Statements cited above, from {CITATION}:"
    return f"Criteria from {CITATION}. No statement is cited: there is no recommendation."
