"""The dialogue: one input in, the prompts to show out; every effect committed before they are shown.

Channel-neutral: it takes text or a button code from a user of some channel and returns `Prompt`s. All
state lives in the database: each input is handled inside one BEGIN IMMEDIATE transaction that loads the
case, moves the shared machine, appends answers and transcript lines, and commits, so a restart loses
nothing that was answered and two processes on one file cannot interleave a case.

This module holds the loop (load, route, record, commit) and the services the handlers share: moving the
machine, saving the case, refusing, showing the open question. What each input does lives beside it:
`_commands` (typed /commands), `_presses` (buttons), `_questions` (answers), `_cases`, `_corrections`
(/amend, /void) and `_reports` (/summary, /show, /cases all); the prompts are built in `_prompts`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from functools import cache

from transitions import Machine
from transitions.core import MachineError

from ..criteria import ALL_GROUPS, QUESTIONS_BY_FIELD, Result
from ..storage import Notice, Store, identifiers
from ..storage.identifiers import BOT_STAMP, clip, redact
from . import _messages as say
from . import _presses, _questions
from ._channel import FULL, Capabilities
from ._machine import CHOOSING, DONE, NOT_RETURNING, QUESTION_STATES, REVIEW, Conversation, build_machine
from ._parse import MAX_TEXT
from ._prompts import Prompt, question_prompt, result_prompt, review_prompt, where
from ._reports import Reports
from ._team import Directory, notice_prompt
from ._turn import Awaiting, Identity, Shown, Turn

#: How many cases keep a model on the shared machine between inputs (least recently used go first).
ACTIVE_MODELS = 64

#: The longest incoming line kept in the transcript.
_KEPT_IN = 4096


@cache
def _ready(typed: bool) -> None:
    """Build the identifier guard (Presidio) and, for typed text, the reader's pipeline (spaCy, NegEx)
    once, before the first write transaction. Built inside it, they held the database's write
    lock for seconds on a busy machine, and a process starting beside three others gave up after the
    busy timeout (benchmarks/faults.py, 4 consoles at once: "database is locked", an answer lost). A
    press reads nothing, so it does not wait for the reader."""
    if typed:
        from .reader import warm_pipeline

        warm_pipeline()
    identifiers.warm()  # once per process: it waits for a channel's own warming thread


class Dialogue:
    """The screening conversation for every user of one database.

    `reports` renders the team's read-outs (/summary, /show, /cases all); without it those commands say
    they are not available in this channel. `team` lists the members a case can be handed to and who
    hears of cases to review; without it /handoff says the channel has no team list. `capabilities`: what
    the channel can do (buttons, reminders), so /help offers only what it serves, in its own words.
    `guidance`: the groups of other guidance the site shows now (the users file's [settings] guidance,
    re-read when it changes); every group without it.
    """

    def __init__(
        self,
        store: Store,
        machine: Machine | None = None,
        active_models: int = ACTIVE_MODELS,
        reports: Reports | None = None,
        team: Directory | None = None,
        capabilities: Capabilities = FULL,
        guidance: Callable[[], frozenset[str]] | None = None,
    ) -> None:
        self.store = store
        self.guidance = guidance or (lambda: ALL_GROUPS)
        self.machine = machine or build_machine()
        self.reports = reports
        self.team = team
        self.capabilities = capabilities
        # Models of recently active cases stay on the shared machine (adding one costs ~70 us and
        # ~11 KB); the least recently used is removed beyond `active_models`. The database stays the
        # truth: each input sets the model's state and answers from it.
        self._models: OrderedDict[int, Conversation] = OrderedDict()
        self._active_models = max(1, active_models)

    # Entry points ------------------------------------------------------------------------------
    def handle(
        self,
        who: Identity,
        text: str | None = None,
        button: str | None = None,
        key: str | None = None,
        shown: Shown | None = None,
    ) -> list[Prompt]:
        """Handle one message (text) or one button press (its code) and return what to show.

        `key` names the input for its channel (a Telegram update id): an input delivered again after a
        crash is not applied twice; the open question is shown again instead. `shown`: what the window
        the text was typed in shows (`shown_by`); an answer is refused if the case has moved on since.
        """
        _ready(text is not None)
        with self.store.transaction():
            turn = self.begin(who)
            turn.shown = shown
            if key is not None and not self.store.first_time(who.channel, key):
                self.show_current(turn)
                return turn.prompts
            before, awaiting = turn.case, turn.user.awaiting
            if button is not None:
                _presses.press(self, turn, button)
            else:
                turn.typed = True
                _questions.text(self, turn, text or "")
            if (
                turn.waited is not None
                and turn.waited.kind == "offer"
                and not turn.offered
                and turn.user.awaiting == awaiting
            ):
                self.set_awaiting(turn, None)  # an offer is good for the next input only
            incoming = turn.redacted or (text if button is None else _presses.describe(button))
            self._record(turn, before, incoming or "")
        if turn.pressed and turn.prompts:
            turn.prompts[0] = replace(turn.prompts[0], accepted=turn.pressed)
        return turn.prompts

    def current(self, who: Identity, announce: bool = False) -> list[Prompt]:
        """What the user should see now (the open question, review or result): no side effects.

        `announce`: first say which open case is being continued (a console starting up).
        """
        with self.store.transaction():
            turn = self.begin(who)
            if announce and turn.case is not None and turn.state not in (CHOOSING, DONE):
                turn.say(
                    "notice", say.CONTINUING.format(ref=turn.case.ref, where=where(turn.case, turn.answers))
                )
            self.show_current(turn)
            _questions.show_offer(turn)  # a yes or no still awaited is asked again, never answered unseen
        return turn.prompts

    def notices(
        self, channel: str, who: Identity | None = None, limit: int = 50
    ) -> list[tuple[Notice, Prompt]]:
        """Claim the notices waiting for members of `channel` (only `who`'s when given): each with the
        prompt to send. Claimed means sent: a channel that fails to send one gives it back with
        `Store.release_notice`, else it is never sent twice."""
        user_id = None
        if who is not None:
            user_id = self.store.user(who.channel, who.external_id, who.name, who.role).id
        if not self.store.notices_waiting(channel, user_id):  # the usual case: a read, no write
            return []
        out = []
        for notice in self.store.claim_notices(channel, user_id, limit):
            case = self.store.case(notice.case_id)
            out.append((notice, notice_prompt(notice, case.ref if case else None)))
        return out

    def _record(self, turn: Turn, before: object, incoming: str) -> None:
        """The transcript: the input (or its redaction) and every prompt, under the case they concern.

        Nothing that looks like a patient identifier is written (`redact`). Every input is redacted; a
        message refused as too long was never read, so only a marker stands for it. Outgoing prompts
        are redacted too, since refusals and "Saved:" lines echo what was typed, but the bot's own time
        stamps (/summary, /show) are kept: they are the bot's clock, not a patient's date. When the
        input itself holds a stamp-shaped date, no stamp is kept: an echo of it must not slip through.
        """
        touched = turn.subject or turn.case or before
        case_id = getattr(touched, "id", None)
        channel = turn.user.channel
        if len(incoming) > MAX_TEXT:
            incoming = say.REDACTED_TOO_LONG.format(limit=MAX_TEXT)
        self.store.record_message(turn.user.id, case_id, channel, "in", clip(redact(incoming), _KEPT_IN))
        keep = None if BOT_STAMP.search(incoming) else BOT_STAMP
        for said, prompt in _outgoing(turn.prompts):
            parts = [redact(said, keep=keep)] if said else []
            if prompt is not None:
                echoes = prompt.kind not in _BOT_MADE
                parts.append(redact(prompt.text, keep=keep) if echoes else prompt.text)
            self.store.record_message(turn.user.id, case_id, channel, "out", "\n".join(parts))

    # Loading and saving ------------------------------------------------------------------------
    def begin(self, who: Identity) -> Turn:
        user = self.store.user(who.channel, who.external_id, who.name, who.role)
        case = self.store.case(user.active_case_id) if user.active_case_id else None
        turn = Turn(user, case)
        if case is not None:
            self.load_answers(turn)
        return turn

    def load_answers(self, turn: Turn) -> None:
        assert turn.case is not None
        everything = self.store.answers(turn.case.id, include_skipped=True)
        turn.visited = set(everything)
        turn.answers = {f: v for f, v in everything.items() if v is not None}

    def accepts(self, turn: Turn, trigger: str) -> bool:
        """Whether the open case's state has `trigger` at all (its conditions aside): the machine decides."""
        return turn.state != CHOOSING and trigger in self.machine.get_triggers(turn.state)

    def move(self, turn: Turn, trigger: str, target: str | None = None) -> str | None:
        """Fire `trigger` on the shared machine; the new state, or None if not allowed from here."""
        assert turn.case is not None
        model = self._model(turn.case.id, turn.state)
        model.answers, model.visited, model.target = turn.answers, turn.visited, target
        model.returning = turn.case.return_to_review
        # One pass over the conditions: `trigger` is False when none holds (may_trigger first would
        # evaluate them twice, a tenth of an answer's Python time); MachineError when the state has none.
        try:
            moved = model.trigger(trigger)
        except MachineError:
            return None
        return model.state if moved else None

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

    def save(
        self,
        turn: Turn,
        state: str,
        *,
        status: str | None = None,
        returning: int | None = None,
        pending: tuple[str, ...] | None = None,
    ) -> None:
        """Store where the open case stands (and keep `turn.case` equal to it)."""
        assert turn.case is not None
        case = turn.case
        if state in QUESTION_STATES and QUESTIONS_BY_FIELD[state].kind == "many" and pending is None:
            pending = turn.answers.get(state, ())  # toggles start from the current answer
        if state == REVIEW:
            returning = NOT_RETURNING
        status = status or case.status
        back = case.return_to_review if returning is None else returning
        at_review = state == REVIEW
        stamp = self.store.save_case(
            case.id, state=state, status=status, return_to_review=back, pending=pending, at_review=at_review
        )
        turn.case = replace(
            case,
            state=state,
            status=status,
            return_to_review=back,
            pending=pending,
            updated_at=stamp,
            first_review_at=case.first_review_at or (stamp if at_review else None),
        )

    def set_awaiting(self, turn: Turn, awaiting: Awaiting | None) -> None:
        encoded = awaiting.encode() if awaiting is not None else None
        self.store.set_active(turn.user.id, turn.user.active_case_id, encoded)
        turn.user = replace(turn.user, awaiting=encoded)

    def stop_awaiting(self, turn: Turn) -> None:
        """Forget an awaited reference, reason or offer: each is read from the next input only."""
        if turn.user.awaiting is not None:
            self.set_awaiting(turn, None)

    def activate(self, turn: Turn, case_id: int | None) -> None:
        """Make `case_id` the user's open case (None: no case open); any awaited input is forgotten."""
        self.store.set_active(turn.user.id, case_id)
        turn.user = replace(turn.user, active_case_id=case_id, awaiting=None)

    # Showing -----------------------------------------------------------------------------------
    def refuse(self, turn: Turn, message: str, show: bool = True) -> None:
        """Say what is allowed, then show the open question again; nothing is stored for the input."""
        turn.say("refusal", message)
        if show:
            self.show_current(turn, quiet=True)

    def show_current(self, turn: Turn, quiet: bool = False) -> None:
        """The open question, review or result; with no case open, say so unless `quiet`."""
        state = turn.state
        if state == CHOOSING:
            if not quiet:
                turn.say("notice", say.NO_OPEN_CASE)
            return
        assert turn.case is not None
        if state == REVIEW:
            turn.prompts.append(review_prompt(turn.case, turn.answers))
        elif state == DONE:
            stored = self.store.latest_result(turn.case.id)
            if stored is not None:
                turn.prompts.append(result_prompt(turn.case, Result.from_dict(stored[0]), self.guidance()))
        else:
            turn.prompts.append(question_prompt(turn.case, turn.answers, QUESTIONS_BY_FIELD[state]))


#: Prompts built only from the catalogue, the bot's own words and a checked case reference: nothing a
#: user typed is in them, so they are stored as they are (redacting them cost about 35 us an input).
_BOT_MADE = frozenset({"question", "review", "result", "cases", "help"})


def _outgoing(prompts: list[Prompt]) -> list[tuple[str, Prompt | None]]:
    """What was shown, as transcript rows: (say-back lines, the prompt they go with).

    A say-back line ("Saved: ...") goes with the prompt after it, as Telegram shows them, so a typed
    answer costs one row (and its index entry) less.
    """
    rows: list[tuple[str, Prompt | None]] = []
    said: list[str] = []
    for prompt in prompts:
        if prompt.kind == "saved":
            said.append(prompt.text)
            continue
        rows.append(("\n".join(said), prompt))
        said = []
    return rows + ([("\n".join(said), None)] if said else [])
