"""The team's pages of the review site, as a Datasette plugin: its hooks (`register_routes`,
`render_cell`, `menu_links`) and templates (`review/templates/`), nothing of Datasette subclassed.

* `/`: the team's home: cases needing review (newest first), open cases with how long each has waited and
  where, the week's results; then the canned queries and the tables, for analysts.
* `/case/REF`: one case: the referral summary's parts (as `summary --format html` lays them out, each
  point with its statement quoted), the history and the transcript; `/case/REF.pdf` the summary as a PDF.
* `/agenda?since=YYYY-MM-DD`: the cases needing review since a day (default: seven days back), each with
  its points, printable on A4.
* The canned queries' cells in words (`_words.py`) and every case reference a link to its page; the raw
  tables and the data formats (.json, .csv) keep the codes.

Times are to the minute in the site's time zone (the plugin's `time_zone`, from the users file's
[settings]). Every page reads the database read-only: the canned queries through Datasette's read-only
connection, a case through storage's.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import quote

from datasette import Response, hookimpl
from datasette.utils.asgi import BadRequest, NotFound
from markupsafe import Markup

from ..criteria import ALL_GROUPS
from ._case_page import case_page, case_summary_view
from ._team_pages import (
    AGENDA_MAX,
    HOME_ROWS,
    WEEK_DAYS,
    agenda_items,
    day_start,
    needing_review,
    open_cases,
    query_rows,
    since_date,
    week_results,
)
from ._words import cell_words, zone_of
from .metadata import DATABASE, DESCRIPTION, TITLE

#: This plugin's name in the site's metadata (`plugins`), where its `time_zone` is set.
PLUGIN = "itb-screen"
#: A case reference as the dialogue allows it (letters, digits, - and _).
_REF = r"(?P<ref>[A-Za-z0-9_-]{1,64})"


def site_zone(datasette: Any) -> tzinfo:
    return zone_of((datasette.plugin_config(PLUGIN) or {}).get("time_zone"))


def site_guidance(datasette: Any) -> frozenset[str]:
    """The groups of other guidance the site shows (its users file's [settings] guidance; all without)."""
    chosen = (datasette.plugin_config(PLUGIN) or {}).get("guidance")
    return ALL_GROUPS if chosen is None else frozenset(chosen)


def case_link(datasette: Any, ref: str) -> Markup:
    href = datasette.urls.path(f"case/{quote(ref)}")
    return Markup('<a href="{}">{}</a>').format(href, ref)


def _db_path(datasette: Any) -> str:
    return str(datasette.get_database(DATABASE).path)


async def _page(datasette: Any, request: Any, template: str, context: dict[str, Any]) -> Response:
    context = {"site_title": TITLE, "database": DATABASE, **context}
    return Response.html(await datasette.render_template(template, context, request=request))


def _listed(datasette: Any) -> dict[str, Any]:
    """The canned queries and the tables people read, with their titles and descriptions."""
    queries = datasette.metadata("queries", database=DATABASE) or {}
    tables = datasette.metadata("tables", database=DATABASE) or {}
    return {
        "queries": [(name, q.get("title", name), q.get("description", "")) for name, q in queries.items()],
        "tables": [
            (name, t.get("title", name), t.get("description", ""))
            for name, t in tables.items()
            if not t.get("hidden")
        ],
    }


async def home(datasette: Any, request: Any) -> Response:
    zone, now = site_zone(datasette), datetime.now(UTC)
    context = {
        "description": DESCRIPTION,
        "review": await needing_review(datasette, zone),
        "open": await open_cases(datasette, now),
        "week": await week_results(datasette, now),
        "week_days": WEEK_DAYS,
        "home_rows": HOME_ROWS,
        "zone": str(zone),
        **_listed(datasette),
    }
    return await _page(datasette, request, "itb_home.html", context)


async def case(datasette: Any, request: Any) -> Response:
    ref = request.url_vars["ref"]
    path, zone, guidance = _db_path(datasette), site_zone(datasette), site_guidance(datasette)
    page = await asyncio.to_thread(case_page, path, ref, zone, guidance)
    if page is None:
        raise NotFound(f"No case {ref} in this database.")
    context = {"page": page, "summary": Markup(page.summary), "zone": str(site_zone(datasette))}
    return await _page(datasette, request, "itb_case.html", context)


async def case_pdf(datasette: Any, request: Any) -> Response:
    from .pdf import render_pdf

    ref = request.url_vars["ref"]
    path, zone, guidance = _db_path(datasette), site_zone(datasette), site_guidance(datasette)
    view = await asyncio.to_thread(case_summary_view, path, ref, zone, guidance)
    if view is None:
        raise NotFound(f"No case {ref} in this database.")
    pdf = await asyncio.to_thread(render_pdf, view)
    disposition = f'inline; filename="{view.ref}-referral-summary.pdf"'  # a reference is [A-Za-z0-9_-]
    return Response(pdf, content_type="application/pdf", headers={"content-disposition": disposition})


async def agenda(datasette: Any, request: Any) -> Response:
    zone, now = site_zone(datasette), datetime.now(UTC)
    try:
        day = since_date(request.args.get("since"), now, zone)
    except ValueError:
        raise BadRequest("since must be a day written YYYY-MM-DD, such as 2026-11-02.") from None
    rows, more = await query_rows(datasette, "agenda", since=day_start(day, zone))
    guidance = site_guidance(datasette)
    items, sources = await asyncio.to_thread(
        agenda_items, _db_path(datasette), rows[:AGENDA_MAX], zone, guidance
    )
    context = {
        "since": day.isoformat(),
        "items": items,
        "left_out": len(rows) - len(items) if len(rows) > AGENDA_MAX else 0,
        "more": more,
        "sources": Markup(sources),
        "zone": str(zone),
        "printed": f"{now.astimezone(zone):%Y-%m-%d %H:%M %Z}",
    }
    return await _page(datasette, request, "itb_agenda.html", context)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    # Plugin routes are matched before Datasette's own, so `/` is the team's home (`/.json` stays
    # Datasette's).
    return [
        (r"^/$", home),
        (r"^/agenda$", agenda),
        (rf"^/case/{_REF}\.pdf$", case_pdf),
        (rf"^/case/{_REF}$", case),
    ]


_REFS_SPLIT = re.compile(r",\s*")


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    """A canned query's cell in words; a case reference (or a list of them) a link to its case page.
    Raw tables (`table` set) keep their values."""
    if database != DATABASE or table is not None or value is None:
        return None
    if column == "ref":
        return case_link(datasette, str(value))
    if column == "refs":
        return Markup(", ").join(case_link(datasette, ref) for ref in _REFS_SPLIT.split(str(value)) if ref)
    return cell_words(row, column, value, site_zone(datasette))


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[Any], Any]:
    """The site answers only GET and HEAD (`site.get_only`), also for `datasette.client`."""
    from .site import get_only

    return get_only


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    return [
        {"href": datasette.urls.path("/"), "label": "Team home"},
        {"href": datasette.urls.path("agenda"), "label": "Agenda for the meeting"},
    ]
