"""What the team's home page and the meeting's agenda show, in words: read through the site's canned
queries (`queries.py`, run by Datasette on its read-only connection), so the pages and the queries below
them show the same rows; each case's points through storage, as its case page shows them.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from ..criteria import ALL_GROUPS, CITATION, GUIDANCE_SOURCES, RECOMMENDATIONS
from ..storage import Store
from ._case_page import case_in_zone
from ._summary_html import flags_html, points_html, recommendation_html, sources_html
from ._summary_parts import Parts
from ._words import recommendation_words, state_words, waited, when, why_words
from .metadata import DATABASE
from .queries import QUERIES
from .summary import cited_statements, summary_parts

#: How many cases each list of the home page shows (all of them are in its canned query).
HOME_ROWS = 50
#: The days the home page's results and the agenda go back by default (the week between two meetings).
WEEK_DAYS = 7
#: The most cases one agenda lays out (beyond, it says how many more its canned query lists).
AGENDA_MAX = 100


async def query_rows(datasette: Any, name: str, **params: str) -> tuple[list[dict[str, Any]], bool]:
    """A canned query's rows as its JSON gives them (at most Datasette's max_returned_rows), and whether
    there were more: asked of Datasette's own query view, so the page and the query cannot differ."""
    response = await datasette.client.get(f"/{DATABASE}/{name}.json", params={"_shape": "objects", **params})
    data = response.json()
    if response.status_code != 200:
        raise QueryFailed(f"{QUERIES[name]['title']}: {data.get('error') or response.status_code}")
    return data["rows"], bool(data.get("truncated"))


class QueryFailed(RuntimeError):
    """A canned query the page reads did not answer (too slow for Datasette's time limit, say)."""


def week_start(now: datetime) -> str:
    """The moment the week's results start from (UTC, as stored): seven days before `now`."""
    return (now - timedelta(days=WEEK_DAYS)).astimezone(UTC).isoformat(timespec="microseconds")


async def needing_review(datasette: Any, zone: tzinfo) -> dict[str, Any]:
    rows, more = await query_rows(datasette, "cases_needing_review")
    shown = [
        {
            "ref": r["ref"],
            "recommendation": recommendation_words(r["recommendation"]),
            "why": why_words(r["recommendation"], r["why"]),
            "owner": r["owner"] or "",
            "at": when(r["result_at"], zone),
        }
        for r in rows[:HOME_ROWS]
    ]
    return {"rows": shown, "count": len(rows), "more": more}


def answers_of(path: str | os.PathLike[str], refs: list[str]) -> dict[str, dict[str, Any]]:
    """The current answers of the cases `refs` names, read in one snapshot: where each waits is then said
    as the chat says it (`question 8 of 19` once a follow-up is asked)."""
    with Store(path, readonly=True) as store, store.transaction():
        return {ref: store.answers(case.id) for ref in refs if (case := store.case_by_ref(ref)) is not None}


async def open_cases(datasette: Any, now: datetime) -> dict[str, Any]:
    rows, more = await query_rows(datasette, "open_cases")
    refs = [r["ref"] for r in rows[:HOME_ROWS]]
    answers = await asyncio.to_thread(answers_of, datasette.get_database(DATABASE).path, refs)
    shown = [
        {
            "ref": r["ref"],
            "owner": r["owner"] or "",
            "waited": waited(now, r["updated_at"]),
            "where": state_words(r["where"], answers.get(r["ref"])),
            "answered": r["answered"],
        }
        for r in rows[:HOME_ROWS]
    ]
    return {"rows": shown, "count": len(rows), "more": more}


async def week_results(datasette: Any, now: datetime) -> dict[str, Any]:
    """The finished cases of the last seven days by recommendation, in the rules' order."""
    rows, _ = await query_rows(datasette, "results_since", since=week_start(now))
    refs = {r["recommendation"]: (r["refs"] or "").split(", ") for r in rows}
    groups = [(RECOMMENDATIONS[code].title, refs[code]) for code in RECOMMENDATIONS if code in refs]
    return {"groups": groups, "count": sum(r["cases"] for r in rows)}


def since_date(text: str | None, now: datetime, zone: tzinfo) -> date:
    """The agenda's first day: `text` (YYYY-MM-DD) or seven days before today in the site's time zone;
    ValueError for anything else."""
    if not text:
        return (now.astimezone(zone) - timedelta(days=WEEK_DAYS)).date()
    return date.fromisoformat(text.strip())


def day_start(day: date, zone: tzinfo) -> str:
    """Midnight starting `day` in the site's time zone, as storage writes times (UTC)."""
    local = datetime(day.year, day.month, day.day, tzinfo=zone)
    return local.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class AgendaItem:
    """One case on the agenda: its reference, owner, when its result was made, and the summary's
    recommendation and points, laid out as the case page lays them out (escaped HTML)."""

    ref: str
    owner: str
    at: str
    title: str
    body: str


def _item(parts: Parts, ref: str, owner: str, at: str) -> AgendaItem:
    title = recommendation_words(parts.result.recommendation) if parts.result else "No recommendation"
    body = "\n".join([*recommendation_html(parts), *points_html(parts), *flags_html(parts)])
    return AgendaItem(ref, owner, at, title, body)


def agenda_items(
    path: str | os.PathLike[str],
    rows: list[dict[str, Any]],
    zone: tzinfo,
    guidance: frozenset[str] = ALL_GROUPS,
) -> tuple[list[AgendaItem], str]:
    """Each case of the agenda query's rows with its points and the flags of the site's `guidance`
    groups, and the statements and other guidance they cite, quoted once (the summary's footer)."""
    items, cited, other = [], set[str](), set[str]()
    with Store(path, readonly=True) as store, store.transaction():
        for row in rows:
            found = case_in_zone(store, row["ref"], zone, guidance)
            if found is None:
                continue
            parts = summary_parts(found[1])
            cited.update(cited_statements(parts.result))
            other.update(parts.guidance_sources)
            items.append(_item(parts, row["ref"], row["owner"] or "", when(row["result_at"], zone)))
    order = tuple(sorted(cited, key=lambda s: int(s[1:])))
    guidance_order = tuple(s for s in GUIDANCE_SOURCES if s in other)
    intro = f"Statements cited above, from {CITATION}:"
    return items, "\n".join(sources_html(order, intro, guidance_order))
