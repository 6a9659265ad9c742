"""The review site's dashboard (issue 12): each chart's canned query on a database of generated cases,
and the page in headless Chromium (no console errors, every chart drawn with marks)."""

from __future__ import annotations

import importlib.util
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

if importlib.util.find_spec("datasette_dashboards") is None and not os.environ.get("CI"):
    pytest.skip("datasette-dashboards is not installed: pip install -e '.[test]'", allow_module_level=True)

from itb_screen.dialogue import Dialogue, Identity
from itb_screen.review.dashboard import SLUG, SPECS
from itb_screen.review.metadata import DATABASE
from itb_screen.storage import Store

from .conftest import VIGNETTES
from .drive import screen
from .storage_clock import set_storage_clock
from .test_review_site import _confirm, datasette_on, headless, needs_chromium, rows, served

ALICE, BOB = Identity("console", "alice", "Alice"), Identity("console", "bob", "Bob")
CAROL, DAVE, ERIN = (Identity("console", n, n.title()) for n in ("carol", "dave", "erin"))
ANSWERS = {v["id"]: v["answers"] for v in VIGNETTES}
EXPECTED = {v["id"]: v["expected"]["recommendation"] for v in VIGNETTES}

#: Confirmed cases: reference, vignette, started (UTC), minutes from /new to confirm. Weeks start on
#: Monday 5, 12 and 19 October 2026; C01 starts on Sunday night and is confirmed on Monday (week of the 19th).
CONFIRMED = [
    ("A01", "P01", "2026-10-05 09:00", 10),
    ("A02", "P02", "2026-10-06 09:00", 20),
    ("A03", "P07", "2026-10-07 09:00", 30),
    ("A04", "P05", "2026-10-08 09:00", 40),
    ("B01", "P04", "2026-10-12 10:00", 5),
    ("B02", "P06", "2026-10-13 10:00", 15),
    ("B03", "P09", "2026-10-14 10:00", 60),
    ("V01", "P01", "2026-10-14 11:00", 7),  # voided later: left out of every chart
    ("C01", "P03", "2026-10-18 23:50", 30),
    ("C02", "P08", "2026-10-20 08:00", 2 * 24 * 60),
]


class Clock:
    """Storage's time stamps, set by the test (storage calls `now()` for every row it writes)."""

    def __init__(self) -> None:
        self.at = datetime(2026, 10, 1, tzinfo=UTC)

    def set(self, text: str, minutes: float = 0) -> None:
        self.at = datetime.fromisoformat(text).replace(tzinfo=UTC) + timedelta(minutes=minutes)

    def __call__(self) -> str:
        return self.at.isoformat(timespec="microseconds")


def _amend(dialogue: Dialogue, clock: Clock, ref: str, when: str, change: tuple[str, str] | None = None):
    clock.set(when)
    dialogue.handle(ALICE, f"/amend {ref}")
    assert dialogue.handle(ALICE, "a transcription slip")[-1].kind == "review"
    if change:
        assert dialogue.handle(ALICE, change[0])[-1].kind == "question"
        assert dialogue.handle(ALICE, change[1])[-1].kind == "review"


def _generate(dialogue: Dialogue, store: Store, clock: Clock) -> None:
    for ref, vignette, start, minutes in CONFIRMED:
        clock.set(start)
        assert screen(dialogue, ALICE, ref, ANSWERS[vignette], confirm=False)[-1].kind == "review"
        clock.set(start, minutes)
        assert _confirm(dialogue, ALICE)[-1].result.recommendation == EXPECTED[vignette]
    clock.set("2026-10-21 09:00")  # cancelled: O03 at the 2nd question, O04 at the 6th asked (adult)
    dialogue.handle(ALICE, "/new O03")
    dialogue.handle(ALICE, "40")
    dialogue.handle(ALICE, "/cancel")
    dialogue.handle(ALICE, "/new O04")
    for answer in ("40", "1", "1", "1", "2"):  # age, condition, course, interference, ambulatory
        dialogue.handle(ALICE, answer)
    dialogue.handle(ALICE, "/cancel")
    # Amendments: B02 in October (confirmed unchanged); A01 in November, made a hypersensitivity; V01 in
    # October, then voided; C01 in November, left open at the review.
    _amend(dialogue, clock, "B02", "2026-10-22 09:00")
    assert _confirm(dialogue, ALICE)[-1].result.recommendation == EXPECTED["P06"]
    number = 9  # the baclofen question's number on the review: the spec's
    _amend(dialogue, clock, "A01", "2026-11-02 09:00", (str(number), "4"))  # confirmed hypersensitivity
    assert _confirm(dialogue, ALICE)[-1].result.recommendation == "not_candidate_hypersensitivity"
    _amend(dialogue, clock, "V01", "2026-10-23 09:00")
    _confirm(dialogue, ALICE)
    dialogue.handle(ALICE, "/void V01 opened for the wrong patient")
    _amend(dialogue, clock, "C01", "2026-11-03 09:00")
    # Hand-offs, stored as the dialogue stores them (a case event of kind handoff): B03 in October, A03 in
    # November, V01 (void) in October.
    alice = store.user("console", "alice").id
    for ref, when in (("B03", "2026-10-25 09:00"), ("A03", "2026-11-05 09:00"), ("V01", "2026-10-26 09:00")):
        clock.set(when)
        store.record_event(store.case_by_ref(ref).id, "handoff", "", alice)
    # Open: O01 at the 3rd question, O02 at the review, O05 at the 2nd; V02 at the 2nd, then voided.
    clock.set("2026-11-04 09:00")
    for who, ref, answers in ((CAROL, "O01", ("50", "1")), (ERIN, "O05", ("50",)), (BOB, "V02", ("50",))):
        dialogue.handle(who, f"/new {ref}")
        for answer in answers:
            dialogue.handle(who, answer)
    assert screen(dialogue, DAVE, "O02", ANSWERS["P01"], confirm=False)[-1].kind == "review"
    dialogue.handle(BOB, "/void V02 opened by mistake")
    assert [store.case_by_ref(r).status for r in ("V01", "V02", "C01", "O03")] == [
        "void",
        "void",
        "open",
        "cancelled",
    ]


@pytest.fixture(scope="module")
def dash_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dashboard") / "itb.db"
    clock = Clock()
    with pytest.MonkeyPatch.context() as patch, Store(path) as store:
        set_storage_clock(patch, clock)
        _generate(Dialogue(store), store, clock)
    return path


@pytest.fixture
def ds(dash_db):
    yield from datasette_on(dash_db)


@pytest.mark.asyncio
async def test_cases_per_week_by_recommendation(ds):
    got = {(r["week"], r["recommendation"]): r["cases"] for r in await rows(ds, "cases_per_week")}
    assert got == {
        ("2026-10-05", "not_candidate_hypersensitivity"): 2,  # A04, and A01 after its amendment
        ("2026-10-05", "refer_after_review"): 1,
        ("2026-10-05", "refer_for_screening"): 1,
        ("2026-10-12", "defer_active_infection"): 1,
        ("2026-10-12", "not_indicated"): 1,
        ("2026-10-12", "refer_after_review"): 1,  # not V01: void
        ("2026-10-19", "incomplete"): 1,
        ("2026-10-19", "refer_for_screening"): 1,  # C01: started on Sunday, reopened to amend
    }


@pytest.mark.asyncio
async def test_time_to_confirm_median_and_quartiles_per_week(ds):
    keys = ("week", "cases", "fastest", "lower_quartile", "median", "upper_quartile", "slowest")
    got = [tuple(r[k] for k in keys) for r in await rows(ds, "time_to_confirm")]
    assert got == [
        ("2026-10-05", 4, 10, 10, 25, 30, 40),
        ("2026-10-12", 3, 5, 5, 15, 60, 60),  # V01 (7 minutes) left out: void
        ("2026-10-19", 2, 30, 30, 1455, 2880, 2880),
    ]


@pytest.mark.asyncio
async def test_where_open_and_cancelled_cases_stopped(ds):
    got = await rows(ds, "where_cases_stopped")
    # The spec's 18 questions and other-guidance.md's 5 follow-ups, in the order asked, then the review.
    assert [r["position"] for r in got] == list(range(1, 25))
    assert got[0]["field"] == "age_years" and got[-1]["field"] == "review"
    counts = {r["field"]: (r["open"], r["cancelled"]) for r in got if r["open"] or r["cancelled"]}
    assert counts == {
        "primary_condition": (1, 1),  # O05 open, O03 cancelled (V02: void)
        "disease_course": (1, 0),  # O01
        "prior_treatments": (0, 1),  # O04: the growth question is not asked of an adult
        "review": (2, 0),  # O02, and C01 reopened to amend it
    }


@pytest.mark.asyncio
async def test_handoffs_and_amendments_per_month(ds):
    got = await rows(ds, "handoffs_and_amendments")
    assert got == [
        {"month": "2026-10", "handoffs": 1, "amendments": 1},  # B03, B02; V01's left out (void)
        {"month": "2026-11", "handoffs": 1, "amendments": 2},  # A03; A01, C01
    ]


@pytest.mark.asyncio
async def test_each_chart_is_one_canned_query_with_csv(ds):
    config = ds.plugin_config("datasette-dashboards")[SLUG]["charts"]
    queries = ds.metadata("queries", database=DATABASE)
    for name in SPECS:
        assert config[name]["query"] == queries[name]["sql"]
        csv = await ds.client.get(f"/{DATABASE}/{name}.csv")
        assert csv.status_code == 200 and csv.text.count("\n") == len(await rows(ds, name)) + 1
    page = await ds.client.get(f"/-/dashboards/{SLUG}")
    assert page.status_code == 200
    assert all(f'href="/{DATABASE}/{name}.csv"' in page.text for name in SPECS)
    assert not re.findall(r'<script[^>]+src="(?:https?:)?//', page.text), "a script from another host"
    # The markdown plugin (there for that card) renders no cell, not even a column named *_markdown.
    cell = await ds.client.get(f"/{DATABASE}", params={"sql": "SELECT '**x**' AS note_markdown"})
    assert "**x**" in cell.text and "<strong>x</strong>" not in cell.text


# In a browser --------------------------------------------------------------------------------------
def _marks(dom: str, chart: str) -> int:
    """How many marks the chart's card holds: bars and ticks are SVG paths, rules lines, in Vega's mark
    groups."""
    card = re.search(f'<div id="card-{chart}".*?(?=<div id="card-|$)', dom, re.S)
    assert card, f"no card for {chart}"
    groups = re.findall(r'<g class="mark-\w+ role-mark[^"]*"[^>]*>(.*?)</g>', card.group(0), re.S)
    return sum(len(re.findall(r'<(?:path|line)[^>]*role="graphics-symbol"', group)) for group in groups)


#: The marks each chart draws on the generated cases: a bar per row of cases per week; a rule, a box and
#: a median tick per week; an open and a cancelled bar per step (zero-length ones too); two bars a month.
MARKS = {
    "cases_per_week": 8,
    "time_to_confirm": 3 * 3,
    "where_cases_stopped": 24 * 2,  # 18 questions, 5 follow-ups and the review
    "handoffs_and_amendments": 4,
}


@needs_chromium
def test_a_browser_draws_every_chart(dash_db):
    """The DOM after the page's scripts ran (virtual time lets the fetches and Vega finish), and the
    browser's log, where console messages show as CONSOLE lines."""
    with served(dash_db, f"/-/dashboards/{SLUG}") as base:
        flags = ("--enable-logging=stderr", "--v=0", "--virtual-time-budget=15000")
        browser = headless(f"{base}/-/dashboards/{SLUG}", *flags)
    assert browser.returncode == 0, browser.stderr[-2000:]
    console = [line for line in browser.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console
    assert {chart: _marks(browser.stdout, chart) for chart in SPECS} == MARKS
    assert "<svg" not in browser.stdout.split('id="card-sources"')[1]  # the card listing the queries
