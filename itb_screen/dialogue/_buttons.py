"""Button codes: short, and naming the case and the state they belong to.

A code is `verb:case_id:state[:index]` (e.g. `a:12:5:2` = answer option 2 of question 5 of case 12), so
a press on a button of another case or of a question already closed is recognised as stale. State
numbers: a question's place in the catalogue, counted from 1 (not its number: a follow-up shares its
question's), `r` for review, `d` for a finished case. `f:12:r:1` is "Confirm anyway"; a review's change
button carries the question's place too.
Well under Telegram's 64-byte limit.
"""

from __future__ import annotations

from dataclasses import dataclass

VERBS = {
    "a": "answer",  # choose one option (one-choice question)
    "t": "toggle",  # toggle an option of a many-choice question
    "d": "done",  # finish a many-choice question
    "b": "back",
    "s": "skip",
    "c": "change",  # at review: change the answer of question `index`
    "f": "confirm",  # at review: confirm and evaluate
    "o": "open",  # in /cases: resume case `case_id`
    "k": "key",  # a digit key of a number question (index = the digit)
    "e": "erase",  # erase the last digit typed with the keys
    "g": "generate",  # start a case under a generated reference (index = the reference's number)
    "y": "yes",  # "Did you mean ...?": save the answer offered
    "n": "no",  # "Did you mean ...?": not that; ask the question again
    "m": "amend",  # on a finished case's result: reopen it for amendment (asks for the reason)
    "w": "show",  # on a notice to a reviewer: show case `case_id` in full
    "u": "summary",  # on a notice to whoever handed the case on: its referral summary
    "h": "handoff",  # hand case `case_id` to the member whose numeric id is `index`
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


#: Generated references: no 0/1/I/O, so a reference read aloud or copied by hand stays unambiguous.
_REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
REF_SPACE = len(_REF_ALPHABET) ** 5


def generated_ref(number: int) -> str:
    """`ITB-7KQ2M`: a reference that names no patient, from a number below REF_SPACE."""
    chars = []
    for _ in range(5):
        number, digit = divmod(number, len(_REF_ALPHABET))
        chars.append(_REF_ALPHABET[digit])
    return "ITB-" + "".join(reversed(chars))


def _number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 12


def decode(code: str) -> Press | None:
    """The press a button code stands for, or None for a code we never made."""
    parts = code.split(":")
    if len(parts) not in (3, 4) or parts[0] not in VERBS or not _number(parts[1]):
        return None
    if len(parts) == 4 and not _number(parts[3]):
        return None
    state = parts[2]
    # A question's number or one ASCII letter: "²".isdigit() holds, but int("²") raises.
    if not (_number(state) or (len(state) == 1 and state.isascii() and state.isalpha())):
        return None
    return Press(VERBS[parts[0]], int(parts[1]), parts[2], int(parts[3]) if len(parts) == 4 else None)
