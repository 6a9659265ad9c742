"""The canonical plain-text wording of a result: the command line, the console and the transcript use it.

Reasons read as a sentence ("because spasticity interferes with comfort and mobility"), fields by their
short labels; codes stay in JSON, CSV and FHIR.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._catalogue import QUESTIONS_BY_FIELD, value_label
from ._labels import short_label
from ._result import DISCLAIMER, DiscussionPoint, GuidanceFlag, Reason, Result
from ._rules import RECOMMENDATIONS
from ._sources import CONSENSUS_WORDS, GUIDANCE_GROUPS, source_group

#: The heading of a result's discussion points (the spec's), and the one under which the flags are shown,
#: apart from the points (other-guidance.md).
POINTS_HEADING = "Discussion points for the team"
GUIDANCE_HEADING = "Other guidance to check"

#: What each answer that can make a rule or a point hold says, as part of a "because" sentence.
#: Many-choice and number answers are phrased by `reason_phrase` itself.
_PHRASES: dict[tuple[str, str], str] = {
    ("baclofen_reaction", "confirmed_hypersensitivity"): "baclofen hypersensitivity is confirmed",
    ("baclofen_reaction", "recorded_allergy"): "a baclofen allergy is recorded but not confirmed",
    ("baclofen_reaction", "oral_side_effects"): "oral baclofen caused side effects, not an allergy",
    ("active_infection", "yes"): "the patient has an active infection",
    ("goals_realistic", "no"): "the expectations look unrealistic",
    ("mental_health", "unmanageable"): "mental health issues are unmanageable",
    ("psychosocial_compliance_concerns", "yes"): "psychosocial factors may prevent reliable follow-up",
    ("financial_burden", "yes"): "the cost is a concern for the patient or family",
    ("hydrocephalus_shunt", "yes"): "the patient has a hydrocephalus shunt",
    ("seizures", "yes"): "the patient has a history of seizures",
    ("abdominal_pelvic_surgery", "yes"): "the patient has had abdominal or pelvic surgery",
    ("ambulatory", "yes"): "the patient walks",
    ("cognitive_impairment", "yes"): "cognition is impaired",
    ("disease_course", "progressive"): "the condition is progressive",
    ("tbi_within_year", "yes"): "the traumatic brain injury was less than a year ago",
    ("sci_level_t6_or_above", "yes"): "the spinal cord injury is at T6 or above",
    ("relies_on_spasticity", "yes"): "the patient relies on spasticity to stand, transfer or walk",
    ("seizures_controlled", "no"): "the seizures are not controlled",
}


#: Answers the flags give as reasons, phrased around their options' labels (`_guidance.py`).
_LISTED = {
    "primary_condition": "the condition is {}",
    "prior_treatments": "the treatments so far are {}",
    "child_surgical_risks": "the child's surgical risks include {}",
}


def join_words(items: Iterable[str], last: str = "and") -> str:
    """`a`, `a and b`, `a, b and c` (no comma before the last word, as the spec writes lists)."""
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _interference(value: tuple[str, ...]) -> str:
    question = QUESTIONS_BY_FIELD["interference"]
    if value == ("none",):  # rule 2 (S1): name what it does not interfere with
        others = [_lower_first(o.label) for o in question.options if o.code != "none"]
        return f"spasticity interferes with none of {join_words(others, 'or')}"
    return f"spasticity interferes with {join_words(_lower_first(question.option(c).label) for c in value)}"


def reason_phrase(reason: Reason) -> str:
    """One answer as part of a sentence: `the patient has an active infection`.

    An answer no rule or point phrases (none does today) falls back to `Short label: answer`.
    """
    field, value = reason.field, reason.value
    if value is None:
        return f"{_lower_first(short_label(field))} is not answered"
    if field == "interference" and isinstance(value, tuple):
        return _interference(value)
    if field == "prior_treatments" and value == ("none",):
        return "no other treatment has been tried yet"
    if field in _LISTED and isinstance(value, (tuple, str)):
        codes = (value,) if isinstance(value, str) else value
        labels = join_words(_lower_first(QUESTIONS_BY_FIELD[field].option(c).label) for c in codes)
        return _LISTED[field].format(labels)
    if field == "age_years" and isinstance(value, int):
        return f"the patient is {value} years old"
    if isinstance(value, str) and (field, value) in _PHRASES:
        return _PHRASES[(field, value)]
    return f"{short_label(field)}: {value_label(field, value)}"


def reasons_text(reasons: tuple[Reason, ...]) -> str:
    """The reasons as one clause: `the expectations look unrealistic and mental health ...`."""
    return join_words(reason_phrase(r) for r in reasons)


def recommendation_line(result: Result, code: bool = True) -> str:
    """`Refer after team review (refer_after_review) [S10, S11]`; without the code for summaries.

    The chat and the command line keep the code, which a coordinator may filter on
    (`itb-screen cases --recommendation`); a referral summary is read by people outside the team.
    """
    rec = RECOMMENDATIONS[result.recommendation]
    shown = f" ({rec.code})" if code else ""
    return f"{rec.title}{shown} [{', '.join(result.recommendation_sources)}]"


def because_line(result: Result) -> str:
    """`Because spasticity interferes with comfort and mobility.`; empty for `incomplete`.

    An incomplete result's reasons are the missing answers, which are listed on their own line.
    """
    if not result.because or result.recommendation == "incomplete":
        return ""
    return f"Because {reasons_text(result.because)}."


def point_line(point: DiscussionPoint) -> str:
    """`Discuss ... (S11; because the cost of implant, refills or travel is a concern)`."""
    why = f"; because {reasons_text(point.because)}" if point.because else ""
    return f"{point.text} ({point.source}{why})"


def sources_words(sources: Iterable[str]) -> str:
    """`US label L3; consensus S3`, `NICE CG145, under 19s N2`: each source's document in words, then ids."""
    named: dict[str, list[str]] = {}
    for source in sources:
        group = source_group(source)
        named.setdefault(GUIDANCE_GROUPS[group] if group else CONSENSUS_WORDS, []).append(source)
    return "; ".join(f"{words} {', '.join(ids)}" for words, ids in named.items())


def flag_line(flag: GuidanceFlag) -> str:
    """`Below the labelled age ... (US label L1; because the patient is 3 years old)`."""
    why = f"; because {reasons_text(flag.because)}" if flag.because else ""
    return f"{flag.text} ({sources_words(flag.sources)}{why})"


def flag_lines(result: Result) -> list[str]:
    """The flags under their heading, numbered, or nothing when none is raised (or shown)."""
    if not result.other_guidance:
        return []
    return [f"{GUIDANCE_HEADING}:", *(f"{i}. {flag_line(f)}" for i, f in enumerate(result.other_guidance, 1))]


def versions_line(result: Result) -> str:
    """`Criteria version: ...`, and the guidance version beside it when the result has one."""
    guidance = f"; guidance version: {result.guidance_version}" if result.guidance_version else ""
    return f"Criteria version: {result.criteria_version}{guidance}"


def missing_heading(recommendation: str) -> str:
    """How missing required answers are introduced: only `incomplete` waits for them."""
    if recommendation == "incomplete":
        return "Needed before any recommendation"
    return "Required answers still missing"  # rules 1-3 decided; still worth asking


def labels_text(fields: Iterable[str]) -> str:
    """Fields for people: `Interference, Baclofen reaction`."""
    return ", ".join(short_label(f) for f in fields)


def result_text(result: Result) -> str:
    """The result as a clinician reads it: recommendation, reasons, points, gaps, disclaimer."""
    rec = RECOMMENDATIONS[result.recommendation]
    lines = [f"Recommendation: {recommendation_line(result)}", rec.meaning]
    if because := because_line(result):
        lines.append(because)
    if result.missing_required:
        lines.append(f"{missing_heading(result.recommendation)}: {labels_text(result.missing_required)}")
    lines.append("")
    if result.discussion_points:
        lines.append(f"{POINTS_HEADING}:")
        lines += [f"{i}. {point_line(p)}" for i, p in enumerate(result.discussion_points, 1)]
    else:
        lines.append(f"{POINTS_HEADING}: none.")
    if flags := flag_lines(result):
        lines += ["", *flags]
    if result.unanswered:
        lines += ["", f"Unanswered: {labels_text(result.unanswered)}"]
    lines += ["", versions_line(result), DISCLAIMER]
    return "\n".join(lines)
