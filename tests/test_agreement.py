"""Agreement of the channels (issue 11, part 10) at a small count: generated answer sets give identical
results through `itb-screen evaluate`, the console and Telegram in process (benchmarks/agreement.py runs
5,000): the recommendation and points, and apart from them the other guidance flags. The comparison is shown
to catch a channel that screened a different answer, and one whose flags alone differ."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from itb_screen.criteria import (
    CRITERIA_VERSION,
    GUIDANCE_VERSION,
    QUESTIONS,
    UNKNOWN,
    evaluate,
    validate_answers,
)

from .conftest import DATA, ROOT
from .test_properties import answer_sets as hypothesis_answer_sets
from .test_readme_guidance import contract_flags, contract_follow_ups

sys.path.insert(0, str(ROOT / "benchmarks"))
import agreement  # noqa: E402

COUNT, SEED = 60, 11


def test_sixty_generated_sets_agree_through_the_three_channels(tmp_path):
    result = agreement.measure(COUNT, SEED, workdir=tmp_path)
    assert result.disagreements == []
    assert (result.count, result.agreed, result.disagreeing) == (COUNT, COUNT, 0)
    assert (result.consensus_agreed, result.flags_agreed) == (COUNT, COUNT)
    # The sets reach the outcomes that matter here: gaps (incomplete) and the full referral...
    assert {"incomplete", "refer_for_screening", "refer_after_review"} <= set(result.outcomes)
    # ...and every flag of the contract, so each was compared through the three channels.
    assert set(result.flags_raised) == set(contract_flags())
    assert COUNT // 4 < result.flagged < COUNT


def test_the_sets_are_deterministic_and_asked_as_the_dialogue_asks():
    sets = agreement.answer_sets(200, SEED)
    assert sets == agreement.answer_sets(200, SEED)
    assert sets != agreement.answer_sets(200, SEED + 1)
    for answer_set in sets:
        have = agreement.known(answer_set.answers)
        asked = [q.field for q in QUESTIONS if q.is_asked(have)]
        assert set(answer_set.answers) <= set(asked), answer_set  # nothing skip logic does not ask
    answers = [s.answers for s in sets]
    assert any(UNKNOWN in a.values() for a in answers)
    # An age left "unknown" is no age: known() drops it before comparing.
    assert any(agreement.known(a).get("age_years", 99) < 18 and "growth_complications" in a for a in answers)
    assert any(len(a) < len([q for q in QUESTIONS if q.is_asked(agreement.known(a))]) for a in answers)
    # The follow-ups are answered when asked (the subset check above keeps them out when not).
    assert all(any(f in a for a in answers) for f in contract_follow_ups())


def _changed(answer_set: agreement.AnswerSet) -> agreement.AnswerSet | None:
    """The set with one answer changed so that evaluate's result changes, if one such change exists."""
    before = evaluate(validate_answers(answer_set.answers))
    for question in QUESTIONS:
        if question.kind != "one" or question.field not in agreement.known(answer_set.answers):
            continue
        for code in question.codes:
            answers = {**answer_set.answers, question.field: code}
            if evaluate(validate_answers(answers)) != before:
                return agreement.AnswerSet(
                    answer_set.id, answers, answer_set.style, answer_set.telegram_typed
                )
    return None


def test_a_channel_given_one_different_answer_is_reported(tmp_path):
    sets = agreement.answer_sets(6, SEED)
    victim = next(i for i, s in enumerate(sets) if _changed(s) is not None)
    changed = _changed(sets[victim])
    assert changed is not None
    corrupted = [changed if i == victim else s for i, s in enumerate(sets)]
    expected = agreement.through_evaluate(sets, tmp_path)
    console = agreement.through_console(corrupted, tmp_path / "console.db")
    telegram = agreement.through_telegram(sets, tmp_path / "telegram.db")
    result = agreement.compare(sets, expected, {"console": console, "telegram": telegram})
    assert (result.agreed, result.disagreeing) == (len(sets) - 1, 1)
    [found] = result.disagreements
    assert (found.set_id, found.channel) == (sets[victim].id, "console")
    assert found.expected == expected[sets[victim].id] and found.got != found.expected


def test_a_missing_result_and_a_changed_field_are_disagreements():
    want = {
        "recommendation": "incomplete",
        "points": [],
        "missing_required": ["interference"],
        "unanswered": ["interference"],
        "criteria_version": CRITERIA_VERSION,
        "flags": ["under_label_age", "pump_size"],
        "guidance_version": GUIDANCE_VERSION,
    }
    sets = [agreement.AnswerSet(f"x{i}", {}, "numbers", False) for i in range(5)]
    expected = {s.id: want for s in sets}
    reordered = {**want, "flags": ["pump_size", "under_label_age"]}  # the same flags, out of order
    console = {"x0": want, "x1": None, "x2": want, "x3": reordered, "x4": want}
    telegram = {"x0": want, "x1": want, "x2": {**want, "criteria_version": "0"}, "x3": want}
    telegram["x4"] = {**want, "guidance_version": None}  # a result stored without the flags
    result = agreement.compare(sets, expected, {"console": console, "telegram": telegram})
    assert (result.agreed, result.disagreeing) == (1, 4)
    assert (result.consensus_agreed, result.flags_agreed) == (3, 2)
    assert [(d.set_id, d.channel, d.got, d.parts) for d in result.disagreements[:4]] == [
        ("x1", "console", None, ("consensus", "flags")),
        ("x2", "telegram", {**want, "criteria_version": "0"}, ("consensus",)),
        ("x3", "console", reordered, ("flags",)),
        ("x4", "telegram", {**want, "guidance_version": None}, ("flags",)),
    ]


def test_a_channel_whose_flags_alone_differ_is_reported_under_flags(tmp_path):
    """A seizure control answered otherwise in the console: same recommendation and points, one flag less."""
    pg01 = json.loads((DATA / "guidance-public.jsonl").read_text().splitlines()[0])
    assert pg01["id"] == "PG01"  # a child of 3, too small for a pump, seizures not controlled
    one = agreement.AnswerSet("PG01", pg01["answers"], "labels", False)
    changed = agreement.AnswerSet("PG01", {**one.answers, "seizures_controlled": "yes"}, "codes", True)
    expected = agreement.through_evaluate([one], tmp_path)
    assert expected["PG01"]["flags"] == pg01["expected"]["other_guidance"]
    channels = {
        "console": agreement.through_console([changed], tmp_path / "console.db"),
        "telegram": agreement.through_telegram([one], tmp_path / "telegram.db"),
    }
    result = agreement.compare([one], expected, channels)
    assert (result.agreed, result.consensus_agreed, result.flags_agreed) == (0, 1, 0)
    [found] = result.disagreements
    assert (found.channel, found.parts) == ("console", ("flags",))
    assert found.got is not None
    assert found.got["flags"] == ["under_label_age", "pump_size"]  # other-guidance.md, without N2's


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hypothesis_answer_sets)
def test_the_property_tests_answer_sets_agree_too(raw):
    # tests/test_properties.py's strategy, kept to what skip logic asks (the channels never see the rest).
    have = agreement.known(raw)
    answers = {f: v for f, v in raw.items() if any(q.field == f and q.is_asked(have) for q in QUESTIONS)}
    sets = [
        agreement.AnswerSet("h", answers, "labels", False),
        agreement.AnswerSet("t", answers, "codes", True),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        expected = agreement.through_evaluate(sets, where)
        channels = {
            "console": agreement.through_console(sets, where / "console.db"),
            "telegram": agreement.through_telegram(sets, where / "telegram.db"),
        }
    result = agreement.compare(sets, expected, channels)
    assert result.disagreements == []
