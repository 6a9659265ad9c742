"""The dialogue: one input in, the prompts to show out; every effect committed before they are shown.

Channel-neutral: it takes text or a button code from a user of some channel and returns `Prompt`s. All
state lives in the database: each input is handled inside one BEGIN IMMEDIATE transaction that loads the
case, moves the shared machine, appends answers and transcript lines, and commits, so a restart loses
nothing that was answered and two processes on one file cannot interleave a case.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from transitions import Machine

from ..criteria import (
    QUESTIONS,
    QUESTIONS_BY_FIELD,
    RECOMMENDATIONS,
    Question,
    asked_fields,
    asked_questions,
    progress,
    Result,
    evaluate,
    result_text,
    value_label,
)
from ..storage import Case, RefInUse, Store, User
from . import _buttons as buttons
from . import _messages as say
from ._machine import CHOOSING, DONE, QUESTION_STATES, REVIEW, Conversation, build_machine
from ._parse import MAX_TEXT, Refusal, check_ref, is_number, is_skip, normalise, normalise_many, parse_answer
from ._prompts import Button, Prompt, ReviewLine

#: The commands every channel understands.
COMMANDS: dict[str, str] = {
    "new": "/new [REF]: start a new case (a case reference, never a patient's name)",
    "cases": "/cases: list your cases with their progress",
    "resume": "/resume REF: continue a case where it stopped",
    "back": "/back: go back to the previous question",
    "skip": "/skip: leave this question unanswered (don't know)",
    "summary": "/summary [REF]: the referral summary of a finished case, to paste into a referral",
    "cancel": "/cancel: close the open case (its answers are kept)",
    "help": "/help: what this bot does and how to answer",
}

_AWAITING_REF = "ref"

#: How many cases keep a model on the shared machine between inputs (least recently used go first).
ACTIVE_MODELS = 64

#: The button verbs each kind of state accepts; anything else is refused as an unknown button.
_VERBS_AT = {
    "question": ("answer", "toggle", "done", "back", "skip", "key", "erase"),
    REVIEW: ("change", "confirm", "back"),
    DONE: (),
}


@dataclass(frozen=True)
class Identity:
    """Who is typing: a channel ("console", "telegram") and the id the channel knows them by."""

    channel: str
    external_id: str
    name: str | None = None
    role: str | None = None


@dataclass
class _Turn:
    """The working state of one input: the user, the case it touches, and what to show."""

    user: User
    case: Case | None
    answers: dict = field(default_factory=dict)
    visited: set = field(default_factory=set)
    prompts: list[Prompt] = field(default_factory=list)
    accepted: str = ""
    #: Set when the input must not be kept as typed (a refused case reference may identify a patient).
    redacted: str | None = None

    @property
    def state(self) -> str:
        return self.case.state if self.case and self.case.status != "cancelled" else CHOOSING


class Dialogue:
    """The screening conversation for every user of one database."""

    def __init__(self, store: Store, machine: Machine | None = None,
                 active_models: int = ACTIVE_MODELS) -> None:
        self.store = store
        self.machine = machine or build_machine()
        # Models of recently active cases stay on the shared machine (adding one costs ~70 us and
        # ~11 KB); the least recently used is removed beyond `active_models`. The database stays the
        # truth: each input sets the model's state and answers from it.
        self._models: OrderedDict[int, Conversation] = OrderedDict()
        self._active_models = max(1, active_models)

    # Entry points ------------------------------------------------------------------------------
    def handle(self, who: Identity, text: str | None = None, button: str | None = None,
               key: str | None = None) -> list[Prompt]:
        """Handle one message (text) or one button press (its code) and return what to show.

        `key` names the input for its channel (a Telegram update id): an input delivered again after a
        crash is not applied twice; the open question is shown again instead.
        """
        with self.store.transaction():
            if key is not None and not self.store.first_time(who.channel, key):
                turn = self._begin(who)
                self._show_current(turn)
                return turn.prompts
            turn = self._begin(who)
            incoming = text if text is not None else _describe_press(button or "")
            case_before = turn.case
            if button is not None:
                self._press(turn, button)
            else:
                self._text(turn, text or "")
            if turn.redacted is not None:
                incoming = turn.redacted
            touched = turn.case or case_before
            case_id = touched.id if touched else None
            self.store.record_message(turn.user.id, case_id, who.channel, "in", incoming[:4096])
            for prompt in turn.prompts:
                self.store.record_message(turn.user.id, case_id, who.channel, "out", prompt.text)
        if turn.accepted and turn.prompts:
            turn.prompts[0] = replace(turn.prompts[0], accepted=turn.accepted)
        return turn.prompts

    def current(self, who: Identity) -> list[Prompt]:
        """What the user should see now (the open question, review or result): no side effects."""
        with self.store.transaction():
            turn = self._begin(who)
            self._show_current(turn)
        return turn.prompts

    # Loading and saving ------------------------------------------------------------------------
    def _begin(self, who: Identity) -> _Turn:
        user = self.store.user(who.channel, who.external_id, who.name, who.role)
        case = self.store.case(user.active_case_id) if user.active_case_id else None
        turn = _Turn(user, case)
        if case is not None:
            self._load_answers(turn)
        return turn

    def _load_answers(self, turn: _Turn) -> None:
        assert turn.case is not None
        everything = self.store.answers(turn.case.id, include_skipped=True)
        turn.visited = set(everything)
        turn.answers = {f: v for f, v in everything.items() if v is not None}

    def _move(self, turn: _Turn, trigger: str, target: str | None = None,
              returning: bool | None = None) -> str | None:
        """Fire `trigger` on the shared machine; the new state, or None if not allowed from here."""
        assert turn.case is not None
        model = self._model(turn.case.id, turn.state)
        model.answers, model.visited, model.target = turn.answers, turn.visited, target
        model.returning = turn.case.return_to_review if returning is None else returning
        if not model.may_trigger(trigger):
            return None
        model.trigger(trigger)
        return model.state

    def _model(self, case_id: int, state: str) -> Conversation:
        """The case's model on the shared machine, in the state the database says."""
        model = self._models.get(case_id)
        if model is None:
            model = Conversation({}, set())
            self.machine.add_model(model, initial=state)
            self._models[case_id] = model
            if len(self._models) > self._active_models:
                _, idle = self._models.popitem(last=False)
                self.machine.remove_model(idle)
        else:
            self._models.move_to_end(case_id)
            self.machine.set_state(state, model=model)
        return model

    def _save(self, turn: _Turn, state: str, *, status: str | None = None, returning: bool | None = None,
              pending: tuple[str, ...] | None = None) -> None:
        assert turn.case is not None
        case = turn.case
        if state in QUESTION_STATES and QUESTIONS_BY_FIELD[state].kind == "many" and pending is None:
            pending = turn.answers.get(state, ())  # toggles start from the current answer
        if state == REVIEW:
            returning = False
        values = {"state": state, "status": status or case.status, "pending": pending,
                  "return_to_review": case.return_to_review if returning is None else returning}
        stamp = self.store.save_case(case.id, **values)
        turn.case = replace(case, updated_at=stamp, **values)

    # Buttons -----------------------------------------------------------------------------------
    def _press(self, turn: _Turn, code: str) -> None:
        self._stop_awaiting_ref(turn)
        press = buttons.decode(code)
        if press is None:
            return self._refuse(turn, say.UNKNOWN_BUTTON)
        if press.action == "generate":
            if press.index is None or press.index >= buttons.REF_SPACE:
                return self._refuse(turn, say.UNKNOWN_BUTTON)
            return self._new(turn, buttons.generated_ref(press.index))
        if press.action == "open":
            case = self.store.case(press.case_id)
            if case is None or case.user_id != turn.user.id:
                return self._refuse(turn, say.UNKNOWN_BUTTON)
            return self._resume(turn, case)
        case = turn.case
        if case is None or case.id != press.case_id or press.state != _state_code(case.state):
            turn.prompts.append(Prompt("refusal", say.STALE))
            return self._show_current(turn)
        # Callback data can be forged by a client: a verb must belong to the state it names.
        if press.action not in _VERBS_AT.get(case.state if case.state in (REVIEW, DONE) else "question", ()):
            return self._refuse(turn, say.UNKNOWN_BUTTON)
        if press.action == "back":
            return self._back(turn)
        if press.action == "skip":
            return self._skip(turn)
        if press.action == "confirm":
            return self._confirm(turn)
        if press.action == "change":
            return self._change(turn, press.index)
        question = QUESTIONS_BY_FIELD.get(case.state)
        if question is not None and question.kind == "number":
            return self._keypad(turn, question, press.action, press.index)
        if press.action == "done" and question is not None and question.kind == "many":
            return self._done(turn, question)
        if question is None or press.index is None or not 1 <= press.index <= len(question.options):
            return self._refuse(turn, say.UNKNOWN_BUTTON)
        code_chosen = question.options[press.index - 1].code
        if press.action == "answer" and question.kind == "one":
            return self._accept(turn, question, code_chosen)
        if press.action == "toggle" and question.kind == "many":
            return self._toggle(turn, question, code_chosen)
        return self._refuse(turn, say.UNKNOWN_BUTTON)

    def _toggle(self, turn: _Turn, question: Question, code: str) -> None:
        assert turn.case is not None
        chosen = list(turn.case.pending or ())
        if code in chosen:
            chosen.remove(code)
        elif code == question.exclusive_code:
            chosen = [code]  # `none` excludes the others
        else:
            chosen = [c for c in chosen if c != question.exclusive_code] + [code]
        pending = tuple(c for c in question.codes if c in chosen)
        self._save(turn, turn.case.state, pending=pending)
        turn.prompts.append(self._question(turn, question))

    def _keypad(self, turn: _Turn, question: Question, action: str, digit: int | None) -> None:
        """A number answered by taps: digit keys, erase, then OK (done)."""
        assert turn.case is not None
        digits = list(turn.case.pending or ())
        if action == "key" and digit is not None and digit <= 9:
            if len(digits) >= len(str(question.maximum)):
                return self._refuse(turn, say.TOO_MANY_DIGITS.format(allowed=question.allowed()))
            digits.append(str(digit))
        elif action == "erase":
            digits = digits[:-1]
        elif action == "done":
            if not digits:
                return self._refuse(turn, say.TYPE_DIGITS)
            try:
                value = parse_answer(question, "".join(digits))
            except Refusal as refusal:
                self._save(turn, turn.case.state, pending=())
                return self._refuse(turn, str(refusal))
            return self._accept(turn, question, value)
        else:
            return self._refuse(turn, say.UNKNOWN_BUTTON)
        self._save(turn, turn.case.state, pending=tuple(digits))
        turn.prompts.append(self._question(turn, question))

    def _done(self, turn: _Turn, question: Question) -> None:
        assert turn.case is not None
        chosen = turn.case.pending or ()
        if not chosen:
            return self._refuse(turn, say.CHOOSE_ONE)
        self._accept(turn, question, tuple(chosen))

    # Text --------------------------------------------------------------------------------------
    def _text(self, turn: _Turn, raw: str) -> None:
        text = raw.strip()
        if not text:
            return self._refuse(turn, say.EMPTY)
        if len(raw) > MAX_TEXT:
            return self._refuse(turn, say.TOO_LONG.format(limit=MAX_TEXT))
        if text.startswith("/"):
            return self._command(turn, text)
        if turn.user.awaiting == _AWAITING_REF:
            return self._new(turn, text)
        word = normalise(text)
        state = turn.state
        if state == CHOOSING:
            turn.prompts.append(Prompt("notice", say.NO_OPEN_CASE))
            return None
        if word in ("back", "previous"):
            return self._back(turn)
        if state == REVIEW:
            return self._review_input(turn, word)
        if state == DONE:
            return self._finished(turn)
        question = QUESTIONS_BY_FIELD[state]
        if is_skip(text):
            return self._skip(turn)
        if question.kind == "many" and word == "done":
            return self._done(turn, question)
        try:
            value = parse_answer(question, text)
        except Refusal as refusal:
            return self._refuse(turn, str(refusal))
        self._accept(turn, question, value)

    def _command(self, turn: _Turn, text: str) -> None:
        name, _, rest = text[1:].partition(" ")
        name = name.split("@", 1)[0].casefold()  # Telegram adds @botname in groups
        arg = rest.strip()
        if name not in ("new", "cancel"):
            self._stop_awaiting_ref(turn)  # the reference is read from the message right after /new
        if name in ("help", "start"):
            turn.prompts.append(Prompt("help", say.help_text(COMMANDS)))
            return self._show_current(turn, quiet=True)
        if name == "new":
            return self._new(turn, arg) if arg else self._ask_ref(turn)
        if name == "cases":
            return self._cases(turn)
        if name == "resume":
            if not arg:
                return self._show_current(turn) if turn.case else self._cases(turn)
            try:
                check_ref(arg)
            except Refusal as refusal:
                turn.redacted = say.REDACTED.format(command="/resume ")
                return self._refuse(turn, str(refusal), show=False)
            case = self.store.case_by_ref(arg)
            if case is None or case.user_id != turn.user.id:
                return self._refuse(turn, say.NO_SUCH_CASE.format(ref=arg), show=False)
            return self._resume(turn, case)
        if name == "cancel":
            return self._cancel(turn)
        if turn.state in (CHOOSING,) and name in ("back", "skip"):
            turn.prompts.append(Prompt("notice", say.NO_OPEN_CASE))
            return None
        if name == "back":
            return self._back(turn)
        if name == "skip":
            if turn.state not in QUESTION_STATES:
                return self._refuse(turn, say.NOTHING_TO_SKIP)
            return self._skip(turn)
        return self._refuse(turn, say.UNKNOWN_COMMAND.format(name=name[:32]))

    # Cases -------------------------------------------------------------------------------------
    def _stop_awaiting_ref(self, turn: _Turn) -> None:
        if turn.user.awaiting == _AWAITING_REF:
            self.store.set_active(turn.user.id, turn.user.active_case_id, None)
            turn.user = replace(turn.user, awaiting=None)

    def _ask_ref(self, turn: _Turn) -> None:
        self.store.set_active(turn.user.id, turn.case.id if turn.case else None, _AWAITING_REF)
        number = secrets.randbelow(buttons.REF_SPACE)
        offer = Button(buttons.encode("generate", 0, "n", number),
                       say.GENERATE_LABEL.format(ref=buttons.generated_ref(number)))
        turn.prompts.append(Prompt("notice", say.ASK_REF, controls=(offer,)))

    def _new(self, turn: _Turn, text: str) -> None:
        try:
            ref = check_ref(text)
        except Refusal as refusal:
            # Never keep what was refused: it may be a name, a date of birth or a record number.
            turn.redacted = say.REDACTED.format(command="" if turn.user.awaiting == _AWAITING_REF else "/new ")
            turn.prompts.append(Prompt("refusal", str(refusal)))
            return None
        existing = self.store.case_by_ref(ref)
        if existing is not None:
            message = say.YOUR_REF_EXISTS if existing.user_id == turn.user.id else say.REF_TAKEN
            turn.prompts.append(Prompt("refusal", message.format(ref=existing.ref if
                                       existing.user_id == turn.user.id else ref)))
            return None
        try:
            case = self.store.create_case(turn.user.id, ref, CHOOSING)
        except RefInUse:  # pragma: no cover - checked just above, inside the same transaction
            turn.prompts.append(Prompt("refusal", say.REF_TAKEN.format(ref=ref)))
            return None
        self.store.set_active(turn.user.id, case.id)
        turn.case, turn.answers, turn.visited = case, {}, set()
        state = self._move(turn, "start")
        assert state is not None
        self._save(turn, state)
        turn.prompts.append(Prompt("notice", say.CASE_STARTED.format(ref=ref), case_ref=ref))
        self._show_current(turn, quiet=True)

    def _resume(self, turn: _Turn, case: Case) -> None:
        self.store.set_active(turn.user.id, case.id)
        turn.case = case
        self._load_answers(turn)
        if case.status == "cancelled":
            self._save(turn, case.state, status="open")
            turn.prompts.append(Prompt("notice", say.REOPENED.format(ref=case.ref), case_ref=case.ref))
        self._show_current(turn)

    def _cancel(self, turn: _Turn) -> None:
        if turn.user.awaiting == _AWAITING_REF:
            self.store.set_active(turn.user.id, turn.user.active_case_id, None)
            turn.prompts.append(Prompt("notice", say.NEW_CANCELLED))
            return None
        case = turn.case
        if case is None or turn.state == CHOOSING:
            turn.prompts.append(Prompt("notice", say.NO_OPEN_CASE))
            return None
        if case.status == "open":
            self._save(turn, case.state, status="cancelled")
            message = say.CANCELLED
        else:
            message = say.CLOSED
        self.store.set_active(turn.user.id, None)
        turn.prompts.append(Prompt("notice", message.format(ref=case.ref), case_ref=case.ref))

    def _cases(self, turn: _Turn) -> None:
        cases = self.store.cases_of(turn.user.id)
        if not cases:
            turn.prompts.append(Prompt("cases", say.NO_CASES))
            return None
        lines, options = [say.CASES_HEADING], []
        for case in cases:
            answered, asked = progress(self.store.answers(case.id))
            result = self.store.latest_result(case.id) if case.status == "done" else None
            outcome = f", {result[0]['recommendation']}" if result else ""
            marker = " (open now)" if turn.case and case.id == turn.case.id else ""
            lines.append(f"- {case.ref}: {answered}/{asked} answered, {case.status}{outcome}{marker}")
            options.append(Button(buttons.encode("open", case.id, "c"), case.ref))
        lines.append(say.CASES_FOOT)
        turn.prompts.append(Prompt("cases", "\n".join(lines), options=tuple(options)))

    # Questions ---------------------------------------------------------------------------------
    def _accept(self, turn: _Turn, question: Question, value) -> None:
        """Store an answer (None = skipped) and move on; committed with the prompts that follow."""
        assert turn.case is not None
        if question.kind == "many" and value is not None:
            try:
                value = normalise_many(question, value)
            except Refusal as refusal:
                return self._refuse(turn, str(refusal))
        current = turn.answers.get(question.field)
        if value != current or question.field not in turn.visited:
            action = "skip" if value is None else ("change" if question.field in turn.visited else "answer")
            self.store.record_answer(turn.case.id, question.field, value, turn.user.id, action)
            turn.visited.add(question.field)
            if value is None:
                turn.answers.pop(question.field, None)
            else:
                turn.answers[question.field] = value
        turn.accepted = say.SKIPPED if value is None else value_label(question.field, value)
        state = self._move(turn, "advance")
        assert state is not None, "every question state has an advance transition"
        self._save(turn, state)
        self._show_current(turn, quiet=True)

    def _skip(self, turn: _Turn) -> None:
        self._accept(turn, QUESTIONS_BY_FIELD[turn.state], None)

    def _back(self, turn: _Turn) -> None:
        state = self._move(turn, "back")
        if state is None:
            message = say.FIRST_QUESTION if turn.state in QUESTION_STATES else say.CANNOT_GO_BACK
            return self._refuse(turn, message)
        self._save(turn, state)
        self._show_current(turn, quiet=True)

    def _review_input(self, turn: _Turn, word: str) -> None:
        if word == "confirm":  # only the word itself: a stray "yes" must not close the case
            return self._confirm(turn)
        word = word.removeprefix("change").strip()
        asked = asked_questions(turn.answers)
        if is_number(word) and 1 <= int(word) <= len(asked):
            index = asked[int(word) - 1].number
        else:
            index = next((q.number for q in asked if word == q.field), None)
        if index is None:
            return self._refuse(turn, say.REVIEW_HELP.format(count=len(asked)))
        self._change(turn, index)

    def _change(self, turn: _Turn, number: int | None) -> None:
        question = next((q for q in QUESTIONS if q.number == number), None)
        if question is None or not question.is_asked(turn.answers):
            return self._refuse(turn, say.UNKNOWN_BUTTON)
        state = self._move(turn, "change", target=question.field)
        assert state == question.field
        self._save(turn, state, returning=True)
        self._show_current(turn, quiet=True)

    def _confirm(self, turn: _Turn) -> None:
        assert turn.case is not None
        result = evaluate(turn.answers)
        state = self._move(turn, "confirm")
        if state is None:
            return self._refuse(turn, say.CONFIRM_AT_REVIEW)
        self.store.record_result(turn.case.id, result.to_dict(), turn.user.id)
        self._save(turn, state, status="done")
        turn.prompts.append(self._result(turn, result))

    def _finished(self, turn: _Turn) -> None:
        assert turn.case is not None
        turn.prompts.append(Prompt("notice", say.FINISHED.format(ref=turn.case.ref), case_ref=turn.case.ref))

    # Rendering ---------------------------------------------------------------------------------
    def _refuse(self, turn: _Turn, message: str, show: bool = True) -> None:
        """Say what is allowed, then show the open question again; nothing is stored for the input."""
        turn.prompts.append(Prompt("refusal", message, case_ref=turn.case.ref if turn.case else None))
        if show:
            self._show_current(turn, quiet=True)

    def _show_current(self, turn: _Turn, quiet: bool = False) -> None:
        state = turn.state
        if state == CHOOSING:
            if not quiet:
                turn.prompts.append(Prompt("notice", say.NO_OPEN_CASE))
        elif state == REVIEW:
            turn.prompts.append(self._review(turn))
        elif state == DONE:
            stored = self.store.latest_result(turn.case.id) if turn.case else None
            if stored is not None:
                turn.prompts.append(self._result(turn, Result.from_dict(stored[0])))
        else:
            turn.prompts.append(self._question(turn, QUESTIONS_BY_FIELD[state]))

    def _question(self, turn: _Turn, question: Question) -> Prompt:
        assert turn.case is not None
        case = turn.case
        asked = asked_fields(turn.answers)
        position = asked.index(question.field) + 1 if question.field in asked else len(asked)
        state = _state_code(question.field)
        selected = set(case.pending or ()) if question.kind == "many" else set()
        current = turn.answers.get(question.field)
        verb = {"one": "answer", "many": "toggle"}.get(question.kind)
        options = tuple(
            Button(buttons.encode(verb, case.id, state, i), option.label, option.code in selected)
            for i, option in enumerate(question.options, 1)
        ) if verb else ()
        controls = []
        if question.kind == "many":
            controls.append(Button(buttons.encode("done", case.id, state), say.DONE_LABEL))
        typed = ""
        if question.kind == "number":
            options = tuple(Button(buttons.encode("key", case.id, state, d), str(d)) for d in (*range(1, 10), 0))
            controls += [Button(buttons.encode("erase", case.id, state), say.ERASE_LABEL),
                         Button(buttons.encode("done", case.id, state), say.OK_LABEL)]
            if case.pending:
                typed = "\n" + say.TYPED_SO_FAR.format(digits="".join(case.pending))
        if position > 1 or case.return_to_review:
            controls.append(Button(buttons.encode("back", case.id, state), say.BACK_LABEL))
        controls.append(Button(buttons.encode("skip", case.id, state), say.SKIP_LABEL))
        heading = say.QUESTION_HEADING.format(ref=case.ref, position=position, total=len(asked))
        title = question.text + (f"\n{question.hint}" if question.hint else "")
        if current is not None:
            title += "\n" + say.CURRENT_ANSWER.format(answer=value_label(question.field, current))
        title += typed
        text = say.question_text(heading, title, question, selected)
        return Prompt("question", text, case_ref=case.ref, field=question.field, title=f"{heading}\n{title}",
                      options=options, multi=question.kind == "many", controls=tuple(controls),
                      keypad=question.kind == "number")

    def _review(self, turn: _Turn) -> Prompt:
        assert turn.case is not None
        case = turn.case
        asked = asked_questions(turn.answers)
        lines = tuple(
            ReviewLine(i, q.field, q.text, value_label(q.field, turn.answers.get(q.field)))
            for i, q in enumerate(asked, 1)
        )
        state = _state_code(REVIEW)
        options = tuple(Button(buttons.encode("change", case.id, state, q.number), f"{i}. {q.text}")
                        for i, q in enumerate(asked, 1))
        controls = (Button(buttons.encode("confirm", case.id, state), say.CONFIRM_LABEL),
                    Button(buttons.encode("back", case.id, state), say.BACK_LABEL))
        heading = say.REVIEW_HEADING.format(ref=case.ref)
        text = "\n".join([heading, *(f"{l.number}. {l.question} \u2014 {l.answer}" for l in lines),
                          say.REVIEW_HELP.format(count=len(lines))])
        return Prompt("review", text, case_ref=case.ref, title=heading, options=options,
                      controls=controls, review=lines)

    def _result(self, turn: _Turn, result: Result) -> Prompt:
        assert turn.case is not None
        ref = turn.case.ref
        heading = say.RESULT_HEADING.format(ref=ref, title=RECOMMENDATIONS[result.recommendation].title)
        return Prompt("result", f"{heading}\n{result_text(result)}", case_ref=ref, title=heading,
                      result=result)


def _describe_press(code: str) -> str:
    """A press as the transcript records it: `[pressed] Recorded allergy, not confirmed (q9)`."""
    press = buttons.decode(code)
    if press is None:
        return f"[pressed] unknown button {code[:64]!r}"
    label = press.action
    if press.action in ("answer", "toggle") and press.state.isdigit() and press.index:
        question = QUESTIONS[int(press.state) - 1] if 1 <= int(press.state) <= len(QUESTIONS) else None
        if question and press.index <= len(question.options):
            label = f"{press.action} {question.options[press.index - 1].label}"
    elif press.action == "change" and press.index:
        label = f"change question {press.index}"
    elif press.action == "key" and press.index is not None:
        label = f"key {press.index}"
    return f"[pressed] {label} (case {press.case_id}, {press.state})"


def _state_code(state: str) -> str:
    """A state's short name in button codes: the question number, or r for review."""
    if state == REVIEW:
        return "r"
    question = QUESTIONS_BY_FIELD.get(state)
    return str(question.number) if question else state[:1]
