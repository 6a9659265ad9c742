"""What the dialogue asks a channel to show, and the pure functions that build it.

A `Prompt` is structured so each channel renders it its own way: `text` is the plain rendering (the
console prints it, the transcript stores it); the other fields let a rich channel draw buttons, and
`display` says whether it is a new message or a change of the message whose button was pressed.
The builders here read only their arguments: no storage, no machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..criteria import (
    ALL_GROUPS,
    QUESTIONS_BY_FIELD,
    RECOMMENDATIONS,
    Question,
    Result,
    asked_fields,
    asked_questions,
    join_words,
    position,
    result_text,
    value_label,
)
from ..storage import Case
from . import _buttons as buttons
from . import _messages as say
from ._machine import DONE, QUESTION_STATES, REVIEW

#: "saved" is the one-line say-back of a typed answer ("Saved: Multiple sclerosis"), before what follows;
#: "report" is a read-out for the team (a summary, a case shown in full, every case).
PromptKind = Literal["notice", "refusal", "question", "review", "result", "cases", "help", "saved", "report"]

#: How a channel shows a prompt answering a press: "message", a new message (after the pressed message is
#: closed with `accepted`); "edit", in place of the pressed message (keyboard included); "keyboard", only a
#: new keyboard on the pressed message. Typed input always gets new messages.
Display = Literal["message", "edit", "keyboard"]


@dataclass(frozen=True)
class Button:
    """A button: `code` is what the channel sends back when pressed (at most 64 bytes)."""

    code: str
    label: str
    selected: bool = False


@dataclass(frozen=True)
class ReviewLine:
    number: str  # as people see it: `7`, or `2a` for a follow-up
    field: str
    question: str
    answer: str


@dataclass(frozen=True)
class Prompt:
    kind: PromptKind
    text: str
    case_ref: str | None = None
    field: str | None = None
    #: The question itself (or a heading) without the numbered options, for channels with buttons.
    title: str = ""
    options: tuple[Button, ...] = ()
    multi: bool = False
    controls: tuple[Button, ...] = ()
    review: tuple[ReviewLine, ...] = ()
    result: Result | None = None
    #: The options are a digit keypad (a number question answered by taps).
    keypad: bool = False
    #: On the first prompt after a press: what the pressed message should now say (the answer stored,
    #: "Back", "Confirmed"...); "" leaves the pressed message as it is.
    accepted: str = ""
    display: Display = "message"


def state_code(state: str) -> str:
    """A state's short name in button codes: the question's tag (`5`, `2b`), r for review, d for done."""
    if state == REVIEW:
        return "r"
    if state in QUESTION_STATES:
        return QUESTIONS_BY_FIELD[state].tag
    return state[:1]


def where(case: Case, answers: dict[str, Any]) -> str:
    """Where a case stands, in words: `question 3 of 18`, `the review` or `its result`.

    The count is the catalogue's 18 numbered questions plus the follow-ups of other-guidance.md asked
    for these answers (`position`): an adult's baclofen question is 9 of 18, the growth question (6)
    being asked only under 18; after a spinal cord injury's level question it is 10 of 19."""
    if case.state in QUESTION_STATES:
        return "question {} of {}".format(*position(case.state, answers))
    return "the review" if case.state == REVIEW else "its result"


def _keypad(case: Case, question: Question, state: str) -> tuple[tuple[Button, ...], list[Button], str]:
    keys = tuple(Button(buttons.encode("key", case.id, state, d), str(d)) for d in (*range(1, 10), 0))
    controls = [
        Button(buttons.encode("erase", case.id, state), say.ERASE_LABEL),
        Button(buttons.encode("done", case.id, state), say.OK_LABEL),
    ]
    typed = "\n" + say.TYPED_SO_FAR.format(digits="".join(case.pending)) if case.pending else ""
    return keys, controls, typed


def _choices(case: Case, question: Question, state: str, selected: set[str]) -> tuple[Button, ...]:
    verb = "toggle" if question.kind == "many" else "answer"
    return tuple(
        Button(buttons.encode(verb, case.id, state, i), option.label, option.code in selected)
        for i, option in enumerate(question.options, 1)
    )


def question_prompt(case: Case, answers: dict[str, Any], question: Question) -> Prompt:
    """A question with its options (buttons, or a keypad for a number), Back, Skip and any current answer."""
    asked = asked_fields(answers)
    first = not asked or asked[0] == question.field
    state = state_code(question.field)
    selected = set(case.pending or ()) if question.kind == "many" else set()
    typed = ""
    if question.kind == "number":
        options, controls, typed = _keypad(case, question, state)
    else:
        options, controls = _choices(case, question, state, selected), []
        if question.kind == "many":
            controls.append(Button(buttons.encode("done", case.id, state), say.DONE_LABEL))
    if not first or case.return_to_review:
        controls.append(Button(buttons.encode("back", case.id, state), say.BACK_LABEL))
    controls.append(Button(buttons.encode("skip", case.id, state), say.SKIP_LABEL))
    here, total = position(question.field, answers)
    heading = say.QUESTION_HEADING.format(ref=case.ref, position=here, total=total)
    title = question.text + (f"\n{question.hint}" if question.hint else "")
    current = answers.get(question.field)
    if current is not None:
        title += "\n" + say.CURRENT_ANSWER.format(answer=value_label(question.field, current))
        title += "\n" + say.KEEP_HINT
    title += typed
    return Prompt(
        "question",
        say.question_text(heading, title, question, selected),
        case_ref=case.ref,
        field=question.field,
        title=f"{heading}\n{title}",
        options=options,
        multi=question.kind == "many",
        controls=tuple(controls),
        keypad=question.kind == "number",
    )


def review_help(asked: tuple[Question, ...]) -> str:
    """How to change an answer, naming the numbers the review shows (`1 to 18, 2b or 17a`)."""
    extra = [q.tag for q in asked if q.from_guidance]
    numbers = join_words([f"1 to {max(q.number for q in asked)}", *extra], "or")
    return say.REVIEW_HELP.format(numbers=numbers)


def review_prompt(case: Case, answers: dict[str, Any]) -> Prompt:
    """Every asked question with its answer, a Change button each, Confirm and Back."""
    asked = asked_questions(answers)
    lines = tuple(
        ReviewLine(q.tag, q.field, q.text, value_label(q.field, answers.get(q.field))) for q in asked
    )
    state = state_code(REVIEW)
    options = tuple(
        Button(buttons.encode("change", case.id, state, q.tag), f"{q.tag}. {q.text}") for q in asked
    )
    controls = (
        Button(buttons.encode("confirm", case.id, state), say.CONFIRM_LABEL),
        Button(buttons.encode("back", case.id, state), say.BACK_LABEL),
    )
    heading = say.REVIEW_HEADING.format(ref=case.ref)
    text = "\n".join(
        [
            heading,
            *(f"{line.number}. {line.question} \u2014 {line.answer}" for line in lines),
            review_help(asked),
        ]
    )
    return Prompt(
        "review", text, case_ref=case.ref, title=heading, options=options, controls=controls, review=lines
    )


def result_prompt(case: Case, result: Result, groups: frozenset[str] = ALL_GROUPS) -> Prompt:
    """The recommendation with its reasons and points, then the flags of the site's guidance `groups`
    apart (the stored result keeps every flag), and an Amend button."""
    result = result.showing(groups)
    heading = say.RESULT_HEADING.format(ref=case.ref, title=RECOMMENDATIONS[result.recommendation].title)
    amend = Button(buttons.encode("amend", case.id, state_code(DONE)), say.AMEND_LABEL)
    return Prompt(
        "result",
        f"{heading}\n{result_text(result)}",
        case_ref=case.ref,
        title=heading,
        result=result,
        controls=(amend,),
    )


def offer_prompt(case: Case, question: Question, ask: str) -> Prompt:
    """A yes or no asked back ("Did you mean ...?", or a follow-up question) with Yes and No."""
    state = state_code(question.field)
    controls = (
        Button(buttons.encode("yes", case.id, state), say.YES_LABEL),
        Button(buttons.encode("no", case.id, state), say.NO_LABEL),
    )
    return Prompt(
        "notice",
        ask,
        case_ref=case.ref,
        field=question.field,
        controls=controls,
    )


def unanswered_prompt(case: Case, labels: list[str]) -> Prompt:
    """Confirm pressed with asked questions unanswered: list them, offer Confirm anyway."""
    anyway = Button(buttons.encode("confirm", case.id, state_code(REVIEW), 1), say.CONFIRM_ANYWAY_LABEL)
    text = say.UNANSWERED_AT_CONFIRM.format(
        count=len(labels), s="" if len(labels) == 1 else "s", fields=", ".join(labels)
    )
    return Prompt("notice", text, case_ref=case.ref, controls=(anyway,))


def new_ref_prompt(number: int) -> Prompt:
    """Ask for a case reference, offering a generated one as a button."""
    offer = Button(
        buttons.encode("generate", 0, "n", number),
        say.GENERATE_LABEL.format(ref=buttons.generated_ref(number)),
    )
    return Prompt("notice", say.ASK_REF, controls=(offer,))


def cases_prompt(
    rows: list[tuple[Case, int, int, str, bool]], handed: list[tuple[Case, str]] | None = None
) -> Prompt:
    """A user's cases: (case, answered, asked, recommendation title or "", open now), an Open button each;
    then the cases they handed on: (case, its owner now)."""
    given = [
        f"- {c.ref}: now with {owner}, {say.STATUS_WORDS[c.status].lower()}" for c, owner in handed or ()
    ]
    given = [say.HANDED_ON_HEADING, *given] if given else []
    if not rows:
        return Prompt("cases", "\n".join([say.NO_CASES, *given]))
    lines, options = [say.CASES_HEADING], []
    for case, answered, asked, outcome, open_now in rows:
        status = say.STATUS_WORDS[case.status].lower()
        lines.append(
            f"- {case.ref}: {answered}/{asked} answered, {status}{f', {outcome}' if outcome else ''}"
            f"{' (open now)' if open_now else ''}"
        )
        options.append(Button(buttons.encode("open", case.id, "c"), case.ref))
    lines += [say.CASES_FOOT, *given]
    return Prompt("cases", "\n".join(lines), options=tuple(options))
