"""The review site's canned queries rewritten for 100,000 cases (issue 18): on a small database with an
amendment, a re-evaluation, a void case, a cancelled one and open ones, each gives the rows its data call
for (written out below from what is stored) and the rows its definition before the rewrite gave; the
typed-text search reads its own full-text index, kept by triggers and filled by the upgrade."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

if importlib.util.find_spec("datasette") is None and not os.environ.get("CI"):
    pytest.skip("Datasette is not installed: pip install -e '.[test]'", allow_module_level=True)

from itb_screen.criteria import QUESTIONS, evaluate, validate_answers
from itb_screen.review.metadata import DATABASE
from itb_screen.review.queries import DASHBOARD_QUERIES, QUERIES
from itb_screen.storage import Store, migrations

from .conftest import VIGNETTES
from .storage_clock import set_storage_clock
from .test_dashboard import Clock
from .test_review_site import datasette_on, rows

P01 = next(v["answers"] for v in VIGNETTES if v["id"] == "P01")  # refer for screening
FINANCIAL = {**P01, "financial_burden": "yes"}  # refer after review, because of the financial burden
INFECTED = {**P01, "active_infection": "yes"}  # defer: active infection


def _screen(store: Store, clock: Clock, ref: str, start: str, answers: dict, reviewed_after: float):
    """A case answered in catalogue order from `start`, one answer a minute, at the review after
    `reviewed_after` minutes; its id and owner's."""
    alice = store.user("console", "alice", "Alice").id
    clock.set(start)
    case = store.create_case(alice, ref, "age_years")
    for n, question in enumerate(q for q in QUESTIONS if q.field in answers):
        clock.set(start, n * 0.1)
        value = validate_answers({question.field: answers[question.field]})[question.field]
        store.record_answer(case.id, question.field, value, alice, "answer")
    clock.set(start, reviewed_after)
    store.save_case(case.id, state="review", status="open", return_to_review=0, pending=None, at_review=True)
    return case.id, alice


def _confirm(store: Store, clock: Clock, case_id: int, user: int, at: str, answers: dict, kind="confirm"):
    clock.set(at)
    store.record_result(case_id, evaluate(validate_answers(answers)).to_dict(), user, kind)
    store.save_case(case_id, state="done", status="done", return_to_review=0, pending=None)


def _generate(store: Store, clock: Clock) -> None:
    # R1: an answer corrected before the review (not "changed after review"); a typed line and a bot line
    # with the searched word. Confirmed 12 minutes after /new (week of Monday 5 October 2026).
    r1, alice = _screen(store, clock, "R1", "2026-10-05 09:00", P01, 10)
    clock.set("2026-10-05 09:05")
    store.record_answer(r1, "age_years", 41, alice, "change")
    store.record_answer(r1, "age_years", P01["age_years"], alice, "change")
    store.record_message(alice, r1, "console", "out", "Does the patient have a hydrocephalus shunt?")
    store.record_message(alice, r1, "console", "in", "no shunt, never had one")
    _confirm(store, clock, r1, alice, "2026-10-05 09:12", P01)
    # R2: refer after review (financial burden), confirmed after 20 minutes; amended a week later: the
    # burden changed to no at the review, confirmed again as refer for screening.
    r2, _ = _screen(store, clock, "R2", "2026-10-06 10:00", FINANCIAL, 15)
    _confirm(store, clock, r2, alice, "2026-10-06 10:20", FINANCIAL)
    clock.set("2026-10-13 09:00")
    store.record_event(r2, "amend", "burden mistyped", alice)
    store.save_case(r2, state="review", status="open", return_to_review=0, pending=None)
    clock.set("2026-10-13 09:05")
    store.record_answer(r2, "financial_burden", "no", alice, "change")
    _confirm(store, clock, r2, alice, "2026-10-13 09:06", P01, kind="amend")
    # R3: refer for screening, confirmed after 30 minutes; re-evaluated on the 14th as refer after review
    # (a result stored beside, with no user: what `reevaluate --apply` stores).
    r3, _ = _screen(store, clock, "R3", "2026-10-07 09:00", P01, 20)
    _confirm(store, clock, r3, alice, "2026-10-07 09:30", P01)
    clock.set("2026-10-14 08:00")
    store.record_result(r3, evaluate(validate_answers(FINANCIAL)).to_dict(), None, "reevaluate")
    # R4: defer, an answer changed after the review, a typed line with the word; then voided.
    r4, _ = _screen(store, clock, "R4", "2026-10-12 09:00", INFECTED, 10)
    clock.set("2026-10-12 09:11")
    store.record_answer(r4, "seizures", "yes", alice, "change")
    store.record_message(alice, r4, "console", "in", "shunt revised last year")
    _confirm(store, clock, r4, alice, "2026-10-12 09:15", {**INFECTED, "seizures": "yes"})
    clock.set("2026-10-14 09:00")
    store.record_event(r4, "void", "opened by mistake", alice)
    store.save_case(r4, state="done", status="void", return_to_review=0, pending=None)
    # R5: cancelled at the course; R6: open at the interference (age answered, condition skipped, course
    # not known); R7: confirmed after 45 minutes on the 19th, reopened to amend, open at the review.
    clock.set("2026-10-14 10:00")
    r5 = store.create_case(alice, "R5", "age_years").id
    store.record_answer(r5, "age_years", 30, alice, "answer")
    store.save_case(r5, state="disease_course", status="cancelled", return_to_review=0, pending=None)
    clock.set("2026-10-15 10:00")
    r6 = store.create_case(alice, "R6", "age_years").id
    store.record_answer(r6, "age_years", 50, alice, "answer")
    store.record_answer(r6, "primary_condition", None, alice, "skip")
    store.record_answer(r6, "disease_course", None, alice, "unknown")
    store.save_case(r6, state="interference", status="open", return_to_review=0, pending=None)
    r7, _ = _screen(store, clock, "R7", "2026-10-19 09:00", P01, 30)
    _confirm(store, clock, r7, alice, "2026-10-19 09:45", P01)
    clock.set("2026-10-20 09:00")
    store.record_event(r7, "amend", "to check the goals", alice)
    store.save_case(r7, state="review", status="open", return_to_review=0, pending=None)


@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("queries") / "itb.db"
    clock = Clock()
    with pytest.MonkeyPatch.context() as patch, Store(path) as store:
        set_storage_clock(patch, clock)  # results are stamped in a module of their own since issue 19
        _generate(store, clock)
    return path


@pytest.fixture
def ds(small_db):
    yield from datasette_on(small_db)


SINCE = {"since": "2026-10-13"}


@pytest.mark.asyncio
async def test_the_latest_result_of_each_case_counts(ds):
    """R2 by its amendment, R3 by its re-evaluation, R7 (reopened) by its confirmation; R4 void, R5
    cancelled and R6 with no result left out."""
    got = [(r["recommendation"], r["cases"], r["refs"]) for r in await rows(ds, "results_by_recommendation")]
    assert got == [("refer_for_screening", 3, "R7, R2, R1"), ("refer_after_review", 1, "R3")]  # newest first
    review = await rows(ds, "cases_needing_review")
    assert [(r["ref"], r["why"], r["kind"]) for r in review] == [
        ("R3", "financial_burden = yes", "reevaluate")
    ]
    since = [(r["recommendation"], r["refs"]) for r in await rows(ds, "results_since", **SINCE)]
    assert since == [("refer_after_review", "R3"), ("refer_for_screening", "R2")]  # R7 is open
    assert [r["ref"] for r in await rows(ds, "agenda", **SINCE)] == ["R3"]


@pytest.mark.asyncio
async def test_cases_per_week_and_time_to_confirm(ds):
    """Weeks of first confirmation (R2's amendment and R3's re-evaluation are not), coloured by the latest
    result; minutes from /new to the first confirmation: 12, 20 and 30, then 45."""
    got = {(r["week"], r["recommendation"]): r["cases"] for r in await rows(ds, "cases_per_week")}
    assert got == {
        ("2026-10-05", "refer_for_screening"): 2,  # R1; R2 by its amendment
        ("2026-10-05", "refer_after_review"): 1,  # R3 by its re-evaluation
        ("2026-10-19", "refer_for_screening"): 1,  # R7, reopened; not R4 (void)
    }
    keys = ("week", "cases", "fastest", "lower_quartile", "median", "upper_quartile", "slowest")
    got = [tuple(r[k] for k in keys) for r in await rows(ds, "time_to_confirm")]
    assert got == [("2026-10-05", 3, 12, 12, 20, 30, 30), ("2026-10-19", 1, 45, 45, 45, 45, 45)]


@pytest.mark.asyncio
async def test_open_cases_and_where_cases_stopped(ds):
    got = [(r["ref"], r["where"], r["answered"], r["skipped"]) for r in await rows(ds, "open_cases")]
    assert got == [("R7", "review", len(P01), 0), ("R6", "interference", 1, 2)]
    stopped = {r["field"]: (r["open"], r["cancelled"]) for r in await rows(ds, "where_cases_stopped")}
    assert {field: counts for field, counts in stopped.items() if counts != (0, 0)} == {
        "disease_course": (0, 1),
        "interference": (1, 0),
        "review": (1, 0),
    }


@pytest.mark.asyncio
async def test_answers_changed_after_review_and_the_transcript_searches(ds):
    changed = await rows(ds, "answers_changed_after_review")
    got = [(r["ref"], r["field"], r["previous_value"], r["new_value"]) for r in changed]
    assert got == [("R2", "financial_burden", '"yes"', '"no"')]  # not R1's (before), nor R4's (void)
    typed = [(r["ref"], r["direction"], r["text"]) for r in await rows(ds, "transcript_search", q="shunt")]
    assert typed == [("R1", "in", "no shunt, never had one")]
    every = [(r["ref"], r["direction"]) for r in await rows(ds, "transcript_search_all", q="shunts")]
    assert every == [("R1", "out"), ("R1", "in")]


# The definitions before the rewrite (queries.py at issue 17), run on the same database for comparison.
OLD_LATEST = """latest AS (
  SELECT r.* FROM results r
  WHERE r.id IN (SELECT max(id) FROM results GROUP BY case_id)
    AND r.case_id IN (SELECT id FROM cases WHERE status NOT IN ('cancelled', 'void'))
)"""
OLD_FIRST_CONFIRMED = """first_confirmed AS (
  SELECT c.id AS case_id, c.created_at, min(r.at) AS confirmed_at
  FROM cases c JOIN results r ON r.case_id = c.id AND r.kind = 'confirm'
  WHERE c.status NOT IN ('cancelled', 'void')
  GROUP BY c.id
)"""
OLD = {
    "by": f"""WITH {OLD_LATEST}
SELECT recommendation, count(*) AS cases, group_concat(ref, ', ') AS refs
FROM (SELECT l.recommendation, c.ref FROM latest l JOIN cases c ON c.id = l.case_id ORDER BY c.ref)
GROUP BY recommendation ORDER BY cases DESC, recommendation""",
    "open_cases": """WITH current AS (
  SELECT a.case_id, a.field, a.value FROM answers a
  WHERE a.id IN (SELECT max(id) FROM answers GROUP BY case_id, field)
)
SELECT c.ref, c.state AS "where",
  (SELECT count(*) FROM current WHERE current.case_id = c.id AND current.value IS NOT NULL) AS answered,
  (SELECT count(*) FROM current WHERE current.case_id = c.id AND current.value IS NULL) AS skipped
FROM cases c WHERE c.status = 'open' ORDER BY c.updated_at DESC, c.id DESC""",
    "cases_per_week": f"""WITH {OLD_LATEST}, {OLD_FIRST_CONFIRMED}
SELECT date(f.confirmed_at, 'weekday 0', '-6 days') AS week, l.recommendation, count(*) AS cases
FROM latest l JOIN first_confirmed f ON f.case_id = l.case_id
GROUP BY week, l.recommendation ORDER BY week, l.recommendation""",
    "where_cases_stopped": """SELECT c.state AS field,
  (SELECT count(*) FROM cases d WHERE d.state = c.state AND d.status = 'open') AS open,
  (SELECT count(*) FROM cases d WHERE d.state = c.state AND d.status = 'cancelled') AS cancelled
FROM cases c WHERE c.status IN ('open', 'cancelled') GROUP BY c.state ORDER BY c.state""",
}


def _old(name: str) -> str:
    """A rewritten query as it was: its CTEs of before put back (the rest of its text is unchanged)."""
    from itb_screen.review import queries

    sql = {**QUERIES, **DASHBOARD_QUERIES}[name]["sql"]
    return sql.replace(queries._LATEST_RESULTS, OLD_LATEST).replace(
        queries._FIRST_CONFIRMED, OLD_FIRST_CONFIRMED
    )


async def _sql(ds, sql: str, **params) -> list[dict]:
    response = await ds.client.get(f"/{DATABASE}.json", params={"sql": sql, "_shape": "array", **params})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.asyncio
async def test_each_rewritten_query_gives_the_rows_of_its_old_definition(ds):
    old = {r["recommendation"]: (r["cases"], set(r["refs"].split(", "))) for r in await _sql(ds, OLD["by"])}
    new = await rows(ds, "results_by_recommendation")  # its references newest first now, at most 100
    assert old == {r["recommendation"]: (r["cases"], set(r["refs"].split(", "))) for r in new}
    for name, params in (
        ("cases_needing_review", {}),
        ("results_since", SINCE),
        ("agenda", SINCE),
        ("time_to_confirm", {}),
    ):
        assert _old(name) != {**QUERIES, **DASHBOARD_QUERIES}[name]["sql"], name
        assert await rows(ds, name, **params) == await _sql(ds, _old(name), **params), name
    assert await _sql(ds, OLD["cases_per_week"]) == await rows(ds, "cases_per_week")
    keys = ("ref", "where", "answered", "skipped")
    new = [{k: r[k] for k in keys} for r in await rows(ds, "open_cases")]
    assert await _sql(ds, OLD["open_cases"]) == new
    stopped = [r for r in await rows(ds, "where_cases_stopped") if r["open"] or r["cancelled"]]
    new = sorted(({k: r[k] for k in ("field", "open", "cancelled")} for r in stopped), key=str)
    assert sorted(await _sql(ds, OLD["where_cases_stopped"]), key=str) == new


# The typed-text index ----------------------------------------------------------------------------------
def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": ""}
    return subprocess.run(
        [sys.executable, "-m", "itb_screen", *args], capture_output=True, text=True, env=env
    )


def test_the_typed_index_follows_the_transcript_and_a_purge(db_path, store):
    alice = store.user("console", "alice", "Alice").id
    case = store.create_case(alice, "T-1", "age_years")
    store.record_message(alice, case.id, "console", "out", "Any allergy to baclofen?")
    store.record_message(alice, case.id, "console", "in", "allergy not confirmed")
    assert [hit["direction"] for hit in store.search("allergy", typed=True)] == ["in"]
    assert [hit["direction"] for hit in store.search("allergy")] == ["out", "in"]
    store.save_case(case.id, state="done", status="done", return_to_review=0, pending=None)
    assert store.purge(0, apply=True).messages == 2
    assert store.search("allergy", typed=True) == [] and store.search("allergy") == []
    assert [hit["text"][:7] for hit in store.search("purged", typed=True)] == ["[purged"]


def test_an_upgrade_indexes_what_was_typed_before_it(tmp_path):
    """A database of schema 8 (before the keyed chain) with a typed line and a bot line: refused by the
    typed search (a reader never migrates) until `itb-screen upgrade`, which indexes the typed line."""
    path = tmp_path / "itb-screen.db"
    db = Database(path)
    migrations.apply(db, stop_before="0009_keyed_chain")
    db.execute("PRAGMA user_version = 8")
    db.execute("INSERT INTO users (channel, external_id, created_at) VALUES ('console', 'lee', 'x')")
    db.execute(
        "INSERT INTO cases (ref, user_id, state, status, created_at, updated_at) "
        "VALUES ('OLD-1', 1, 'done', 'done', 'x', '2026-01-05T10:00:00')"
    )
    for direction, text in (("out", "Does the patient have a shunt?"), ("in", "shunt since birth")):
        db.execute(
            "INSERT INTO messages (case_id, user_id, channel, direction, text, at) "
            "VALUES (1, 1, 'console', ?, ?, '2026-01-05T10:00:00')",
            (direction, text),
        )
    db.conn.commit()
    db.close()
    refused = _cli("search", "shunt", "--typed", "--db", str(path))
    assert refused.returncode == 2 and "run itb-screen upgrade" in refused.stderr
    assert _cli("upgrade", "--db", str(path)).returncode == 0
    found = _cli("search", "shunt", "--typed", "--db", str(path))
    assert found.returncode == 0 and found.stdout.splitlines() == [
        "OLD-1\t2026-01-05 10:00:00\tin \tshunt since birth"
    ]
    assert _cli("verify", "--db", str(path)).returncode == 0
