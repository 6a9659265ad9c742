"""The discussion points of screening-spec.md, emitted in this table's order.

An `always` point is emitted whenever its trigger holds; a `candidate` point only when the
recommendation is neither `not_candidate_hypersensitivity` nor `not_indicated`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ._answers import Answers
from ._catalogue import FIELDS, PAEDIATRIC_BELOW
from ._result import Reason
from ._seed import SEED_STATEMENTS

#: Recommendations after which `candidate` points are not emitted.
NOT_CANDIDATE = frozenset({"not_candidate_hypersensitivity", "not_indicated"})

Trigger = Callable[[Answers], "tuple[Reason, ...] | None"]


@dataclass(frozen=True)
class PointRule:
    code: str
    kind: Literal["always", "candidate"]
    text: str
    source: str
    trigger: Trigger

    def __post_init__(self) -> None:
        if self.source not in SEED_STATEMENTS:
            raise ValueError(f"point {self.code}: unknown source {self.source}")


def _when(field: str, code: str) -> Trigger:
    """A trigger that holds when `field` = `code`."""
    if field not in FIELDS:
        raise ValueError(f"unknown field {field}")

    held = (Reason(field, code),)  # the same reason every time it holds (frozen: shared safely)

    def trigger(answers: Answers) -> tuple[Reason, ...] | None:
        return held if answers.get(field) == code else None

    return trigger


def _only(field: str, code: str) -> Trigger:
    """A trigger that holds when the many-choice `field` is exactly [`code`]."""

    held = (Reason(field, (code,)),)

    def trigger(answers: Answers) -> tuple[Reason, ...] | None:
        return held if answers.get(field) == (code,) else None

    return trigger


def _child(answers: Answers) -> tuple[Reason, ...] | None:
    age = answers.get("age_years")
    return (Reason("age_years", age),) if isinstance(age, int) and age < PAEDIATRIC_BELOW else None


def _always(answers: Answers) -> tuple[Reason, ...] | None:
    return ()


POINTS: tuple[PointRule, ...] = (
    PointRule(
        "baclofen_hypersensitivity",
        "always",
        "True hypersensitivity to baclofen contraindicates ITB.",
        "S9",
        _when("baclofen_reaction", "confirmed_hypersensitivity"),
    ),
    PointRule(
        "active_infection",
        "always",
        "Treat the infection first; ITB is contraindicated while it is active.",
        "S9",
        _when("active_infection", "yes"),
    ),
    PointRule(
        "verify_baclofen_allergy",
        "always",
        "Check whether the recorded allergy was a true hypersensitivity or an adverse reaction to "
        "oral baclofen; the latter may benefit from ITB.",
        "S10",
        _when("baclofen_reaction", "recorded_allergy"),
    ),
    PointRule(
        "oral_baclofen_intolerance",
        "always",
        "Adverse reactions to oral baclofen are not an allergy and are not a reason to exclude ITB.",
        "S10",
        _when("baclofen_reaction", "oral_side_effects"),
    ),
    PointRule(
        "unrealistic_goals",
        "always",
        "Expectations look unrealistic: align goals before screening.",
        "S11",
        _when("goals_realistic", "no"),
    ),
    PointRule(
        "mental_health",
        "always",
        "Unmanageable mental health issues are a relative contraindication.",
        "S11",
        _when("mental_health", "unmanageable"),
    ),
    PointRule(
        "psychosocial_compliance",
        "always",
        "Psychosocial factors may affect compliance with refills and follow-up.",
        "S11",
        _when("psychosocial_compliance_concerns", "yes"),
    ),
    PointRule(
        "financial_burden",
        "always",
        "Discuss the financial burden of implant, refills and travel.",
        "S11",
        _when("financial_burden", "yes"),
    ),
    PointRule(
        "shunt_csf_flow",
        "always",
        "A hydrocephalus shunt is not a contraindication, but it may affect CSF flow.",
        "S12",
        _when("hydrocephalus_shunt", "yes"),
    ),
    PointRule(
        "seizure_history",
        "always",
        "Discuss the seizure history before the screening test.",
        "S13",
        _when("seizures", "yes"),
    ),
    PointRule(
        "prior_abdominal_pelvic_surgery",
        "always",
        "Discuss the prior abdominal or pelvic surgery before the screening test.",
        "S13",
        _when("abdominal_pelvic_surgery", "yes"),
    ),
    PointRule(
        "ambulatory_rehab",
        "candidate",
        "ITB combined with rehabilitation can be effective in certain ambulatory patients: plan "
        "the rehabilitation with it.",
        "S4",
        _when("ambulatory", "yes"),
    ),
    PointRule(
        "paediatric_growth",
        "candidate",
        "In a growing child spasticity can cause limb deformity, joint dislocation and poor motor "
        "function; ITB is highly effective in children.",
        "S5",
        _child,
    ),
    PointRule(
        "cognition_oral_side_effects",
        "candidate",
        "ITB controls spasticity without the cognitive side effects of some oral medications.",
        "S7",
        _when("cognitive_impairment", "yes"),
    ),
    PointRule(
        "progressive_disease",
        "candidate",
        "Progressive disease does not exclude ITB; it can be considered in all phases.",
        "S2",
        _when("disease_course", "progressive"),
    ),
    PointRule(
        "not_reserved_for_failures",
        "candidate",
        "ITB need not wait until other treatments have failed.",
        "S3",
        _only("prior_treatments", "none"),
    ),
    PointRule(
        "goal_setting",
        "candidate",
        "Set goals and expectations in the framework of pathology, impairment and disability.",
        "S8",
        _always,
    ),
)
