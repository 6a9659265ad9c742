"""What a question means, shown when the clinician types `?`, `help` or `why` at it.

A clinician who hesitates needs three things without leaving the chat: what the question is after (its
hint), what may be typed (the numbered options with their short forms, the same catalogue data the
parser reads), and why it is asked at all (the consensus statement it serves, quoted verbatim with its
S-id, so the tool's reasoning can be checked against the source).
"""

from __future__ import annotations

from ..criteria import NONE_CODE, SEED_STATEMENTS, Question, field_label


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


def explain(question: Question) -> str:
    """The help text for `question`: meaning, options with numbers and short forms, seed statements."""
    lines = [f"Question {question.number}: {question.text}"]
    if question.hint:
        lines.append(question.hint)
    if question.asked_when is not None:
        when = question.asked_when
        lines.append(f"Asked only when {field_label(when.field)} is under {when.below}.")
    lines.append(_how_to_answer(question))
    for number, option in enumerate(question.options, 1):
        also = f" (also: {', '.join(option.aliases)})" if option.aliases else ""
        lines.append(f"{number}. {option.label}{also}")
    lines.append("Why it is asked (Saulino et al., Neuromodulation 2016):")
    lines += [f'{sid}: "{SEED_STATEMENTS[sid]}"' for sid in question.serves]
    lines.append("Type 'unknown' if it is not known, or 'skip' to move on.")
    return "\n".join(lines)
