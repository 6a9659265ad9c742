"""Who is talking, and the working state of one input while the dialogue handles it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from ..storage import Case, User
from ._machine import CHOOSING
from ._prompts import Prompt

#: Statuses of a case that is not open for answers.
CLOSED = ("cancelled", "void")


@dataclass(frozen=True)
class Awaiting:
    """What the user's very next input is read as, kept in users.awaiting between inputs.

    - `ref`: a case reference, after /new without one (`number`: the generated reference offered, "");
    - `reason`: the reason of an amendment of case `case_id`;
    - `offer`: a yes or no to `ask` about `field` of case `case_id` (a "Did you mean ...?" or a
      follow-up question): yes stores `yes`, no stores `no` (None: nothing, the question is asked again).

    Encoded and decoded here only; the column is text so that older rows ("ref:3", "amend:7",
    "suggest:[...]") still read.
    """

    kind: Literal["ref", "reason", "offer"]
    number: str = ""
    case_id: int | None = None
    field: str = ""
    ask: str = ""
    yes: Any = None
    no: Any = None

    def encode(self) -> str:
        if self.kind == "ref":
            return f"ref:{self.number}" if self.number else "ref"
        if self.kind == "reason":
            return f"amend:{self.case_id}"
        body = {"case": self.case_id, "field": self.field, "ask": self.ask, "yes": self.yes, "no": self.no}
        return "offer:" + json.dumps(body)

    @classmethod
    def decode(cls, text: str | None) -> Awaiting | None:
        if not text:
            return None
        if text == "ref" or text.startswith("ref:"):
            return cls("ref", number=text.removeprefix("ref").removeprefix(":"))
        if text.startswith("amend:"):
            return cls("reason", case_id=int(text.removeprefix("amend:")))
        if text.startswith("suggest:"):  # written before the follow-up questions
            case_id, field_code, value = json.loads(text.removeprefix("suggest:"))
            return cls("offer", case_id=case_id, field=field_code, yes=_stored(value))
        if text.startswith("offer:"):
            body = json.loads(text.removeprefix("offer:"))
            return cls(
                "offer",
                case_id=body["case"],
                field=body["field"],
                ask=body["ask"],
                yes=_stored(body["yes"]),
                no=_stored(body["no"]),
            )
        return None


def _stored(value: Any) -> Any:
    """JSON gives a list where the dialogue keeps a many-choice answer as a tuple."""
    return tuple(value) if isinstance(value, list) else value


#: What one window shows: (case reference, the open question's field, or "review"/"done"), as `shown_by`
#: reads it off the prompts a channel showed.
Shown = tuple[str | None, str | None]


def shown_by(prompts: list[Prompt], before: Shown | None = None) -> Shown | None:
    """Where a window is after showing `prompts`: the last question, review or result among them."""
    for prompt in reversed(prompts):
        if prompt.kind in ("question", "review", "result"):
            return (prompt.case_ref, prompt.field if prompt.kind == "question" else prompt.kind)
    return before


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
    #: What the window the input was typed in showed (`shown_by`), when its channel says.
    shown: Shown | None = None
    #: What was awaited as the input found it (a press ends the wait before it is read: this remembers it).
    waited: Awaiting | None = field(init=False)

    def __post_init__(self) -> None:
        self.waited = Awaiting.decode(self.user.awaiting)

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

    @property
    def waiting(self) -> Awaiting | None:
        """What the next input is awaited as (a reference, a reason, a yes or no), if anything."""
        return Awaiting.decode(self.user.awaiting)

    def awaiting(self, kind: str) -> Awaiting | None:
        """The awaited input if it is of `kind`, else None."""
        waiting = self.waiting
        return waiting if waiting is not None and waiting.kind == kind else None

    def say(self, kind: str, text: str, **fields: Any) -> None:
        """Add a prompt about the open case (its reference unless given)."""
        fields.setdefault("case_ref", self.ref)
        self.prompts.append(Prompt(kind, text, **fields))  # type: ignore[arg-type]
