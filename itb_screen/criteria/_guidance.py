"""The other guidance flags of other-guidance.md: the label's and NICE's checks, in the contract's order.

Pure functions of the answers the rules see (a follow-up whose condition no longer holds is ignored, as
`applicable` ignores it). They are computed beside the recommendation and never feed it: nothing in
`_rules.py` or `_points.py` reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ._answers import Answers
from ._catalogue import FIELDS, FOLLOW_UP_FIELDS, QUESTIONS_BY_FIELD
from ._result import GuidanceFlag, Reason
from ._seed import SEED_STATEMENTS
from ._sources import GUIDANCE_GROUPS, GUIDANCE_SOURCES, source_group

Trigger = Callable[[Answers], "tuple[Reason, ...] | None"]

#: The one field each `_when`/`_has` trigger reads (others may read several: none listed).
_READS: dict[Trigger, str] = {}

#: Under this age the label does not cover intrathecal baclofen (L1: 4 years and above).
LABEL_AGE_FROM = 4

#: Conditions whose spasticity is of spinal origin, for the label's reservation (L3).
SPINAL_ORIGIN = ("spinal_cord_injury", "multiple_sclerosis", "hereditary_spastic_paraplegia")


@dataclass(frozen=True)
class FlagRule:
    code: str
    text: str
    sources: tuple[str, ...]
    trigger: Trigger

    def __post_init__(self) -> None:
        if not self.sources or any(
            s not in GUIDANCE_SOURCES and s not in SEED_STATEMENTS for s in self.sources
        ):
            raise ValueError(f"flag {self.code}: unknown sources {self.sources}")
        if not any(source_group(s) for s in self.sources):
            raise ValueError(f"flag {self.code}: no source a site can show")

    def groups(self) -> frozenset[str]:
        """The groups (`label`, `nice`) of its sources: the flag is shown while any of them is on."""
        return frozenset(g for g in map(source_group, self.sources) if g)


def _when(field: str, code: str) -> Trigger:
    """Holds when the one-choice `field` is `code`."""
    if field not in FIELDS:
        raise ValueError(f"unknown field {field}")
    held = (Reason(field, code),)

    def trigger(answers: Answers) -> tuple[Reason, ...] | None:
        return held if answers.get(field) == code else None

    _READS[trigger] = field
    return trigger


def _has(field: str, code: str) -> Trigger:
    """Holds when the many-choice `field` lists `code`."""
    if code not in QUESTIONS_BY_FIELD[field].codes:
        raise ValueError(f"{field} has no code {code}")

    held = (Reason(field, (code,)),)  # the one option the flag is about, not the whole answer

    def trigger(answers: Answers) -> tuple[Reason, ...] | None:
        value = answers.get(field)
        return held if isinstance(value, tuple) and code in value else None

    _READS[trigger] = field
    return trigger


def _under_label_age(answers: Answers) -> tuple[Reason, ...] | None:
    age = answers.get("age_years")
    return (Reason("age_years", age),) if isinstance(age, int) and age < LABEL_AGE_FROM else None


def _spinal_origin_without_oral(answers: Answers) -> tuple[Reason, ...] | None:
    """L3: spinal origin, treatments answered without oral medication, and no side effects on it."""
    condition, treatments = answers.get("primary_condition"), answers.get("prior_treatments")
    if condition not in SPINAL_ORIGIN or not isinstance(treatments, tuple):
        return None
    if "oral_antispasticity" in treatments or answers.get("baclofen_reaction") == "oral_side_effects":
        return None
    return (Reason("primary_condition", condition), Reason("prior_treatments", treatments))


FLAGS: tuple[FlagRule, ...] = (
    FlagRule(
        "under_label_age",
        "Below the labelled age for intrathecal baclofen (4 years and above).",
        ("L1",),
        _under_label_age,
    ),
    FlagRule(
        "tbi_under_one_year",
        "Traumatic brain injury less than a year ago: the label advises waiting a year from the injury.",
        ("L2",),
        _when("tbi_within_year", "yes"),
    ),
    FlagRule(
        "label_reserves_spinal_origin",
        "For spasticity of spinal origin the label reserves chronic ITB for patients unresponsive to or "
        "intolerant of oral baclofen; the consensus (S3) does not require it. Discuss.",
        ("L3", "S3"),
        _spinal_origin_without_oral,
    ),
    FlagRule(
        "withdrawal_risk",
        "At higher risk in withdrawal (injury at T6 or above): plan refills, alarms and a withdrawal plan "
        "with the patient and carers.",
        ("L4",),
        _when("sci_level_t6_or_above", "yes"),
    ),
    FlagRule(
        "spasticity_supports_function",
        "Spasticity may be supporting standing, transfers or walking: weigh that before reducing it.",
        ("N4",),
        _when("relies_on_spasticity", "yes"),
    ),
    FlagRule(
        "pump_size",
        "Too small to accommodate a pump: a contraindication in NICE guidance for under 19s.",
        ("N1",),
        _has("child_surgical_risks", "too_small_for_pump"),
    ),
    FlagRule(
        "coagulation_disorder",
        "A coagulation disorder is a potential contraindication.",
        ("N2",),
        _has("child_surgical_risks", "coagulation_disorder"),
    ),
    FlagRule(
        "malnutrition",
        "Malnutrition raises the risk of infection and delayed healing after surgery: a potential "
        "contraindication.",
        ("N2",),
        _has("child_surgical_risks", "malnutrition"),
    ),
    FlagRule(
        "respiratory_failure_risk",
        "A respiratory disorder with a risk of respiratory failure is a potential contraindication.",
        ("N2",),
        _has("child_surgical_risks", "respiratory_failure_risk"),
    ),
    FlagRule(
        "previous_spinal_fusion",
        "A previous spinal fusion is a potential contraindication.",
        ("N2",),
        _has("child_surgical_risks", "previous_spinal_fusion"),
    ),
    FlagRule(
        "pump_before_fusion",
        "A spinal fusion for scoliosis is likely: implant the pump before the fusion.",
        ("N3",),
        _has("child_surgical_risks", "spinal_fusion_likely"),
    ),
    FlagRule(
        "uncontrolled_epilepsy",
        "Uncontrolled epilepsy is a potential contraindication.",
        ("N2",),
        _when("seizures_controlled", "no"),
    ),
)

FLAGS_BY_CODE: dict[str, FlagRule] = {f.code: f for f in FLAGS}

#: Every group a site may show: the default of `[settings] guidance`.
ALL_GROUPS: frozenset[str] = frozenset(GUIDANCE_GROUPS)


#: The flags that may hold without any follow-up field: every flag but those whose
#: trigger is `_when`/`_has` on a follow-up. An answer set without follow-ups (most of `evaluate --jsonl`'s)
#: tries those alone, the label's age and its reservation today.
_WITHOUT_FOLLOW_UPS = tuple(f for f in FLAGS if _READS.get(f.trigger) not in FOLLOW_UP_FIELDS)


def raise_flags(answers: Answers) -> tuple[GuidanceFlag, ...]:
    """The flags these (applicable) answers raise, in other-guidance.md's order."""
    raised = []
    for rule in FLAGS if not FOLLOW_UP_FIELDS.isdisjoint(answers) else _WITHOUT_FOLLOW_UPS:
        because = rule.trigger(answers)
        if because is not None:
            raised.append(GuidanceFlag(rule.code, rule.text, rule.sources, because))
    return tuple(raised)


def check_groups(groups: Iterable[object]) -> frozenset[str]:
    """The groups a setting names, or ValueError naming the first it does not know."""
    chosen = []
    for group in groups:
        if not isinstance(group, str) or group not in GUIDANCE_GROUPS:
            allowed = ", ".join(f'"{g}"' for g in GUIDANCE_GROUPS)
            raise ValueError(f"unknown guidance source {group!r}; allowed: {allowed}")
        chosen.append(group)
    return frozenset(chosen)
