"""Who is talking, and the working state of one input while the dialogue handles it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..storage import Case, User
from ._machine import CHOOSING
from ._prompts import Prompt

#: Statuses of a case that is not open for answers.
CLOSED = ("cancelled", "void")

#: users.awaiting right after /new without a reference: the next message is the reference. It is stored
#: as "ref:<number>", the number of the generated reference offered with it (the only one a press may take).
AWAITING_REF = "ref"
#: users.awaiting while the reason of an amendment is expected: "amend:<case id>".
AWAITING_AMEND = "amend:"
#: users.awaiting while a near miss is offered back: "suggest:" + JSON [case id, field, value].
AWAITING_SUGGESTION = "suggest:"


@dataclass(frozen=True)
class Identity:
    """Who is typing: a channel ("console", "telegram") and the id the channel knows them by."""

    channel: str
    external_id: str
    name: str | None = None
    role: str | None = None


@dataclass
class Turn:
    """One input being handled: the user, the case it touches, and what to show."""

    user: User
    case: Case | None
    answers: dict[str, Any] = field(default_factory=dict)
    #: Fields with any stored row (answered, skipped or cleared).
    visited: set[str] = field(default_factory=set)
    prompts: list[Prompt] = field(default_factory=list)
    #: What the pressed message should say once the press is handled ("" leaves it as it is).
    pressed: str = ""
    #: The input was typed (not pressed): a stored answer is said back in a line of its own.
    typed: bool = False
    #: This input offered a near miss back ("Did you mean ...?"), awaiting a yes.
    offered: bool = False
    #: The case a command named (/amend, /void, /summary...): its transcript keeps the exchange.
    subject: Case | None = None
    #: Set when the input must not be kept as typed (a refused reference or reason may identify a patient).
    redacted: str | None = None
    #: users.awaiting as the input found it (a press ends the wait before it is read: this remembers it).
    waited: str | None = field(init=False)

    def __post_init__(self) -> None:
        self.waited = self.user.awaiting

    @property
    def state(self) -> str:
        """The open case's state, or CHOOSING when no case is open."""
        return self.case.state if self.case and self.case.status not in CLOSED else CHOOSING

    @property
    def reviewer(self) -> bool:
        return self.user.role == "reviewer"

    @property
    def ref(self) -> str | None:
        return self.case.ref if self.case else None

    def awaiting(self, prefix: str) -> str | None:
        """What follows `prefix` in users.awaiting, or None when the user awaits something else."""
        awaiting = self.user.awaiting or ""
        if prefix == AWAITING_REF:
            return offered_number(awaiting)
        return awaiting.removeprefix(prefix) if awaiting.startswith(prefix) else None

    def say(self, kind: str, text: str, **fields: Any) -> None:
        """Add a prompt about the open case (its reference unless given)."""
        fields.setdefault("case_ref", self.ref)
        self.prompts.append(Prompt(kind, text, **fields))  # type: ignore[arg-type]


def offered_number(awaiting: str | None) -> str | None:
    """The generated reference's number in users.awaiting "ref:<number>" ("" for a bare "ref"), else None."""
    if awaiting == AWAITING_REF:
        return ""
    prefix = AWAITING_REF + ":"
    return awaiting.removeprefix(prefix) if awaiting and awaiting.startswith(prefix) else None
