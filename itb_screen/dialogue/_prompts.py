"""What the dialogue asks a channel to show: structured, so each channel renders it its own way.

`text` is the plain rendering (the console prints it, the transcript stores it); the other fields let a
rich channel draw buttons instead of numbered lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..criteria import Result

#: "saved" is the one-line say-back of a typed answer ("Saved: Multiple sclerosis"), before what follows.
PromptKind = Literal["notice", "refusal", "question", "review", "result", "cases", "help", "saved"]


@dataclass(frozen=True)
class Button:
    """A button: `code` is what the channel sends back when pressed (at most 64 bytes)."""

    code: str
    label: str
    selected: bool = False


@dataclass(frozen=True)
class ReviewLine:
    number: int
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
    #: On the first prompt after an answer was stored: that answer in words (or "Skipped").
    accepted: str = ""
