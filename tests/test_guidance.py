"""other-guidance.md: the follow-up questions and the flags, apart from the consensus, never changing it.

Expected flags come from the contract: its tables are read from tests/data/other-guidance.md, and
`contract_flags` below restates its "when" column by hand, independently of `criteria/_guidance.py`.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import replace

import pytest

from itb_screen.criteria import (
    CRITERIA_VERSION,
    GUIDANCE_VERSION,
    QUESTIONS,
    QUESTIONS_BY_FIELD,
    AskedWhen,
    Option,
    Question,
    Result,
    asked_fields,
    check_groups,
    evaluate,
    position,
    result_text,
    unanswered,
    validate_answers,
)

from .conftest import DATA, SHARED
from .generated_answers import answer_sets
from .test_criteria import BASE

CONTRACT = ((SHARED / "other-guidance.md") if SHARED else DATA / "other-guidance.md").read_text()
_FLAG_ROW = re.compile(r"^\| `(\w+)` \| (.+?) \| (.+?) \| ([LNS0-9, ]+) \|$", re.M)
#: code -> (text, sources), in the contract's order.
CONTRACT_FLAGS = {
    code: (text, tuple(s.strip() for s in src.split(",")))
    for code, _, text, src in _FLAG_ROW.findall(CONTRACT)
}
_FOLLOW_ROW = re.compile(r"^\| `(\w+)` \| `(\w+)` \| (.+?) \| (one|many) \|", re.M)
#: field -> the question it follows, in the contract's order.
CONTRACT_FOLLOW_UPS = {field: after for field, after, _, _ in _FOLLOW_ROW.findall(CONTRACT)}
SPINAL = ("spinal_cord_injury", "multiple_sclerosis", "hereditary_spastic_paraplegia")


def test_the_contract_tables_were_read():
    assert len(CONTRACT_FLAGS) == 12 and len(CONTRACT_FOLLOW_UPS) == 5


def _applies(field: str, answers: dict) -> bool:
    """other-guidance.md's "asked when" column, restated."""
    age, condition = answers.get("age_years"), answers.get("primary_condition")
    return {
        "tbi_within_year": condition == "acquired_brain_injury",
        "sci_level_t6_or_above": condition == "spinal_cord_injury",
        "relies_on_spasticity": answers.get("ambulatory") == "yes",
        "child_surgical_risks": isinstance(age, int) and age < 18,
        "seizures_controlled": answers.get("seizures") == "yes",
    }.get(field, True)


def contract_flags(raw: dict) -> list[str]:
    """The flag table's "when" column, restated by hand over answers as JSON gives them."""
    a = {k: v for k, v in raw.items() if v != "unknown" and _applies(k, raw)}
    risks = a.get("child_surgical_risks") or []
    treatments = a.get("prior_treatments")
    held = {
        "under_label_age": isinstance(a.get("age_years"), int) and a["age_years"] < 4,
        "tbi_under_one_year": a.get("tbi_within_year") == "yes",
        "label_reserves_spinal_origin": a.get("primary_condition") in SPINAL
        and isinstance(treatments, list)
        and "oral_antispasticity" not in treatments
        and a.get("baclofen_reaction") != "oral_side_effects",
        "withdrawal_risk": a.get("sci_level_t6_or_above") == "yes",
        "spasticity_supports_function": a.get("relies_on_spasticity") == "yes",
        "pump_size": "too_small_for_pump" in risks,
        "coagulation_disorder": "coagulation_disorder" in risks,
        "malnutrition": "malnutrition" in risks,
        "respiratory_failure_risk": "respiratory_failure_risk" in risks,
        "previous_spinal_fusion": "previous_spinal_fusion" in risks,
        "pump_before_fusion": "spinal_fusion_likely" in risks,
        "uncontrolled_epilepsy": a.get("seizures_controlled") == "no",
    }
    return [code for code in CONTRACT_FLAGS if held[code]]


def _outcome(result: Result) -> dict:
    return {
        "recommendation": result.recommendation,
        "discussion_points": [p.code for p in result.discussion_points],
        "missing_required": list(result.missing_required),
    }


def test_five_thousand_sets_keep_todays_recommendations_and_points_and_raise_the_contracts_flags():
    """tests/data/consensus-5000.jsonl.gz is what main gave at 37f8552, before the flags existed."""
    with gzip.open(DATA / "consensus-5000.jsonl.gz", "rt") as handle:
        before = [json.loads(line) for line in handle]
    assert len(before) == 5000
    flagged = 0
    for (consensus, follow_ups), expected in zip(answer_sets(), before, strict=True):
        raw = {**consensus, **follow_ups}
        result = evaluate(validate_answers(raw))
        assert _outcome(result) == expected, raw
        assert [f.code for f in result.other_guidance] == contract_flags(raw), raw
        flagged += bool(result.other_guidance)
    assert flagged > 1000  # the sets do raise flags: the comparison above is not vacuous


def _guidance_vignettes() -> list[dict]:
    cases = []
    for name in ("guidance-public.jsonl", "guidance-vignettes.jsonl"):
        path = DATA / name
        if path.exists():
            cases += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return cases


GUIDANCE_VIGNETTES = _guidance_vignettes()


@pytest.mark.parametrize("case", GUIDANCE_VIGNETTES, ids=[c["id"] for c in GUIDANCE_VIGNETTES])
def test_guidance_vignette(case):
    result = evaluate(validate_answers(case["answers"]))
    expected = case["expected"]
    assert _outcome(result) == {
        k: expected[k] for k in ("recommendation", "discussion_points", "missing_required")
    }
    assert [f.code for f in result.other_guidance] == expected["other_guidance"]


def test_a_flag_answer_never_moves_a_point_or_the_recommendation():
    """Every follow-up answer, on a case that asks them all, leaves the consensus result as it was."""
    case = {
        **BASE,
        "age_years": 10,
        "primary_condition": "spinal_cord_injury",
        "ambulatory": "yes",
        "seizures": "yes",
    }
    plain = evaluate(validate_answers(case))
    for field in CONTRACT_FOLLOW_UPS:
        question = QUESTIONS_BY_FIELD[field]
        for code in question.codes:
            value = [code] if question.kind == "many" else code
            result = evaluate(validate_answers({**case, field: value}))
            assert _outcome(result) == _outcome(plain), (field, code)


# Each flag on its own: the smallest change from BASE (an adult with SCI, oral baclofen tried) that raises it.
ON_ITS_OWN = {
    "under_label_age": {"age_years": 3},
    "tbi_under_one_year": {"primary_condition": "acquired_brain_injury", "tbi_within_year": "yes"},
    "label_reserves_spinal_origin": {"prior_treatments": ["rehabilitation"]},
    "withdrawal_risk": {"sci_level_t6_or_above": "yes"},
    "spasticity_supports_function": {"ambulatory": "yes", "relies_on_spasticity": "yes"},
    "pump_size": {"age_years": 9, "child_surgical_risks": ["too_small_for_pump"]},
    "coagulation_disorder": {"age_years": 9, "child_surgical_risks": ["coagulation_disorder"]},
    "malnutrition": {"age_years": 9, "child_surgical_risks": ["malnutrition"]},
    "respiratory_failure_risk": {"age_years": 9, "child_surgical_risks": ["respiratory_failure_risk"]},
    "previous_spinal_fusion": {"age_years": 9, "child_surgical_risks": ["previous_spinal_fusion"]},
    "pump_before_fusion": {"age_years": 9, "child_surgical_risks": ["spinal_fusion_likely"]},
    "uncontrolled_epilepsy": {"seizures": "yes", "seizures_controlled": "no"},
}


def test_the_base_case_raises_no_flag():
    assert evaluate(validate_answers(BASE)).other_guidance == ()


@pytest.mark.parametrize("code", list(CONTRACT_FLAGS))
def test_each_flag_on_its_own_with_the_contracts_text_and_sources(code):
    result = evaluate(validate_answers({**BASE, **ON_ITS_OWN[code]}))
    assert [(f.code, f.text, f.sources) for f in result.other_guidance] == [(code, *CONTRACT_FLAGS[code])]
    assert result.guidance_version == GUIDANCE_VERSION and result.criteria_version == CRITERIA_VERSION


@pytest.mark.parametrize(
    "changes, silent",
    [
        ({"age_years": 4}, "under_label_age"),  # 4 years and above are labelled
        ({"primary_condition": "acquired_brain_injury", "tbi_within_year": "no"}, "tbi_under_one_year"),
        (
            {"primary_condition": "stroke", "prior_treatments": ["rehabilitation"]},
            "label_reserves_spinal_origin",
        ),
        (
            {"prior_treatments": ["rehabilitation"], "baclofen_reaction": "oral_side_effects"},
            "label_reserves_spinal_origin",
        ),
        ({"prior_treatments": "unknown"}, "label_reserves_spinal_origin"),  # not answered: nothing to weigh
        ({"sci_level_t6_or_above": "no"}, "withdrawal_risk"),
        ({"ambulatory": "yes", "relies_on_spasticity": "no"}, "spasticity_supports_function"),
        ({"age_years": 9, "child_surgical_risks": ["none"]}, "pump_size"),
        ({"seizures": "yes", "seizures_controlled": "yes"}, "uncontrolled_epilepsy"),
    ],
)
def test_a_flag_is_silent_just_outside_its_condition(changes, silent):
    result = evaluate(validate_answers({**BASE, **changes}))
    assert silent not in [f.code for f in result.other_guidance]


def test_the_reservation_flag_holds_for_each_spinal_origin_and_no_other():
    for condition in QUESTIONS_BY_FIELD["primary_condition"].codes:
        answers = {**BASE, "primary_condition": condition, "prior_treatments": ["none"]}
        codes = [f.code for f in evaluate(validate_answers(answers)).other_guidance]
        assert ("label_reserves_spinal_origin" in codes) == (condition in SPINAL), condition


def test_several_flags_come_in_the_contracts_order():
    everything = {k: v for changes in ON_ITS_OWN.values() for k, v in changes.items()}
    everything.update(
        age_years=3,
        primary_condition="spinal_cord_injury",
        child_surgical_risks=[
            "too_small_for_pump",
            "coagulation_disorder",
            "malnutrition",
            "respiratory_failure_risk",
            "previous_spinal_fusion",
            "spinal_fusion_likely",
        ],
    )
    codes = [f.code for f in evaluate(validate_answers({**BASE, **everything})).other_guidance]
    assert codes == [c for c in CONTRACT_FLAGS if c != "tbi_under_one_year"]  # TBI needs a brain injury


# The follow-ups: asked right after their question, only while their condition holds, dropped after.
ASKING = {
    "tbi_within_year": ({"primary_condition": "acquired_brain_injury"}, {"primary_condition": "stroke"}),
    "sci_level_t6_or_above": (
        {"primary_condition": "spinal_cord_injury"},
        {"primary_condition": "cerebral_palsy"},
    ),
    "relies_on_spasticity": ({"ambulatory": "yes"}, {"ambulatory": "no"}),
    "child_surgical_risks": ({"age_years": 17}, {"age_years": 18}),
    "seizures_controlled": ({"seizures": "yes"}, {"seizures": "no"}),
}


def test_the_catalogue_declares_the_contracts_follow_ups_right_after_their_question():
    fields = [q.field for q in QUESTIONS]
    for field, after in CONTRACT_FOLLOW_UPS.items():
        question = QUESTIONS_BY_FIELD[field]
        assert question.from_guidance and question.after == after
        between = fields[fields.index(after) + 1 : fields.index(field)]
        assert all(QUESTIONS_BY_FIELD[f].after == after for f in between), field  # siblings only
        assert "unknown" not in question.codes  # unknown is the answer every question takes, not a code


@pytest.mark.parametrize("field", list(ASKING))
def test_a_follow_up_is_asked_only_while_its_condition_holds(field):
    holds, fails = ASKING[field]
    plain = {k: v for k, v in BASE.items() if k != field}
    assert field in asked_fields({**plain, **holds}) and field in unanswered(
        validate_answers({**plain, **holds})
    )
    assert field not in asked_fields({**BASE, **fails})


@pytest.mark.parametrize("field", list(ASKING))
def test_a_follow_up_answered_then_made_moot_is_ignored(field):
    """Answered while its condition held, then the condition changed: no flag, not unanswered, no error."""
    holds, fails = ASKING[field]
    question = QUESTIONS_BY_FIELD[field]
    value = [question.codes[0]] if question.kind == "many" else "yes" if "yes" in question.codes else "no"
    raw = {**BASE, **holds, field: value}
    raw_moot = {**raw, **fails}
    result = evaluate(validate_answers(raw_moot))
    assert [f.code for f in result.other_guidance] == contract_flags(raw_moot)
    assert field not in result.unanswered
    assert _outcome(result) == _outcome(evaluate(validate_answers({**BASE, **fails})))


def test_question_n_of_m_counts_a_follow_up_only_when_asked():
    adult = {"age_years": 40, "primary_condition": "stroke"}
    assert position("disease_course", adult) == (3, 18)
    sci = {"age_years": 40, "primary_condition": "spinal_cord_injury"}
    assert position("sci_level_t6_or_above", sci) == (3, 19)
    assert position("disease_course", sci) == (4, 19)
    child_with_seizures = {"age_years": 8, "primary_condition": "cerebral_palsy", "seizures": "yes"}
    assert position("abdominal_pelvic_surgery", child_with_seizures) == (20, 20)


# Sources a site shows.
@pytest.mark.parametrize(
    "groups, shown",
    [
        (("label", "nice"), ["under_label_age", "label_reserves_spinal_origin", "pump_size"]),
        (("label",), ["under_label_age", "label_reserves_spinal_origin"]),
        (("nice",), ["pump_size"]),  # L3's flag cites S3 too, but S3 is no source a site switches
        ((), []),
    ],
)
def test_a_site_shows_only_the_flags_of_its_sources(groups, shown):
    answers = {
        **BASE,
        "age_years": 3,
        "prior_treatments": ["none"],
        "child_surgical_risks": ["too_small_for_pump"],
    }
    result = evaluate(validate_answers(answers))
    assert [f.code for f in result.showing(check_groups(groups)).other_guidance] == shown
    assert _outcome(result.showing(frozenset())) == _outcome(result)


@pytest.mark.parametrize("bad", ["Label", "NICE", "fda", "", 3, None])
def test_an_unknown_source_is_refused_in_one_line_naming_it(bad):
    with pytest.raises(ValueError) as refused:
        check_groups(["label", bad])
    message = str(refused.value)
    assert "\n" not in message and repr(bad) in message and '"label", "nice"' in message


def test_the_result_text_shows_flags_apart_after_the_points_with_sources_in_words():
    answers = {**BASE, "age_years": 3, "child_surgical_risks": ["coagulation_disorder"]}
    text = result_text(evaluate(validate_answers(answers)))
    points, flags = text.index("Discussion points for the team:"), text.index("Other guidance to check:")
    assert points < flags < text.index("Decision support only")
    assert (
        "Below the labelled age for intrathecal baclofen (4 years and above). (US label L1; because" in text
    )
    assert "A coagulation disorder is a potential contraindication. (NICE CG145, under 19s N2;" in text
    assert "because the child's surgical risks include coagulation disorder)" in text
    assert f"guidance version: {GUIDANCE_VERSION}" in text
    assert "Other guidance" not in result_text(evaluate(validate_answers(BASE)))


def test_a_result_stored_before_the_flags_reads_back_without_them():
    old = evaluate(validate_answers(BASE)).to_dict()
    del old["other_guidance"], old["guidance_version"]
    back = Result.from_dict(old)
    assert back.other_guidance == () and back.guidance_version is None
    flagged = evaluate(validate_answers({**BASE, "age_years": 2}))
    assert Result.from_dict(json.loads(json.dumps(flagged.to_dict()))) == flagged


# Bad declarations fail at import, not in a chat.
def test_a_condition_gives_either_a_bound_or_a_code():
    with pytest.raises(ValueError, match="either below or equals"):
        AskedWhen("age_years")
    with pytest.raises(ValueError, match="either below or equals"):
        AskedWhen("age_years", below=4, equals="yes")


def test_a_follow_up_must_name_what_it_follows_and_serve_guidance_sources():
    seizures = QUESTIONS_BY_FIELD["seizures_controlled"]
    with pytest.raises(ValueError, match="not its kind of sources"):
        replace(seizures, serves=("S13",))
    with pytest.raises(ValueError, match="names the question it follows"):
        replace(seizures, suffix="")
    with pytest.raises(ValueError, match="not its kind of sources"):
        Question(99, "x", "?", "one", ("N2",), options=(Option("yes", "Yes"), Option("no", "No")))
