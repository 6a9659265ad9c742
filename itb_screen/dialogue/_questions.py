"""Answering the open question: typed text routed, answers stored and said back, nothing lost by accident.

`skip` keeps an answer already given, `unknown` clears it (saying what it was), `?` explains, a near miss
is offered back and stored only after yes, and every typed answer stored is said back in one line.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..criteria import QUESTIONS_BY_FIELD, Question, short_label, value_label
from ..storage.identifiers import redact
from . import _cases, _commands, _corrections, _review
from . import _messages as say
from ._explain import explain
from ._machine import CHOOSING, DONE, REVIEW
from ._parse import (
    HELP_WORDS,
    KEEP_WORDS,
    MAX_TEXT,
    UNKNOWN_WORDS,
    Refusal,
    normalise,
    normalise_many,
    parse_answer,
    read_line,
)
from ._prompts import Prompt, offer_prompt, question_prompt
from ._turn import Awaiting, Turn

if TYPE_CHECKING:
    from ._engine import Dialogue

#: Words that take (or refuse) an answer offered back as "Did you mean ...?".
YES = frozenset({"yes", "y", "yeah", "yep", "ok", "correct", "right"})
NO = frozenset({"no", "n", "nope", "wrong"})


def text(d: Dialogue, turn: Turn, raw: str) -> None:
    """A typed message: a command, an awaited reference or reason, or an answer to the open question."""
    stripped = raw.strip()
    if not stripped:
        return d.refuse(turn, say.EMPTY)
    if len(raw) > MAX_TEXT:
        return d.refuse(turn, say.TOO_LONG.format(limit=MAX_TEXT))
    if stripped.startswith("/"):
        return _commands.command(d, turn, stripped)
    if turn.awaiting("ref") is not None:
        return _cases.new(d, turn, stripped)
    amending = turn.awaiting("reason")
    if amending is not None and amending.case_id is not None:
        return _corrections.amend_reason(d, turn, stripped, amending.case_id)
    word = normalise(stripped)
    if turn.state == CHOOSING:
        return turn.say("notice", say.NO_OPEN_CASE)
    if _moved_on(turn):
        turn.say("refusal", say.MOVED_ON.format(ref=turn.ref))
        return d.show_current(turn, quiet=True)
    if word in ("back", "previous"):
        return _review.back(d, turn)
    if turn.state == REVIEW:
        return _review.typed_at_review(d, turn, word)
    if turn.state == DONE:
        return turn.say("notice", say.FINISHED.format(ref=turn.ref))
    return _at_question(d, turn, QUESTIONS_BY_FIELD[turn.state], stripped, word)


def _at_question(d: Dialogue, turn: Turn, question: Question, typed: str, word: str) -> None:
    offer = offered(turn)
    if offer is not None and (word in YES or word in NO):
        return answer_offer(d, turn, word in YES, offer)
    if word in HELP_WORDS:
        turn.say("help", explain(question), field=question.field)
        return d.show_current(turn, quiet=True)
    if word in KEEP_WORDS:
        return skip(d, turn)
    if word in UNKNOWN_WORDS:
        return clear(d, turn, question)
    if question.kind == "many" and word == "done":
        return done(d, turn, question)
    reading = read_line(question, typed)
    if reading.outcome == "answer":
        qualifier = redact(reading.qualifier) if reading.qualifier else None
        said = "; ".join(part for part in (reading.note, qualifier and f"note: {qualifier}") if part)
        return accept(d, turn, question, reading.value, note=said, kept=(qualifier, reading.icd10cm))
    if reading.outcome == "near":
        return _offer_back(
            d, turn, question, reading.value, None, say.DID_YOU_MEAN.format(answer=reading.message)
        )
    if reading.outcome == "ask" and reading.follow_up is not None:
        ask = reading.follow_up
        return _offer_back(d, turn, question, ask.yes, ask.no, say.FOLLOW_UP.format(ask=ask.ask))
    d.refuse(turn, reading.message)


def _saved_label(field: str) -> str:
    """The question a saved line names, in a word or two: its short label without a parenthesis."""
    return short_label(field).split(" (")[0]


def _moved_on(turn: Turn) -> bool:
    """The window this was typed in shows another question of the open case than the one open now (a
    second console moved it on): nothing may be stored at a question the user was not shown."""
    if turn.shown is None or turn.shown[0] is None or turn.case is None:
        return False
    now = turn.state if turn.state in QUESTIONS_BY_FIELD else turn.state.replace(DONE, "result")
    return turn.shown != (turn.case.ref, now)


def show_offer(turn: Turn) -> None:
    """Ask again a yes or no still awaited for the open question (a console restarted, a case resumed)."""
    offer = offered(turn)
    if offer is None or turn.case is None:
        return
    question = QUESTIONS_BY_FIELD[turn.state]
    ask = offer.ask or say.DID_YOU_MEAN.format(answer=value_label(question.field, offer.yes))
    turn.prompts.append(offer_prompt(turn.case, question, ask))


# Storing -----------------------------------------------------------------------------------------
def accept(
    d: Dialogue,
    turn: Turn,
    question: Question,
    value: Any,
    note: str = "",
    kept: tuple[str | None, str | None] = (None, None),
) -> None:
    """Store an answer (None = skipped) and move on; committed with the prompts that follow.

    `kept`: the qualifier (redacted) and the ICD-10-CM code the reading kept beside the value."""
    assert turn.case is not None
    if question.kind == "many" and value is not None:
        try:
            value = normalise_many(question, value)
        except Refusal as refusal:
            return d.refuse(turn, str(refusal))
    current = turn.answers.get(question.field)
    # The same answer again is not stored again, unless it came with a note this time.
    if value != current or question.field not in turn.visited or kept[0]:
        action = "skip" if value is None else ("change" if question.field in turn.visited else "answer")
        _store(d, turn, question, value, action, kept)
    words = say.SKIPPED if value is None else value_label(question.field, value)
    turn.pressed = words
    if turn.typed and value is not None:
        turn.say(
            "saved",
            say.SAVED.format(question=_saved_label(question.field), answer=words)
            + (f" ({note})" if note else ""),
            field=question.field,
        )
    advance(d, turn)


def _store(
    d: Dialogue,
    turn: Turn,
    question: Question,
    value: Any,
    action: str,
    kept: tuple[str | None, str | None] = (None, None),
) -> None:
    assert turn.case is not None
    note, icd10cm = kept
    d.store.record_answer(turn.case.id, question.field, value, turn.user.id, action, note, icd10cm)
    turn.visited.add(question.field)
    if value is None:
        turn.answers.pop(question.field, None)
    else:
        turn.answers[question.field] = value


def advance(d: Dialogue, turn: Turn) -> None:
    state = d.move(turn, "advance")
    assert state is not None, "every question state has an advance transition"
    d.save(turn, state)
    d.show_current(turn, quiet=True)


def skip(d: Dialogue, turn: Turn) -> None:
    """Move on; an answer already given is kept (and said so), never cleared by accident."""
    question = QUESTIONS_BY_FIELD[turn.state]
    current = turn.answers.get(question.field)
    if current is None:
        return accept(d, turn, question, None)
    turn.pressed = say.KEPT.format(answer=value_label(question.field, current))
    if turn.typed:  # a press says it on the pressed message instead
        turn.say("saved", turn.pressed, field=question.field)
    advance(d, turn)


def clear(d: Dialogue, turn: Turn, question: Question) -> None:
    """`unknown`: leave the question unanswered, saying what the answer was if there was one.

    Kept as "not known" (action `unknown`, or `clear` over an answer), apart from a skip: the reports
    tell "the clinician does not know" from "never asked"; the rules see neither."""
    assert turn.case is not None
    current = turn.answers.get(question.field)
    if current is None:
        if question.field not in d.store.not_known(turn.case.id):  # said once is kept once
            _store(d, turn, question, None, "unknown")
        turn.pressed = say.SKIPPED
        return advance(d, turn)
    _store(d, turn, question, None, "clear")
    turn.pressed = say.CLEARED.format(answer=value_label(question.field, current))
    if turn.typed:
        turn.say("saved", turn.pressed, field=question.field)
    advance(d, turn)


# Buttons of a question -------------------------------------------------------------------------------
def toggle(d: Dialogue, turn: Turn, question: Question, code: str) -> None:
    """Tick or untick an option of a many-choice question; `none` excludes the others."""
    assert turn.case is not None
    chosen = list(turn.case.pending or ())
    if code in chosen:
        chosen.remove(code)
    elif code == question.exclusive_code:
        chosen = [code]
    else:
        chosen = [c for c in chosen if c != question.exclusive_code] + [code]
    d.save(turn, turn.state, pending=tuple(c for c in question.codes if c in chosen))
    turn.prompts.append(_same_question(turn, question, "keyboard"))


def done(d: Dialogue, turn: Turn, question: Question) -> None:
    assert turn.case is not None
    chosen = turn.case.pending or ()
    if not chosen:
        return d.refuse(turn, say.CHOOSE_ONE)
    accept(d, turn, question, tuple(chosen))


def keypad(d: Dialogue, turn: Turn, question: Question, action: str, digit: int | None) -> None:
    """A number answered by taps: digit keys, erase, then OK (done)."""
    assert turn.case is not None
    digits = list(turn.case.pending or ())
    if action == "done":
        return _keypad_ok(d, turn, question, digits)
    if action == "key" and digit is not None and digit <= 9:
        if len(digits) >= len(str(question.maximum)):
            return d.refuse(turn, say.TOO_MANY_DIGITS.format(allowed=question.allowed()))
        digits.append(str(digit))
    elif action == "erase":
        digits = digits[:-1]
    else:
        return d.refuse(turn, say.UNKNOWN_BUTTON)
    d.save(turn, turn.state, pending=tuple(digits))
    turn.prompts.append(_same_question(turn, question, "edit"))


def _keypad_ok(d: Dialogue, turn: Turn, question: Question, digits: list[str]) -> None:
    if not digits:
        return d.refuse(turn, say.TYPE_DIGITS)
    try:
        value = parse_answer(question, "".join(digits))
    except Refusal as refusal:
        d.save(turn, turn.state, pending=())
        return d.refuse(turn, str(refusal))
    accept(d, turn, question, value)


def _same_question(turn: Turn, question: Question, display: str) -> Prompt:
    """The open question again, shown in place of the pressed one (its keyboard, or all of it)."""
    assert turn.case is not None
    prompt = question_prompt(turn.case, turn.answers, question)
    return replace(prompt, display=display)  # type: ignore[arg-type]


# Near misses: "Did you mean ...?" ------------------------------------------------------------------
def _offer_back(d: Dialogue, turn: Turn, question: Question, yes: Any, no: Any, ask: str) -> None:
    """Ask a yes or no back (a near miss, or a follow-up question); nothing is stored until the answer."""
    assert turn.case is not None
    d.set_awaiting(
        turn,
        Awaiting("offer", case_id=turn.case.id, field=question.field, ask=ask, yes=yes, no=no),
    )
    turn.offered = True
    turn.prompts.append(offer_prompt(turn.case, question, ask))


def offered(turn: Turn) -> Awaiting | None:
    """The yes or no asked back about the open question by the previous input, if any."""
    offer = turn.awaiting("offer")
    # Any other input ends an offer, so it belongs to the open question; the case and field are checked
    # in case another process moved the user on.
    if offer is None or turn.case is None or offer.case_id != turn.case.id or offer.field != turn.state:
        return None
    return offer


def answer_offer(d: Dialogue, turn: Turn, yes: bool, offer: Awaiting | None = None) -> None:
    """Yes stores the answer offered; No stores the follow-up's no, or asks the question again."""
    offer = offered(turn) if offer is None else offer
    if offer is None or turn.state not in QUESTIONS_BY_FIELD:  # a Yes/No whose offer has gone
        turn.say("refusal", say.STALE)
        return d.show_current(turn, quiet=True)
    question = QUESTIONS_BY_FIELD[turn.state]
    d.set_awaiting(turn, None)
    value = offer.yes if yes else offer.no
    if value is None:
        turn.pressed = say.NOT_THAT
        turn.say("notice", say.NOT_SAVED)
        return d.show_current(turn, quiet=True)
    accept(d, turn, question, value)
