"""The read-outs a chat asks for (/summary, /show, /cases all), in the words of the reports.

The dialogue decides who may read what and keeps the exchange in the transcript; this renders the text.
Channels pass `ChatReports()` to `Dialogue(..., reports=...)`.
"""

from __future__ import annotations

from collections.abc import Callable

from ..criteria import ALL_GROUPS, RECOMMENDATIONS
from ..storage import Case, Store
from .caseview import case_view, show_text
from .listing import case_records, owner_cell
from .summary import render_summary, status_words

ALL_CASES_HEADING = "All cases ({count}): reference, user, status, answered/asked, recommendation"
ALL_CASES_FOOT = "/show REF shows a case's answers, result and transcript."
NO_CASES = "No cases yet."


class ChatReports:
    """`dialogue.Reports` made of the review's own views: the same words as `itb-screen show`/`summary`.

    `guidance`: the groups of other guidance the site shows now (the users file's [settings]); all of
    them without it."""

    def __init__(self, guidance: Callable[[], frozenset[str]] | None = None) -> None:
        self.guidance = guidance or (lambda: ALL_GROUPS)

    def summary(self, store: Store, case: Case) -> str:
        return render_summary(case_view(store, case, guidance=self.guidance()), "text")

    def show(self, store: Store, case: Case) -> str:
        return show_text(store, case, transcript=True, guidance=self.guidance())

    def all_cases(self, store: Store) -> str:
        records = case_records(store)
        if not records:
            return NO_CASES
        lines = [ALL_CASES_HEADING.format(count=len(records))]
        for record in records:
            code = (record["result"] or {}).get("recommendation")
            outcome = RECOMMENDATIONS[code].title if code else "-"
            lines.append(
                f"- {record['ref']}: {owner_cell(record)}, {status_words(record['status'])}, "
                f"{record['answered']}/{record['asked']}, {outcome}"
            )
        lines.append(ALL_CASES_FOOT)
        return "\n".join(lines)
