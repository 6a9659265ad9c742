"""The dialogue: one input in, the prompts to show out; every effect committed before they are shown.

Channel-neutral: it takes text or a button code from a user of some channel and returns `Prompt`s. All
state lives in the database: each input is handled inside one BEGIN IMMEDIATE transaction that loads the
case, moves the shared machine, appends answers and transcript lines, and commits, so a restart loses
nothing that was answered and two processes on one file cannot interleave a case.
"""

from __future__ import annotations

import json
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from transitions import Machine

from ..criteria import (
    QUESTIONS,
    QUESTIONS_BY_FIELD,
    RECOMMENDATIONS,
    Question,
    Result,
    asked_fields,
    asked_questions,
    evaluate,
    field_label,
    progress,
    result_text,
    unanswered,
    value_label,
)
from ..storage import Case, RefInUse, Store, User
from . import _buttons as buttons
from . import _messages as say
from ._explain import explain
from ._identifiers import identifier_kind
from ._machine import (
    CHANGING,
    CHOOSING,
    DONE,
    NOT_RETURNING,
    QUESTION_STATES,
    REVIEW,
    STEPPED_BACK,
    Conversation,
    build_machine,
)
from ._parse import (
    HELP_WORDS,
    KEEP_WORDS,
    MAX_TEXT,
    UNKNOWN_WORDS,
    NearMiss,
    Refusal,
    check_ref,
    is_number,
    normalise,
    normalise_many,
    parse_answer,
    read_answer,
)
from ._prompts import Button, Prompt, ReviewLine

#: The commands every channel understands.
COMMANDS: dict[str, str] = {
    "new": "/new [REF]: start a new case (a case reference, never a patient's name)",
    "cases": "/cases: list your cases with their progress",
    "resume": "/resume REF: continue a case where it stopped",
    "back": "/back: go back to the previous question",
    "skip": "/skip: move on (an answer already given is kept; type 'unknown' to clear it)",
    "summary": "/summary [REF]: the referral summary of a finished case, to paste into a referral",
    "amend": "/amend REF: reopen a finished case to correct it, with a reason (the old result is kept)",
    "void": "/void REF reason: mark a case opened by mistake as void (kept, left out of lists)",
    "cancel": "/cancel: close the open case (its answers are kept)",
    "help": "/help: what this bot does and how to answer",
}

_AWAITING_REF = "ref"
#: cases.pending at the review once `confirm` listed the unanswered questions: a second confirm goes ahead.
_CONFIRM_WARNED = ("confirm",)
#: users.awaiting while the reason of an amendment is expected: "amend:<case id>".
_AWAITING_AMEND = "amend:"
#: users.awaiting while a near miss is offered back: "suggest:" + JSON [case id, field, value].
_AWAITING_SUGGESTION = "suggest:"

#: The longest reason of an amendment or a voiding.
MAX_REASON = 200

#: Words that take (or refuse) an answer offered back as "Did you mean ...?".
_YES = frozenset({"yes", "y", "yeah", "yep", "ok", "correct", "right"})
_NO = frozenset({"no", "n", "nope", "wrong"})

#: Statuses of a case that is not open for answers.
_CLOSED = ("cancelled", "void")

#: How many cases keep a model on the shared machine between inputs (least recently used go first).
ACTIVE_MODELS = 64

#: The button verbs each kind of state accepts; anything else is refused as an unknown button.
_VERBS_AT = {
    "question": ("answer", "toggle", "done", "back", "skip", "key", "erase", "yes", "no"),
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
    #: The input was typed (not pressed): a stored answer is said back in a line of its own.
    typed: bool = False
    #: This input offered a near miss back ("Did you mean ...?"), awaiting a yes.
    offered: bool = False
    #: The case a command named (/amend, /void, /resume): its transcript keeps the exchange.
    subject: Case | None = None
    #: Set when the input must not be kept as typed (a refused case reference may identify a patient).
    redacted: str | None = None

    @property
    def state(self) -> str:
        return self.case.state if self.case and self.case.status not in _CLOSED else CHOOSING

    @property
    def reviewer(self) -> bool:
        return self.user.role == "reviewer"


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
            awaiting = turn.user.awaiting or ""
            if button is not None:
                self._press(turn, button)
            else:
                turn.typed = True
                self._text(turn, text or "")
            if awaiting.startswith(_AWAITING_SUGGESTION) and not turn.offered and turn.user.awaiting == awaiting:
                self._set_awaiting(turn, None)  # an offer is good for the next input only
            if turn.redacted is not None:
                incoming = turn.redacted
            touched = turn.subject or turn.case or case_before
            case_id = touched.id if touched else None
            self.store.record_message(turn.user.id, case_id, who.channel, "in", incoming[:4096])
            for prompt in turn.prompts:
                self.store.record_message(turn.user.id, case_id, who.channel, "out", prompt.text)
        if turn.accepted and turn.prompts:
            turn.prompts[0] = replace(turn.prompts[0], accepted=turn.accepted)
        return turn.prompts

    def current(self, who: Identity, announce: bool = False) -> list[Prompt]:
        """What the user should see now (the open question, review or result): no side effects.

        `announce`: first say which open case is being continued (a console starting up).
        """
        with self.store.transaction():
            turn = self._begin(who)
            if announce and turn.case is not None and turn.state not in (CHOOSING, DONE):
                where = self._where(turn.case, turn.answers)
                turn.prompts.append(Prompt("notice", say.CONTINUING.format(ref=turn.case.ref, where=where),
                                           case_ref=turn.case.ref))
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
              returning: int | None = None) -> str | None:
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

    def _save(self, turn: _Turn, state: str, *, status: str | None = None, returning: int | None = None,
              pending: tuple[str, ...] | None = None) -> None:
        assert turn.case is not None
        case = turn.case
        if state in QUESTION_STATES and QUESTIONS_BY_FIELD[state].kind == "many" and pending is None:
            pending = turn.answers.get(state, ())  # toggles start from the current answer
        if state == REVIEW:
            returning = NOT_RETURNING
        values = {"state": state, "status": status or case.status, "pending": pending,
                  "return_to_review": case.return_to_review if returning is None else returning}
        stamp = self.store.save_case(case.id, **values, at_review=state == REVIEW)
        reviewed = case.first_review_at or (stamp if state == REVIEW else None)
        turn.case = replace(case, updated_at=stamp, first_review_at=reviewed, **values)

    # Buttons -----------------------------------------------------------------------------------
    def _press(self, turn: _Turn, code: str) -> None:
        awaiting = turn.user.awaiting or ""
        self._stop_awaiting(turn)
        press = buttons.decode(code)
        if press is None:
            return self._refuse(turn, say.UNKNOWN_BUTTON)
        if press.action == "amend":
            case = self.store.case(press.case_id)
            if case is None:
                return self._refuse(turn, say.UNKNOWN_BUTTON)
            turn.subject = case
            return self._ask_amend_reason(turn, case)
        if press.action == "generate":
            if press.index is None or press.index >= buttons.REF_SPACE:
                return self._refuse(turn, say.UNKNOWN_BUTTON)
            return self._new(turn, buttons.generated_ref(press.index))
        if press.action == "open":
            case = self.store.case(press.case_id)
            if case is None or case.user_id != turn.user.id:
                return self._refuse(turn, say.UNKNOWN_BUTTON)
            if case.status == "void":
                return self._refuse(turn, say.IS_VOID.format(ref=case.ref, verb="resumed"), show=False)
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
            return self._confirm(turn, anyway=press.index == 1)
        if press.action in ("yes", "no"):
            return self._answer_offer(turn, press.action == "yes", self._offer(turn, awaiting))
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
        awaiting = turn.user.awaiting or ""
        if awaiting == _AWAITING_REF:
            return self._new(turn, text)
        if awaiting.startswith(_AWAITING_AMEND):
            return self._amend_reason(turn, text, int(awaiting.removeprefix(_AWAITING_AMEND)))
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
        offer = self._offer(turn, awaiting)
        if offer is not None and (word in _YES or word in _NO):
            return self._answer_offer(turn, word in _YES, offer)
        if word in HELP_WORDS:
            turn.prompts.append(Prompt("help", explain(question), case_ref=turn.case.ref if turn.case else None,
                                       field=question.field))
            return self._show_current(turn, quiet=True)
        if word in KEEP_WORDS:
            return self._skip(turn)
        if word in UNKNOWN_WORDS:
            return self._clear(turn, question)
        if question.kind == "many" and word == "done":
            return self._done(turn, question)
        try:
            reading = read_answer(question, text)
        except NearMiss as miss:
            return self._offer_back(turn, question, miss)
        except Refusal as refusal:
            return self._refuse(turn, str(refusal))
        self._accept(turn, question, reading.value, note=reading.note)

    def _command(self, turn: _Turn, text: str) -> None:
        name, _, rest = text[1:].partition(" ")
        name = name.split("@", 1)[0].casefold()  # Telegram adds @botname in groups
        arg = rest.strip()
        if name not in ("new", "cancel"):
            self._stop_awaiting(turn)  # a reference or a reason is read from the very next message
        handler = _COMMAND_HANDLERS.get(name)
        if handler is None:
            return self._refuse(turn, say.UNKNOWN_COMMAND.format(name=name[:32]))
        return handler(self, turn, arg)

    def _help(self, turn: _Turn, arg: str) -> None:
        turn.prompts.append(Prompt("help", say.help_text(COMMANDS)))
        self._show_current(turn, quiet=True)

    def _new_command(self, turn: _Turn, arg: str) -> None:
        if turn.user.awaiting not in (None, _AWAITING_REF):
            self._stop_awaiting(turn)
        return self._new(turn, arg) if arg else self._ask_ref(turn)

    def _resume_command(self, turn: _Turn, arg: str) -> None:
        if not arg:
            return self._show_current(turn) if turn.case else self._cases(turn)
        case = self._case_named(turn, arg, "/resume ", own_only=True)
        if case is None:
            return None
        if case.status == "void":
            return self._refuse(turn, say.IS_VOID.format(ref=case.ref, verb="resumed"), show=False)
        return self._resume(turn, case)

    def _back_command(self, turn: _Turn, arg: str) -> None:
        if turn.state == CHOOSING:
            turn.prompts.append(Prompt("notice", say.NO_OPEN_CASE))
            return None
        return self._back(turn)

    def _skip_command(self, turn: _Turn, arg: str) -> None:
        if turn.state == CHOOSING:
            turn.prompts.append(Prompt("notice", say.NO_OPEN_CASE))
            return None
        if turn.state not in QUESTION_STATES:
            return self._refuse(turn, say.NOTHING_TO_SKIP)
        return self._skip(turn)

    def _case_named(self, turn: _Turn, ref: str, command: str, own_only: bool) -> Case | None:
        """The case `ref` names, if this user may act on it; else None with the refusal said.

        A reference that could identify a patient is neither kept in the transcript nor repeated.
        """
        try:
            check_ref(ref)
        except Refusal as refusal:
            turn.redacted = say.REDACTED.format(command=command)
            self._refuse(turn, str(refusal), show=False)
            return None
        case = self.store.case_by_ref(ref)
        mine = case is not None and case.user_id == turn.user.id
        if case is None or not (mine or (turn.reviewer and not own_only)):
            self._refuse(turn, say.NO_SUCH_CASE.format(ref=ref), show=False)
            return None
        turn.subject = case
        return case

    # Cases -------------------------------------------------------------------------------------
    def _stop_awaiting(self, turn: _Turn) -> None:
        """Forget an awaited reference, reason or offer: each is read from the next input only."""
        if turn.user.awaiting is not None:
            self._set_awaiting(turn, None)

    def _set_awaiting(self, turn: _Turn, awaiting: str | None) -> None:
        self.store.set_active(turn.user.id, turn.user.active_case_id, awaiting)
        turn.user = replace(turn.user, awaiting=awaiting)

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
        left = turn.case if turn.case is not None and turn.state not in (CHOOSING, DONE) else None
        if left is not None:
            where = self._where(left, turn.answers)
            turn.prompts.append(Prompt("notice", say.STILL_OPEN.format(ref=left.ref, where=where),
                                       case_ref=left.ref))
        self.store.set_active(turn.user.id, case.id)
        turn.user = replace(turn.user, active_case_id=case.id, awaiting=None)
        turn.case, turn.answers, turn.visited = case, {}, set()
        state = self._move(turn, "start")
        assert state is not None
        self._save(turn, state)
        turn.prompts.append(Prompt("notice", say.CASE_STARTED.format(ref=ref), case_ref=ref))
        self._show_current(turn, quiet=True)

    def _where(self, case: Case, answers: dict) -> str:
        """Where a case stands, in words: `question 3 of 17` or `the review`."""
        if case.state in QUESTION_STATES:
            asked = asked_fields(answers)
            position = asked.index(case.state) + 1 if case.state in asked else len(asked)
            return f"question {position} of {len(asked)}"
        return "the review" if case.state == REVIEW else "its result"

    def _resume(self, turn: _Turn, case: Case) -> None:
        self.store.set_active(turn.user.id, case.id)
        turn.user = replace(turn.user, active_case_id=case.id)
        turn.case = case
        self._load_answers(turn)
        if case.status == "cancelled":
            self._save(turn, case.state, status="open")
            turn.prompts.append(Prompt("notice", say.REOPENED.format(ref=case.ref), case_ref=case.ref))
        self._show_current(turn)

    def _cancel(self, turn: _Turn, arg: str = "") -> None:
        awaiting = turn.user.awaiting or ""
        if awaiting == _AWAITING_REF or awaiting.startswith(_AWAITING_AMEND):
            self._set_awaiting(turn, None)
            message = say.NEW_CANCELLED if awaiting == _AWAITING_REF else say.AMEND_CANCELLED
            turn.prompts.append(Prompt("notice", message))
            return None
        case = turn.case
        if case is None or turn.state == CHOOSING:
            turn.prompts.append(Prompt("notice", say.NO_OPEN_CASE))
            return None
        if case.status == "open" and self.store.latest_result(case.id) is not None:
            # Leaving an amendment: the case stays finished with the result it had.
            self._save(turn, DONE, status="done")
            message = say.AMEND_LEFT
        elif case.status == "open":
            self._save(turn, case.state, status="cancelled")
            message = say.CANCELLED
        else:
            message = say.CLOSED
        self.store.set_active(turn.user.id, None)
        turn.prompts.append(Prompt("notice", message.format(ref=case.ref), case_ref=case.ref))

    def _cases(self, turn: _Turn, arg: str = "") -> None:
        cases = [c for c in self.store.cases_of(turn.user.id) if c.status != "void"]
        if not cases:
            turn.prompts.append(Prompt("cases", say.NO_CASES))
            return None
        lines, options = [say.CASES_HEADING], []
        for case in cases:
            answered, asked = progress(self.store.answers(case.id))
            result = self.store.latest_result(case.id) if case.status == "done" else None
            outcome = f", {RECOMMENDATIONS[result[0]['recommendation']].title}" if result else ""
            marker = " (open now)" if turn.case and case.id == turn.case.id else ""
            lines.append(f"- {case.ref}: {answered}/{asked} answered, {say.STATUS_WORDS[case.status].lower()}{outcome}{marker}")
            options.append(Button(buttons.encode("open", case.id, "c"), case.ref))
        lines.append(say.CASES_FOOT)
        turn.prompts.append(Prompt("cases", "\n".join(lines), options=tuple(options)))

    # Amending and voiding ------------------------------------------------------------------------
    def _amend_command(self, turn: _Turn, arg: str) -> None:
        if not arg:
            return self._refuse(turn, say.AMEND_USAGE, show=False)
        case = self._case_named(turn, arg, "/amend ", own_only=False)
        if case is not None:
            self._ask_amend_reason(turn, case)

    def _may_correct(self, turn: _Turn, case: Case, verb: str) -> str | None:
        """Why this user may not amend or void `case` now, or None: its owner or a reviewer may."""
        if case.user_id != turn.user.id and not turn.reviewer:
            return say.NOT_YOURS.format(ref=case.ref, verb=verb)
        if case.status == "void":
            return say.IS_VOID.format(ref=case.ref, verb=f"{verb}ed" if verb == "amend" else "voided again")
        if verb == "amend" and case.status != "done":
            return say.NOT_FINISHED.format(ref=case.ref)
        return None

    def _ask_amend_reason(self, turn: _Turn, case: Case) -> None:
        refusal = self._may_correct(turn, case, "amend")
        if refusal is not None:
            return self._refuse(turn, refusal, show=False)
        self._set_awaiting(turn, f"{_AWAITING_AMEND}{case.id}")
        turn.prompts.append(Prompt("notice", say.ASK_AMEND_REASON.format(ref=case.ref, limit=MAX_REASON),
                                   case_ref=case.ref))

    def _reason_refusal(self, turn: _Turn, reason: str) -> str | None:
        """Why a typed reason cannot be kept, or None; one that could identify a patient is redacted."""
        if not reason:
            return say.REASON_EMPTY.format(limit=MAX_REASON)
        if len(reason) > MAX_REASON:
            turn.redacted = say.REDACTED_LONG_REASON.format(limit=MAX_REASON)  # unread: never kept
            return say.REASON_TOO_LONG.format(limit=MAX_REASON)
        kind = identifier_kind(reason)
        if kind is not None:
            turn.redacted = say.REDACTED_REASON
            return say.REASON_IDENTIFIER.format(kind=kind)
        return None

    def _amend_reason(self, turn: _Turn, text: str, case_id: int) -> None:
        reason = " ".join(text.split())
        refusal = self._reason_refusal(turn, reason)
        if refusal is not None:  # still waiting for a reason: /cancel stops
            turn.prompts.append(Prompt("refusal", refusal))
            return None
        self._set_awaiting(turn, None)
        case = self.store.case(case_id)
        refusal = self._may_correct(turn, case, "amend") if case is not None else say.UNKNOWN_BUTTON
        if refusal is not None:  # changed meanwhile (voided, or amended by someone else)
            return self._refuse(turn, refusal, show=False)
        self.store.record_event(case.id, "amend", reason, turn.user.id)
        self.store.audit(turn.user.channel, turn.user.external_id, "amend_case", f"{case.ref}: {reason}")
        self.store.set_active(turn.user.id, case.id)
        turn.user = replace(turn.user, active_case_id=case.id)
        turn.case = case
        self._load_answers(turn)
        self._save(turn, REVIEW, status="open")
        turn.prompts.append(Prompt("notice", say.AMEND_OPENED.format(ref=case.ref, reason=reason),
                                   case_ref=case.ref))
        self._show_current(turn, quiet=True)

    def _void_command(self, turn: _Turn, arg: str) -> None:
        ref, _, reason = arg.partition(" ")
        if not ref:
            return self._refuse(turn, say.VOID_USAGE, show=False)
        case = self._case_named(turn, ref, "/void ", own_only=False)
        if case is None:
            return None
        refusal = self._may_correct(turn, case, "void")
        if refusal is None:
            reason = " ".join(reason.split())
            refusal = self._reason_refusal(turn, reason)
            if turn.redacted is not None:
                turn.redacted = f"/void {case.ref} {turn.redacted}"
            elif not reason:
                refusal = say.VOID_USAGE
        if refusal is not None:
            return self._refuse(turn, refusal, show=False)
        self.store.record_event(case.id, "void", reason, turn.user.id)
        self.store.audit(turn.user.channel, turn.user.external_id, "void_case", f"{case.ref}: {reason}")
        self.store.save_case(case.id, state=case.state, status="void", return_to_review=NOT_RETURNING,
                             pending=None)
        if turn.case is not None and turn.case.id == case.id:
            self.store.set_active(turn.user.id, None)
            turn.case = None
        turn.prompts.append(Prompt("notice", say.VOIDED.format(ref=case.ref), case_ref=case.ref))

    # Questions ---------------------------------------------------------------------------------
    def _accept(self, turn: _Turn, question: Question, value, note: str = "") -> None:
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
            self._record(turn, question, value, action)
        words = say.SKIPPED if value is None else value_label(question.field, value)
        turn.accepted = words
        if turn.typed and value is not None:
            said = say.SAVED.format(answer=words) + (f" ({note})" if note else "")
            turn.prompts.append(Prompt("saved", said, case_ref=turn.case.ref, field=question.field))
        self._advance(turn)

    def _record(self, turn: _Turn, question: Question, value, action: str) -> None:
        assert turn.case is not None
        self.store.record_answer(turn.case.id, question.field, value, turn.user.id, action)
        turn.visited.add(question.field)
        if value is None:
            turn.answers.pop(question.field, None)
        else:
            turn.answers[question.field] = value

    def _advance(self, turn: _Turn) -> None:
        state = self._move(turn, "advance")
        assert state is not None, "every question state has an advance transition"
        self._save(turn, state)
        self._show_current(turn, quiet=True)

    def _skip(self, turn: _Turn) -> None:
        """Move on; an answer already given is kept (and said so), never cleared by accident."""
        question = QUESTIONS_BY_FIELD[turn.state]
        current = turn.answers.get(question.field)
        if current is None:
            return self._accept(turn, question, None)
        turn.accepted = say.KEPT.format(answer=value_label(question.field, current))
        turn.prompts.append(Prompt("saved", turn.accepted, case_ref=turn.case.ref if turn.case else None,
                                   field=question.field))
        self._advance(turn)

    def _clear(self, turn: _Turn, question: Question) -> None:
        """`unknown`: leave the question unanswered, saying what the answer was if there was one."""
        current = turn.answers.get(question.field)
        if current is None:
            return self._accept(turn, question, None)
        self._record(turn, question, None, "clear")
        turn.accepted = say.CLEARED.format(answer=value_label(question.field, current))
        turn.prompts.append(Prompt("saved", turn.accepted, case_ref=turn.case.ref if turn.case else None,
                                   field=question.field))
        self._advance(turn)

    # Near misses: "Did you mean ...?" ------------------------------------------------------------
    def _offer_back(self, turn: _Turn, question: Question, miss: NearMiss) -> None:
        """Offer a near miss back; it is stored only after a yes."""
        assert turn.case is not None
        value = list(miss.value) if isinstance(miss.value, tuple) else miss.value
        self._set_awaiting(turn, _AWAITING_SUGGESTION + json.dumps([turn.case.id, question.field, value]))
        turn.offered = True
        state = _state_code(question.field)
        controls = (Button(buttons.encode("yes", turn.case.id, state), say.YES_LABEL),
                    Button(buttons.encode("no", turn.case.id, state), say.NO_LABEL))
        turn.prompts.append(Prompt("notice", say.DID_YOU_MEAN.format(answer=miss.words), case_ref=turn.case.ref,
                                   field=question.field, controls=controls))

    def _offer(self, turn: _Turn, awaiting: str) -> object | None:
        """The value offered back for the open question by the previous input, if any."""
        if not awaiting.startswith(_AWAITING_SUGGESTION) or turn.case is None:
            return None
        # Any other input ends an offer, so it always belongs to the open question; the field is kept
        # for the transcript's reader, and the case checked in case another process moved the user on.
        case_id, _field, value = json.loads(awaiting.removeprefix(_AWAITING_SUGGESTION))
        if case_id != turn.case.id:
            return None
        return tuple(value) if isinstance(value, list) else value

    def _answer_offer(self, turn: _Turn, yes: bool, value: object | None) -> None:
        question = QUESTIONS_BY_FIELD[turn.state]
        if value is None:  # a Yes/No button whose offer has gone (answered or replaced)
            turn.prompts.append(Prompt("refusal", say.STALE))
            return self._show_current(turn, quiet=True)
        self._set_awaiting(turn, None)
        if not yes:
            turn.prompts.append(Prompt("notice", say.NOT_SAVED, case_ref=turn.case.ref if turn.case else None))
            return self._show_current(turn, quiet=True)
        turn.typed = True  # said back like a typed answer, whichever way the yes came
        self._accept(turn, question, value)

    def _back(self, turn: _Turn) -> None:
        from_review = turn.state == REVIEW
        state = self._move(turn, "back")
        if state is None:
            message = say.FIRST_QUESTION if turn.state in QUESTION_STATES else say.CANNOT_GO_BACK
            return self._refuse(turn, message)
        # Stepped back from the review: the next answer returns there; `back` goes on further back.
        self._save(turn, state, returning=STEPPED_BACK if from_review else None)
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
        self._save(turn, state, returning=CHANGING)
        self._show_current(turn, quiet=True)

    def _confirm(self, turn: _Turn, anyway: bool = False) -> None:
        assert turn.case is not None
        case = turn.case
        if turn.state != REVIEW:
            return self._refuse(turn, say.CONFIRM_AT_REVIEW)
        left = unanswered(turn.answers)
        if left and not anyway and case.pending != _CONFIRM_WARNED:
            return self._warn_unanswered(turn, left)
        result = evaluate(turn.answers)
        state = self._move(turn, "confirm")
        assert state == DONE
        amended = self.store.latest_result(case.id) is not None
        reason = next((e["reason"] for e in reversed(self.store.events(case.id)) if e["kind"] == "amend"), None)
        self.store.record_result(case.id, result.to_dict(), turn.user.id, kind="amend" if amended else "confirm",
                                 reason=reason if amended else None)
        self._save(turn, state, status="done")
        if amended:
            turn.prompts.append(Prompt("notice", say.AMENDED.format(ref=case.ref), case_ref=case.ref))
        turn.prompts.append(self._result(turn, result))

    def _warn_unanswered(self, turn: _Turn, left: tuple[str, ...]) -> None:
        """Confirming with asked questions unanswered: list them; a second confirm goes ahead."""
        assert turn.case is not None
        self._save(turn, REVIEW, pending=_CONFIRM_WARNED)
        anyway = Button(buttons.encode("confirm", turn.case.id, _state_code(REVIEW), 1), say.CONFIRM_ANYWAY_LABEL)
        text = say.UNANSWERED_AT_CONFIRM.format(count=len(left), s="" if len(left) == 1 else "s",
                                                fields=", ".join(field_label(f) for f in left))
        turn.prompts.append(Prompt("notice", text, case_ref=turn.case.ref, controls=(anyway,)))

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
            title += "\n" + say.KEEP_HINT
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
        amend = Button(buttons.encode("amend", turn.case.id, _state_code(DONE)), say.AMEND_LABEL)
        return Prompt("result", f"{heading}\n{result_text(result)}", case_ref=ref, title=heading,
                      result=result, controls=(amend,))


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
    elif press.action == "confirm" and press.index == 1:
        label = "confirm anyway"
    return f"[pressed] {label} (case {press.case_id}, {press.state})"


def _state_code(state: str) -> str:
    """A state's short name in button codes: the question number, or r for review."""
    if state == REVIEW:
        return "r"
    question = QUESTIONS_BY_FIELD.get(state)
    return str(question.number) if question else state[:1]


#: Command name -> handler (the dialogue's own commands; /start is /help).
_COMMAND_HANDLERS = {
    "help": Dialogue._help,
    "start": Dialogue._help,
    "new": Dialogue._new_command,
    "cases": Dialogue._cases,
    "resume": Dialogue._resume_command,
    "back": Dialogue._back_command,
    "skip": Dialogue._skip_command,
    "cancel": Dialogue._cancel,
    "amend": Dialogue._amend_command,
    "void": Dialogue._void_command,
}
