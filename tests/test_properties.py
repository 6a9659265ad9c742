"""Property tests: random valid answer sets never crash and always give one of the six recommendations."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from itb_screen.criteria import (
    CRITERIA_VERSION,
    QUESTIONS,
    RECOMMENDATIONS,
    evaluate,
    validate_answers,
)

from .conftest import spec_point_order

SPEC_ORDER = spec_point_order()


def _value(question):
    if question.kind == "number":
        return st.integers(question.minimum, question.maximum)
    if question.kind == "one":
        return st.sampled_from(question.codes)
    others = [c for c in question.codes if c != question.exclusive_code]
    some = st.lists(st.sampled_from(others), min_size=1, unique=True)
    if question.exclusive_code:
        return st.one_of(some, st.just([question.exclusive_code]))
    return some


answer_sets = st.fixed_dictionaries(
    {}, optional={q.field: st.one_of(_value(q), st.just("unknown")) for q in QUESTIONS}
)

# Answers that only ever trigger `candidate` points (screening-spec.md: they never lower a recommendation).
CANDIDATE_TRIGGERS = {
    "ambulatory": "yes",
    "age_years": 7,
    "cognitive_impairment": "yes",
    "disease_course": "progressive",
    "prior_treatments": ["none"],
}


@settings(max_examples=300, deadline=None)
@given(answer_sets)
def test_random_answers_give_one_of_six(raw):
    result = evaluate(validate_answers(raw))
    assert result.recommendation in RECOMMENDATIONS
    assert result.criteria_version == CRITERIA_VERSION
    table = SPEC_ORDER
    emitted = [p.code for p in result.discussion_points]
    assert emitted == sorted(emitted, key=table.index)
    assert len(set(emitted)) == len(emitted)


@settings(max_examples=300, deadline=None)
@given(answer_sets, st.sampled_from(sorted(CANDIDATE_TRIGGERS)))
def test_adding_a_candidate_trigger_never_changes_the_recommendation(raw, field):
    before = evaluate(validate_answers(raw))
    after = evaluate(validate_answers({**raw, field: CANDIDATE_TRIGGERS[field]}))
    assert after.recommendation == before.recommendation
