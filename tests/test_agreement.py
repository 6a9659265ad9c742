"""Agreement of the channels (issue 11, part 10) at a small count: generated answer sets give identical
results through `itb-screen evaluate`, the console and Telegram in process (benchmarks/agreement.py runs
5,000). The comparison is shown to catch a channel that screened a different answer."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from itb_screen.criteria import CRITERIA_VERSION, QUESTIONS, UNKNOWN, evaluate, validate_answers

from .conftest import ROOT
from .test_properties import answer_sets as hypothesis_answer_sets

sys.path.insert(0, str(ROOT / "benchmarks"))
import agreement  # noqa: E402

COUNT, SEED = 60, 11


def test_sixty_generated_sets_agree_through_the_three_channels(tmp_path):
    result = agreement.measure(COUNT, SEED, workdir=tmp_path)
    assert result.disagreements == []
    assert (result.count, result.agreed, result.disagreeing) == (COUNT, COUNT, 0)
    # The sets reach the outcomes that matter here: gaps (incomplete) and the full referral.
    assert {"incomplete", "refer_for_screening", "refer_after_review"} <= set(result.outcomes)


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
    assert any(a.get("age_years", 99) < 18 and "growth_complications" in a for a in answers)
    assert any(len(a) < len([q for q in QUESTIONS if q.is_asked(agreement.known(a))]) for a in answers)


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
    }
    sets = [agreement.AnswerSet(f"x{i}", {}, "numbers", False) for i in range(3)]
    expected = {s.id: want for s in sets}
    console = {"x0": want, "x1": None, "x2": want}
    telegram = {"x0": want, "x1": want, "x2": {**want, "criteria_version": "0"}}
    result = agreement.compare(sets, expected, {"console": console, "telegram": telegram})
    assert (result.agreed, result.disagreeing) == (1, 2)
    assert [(d.set_id, d.channel, d.got) for d in result.disagreements] == [
        ("x1", "console", None),
        ("x2", "telegram", {**want, "criteria_version": "0"}),
    ]


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
