"""Driving the dialogue as a clinician would type: helpers shared by the dialogue and channel tests."""

from __future__ import annotations

import re

from itb_screen.criteria import QUESTIONS_BY_FIELD, Question
from itb_screen.dialogue import Dialogue, Identity, Prompt

from .test_catalogue import guidance_follow_ups, spec_questions

STYLES = ("numbers", "labels", "codes")


def typed(question: Question, value, style: str) -> str:
    """What a clinician types for `value` (None = not known) in one of three styles."""
    if value is None or value == "unknown":
        return "skip"
    if question.kind == "number":
        return {"numbers": f"{value}", "labels": f"{value} years", "codes": f"{value}y"}[style]
    values = [value] if question.kind == "one" else list(value)
    numbers = [str(question.codes.index(v) + 1) for v in values]
    labels = [question.option(v).label for v in values]
    if style == "numbers":
        return ", ".join(numbers) if len(numbers) > 1 or question.kind == "one" else numbers[0]
    if style == "labels":
        # Upper-cased and padded: matching ignores case and surrounding spaces.
        return ",".join(f"  {label.upper()} " for label in labels)
    return " ".join(values) if question.kind == "many" else values[0]


def screen(
    dialogue: Dialogue, who: Identity, ref: str, answers: dict, style: str = "numbers", confirm: bool = True
) -> list[Prompt]:
    """Screen one case start to end by typing; returns the last prompts (the result)."""
    prompts = dialogue.handle(who, f"/new {ref}")
    for _ in range(60):
        last = prompts[-1]
        if last.kind == "question":
            question = QUESTIONS_BY_FIELD[last.field]
            prompts = dialogue.handle(who, typed(question, answers.get(last.field), style))
            assert prompts[0].kind != "refusal", prompts[0].text
        elif last.kind == "review":
            if not confirm:
                return prompts
            prompts = dialogue.handle(who, "confirm")
            if prompts[-1].kind == "notice" and unanswered_asked(answers):
                prompts = dialogue.handle(who, "confirm")  # "N questions unanswered: confirm again"
        else:
            return prompts
    raise AssertionError("the dialogue did not finish")


def unanswered_asked(answers: dict) -> bool:
    """Whether skip logic asks a question these answers leave unanswered (confirm then asks twice)."""
    known = {f: v for f, v in answers.items() if v not in (None, "unknown")}
    return any(f not in known for f in asked_by_contract(known))


# What is asked, by the contracts (not the catalogue) -------------------------------------------------------
def contract_order() -> list[str]:
    """Every field in the order the contracts give: screening-spec.md's questions, each followed by
    other-guidance.md's follow-ups of it (the child's risks follow the growth question)."""
    follow_ups = guidance_follow_ups()
    order: list[str] = []
    for question in spec_questions():
        order.append(question["field"])
        order += [f["field"] for f in follow_ups if f["after"] == question["field"]]
    return order


_CONDITION = re.compile(r"^`(\w+)` (<|=) `?(\w+)`?$")


def _holds(when: str, answers: dict) -> bool:
    """A condition as the contracts write it: always, `age_years` < 18, `seizures` = `yes`."""
    if when == "always":
        return True
    field, op, value = _CONDITION.match(when).groups()  # type: ignore[union-attr]
    given = answers.get(field)
    if op == "=":
        return given == value
    return isinstance(given, int) and given < int(value)


def asked_by_contract(answers: dict) -> list[str]:
    """The fields asked for these answers, in order: each question whose condition holds."""
    when = {q["field"]: q["when"] for q in [*spec_questions(), *guidance_follow_ups()]}
    return [field for field in contract_order() if _holds(when[field], answers)]
