"""Button codes: short, and naming the case and the state they belong to.

A code is `verb:case_id:state[:index]` (e.g. `a:12:5:2` = answer option 2 of question 5 of case 12), so
a press on a button of another case or of a question already closed is recognised as stale. States are
named by the question's tag, as people see it (`5`, or `2b` for a follow-up), `r` for review, `d` for a
finished case; a review's change button carries the tag of the question it opens (`c:12:r:2b`). Tags, not
places in the catalogue: the follow-ups added later left every numbered question's code as it was, so a
button sent before them still names the question it was sent with. `f:12:r:1` is "Confirm anyway".
Well under Telegram's 64-byte limit.
"""

from __future__ import annotations

import re
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
    #: What a change button opens: the question's tag (`7`, `2b`).
    target: str | None = None


#: A question's tag in a code: its number, and a letter for a follow-up.
_TAG = re.compile(r"[0-9]{1,3}[a-z]?")


def encode(action: str, case_id: int, state: str, index: int | str | None = None) -> str:
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
    last = parts[3] if len(parts) == 4 else None
    change = parts[0] == _CODES["change"]
    if last is not None and not (_number(last) or (change and _TAG.fullmatch(last))):
        return None
    state = parts[2]
    # A question's tag or one ASCII letter: "²".isdigit() holds, but int("²") raises.
    if not (_TAG.fullmatch(state) or (len(state) == 1 and state.isascii() and state.isalpha())):
        return None
    index = int(last) if last is not None and _number(last) else None
    return Press(VERBS[parts[0]], int(parts[1]), state, index, last if change else None)
