"""Seeded random answer sets for the guidance tests, with codes copied from the two contracts (not the code).

`consensus` answers use screening-spec.md's 18 fields; `follow_ups` adds other-guidance.md's five, any
value, whether or not their condition holds (a follow-up answered before a change must be ignored).
`tests/data/consensus-5000.jsonl.gz` holds what main gave for the consensus part at 37f8552, before the
flags existed: the flags must leave every recommendation and point as it was.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

#: screening-spec.md, "Questions, in order": field -> (kind, codes or range).
SPEC_FIELDS: dict[str, tuple[str, tuple]] = {
    "age_years": ("number", (0, 120)),
    "primary_condition": (
        "one",
        (
            "cerebral_palsy",
            "multiple_sclerosis",
            "spinal_cord_injury",
            "acquired_brain_injury",
            "stroke",
            "hereditary_spastic_paraplegia",
            "other_neurologic",
        ),
    ),
    "disease_course": ("one", ("stable", "progressive")),
    "interference": (
        "many",
        ("comfort", "function", "adl", "mobility", "positioning", "caregiver_assistance", "none"),
    ),
    "ambulatory": ("one", ("yes", "no")),
    "growth_complications": ("many", ("limb_deformity", "joint_dislocation", "poor_motor_function", "none")),
    "prior_treatments": (
        "many",
        ("oral_antispasticity", "botulinum_toxin", "rehabilitation", "surgery", "none"),
    ),
    "cognitive_impairment": ("one", ("yes", "no")),
    "baclofen_reaction": (
        "one",
        ("none", "oral_side_effects", "recorded_allergy", "confirmed_hypersensitivity"),
    ),
    "active_infection": ("one", ("yes", "no")),
    "goals": (
        "many",
        (
            "reduce_pain_or_spasms",
            "ease_care_and_hygiene",
            "improve_positioning",
            "improve_transfers",
            "improve_walking",
            "improve_upper_limb_function",
            "improve_sleep",
            "prevent_deformity",
            "other",
        ),
    ),
    "goals_realistic": ("one", ("yes", "no")),
    "mental_health": ("one", ("none", "managed", "unmanageable")),
    "psychosocial_compliance_concerns": ("one", ("yes", "no")),
    "financial_burden": ("one", ("yes", "no")),
    "hydrocephalus_shunt": ("one", ("yes", "no")),
    "seizures": ("one", ("yes", "no")),
    "abdominal_pelvic_surgery": ("one", ("yes", "no")),
}

#: other-guidance.md, "Follow-up questions": field -> (kind, codes).
GUIDANCE_FIELDS: dict[str, tuple[str, tuple]] = {
    "tbi_within_year": ("one", ("yes", "no")),
    "sci_level_t6_or_above": ("one", ("yes", "no")),
    "relies_on_spasticity": ("one", ("yes", "no")),
    "child_surgical_risks": (
        "many",
        (
            "too_small_for_pump",
            "coagulation_disorder",
            "malnutrition",
            "respiratory_failure_risk",
            "previous_spinal_fusion",
            "spinal_fusion_likely",
            "none",
        ),
    ),
    "seizures_controlled": ("one", ("yes", "no")),
}

#: Answers that decide alone (rules 1-3): drawn less often, so the later rules and points get cases too.
DECISIVE = {("active_infection", "yes"), ("baclofen_reaction", "confirmed_hypersensitivity")}

SEED = 20261207
COUNT = 5000


def _value(rng: random.Random, kind: str, codes: tuple) -> object:
    if kind == "number":
        low, high = codes
        return rng.choice([rng.randint(low, high), rng.randint(0, 20)])  # children often
    if kind == "one":
        return rng.choice(codes)
    if rng.random() < 0.15:
        return ["none"] if "none" in codes else [codes[0]]
    others = [c for c in codes if c != "none"]
    return rng.sample(others, rng.randint(1, len(others)))


def _answers(rng: random.Random, fields: dict[str, tuple[str, tuple]], present: float) -> dict[str, object]:
    answers: dict[str, object] = {}
    for field, (kind, codes) in fields.items():
        draw = rng.random()
        if draw < present:
            value = _value(rng, kind, codes)
            if (field, str(value)) in DECISIVE or (field, value) == ("interference", ["none"]):
                value = _value(rng, kind, codes)  # drawn again: decisive answers come half as often
            answers[field] = value
        elif draw < present + 0.03:
            answers[field] = "unknown"
    return answers


def answer_sets(
    count: int = COUNT, seed: int = SEED
) -> Iterator[tuple[dict[str, object], dict[str, object]]]:
    """(consensus answers, follow-up answers) pairs, the same every run."""
    rng = random.Random(seed)
    for _ in range(count):
        yield _answers(rng, SPEC_FIELDS, 0.9), _answers(rng, GUIDANCE_FIELDS, 0.6)
