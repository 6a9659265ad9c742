"""One case as the review site's case page shows it, read from storage (read-only): the referral summary's
parts laid out as `summary --format html` lays them out (`_summary_html.py`), then the history and the
transcript.

Pure reading and formatting, no Datasette: `pages.py` serves it, the tests call it.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import tzinfo

from ..criteria import ALL_GROUPS, DISCLAIMER, RECOMMENDATIONS
from ..storage import Case, Store
from ._summary_html import answers_html, facts_html, flags_html, footer_html, points_html, recommendation_html
from ._summary_parts import NOT_KNOWN
from ._words import ACTIONS, DIRECTIONS, HOW, field_words, value_words, when
from .caseview import case_view, changes
from .summary import CaseView, summary_parts


@dataclass(frozen=True)
class Line:
    """One line of the history or the transcript: when (in words), who, what; `typed`: a user wrote it."""

    at: str
    who: str
    what: str
    typed: bool = False


@dataclass(frozen=True)
class CasePage:
    """What the case page shows: the summary's sections (escaped HTML), the history, the transcript."""

    ref: str
    status: str
    void: bool
    summary: str
    history: tuple[Line, ...]
    transcript: tuple[Line, ...]


def summary_sections(view: CaseView) -> str:
    """The referral summary's sections as the case page shows them: each point with its statement quoted."""
    parts = summary_parts(view)
    sections = [
        '<section class="facts">',
        *facts_html(parts),
        "</section>",
        *recommendation_html(parts),
        f'<p class="decision-support">{html.escape(DISCLAIMER)}</p>',
        *points_html(parts, quote=True),
        *flags_html(parts),
        *answers_html(parts),
        *footer_html(parts),
    ]
    return "\n".join(sections)


def _answer_changes(store: Store, case: Case) -> Iterable[tuple[str, str, str]]:
    """(at, who, what) for each answer that replaced an earlier one (first answers are the answer list)."""
    for row in changes(store.history(case.id)):
        if row["action"] == "answer" or (row["old"] is None and row["action"] != "change"):
            continue
        old, new = value_words(row["field"], row["old"]), value_words(row["field"], row["new"])
        if row["action"] == "unknown":  # the clinician said they do not know: not the same as no answer
            new = NOT_KNOWN
        verb = (
            "Changed"
            if row["action"] == "unknown"
            else ACTIONS.get(row["action"], row["action"]).capitalize()
        )
        yield row["at"], row["user"] or "", f"{verb} {field_words(row['field'])}: {old} → {new}"


def _event_lines(store: Store, case: Case) -> Iterable[tuple[str, str, str]]:
    """(at, who, what) for each amendment, voiding and hand-off."""
    for event in store.events(case.id):
        if event["kind"] == "handoff":
            what = f"Handed on to {event['to'] or 'unknown'}"
        elif event["kind"] == "void":
            what = f"Voided (opened by mistake): {event['reason']}"
        else:
            what = f"Reopened to amend it: {event['reason']}"
        yield event["at"], event["by"] or "", what


def _result_lines(store: Store, case: Case) -> Iterable[tuple[str, str, str]]:
    """(at, who, what) for each result made: confirmed, amended or re-evaluated."""
    for result in store.results(case.id):
        title = RECOMMENDATIONS[result["result"]["recommendation"]].title
        how = HOW.get(result["kind"], result["kind"]).capitalize()
        yield (
            result["at"],
            result["by"] or "",
            f"{how}: {title} (criteria {result['result']['criteria_version']})",
        )


def history(store: Store, case: Case, zone: tzinfo) -> tuple[Line, ...]:
    """Changes of answers, amendments with their reasons, hand-offs, voiding and results, oldest first."""
    # Ties (one transaction) keep this order: the reopening, then the answers changed, then the result.
    lines = [*_event_lines(store, case), *_answer_changes(store, case), *_result_lines(store, case)]
    return tuple(Line(when(at, zone), who, what) for at, who, what in sorted(lines, key=lambda e: e[0]))


def transcript(store: Store, case: Case, zone: tzinfo) -> tuple[Line, ...]:
    """Every message of the case, oldest first; what users typed marked apart from the bot's lines."""
    return tuple(
        Line(
            when(m["at"], zone),
            (m["user"] or "") if m["direction"] == "in" else DIRECTIONS["out"],
            m["text"],
            typed=m["direction"] == "in",
        )
        for m in store.transcript(case.id)
    )


def case_in_zone(
    store: Store, ref: str, zone: tzinfo, guidance: frozenset[str] = ALL_GROUPS
) -> tuple[Case, CaseView] | None:
    """The case named `ref` (any letter case) and its view, times in `zone`, showing the flags of the
    site's `guidance` groups; None if there is none."""
    case = store.case_by_ref(ref)
    if case is None:
        return None
    return case, replace(case_view(store, case), zone=zone, guidance=guidance)


def case_page(
    path: str | os.PathLike[str], ref: str, zone: tzinfo, guidance: frozenset[str] = ALL_GROUPS
) -> CasePage | None:
    """The case page of `ref` from the database at `path`, read in one snapshot; None if no such case."""
    with Store(path, readonly=True) as store, store.transaction():
        found = case_in_zone(store, ref, zone, guidance)
        if found is None:
            return None
        case, view = found
        return CasePage(
            ref=case.ref,
            status=case.status,
            void=case.status == "void",
            summary=summary_sections(view),
            history=history(store, case, zone),
            transcript=transcript(store, case, zone),
        )


def case_summary_view(
    path: str | os.PathLike[str], ref: str, zone: tzinfo, guidance: frozenset[str] = ALL_GROUPS
) -> CaseView | None:
    """The view the PDF prints (None if no such case)."""
    with Store(path, readonly=True) as store, store.transaction():
        found = case_in_zone(store, ref, zone, guidance)
        return found[1] if found else None
