"""The recommendation rules of screening-spec.md: the first rule that holds decides.

Each rule is a pure function from answers to the reasons it holds (a tuple of answers), or None when it
does not hold. Its docstring names the seed statement it implements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ._answers import Answers
from ._result import Reason, Recommendation

RECOMMENDATIONS: dict[str, Recommendation] = {
    r.code: r
    for r in (
        Recommendation(
            "refer_for_screening",
            "Refer for the ITB screening test",
            "A candidate: refer for the ITB screening test.",
        ),
        Recommendation(
            "refer_after_review",
            "Refer after team review",
            "A candidate once the listed relative items are addressed with the team.",
        ),
        Recommendation(
            "defer_active_infection",
            "Defer: active infection",
            "Contraindicated while the infection is active; re-screen once it has resolved.",
        ),
        Recommendation(
            "not_candidate_hypersensitivity",
            "Not a candidate: baclofen hypersensitivity",
            "Contraindicated: true baclofen hypersensitivity, which is rare.",
        ),
        Recommendation(
            "not_indicated",
            "Not indicated now",
            "Spasticity does not interfere with comfort, function, daily activities, mobility, "
            "positioning or care, so ITB is not indicated now; re-screen if that changes.",
        ),
        Recommendation(
            "incomplete",
            "Incomplete: more answers needed",
            "The answers listed as missing are needed before any recommendation.",
        ),
    )
}

#: Without an answer to each of these no recommendation can be made (rule 4).
REQUIRED_FIELDS: tuple[str, ...] = ("interference", "baclofen_reaction", "active_infection")

#: Relative contraindications and the S10 allergy check (rule 5), in the spec's order.
RELATIVE_ITEMS: tuple[tuple[str, str], ...] = (
    ("goals_realistic", "no"),
    ("mental_health", "unmanageable"),
    ("psychosocial_compliance_concerns", "yes"),
    ("financial_burden", "yes"),
    ("baclofen_reaction", "recorded_allergy"),
)

RuleCheck = Callable[[Answers], "tuple[Reason, ...] | None"]


@dataclass(frozen=True)
class Rule:
    order: int
    recommendation: str
    sources: tuple[str, ...]
    check: RuleCheck

    def __post_init__(self) -> None:
        if self.recommendation not in RECOMMENDATIONS:
            raise ValueError(f"rule {self.order}: unknown recommendation {self.recommendation!r}")


def _equals(answers: Answers, field: str, code: str) -> tuple[Reason, ...] | None:
    return (Reason(field, code),) if answers.get(field) == code else None


def hypersensitivity(answers: Answers) -> tuple[Reason, ...] | None:
    """S9: ITB is contraindicated in patients with hypersensitivity to baclofen."""
    return _equals(answers, "baclofen_reaction", "confirmed_hypersensitivity")


def no_interference(answers: Answers) -> tuple[Reason, ...] | None:
    """S1: ITB is considered when spasticity interferes with comfort, function, ADL, ... or care."""
    return (Reason("interference", ("none",)),) if answers.get("interference") == ("none",) else None


def active_infection(answers: Answers) -> tuple[Reason, ...] | None:
    """S9: ITB is contraindicated in patients with active infection."""
    return _equals(answers, "active_infection", "yes")


def missing_required(answers: Answers) -> tuple[Reason, ...] | None:
    """S1, S9: interference and the contraindications must be known before recommending."""
    missing = tuple(Reason(f, None) for f in REQUIRED_FIELDS if f not in answers)
    return missing or None


def relative_items(answers: Answers) -> tuple[Reason, ...] | None:
    """S10, S11: relative contraindications, and a recorded allergy that may be a side effect."""
    held = tuple(Reason(f, code) for f, code in RELATIVE_ITEMS if answers.get(f) == code)
    return held or None


def otherwise(answers: Answers) -> tuple[Reason, ...] | None:
    """S1: spasticity interferes with comfort, function, ADL, mobility, positioning or care."""
    return (Reason("interference", answers["interference"]),)


RULES: tuple[Rule, ...] = (
    Rule(1, "not_candidate_hypersensitivity", ("S9",), hypersensitivity),
    Rule(2, "not_indicated", ("S1",), no_interference),
    Rule(3, "defer_active_infection", ("S9",), active_infection),
    Rule(4, "incomplete", ("S1", "S9"), missing_required),
    Rule(5, "refer_after_review", ("S10", "S11"), relative_items),
    Rule(6, "refer_for_screening", ("S1",), otherwise),
)


def decide(answers: Answers) -> tuple[Rule, tuple[Reason, ...]]:
    """The first rule that holds, with its reasons. Rule 6 always holds once rule 4 has not."""
    for rule in RULES:
        reasons = rule.check(answers)
        if reasons is not None:
            return rule, reasons
    raise AssertionError("rule 6 always holds")  # pragma: no cover
