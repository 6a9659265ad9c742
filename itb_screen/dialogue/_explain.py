"""What a question means, shown when the clinician types `?`, `help` or `why` at it.

A clinician who hesitates needs three things without leaving the chat: what the question is after (its
hint), what may be typed (the numbered options with their short forms, the same catalogue data the
parser reads), and why it is asked at all (the statement it serves, quoted with its id, so the tool's
reasoning can be checked against the source): a consensus statement (S1..S13), or for a follow-up of
other-guidance.md the label's or NICE's recommendation, named in words ("US label, L4").
"""

from __future__ import annotations

from ..criteria import (
    GUIDANCE_GROUPS,
    GUIDANCE_SOURCES,
    NONE_CODE,
    SEED_STATEMENTS,
    AskedWhen,
    Question,
    short_label,
    value_label,
)

#: Said of a follow-up: its answer raises flags for the team, apart from the consensus's result.
APART = "Its answer is checked against other guidance; it never changes the recommendation or the points."


def _how_to_answer(question: Question) -> str:
    if question.kind == "number":
        months = ""
        if question.unit == "years":
            months = " Under 3 years you may type months (18 months = 1 year)."
        return f"Type {question.allowed()}, e.g. 45, 45 years, 8yo or aged 45.{months}"
    if question.kind == "one":
        return "Type one number, name or short form:"
    alone = ""
    if question.exclusive_code:
        alone = f" '{question.option(NONE_CODE).label}' stands alone."
    return f"Type numbers or names separated by commas or 'and' (e.g. 1, 3).{alone}"


def asked_only_when(when: AskedWhen) -> str:
    """The condition in words: `Age is under 18`, `Condition is Spinal cord injury`."""
    if when.equals is None:
        return f"Asked only when {short_label(when.field)} is under {when.below}."
    return f"Asked only when {short_label(when.field)} is {value_label(when.field, when.equals)}."


def why_asked(question: Question) -> list[str]:
    """The sources a question serves, quoted: the consensus's statements, or the label's or NICE's."""
    if not question.from_guidance:
        return [
            "Why it is asked (Saulino et al., Neuromodulation 2016):",
            *(f'{sid}: "{SEED_STATEMENTS[sid]}"' for sid in question.serves),
        ]
    lines = []
    for sid in question.serves:
        source = GUIDANCE_SOURCES[sid]
        group = GUIDANCE_GROUPS[source.group]
        lines.append(f'Why it is asked ({group}, {sid}): "{source.says}" ({source.where})')
    return [*lines, APART]


def explain(question: Question) -> str:
    """The help text for `question`: meaning, options with numbers and short forms, its sources."""
    lines = [f"Question {question.tag}: {question.text}"]
    if question.hint:
        lines.append(question.hint)
    if question.asked_when is not None:
        lines.append(asked_only_when(question.asked_when))
    lines.append(_how_to_answer(question))
    for number, option in enumerate(question.options, 1):
        also = f" (also: {', '.join(option.aliases)})" if option.aliases else ""
        lines.append(f"{number}. {option.label}{also}")
    lines += why_asked(question)
    lines.append("Type 'unknown' if it is not known, or 'skip' to move on.")
    return "\n".join(lines)
