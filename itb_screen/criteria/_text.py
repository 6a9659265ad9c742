"""The canonical plain-text wording of a result: the command line, the console and the transcript use it."""

from __future__ import annotations

from ._catalogue import field_label
from ._result import DISCLAIMER, DiscussionPoint, Reason, Result
from ._rules import RECOMMENDATIONS


def reasons_text(reasons: tuple[Reason, ...]) -> str:
    """`baclofen reaction = Recorded allergy, not confirmed; seizures = Yes`."""
    return "; ".join(r.describe() for r in reasons)


def recommendation_line(result: Result) -> str:
    """`Refer after team review (refer_after_review) [S10, S11]`."""
    rec = RECOMMENDATIONS[result.recommendation]
    return f"{rec.title} ({rec.code}) [{', '.join(result.recommendation_sources)}]"


def point_line(point: DiscussionPoint) -> str:
    """`Discuss ... (S11; because: financial burden = Yes)`."""
    why = f"; because: {reasons_text(point.because)}" if point.because else ""
    return f"{point.text} ({point.source}{why})"


def missing_heading(recommendation: str) -> str:
    """How missing required answers are introduced: only `incomplete` waits for them."""
    if recommendation == "incomplete":
        return "Needed before any recommendation"
    return "Required answers still missing"  # rules 1-3 decided; still worth asking


def result_text(result: Result) -> str:
    """The result as a clinician reads it: recommendation, reasons, points, gaps, disclaimer."""
    rec = RECOMMENDATIONS[result.recommendation]
    lines = [f"Recommendation: {recommendation_line(result)}", rec.meaning]
    if result.because and result.recommendation != "incomplete":
        lines.append(f"Because: {reasons_text(result.because)}")
    if result.missing_required:
        head = missing_heading(result.recommendation)
        lines.append(f"{head}: " + ", ".join(field_label(f) for f in result.missing_required))
    lines.append("")
    if result.discussion_points:
        lines.append("Discussion points for the team:")
        lines += [f"{i}. {point_line(p)}" for i, p in enumerate(result.discussion_points, 1)]
    else:
        lines.append("Discussion points for the team: none.")
    if result.unanswered:
        lines += ["", "Unanswered: " + ", ".join(field_label(f) for f in result.unanswered)]
    lines += ["", f"Criteria version: {result.criteria_version}", DISCLAIMER]
    return "\n".join(lines)
