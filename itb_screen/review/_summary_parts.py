"""What every layout of the referral summary shows, gathered once (`summary.py` gathers it from a case):
so the text, Markdown and HTML layouts cannot drift apart."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from ..criteria import CITATION, Result, Value, value_label

#: The heading of every summary.
TITLE = "ITB screening referral summary"

#: What the answer list says for a question that is asked and has no answer (skipped, or not reached).
NOT_ANSWERED = "not answered"

#: What it says for a question the clinician answered `unknown`: they do not know, which is not the same
#: as never asked (the rules still see it unanswered, as the spec says).
NOT_KNOWN = "Not known"


def answer_words(field: str, answers: Mapping[str, Value], not_known: Collection[str], kept: str = "") -> str:
    """An asked question's answer in words, as every view says it: the value's label and what it kept
    (`kept`, already in words), "Not known", or "not answered"."""
    if field in answers:
        return value_label(field, answers[field]) + kept
    return NOT_KNOWN if field in not_known else NOT_ANSWERED


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
