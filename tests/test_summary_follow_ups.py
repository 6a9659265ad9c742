"""A result stored before the follow-up questions (a database of 37f8552, upgraded) is not stale for them.

That version stored no flags, no guidance_version, and an `unanswered` without the follow-up fields, which
it never asked (other-guidance.md, "Follow-up questions"). Evaluated today, the same answers list the
follow-ups the case never had in `unanswered`: they are the other guidance's, not the consensus's, so
neither the summary nor the case page may say the answers changed. An answer changed after the result
still does. On a real database file, through the real CLI and the review site.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.criteria import QUESTIONS, evaluate, validate_answers
from itb_screen.review.metadata import DATABASE
from itb_screen.review.site import build_datasette
from itb_screen.storage import Store

from .conftest import DATA
from .test_team_pages import text_of

GUIDANCE = {v["id"]: v for v in map(json.loads, (DATA / "guidance-public.jsonl").read_text().splitlines())}
FOLLOW_UPS = frozenset(q.field for q in QUESTIONS if q.from_guidance)
STALE = "The answers have changed since this result was made: re-evaluate before referring."


def as_37f8552_asked(ref: str) -> dict:
    """A guidance vignette's answers without the follow-ups, which 37f8552 did not ask."""
    return {f: v for f, v in GUIDANCE[ref]["answers"].items() if f not in FOLLOW_UPS}


def as_37f8552_stored(answers: dict) -> dict:
    """The result 37f8552 stored for these answers: no flags, no guidance_version, and `unanswered` the
    questions it asked without an answer, no follow-up among them (checked against that commit's
    `evaluate` for PG01..PG06)."""
    made = evaluate(validate_answers(answers)).to_dict()
    kept = {k: v for k, v in made.items() if k not in ("other_guidance", "guidance_version")}
    return {**kept, "unanswered": [f for f in made["unanswered"] if f not in FOLLOW_UPS]}


@pytest.fixture
def old_cases(db_path) -> Path:
    """PRE-1 (PG03) and PRE-2 (PG01) finished under 37f8552, PRE-3 (PG03) with its mental health not known;
    after their results, PRE-2's active infection answered yes and PRE-3's mental health none (a change
    only `unanswered` shows: the recommendation and points stay)."""
    with Store(db_path) as store:
        user = store.user("console", "al", "Al").id
        for ref, vignette, not_known in (
            ("PRE-1", "PG03", ()),
            ("PRE-2", "PG01", ()),
            ("PRE-3", "PG03", ("mental_health",)),
        ):
            answers = {f: v for f, v in as_37f8552_asked(vignette).items() if f not in not_known}
            case = store.create_case(user, ref, "age_years")
            with store.transaction():
                for field, value in validate_answers(answers).items():
                    store.record_answer(case.id, field, value, user, "answer")
                for field in not_known:
                    store.record_answer(case.id, field, None, user, "unknown")
                store.record_result(case.id, as_37f8552_stored(answers), user)
                store.save_case(case.id, state="done", status="done", return_to_review=0, pending=None)
        store.record_answer(store.case_by_ref("PRE-2").id, "active_infection", "yes", user, "change")
        store.record_answer(store.case_by_ref("PRE-3").id, "mental_health", "none", user, "change")
    # Today's evaluation differs from PRE-1's stored result only by the follow-up it never asked.
    now = evaluate(validate_answers(as_37f8552_asked("PG03"))).to_dict()
    assert list(now["unanswered"]) == ["sci_level_t6_or_above"]
    return db_path


def summary(db_path: Path, ref: str) -> str:
    done = CliRunner().invoke(cli, ["summary", ref, "--db", str(db_path), "--format", "text"])
    assert done.exit_code == 0, done.output
    return done.stdout


def test_the_summary_warns_of_a_changed_answer_not_of_a_follow_up_never_asked(old_cases) -> None:
    unchanged = summary(old_cases, "PRE-1")
    assert "Recommendation: " in unchanged
    assert "Warning:" not in unchanged and STALE not in unchanged, unchanged
    for ref in ("PRE-2", "PRE-3"):
        changed = summary(old_cases, ref)
        assert f"Warning: {STALE}" in changed, changed


@pytest.mark.asyncio
async def test_the_case_page_warns_of_a_changed_answer_not_of_a_follow_up_never_asked(old_cases) -> None:
    ds = build_datasette(old_cases, "UTC", ["label", "nice"])
    try:
        unchanged = await ds.client.get("/case/PRE-1")
        changed = [await ds.client.get(f"/case/{ref}") for ref in ("PRE-2", "PRE-3")]
    finally:
        ds.get_database(DATABASE).close()
        ds.executor.shutdown(wait=False)
    assert [p.status_code for p in (unchanged, *changed)] == [200, 200, 200]
    before_history = text_of(unchanged.text).split(" History ")[0]
    assert "Refer" in before_history and STALE not in before_history, before_history
    assert all(STALE in text_of(page.text).split(" History ")[0] for page in changed)
