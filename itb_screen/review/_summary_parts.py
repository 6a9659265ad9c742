"""What every layout of the referral summary shows, gathered once (`summary.py` gathers it from a case):
so the text, Markdown and HTML layouts cannot drift apart."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from ..criteria import CITATION, GUIDANCE_SOURCES, Result, Value, value_label

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
    #: The ids of other guidance (L1..N4) the flags shown cite, in other-guidance.md's order.
    guidance_sources: tuple[str, ...] = ()
    guidance_version: str | None = None  # None: no result, or one stored before the flags existed


def versions_words(p: Parts) -> str:
    """`Criteria version: X`, and `; guidance version: Y` when the result has one."""
    guidance = f"; guidance version: {p.guidance_version}" if p.guidance_version else ""
    return f"Criteria version: {p.version}{guidance}"


#: What introduces the other guidance the flags cite, in the Sources. No file name: the transcript's guard
#: reads `other-guidance.md` as a web address (.md is a domain) and would store the /summary read-out cut.
GUIDANCE_INTRO = "Other guidance cited above, paraphrased from the US label and NICE CG145:"


def guidance_cited(result: Result | None) -> tuple[str, ...]:
    """The other guidance sources the (shown) flags of a result cite, in the contract's order."""
    cited = {s for f in (result.other_guidance if result else ()) for s in f.sources}
    return tuple(s for s in GUIDANCE_SOURCES if s in cited)


def guidance_source_words(source_id: str) -> tuple[str, str]:
    """(what the source says, where it says it) for the Sources section."""
    source = GUIDANCE_SOURCES[source_id]
    return source.says, source.where


def sources_intro(p: Parts) -> str:
    if p.sources:
        return f"Statements cited above, from {CITATION}:"
    return f"Criteria from {CITATION}. No statement is cited: there is no recommendation."
