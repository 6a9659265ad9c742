"""The rules and discussion points of screening-spec.md, each on its own and in order."""

from __future__ import annotations

import pytest

from itb_screen.criteria import (
    CRITERIA_VERSION,
    FIELDS,
    POINTS,
    RULES,
    SEED_STATEMENTS,
    AnswerError,
    Question,
    asked_questions,
    evaluate,
    validate_answers,
)

from .conftest import VIGNETTE_IDS, VIGNETTES, spec_point_order

# The spec's questions answered so that nothing but goal_setting is triggered: each test changes one thing.
NEUTRAL = {
    "age_years": 40,
    "primary_condition": "spinal_cord_injury",
    "disease_course": "stable",
    "interference": ["comfort"],
    "ambulatory": "no",
    "prior_treatments": ["oral_antispasticity"],
    "cognitive_impairment": "no",
    "baclofen_reaction": "none",
    "active_infection": "no",
    "goals": ["reduce_pain_or_spasms"],
    "goals_realistic": "yes",
    "mental_health": "none",
    "psychosocial_compliance_concerns": "no",
    "financial_burden": "no",
    "hydrocephalus_shunt": "no",
    "seizures": "no",
    "abdominal_pelvic_surgery": "no",
}


def neutral(question: Question) -> object:
    """A question the list above does not know (one added to the catalogue): No, or None, if it has them."""
    if question.kind == "number":
        return question.minimum
    code = next((c for c in ("no", "none") if c in question.codes), question.codes[0])
    return [code] if question.kind == "many" else code


#: A complete case: every question an adult is asked, answered (from the catalogue, not a fixed list).
BASE = {q.field: NEUTRAL.get(q.field, neutral(q)) for q in asked_questions(NEUTRAL)}


def run(**changes):
    answers = {**BASE, **changes}
    answers = {k: v for k, v in answers.items() if v is not None}
    return evaluate(validate_answers(answers))


def codes(result) -> list[str]:
    return [p.code for p in result.discussion_points]


@pytest.mark.parametrize("case", VIGNETTES, ids=VIGNETTE_IDS)
def test_public_vignette(case):
    result = evaluate(validate_answers(case["answers"]))
    expected = case["expected"]
    assert result.recommendation == expected["recommendation"]
    assert codes(result) == expected["discussion_points"]
    assert list(result.missing_required) == expected["missing_required"]
    assert result.criteria_version == CRITERIA_VERSION


def test_base_case_is_referred_with_goal_setting_only():
    result = run()
    assert result.recommendation == "refer_for_screening"
    assert codes(result) == ["goal_setting"]
    assert result.unanswered == ()
    assert result.because[0].field == "interference"


# Each rule on its own: (rule order, changes, recommendation).
RULE_CASES = [
    (1, {"baclofen_reaction": "confirmed_hypersensitivity"}, "not_candidate_hypersensitivity"),
    (2, {"interference": ["none"]}, "not_indicated"),
    (3, {"active_infection": "yes"}, "defer_active_infection"),
    (4, {"interference": None}, "incomplete"),
    (4, {"baclofen_reaction": "unknown"}, "incomplete"),
    (4, {"active_infection": None}, "incomplete"),
    (5, {"goals_realistic": "no"}, "refer_after_review"),
    (5, {"mental_health": "unmanageable"}, "refer_after_review"),
    (5, {"psychosocial_compliance_concerns": "yes"}, "refer_after_review"),
    (5, {"financial_burden": "yes"}, "refer_after_review"),
    (5, {"baclofen_reaction": "recorded_allergy"}, "refer_after_review"),
    (6, {}, "refer_for_screening"),
]


@pytest.mark.parametrize(
    "order, changes, expected", RULE_CASES, ids=[f"rule{o}-{e}-{list(c)}" for o, c, e in RULE_CASES]
)
def test_each_rule_on_its_own(order, changes, expected):
    result = run(**changes)
    assert result.recommendation == expected
    rule = RULES[order - 1]
    assert rule.recommendation == expected
    assert result.recommendation_sources == rule.sources


def test_every_rule_has_a_case_and_cites_seed_statements():
    assert {o for o, _, _ in RULE_CASES} == {r.order for r in RULES}
    for rule in RULES:
        assert rule.sources and all(s in SEED_STATEMENTS for s in rule.sources)
        assert any(s in (rule.check.__doc__ or "") for s in rule.sources), rule


# Precedence: when two rules hold, the earlier decides.
PRECEDENCE = [
    (
        {"baclofen_reaction": "confirmed_hypersensitivity", "interference": ["none"]},
        "not_candidate_hypersensitivity",
    ),
    (
        {"baclofen_reaction": "confirmed_hypersensitivity", "active_infection": "yes"},
        "not_candidate_hypersensitivity",
    ),
    (
        {"baclofen_reaction": "confirmed_hypersensitivity", "interference": None},
        "not_candidate_hypersensitivity",
    ),
    ({"interference": ["none"], "active_infection": "yes"}, "not_indicated"),
    ({"interference": ["none"], "baclofen_reaction": None}, "not_indicated"),
    ({"interference": ["none"], "financial_burden": "yes"}, "not_indicated"),
    ({"active_infection": "yes", "baclofen_reaction": None}, "defer_active_infection"),
    ({"active_infection": "yes", "goals_realistic": "no"}, "defer_active_infection"),
    ({"baclofen_reaction": None, "goals_realistic": "no"}, "incomplete"),
    ({"interference": None, "financial_burden": "yes"}, "incomplete"),
]


@pytest.mark.parametrize("changes, expected", PRECEDENCE, ids=[e + "-" + "-".join(c) for c, e in PRECEDENCE])
def test_precedence_first_rule_that_holds_decides(changes, expected):
    assert run(**changes).recommendation == expected


def test_missing_required_in_catalogue_order():
    result = run(interference=None, baclofen_reaction=None, active_infection=None)
    assert result.missing_required == ("interference", "baclofen_reaction", "active_infection")
    assert [r.field for r in result.because] == list(result.missing_required)
    assert all(r.value is None for r in result.because)


def test_relative_items_all_listed_as_reasons():
    result = run(goals_realistic="no", financial_burden="yes", baclofen_reaction="recorded_allergy")
    assert [(r.field, r.value) for r in result.because] == [
        ("goals_realistic", "no"),
        ("financial_burden", "yes"),
        ("baclofen_reaction", "recorded_allergy"),
    ]


# Each point's trigger on its own: (point, changes).
POINT_CASES = {
    "baclofen_hypersensitivity": {"baclofen_reaction": "confirmed_hypersensitivity"},
    "active_infection": {"active_infection": "yes"},
    "verify_baclofen_allergy": {"baclofen_reaction": "recorded_allergy"},
    "oral_baclofen_intolerance": {"baclofen_reaction": "oral_side_effects"},
    "unrealistic_goals": {"goals_realistic": "no"},
    "mental_health": {"mental_health": "unmanageable"},
    "psychosocial_compliance": {"psychosocial_compliance_concerns": "yes"},
    "financial_burden": {"financial_burden": "yes"},
    "shunt_csf_flow": {"hydrocephalus_shunt": "yes"},
    "seizure_history": {"seizures": "yes"},
    "prior_abdominal_pelvic_surgery": {"abdominal_pelvic_surgery": "yes"},
    "ambulatory_rehab": {"ambulatory": "yes"},
    "paediatric_growth": {"age_years": 17},
    "cognition_oral_side_effects": {"cognitive_impairment": "yes"},
    "progressive_disease": {"disease_course": "progressive"},
    "not_reserved_for_failures": {"prior_treatments": ["none"]},
}


def test_every_point_has_a_trigger_case():
    assert set(POINT_CASES) | {"goal_setting"} == {p.code for p in POINTS}


@pytest.mark.parametrize("code", list(POINT_CASES))
def test_each_point_trigger_on_its_own(code):
    point = next(p for p in POINTS if p.code == code)
    with_trigger = run(**POINT_CASES[code])
    assert code in codes(with_trigger)
    emitted = next(p for p in with_trigger.discussion_points if p.code == code)
    assert (emitted.text, emitted.source) == (point.text, point.source)
    assert emitted.source in SEED_STATEMENTS
    assert emitted.because, "a triggered point names the answers behind it"
    assert code not in codes(run())


@pytest.mark.parametrize("code", [p.code for p in POINTS if p.kind == "candidate"])
@pytest.mark.parametrize(
    "decisive",
    [{"baclofen_reaction": "confirmed_hypersensitivity"}, {"interference": ["none"]}],
    ids=["hypersensitivity", "not_indicated"],
)
def test_candidate_points_are_dropped_when_not_a_candidate(code, decisive):
    trigger = POINT_CASES.get(code, {})
    result = run(**{**trigger, **decisive})
    assert code not in codes(result)


@pytest.mark.parametrize(
    "still_candidate",
    [{"active_infection": "yes"}, {"baclofen_reaction": None}, {"financial_burden": "yes"}],
    ids=["deferred", "incomplete", "after_review"],
)
def test_candidate_points_kept_for_deferred_incomplete_and_review(still_candidate):
    result = run(**{"ambulatory": "yes", **still_candidate})
    assert "ambulatory_rehab" in codes(result)
    assert codes(result)[-1] == "goal_setting"


def test_always_points_are_kept_when_not_a_candidate():
    result = run(baclofen_reaction="confirmed_hypersensitivity", seizures="yes", hydrocephalus_shunt="yes")
    assert codes(result) == ["baclofen_hypersensitivity", "shunt_csf_flow", "seizure_history"]


def test_points_follow_the_table_order():
    everything = {k: v for c in POINT_CASES.values() for k, v in c.items()}
    everything["baclofen_reaction"] = "recorded_allergy"  # one of the reaction codes at a time
    result = run(**everything)
    table = spec_point_order()
    assert len(codes(result)) >= 12
    assert codes(result) == sorted(codes(result), key=table.index)


def test_growth_answer_ignored_once_adult():
    child = run(age_years=10, growth_complications=["limb_deformity"])
    adult = run(age_years=30, growth_complications=["limb_deformity"])
    assert "paediatric_growth" in codes(child)
    assert "growth_complications" not in adult.unanswered
    assert "paediatric_growth" not in codes(adult)


def test_unanswered_applies_skip_logic():
    assert "growth_complications" in run(age_years=5).unanswered
    assert "growth_complications" not in run(age_years=18).unanswered
    assert "growth_complications" not in run(age_years=None).unanswered
    assert run(seizures=None).unanswered == ("seizures",)


@pytest.mark.parametrize(
    "field, never_lowers",
    [
        ("disease_course", "progressive"),
        ("prior_treatments", ["none"]),
        ("cognitive_impairment", "yes"),
        ("ambulatory", "yes"),
        ("age_years", 6),
        ("hydrocephalus_shunt", "yes"),
    ],
)
def test_protective_answers_never_lower_the_recommendation(field, never_lowers):
    assert run(**{field: never_lowers}).recommendation == "refer_for_screening"


# The plain-text wording: reasons as a sentence, fields by short labels (issue 9, part 5) --------------
BECAUSE = [
    ({}, "Because spasticity interferes with comfort."),
    ({"interference": ["mobility", "comfort"]}, "Because spasticity interferes with comfort and mobility."),
    (
        {"interference": ["adl", "positioning", "caregiver_assistance"]},
        "Because spasticity interferes with activities of daily living, positioning and caregiver "
        "assistance.",
    ),
    (
        {"interference": ["none"]},
        "Because spasticity interferes with none of comfort, function, activities of daily living, mobility, "
        "positioning or caregiver assistance.",
    ),
    ({"baclofen_reaction": "confirmed_hypersensitivity"}, "Because baclofen hypersensitivity is confirmed."),
    ({"active_infection": "yes"}, "Because the patient has an active infection."),
    ({"goals_realistic": "no"}, "Because the expectations look unrealistic."),
    (
        {
            "goals_realistic": "no",
            "mental_health": "unmanageable",
            "psychosocial_compliance_concerns": "yes",
            "financial_burden": "yes",
            "baclofen_reaction": "recorded_allergy",
        },
        "Because the expectations look unrealistic, mental health issues are unmanageable, psychosocial "
        "factors may prevent reliable follow-up, the cost is a concern for the patient or family and a "
        "baclofen allergy is recorded but not confirmed.",
    ),
    ({"interference": None}, ""),  # incomplete: the missing answers are listed on their own line
]


@pytest.mark.parametrize("changes, expected", BECAUSE, ids=[e[:40] or "incomplete" for _, e in BECAUSE])
def test_because_reads_as_a_sentence(changes, expected):
    from itb_screen.criteria import because_line

    assert because_line(run(**changes)) == expected


def test_result_text_reads_without_codes():
    from itb_screen.criteria import result_text

    text = result_text(run(financial_burden="yes", seizures=None, interference=["comfort", "mobility"]))
    assert text.splitlines()[:3] == [
        "Recommendation: Refer after team review (refer_after_review) [S10, S11]",
        "A candidate once the listed relative items are addressed with the team.",
        "Because the cost is a concern for the patient or family.",
    ]
    assert (
        "1. Discuss the financial burden of implant, refills and travel. "
        "(S11; because the cost is a concern for the patient or family)"
    ) in text
    assert "\nUnanswered: Seizures\n" in text
    assert "financial_burden" not in text and " = " not in text
    incomplete = result_text(run(interference=None, active_infection=None))
    assert "Needed before any recommendation: Interference, Active infection" in incomplete
    assert "Because" not in incomplete


@pytest.mark.parametrize("code", list(POINT_CASES))
def test_every_point_says_why_in_words(code):
    """Each triggering answer has its own phrase, not the `Label: answer` fallback."""
    from itb_screen.criteria import point_line

    emitted = next(p for p in run(**POINT_CASES[code]).discussion_points if p.code == code)
    line = point_line(emitted)
    assert line.startswith(f"{emitted.text} ({emitted.source}; because ")
    why = line[len(f"{emitted.text} ({emitted.source}; because ") : -1]
    assert ":" not in why and "_" not in why and why == why.lower(), why


def test_paediatric_point_names_the_age():
    from itb_screen.criteria import point_line

    point = next(p for p in run(age_years=8).discussion_points if p.code == "paediatric_growth")
    assert point_line(point).endswith("(S5; because the patient is 8 years old)")


def test_short_labels_cover_every_question_once():
    from itb_screen.criteria import QUESTIONS, SHORT_LABELS, short_label

    assert list(SHORT_LABELS) == [q.field for q in QUESTIONS]
    assert short_label("age_years") == "Age"
    assert short_label("abdominal_pelvic_surgery") == "Abdominal/pelvic surgery"
    with pytest.raises(KeyError):
        short_label("favourite_colour")


@pytest.mark.parametrize(
    "labels, message",
    [
        ({**{f: f for f in FIELDS}, "seizures": " "}, "without a short label"),
        ({**{f: "Same" for f in FIELDS}}, "same short label"),
    ],
    ids=["blank", "duplicate"],
)
def test_short_labels_are_checked_at_import(labels, message):
    """Every question declares its short label in the catalogue; a blank or repeated one fails."""
    from itb_screen.criteria._labels import _check_labels

    with pytest.raises(ValueError, match=message):
        _check_labels(labels)


def test_an_unanswered_reason_reads_as_such():
    from itb_screen.criteria import Reason, reason_phrase

    assert reason_phrase(Reason("seizures", None)) == "seizures is not answered"
    assert reason_phrase(Reason("goals", ("improve_sleep",))) == "Goals: Improve sleep"  # no phrase: label


# Boundaries, tried exactly (the spec: `age_years` < 18 is a child; ages are whole numbers 0..120) -------
@pytest.mark.parametrize("age, child", [(0, True), (17, True), (18, False), (120, False)])
def test_the_paediatric_boundary_is_below_18(age, child):
    result = run(age_years=age)
    assert ("paediatric_growth" in codes(result)) is child
    assert ("growth_complications" in result.unanswered) is child  # asked, and not answered in BASE


@pytest.mark.parametrize("age, valid", [(-1, False), (0, True), (120, True), (121, False)])
def test_the_age_range_is_0_to_120_inclusive(age, valid):
    if valid:
        assert validate_answers({"age_years": age}) == {"age_years": age}
    else:
        with pytest.raises(AnswerError, match="out of range"):
            validate_answers({"age_years": age})
