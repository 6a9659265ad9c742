"""Button codes: short, and naming the case and the state they belong to.

A code is `verb:case_id:state[:index]` (e.g. `a:12:5:2` = answer option 2 of question 5 of case 12), so
a press on a button of another case or of a question already closed is recognised as stale. State
numbers: a question's number, or `r` for review. Well under Telegram's 64-byte limit.
"""

from __future__ import annotations

from dataclasses import dataclass

VERBS = {
    "a": "answer",   # choose one option (one-choice question)
    "t": "toggle",   # toggle an option of a many-choice question
    "d": "done",     # finish a many-choice question
    "b": "back",
    "s": "skip",
    "c": "change",   # at review: change the answer of question `index`
    "f": "confirm",  # at review: confirm and evaluate
    "o": "open",     # in /cases: resume case `case_id`
}
_CODES = {name: verb for verb, name in VERBS.items()}


@dataclass(frozen=True)
class Press:
    action: str
    case_id: int
    state: str
    index: int | None = None


def encode(action: str, case_id: int, state: str, index: int | None = None) -> str:
    parts = [_CODES[action], str(case_id), state]
    if index is not None:
        parts.append(str(index))
    return ":".join(parts)


def _number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 12


def decode(code: str) -> Press | None:
    """The press a button code stands for, or None for a code we never made."""
    parts = code.split(":")
    if len(parts) not in (3, 4) or parts[0] not in VERBS or not _number(parts[1]):
        return None
    if len(parts) == 4 and not _number(parts[3]):
        return None
    return Press(VERBS[parts[0]], int(parts[1]), parts[2], int(parts[3]) if len(parts) == 4 else None)
