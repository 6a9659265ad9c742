"""What a typed line was read as: one value that everything after it uses (store, say back, ask back)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ...criteria import FollowUp, Value

Outcome = Literal["answer", "ask", "doubt", "near", "refused"]


class Refusal(ValueError):
    """Input that cannot be accepted; the message is shown to the user as it is."""


class Doubtful(Refusal):
    """A line that sounds unsure (`?`, `about 40`): asked back, never stored."""


class NearMiss(Refusal):
    """A spelling slip close to exactly one reading: offered back ("Did you mean Mobility?"), stored only
    after the user says yes, so a typo costs one tap instead of a retype, and nothing is guessed."""

    def __init__(self, value: Value, words: str) -> None:
        super().__init__(f"Did you mean {words}?")
        self.value = value
        self.words = words


class AskBack(Refusal):
    """The reading named what the question is about but not which option: the one distinguishing
    question is asked (yes gives `yes_value`, no gives `no_value`); nothing is stored until then."""

    def __init__(self, follow_up: FollowUp, typed: str) -> None:
        super().__init__(follow_up.ask)
        self.follow_up = follow_up
        self.typed = typed


@dataclass(frozen=True)
class Reading:
    """A line read for one question.

    `value` is what is stored (None when nothing may be); `outcome` says why not; `message` is what the
    dialogue says instead. The rest is what decided it: options affirmed and negated, doubt cues, whether
    only the past was named, the qualifier kept as the answer's note, and the evidence (the words).
    """

    outcome: Outcome
    value: Value | None = None
    message: str = ""
    affirmed: tuple[str, ...] = ()
    negated: tuple[str, ...] = ()
    doubt: tuple[str, ...] = ()
    past: bool = False
    qualifier: str = ""
    evidence: tuple[str, ...] = ()
    #: The ICD-10-CM code of the diagnosis the line named (primary_condition), when it named one.
    icd10cm: str | None = None
    #: A line said back with the answer when the reading changed its form ("18 months = 1 year").
    note: str = ""
    follow_up: FollowUp | None = None

    def raise_unless_answer(self, typed: str) -> Reading:
        """The reading if it is an answer; else the exception old callers expect (NearMiss, AskBack,
        Refusal)."""
        if self.outcome == "answer":
            return self
        if self.outcome == "near":
            assert self.value is not None
            raise NearMiss(self.value, self.message)
        if self.outcome == "ask":
            assert self.follow_up is not None
            raise AskBack(self.follow_up, typed)
        raise Refusal(self.message)
