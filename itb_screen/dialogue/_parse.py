"""The dialogue's side of reading: its own words (`?`, `skip`, `unknown`), case references, and the
reader's `Reading` for everything else.

Every answer is read by `reader.read` once; this module only keeps the dialogue's words away from it
and turns a reading into what old callers expect (`read_answer` raises for anything but an answer).
"""

from __future__ import annotations

import re

from ..criteria import NONE_CODE, Question, Value
from ..storage import identifiers
from . import _messages as say
from .reader import AskBack, NearMiss, Reading, Refusal, read
from .reader._messages import NONE_ALONE, age_help, how, shown

__all__ = [
    "HELP_WORDS",
    "KEEP_WORDS",
    "MAX_TEXT",
    "SKIP_WORDS",
    "UNKNOWN_WORDS",
    "AskBack",
    "NearMiss",
    "Reading",
    "Refusal",
    "check_ref",
    "is_number",
    "is_skip",
    "normalise",
    "normalise_many",
    "parse_answer",
    "read_answer",
    "read_line",
]

#: Typed words that ask what a question means (the dialogue shows `explain(question)`).
HELP_WORDS = frozenset({"?", "help", "why"})

#: Typed words that move on and keep any answer already given.
KEEP_WORDS = frozenset({"skip", "next", "pass"})

#: Typed words that say the answer is not known: the question is left (or made) unanswered. Doubt
#: (`unsure`, `not sure`) is not here: it is asked back, so a half-meant answer is never recorded.
UNKNOWN_WORDS = frozenset(
    {"unknown", "not known", "don't know", "dont know", "don\u2019t know", "do not know", "unk", "nk", "n/k"}
)

#: Every word that leaves a question without a new answer.
SKIP_WORDS = KEEP_WORDS | UNKNOWN_WORDS

#: The longest message the dialogue reads; longer ones are refused whole.
MAX_TEXT = 500
_REF = re.compile(r"^[A-Za-z0-9_-]{3,32}$")


def normalise(text: str) -> str:
    """Case and runs of spaces never change a command or a dialogue word (`SKIP`, ` back `)."""
    return " ".join(text.split()).casefold()


def is_skip(text: str) -> bool:
    """True for every word that leaves a question without a new answer (keep or unknown)."""
    return normalise(text) in SKIP_WORDS


def is_number(text: str) -> bool:
    """Plain 0-9 digits only: str.isdigit() also accepts "²", which int() refuses."""
    return text.isascii() and text.isdigit()


def read_line(question: Question, text: str) -> Reading:
    """A typed line at `question`, read once (the dialogue's own words are refused as answers)."""
    if len(text) > MAX_TEXT:
        return Reading("refused", message=f"That is longer than {MAX_TEXT} characters: type a short answer.")
    if not text.strip():
        return Reading("refused", message="Type an answer, or '?' to see what the question means.")
    if normalise(text) in HELP_WORDS | SKIP_WORDS:
        return Reading("refused", message=f"'{shown(text)}' is not an answer: {_how_any(question)}.")
    return read(question, text)


def _how_any(question: Question) -> str:
    return age_help(question) if question.kind == "number" else how(question)


def read_answer(question: Question, text: str) -> Reading:
    """A typed answer to `question`: a `Reading` that is an answer, or `Refusal` (`NearMiss` for a
    spelling slip, `AskBack` for a follow-up question)."""
    return read_line(question, text).raise_unless_answer(text)


def parse_answer(question: Question, text: str) -> Value:
    """A typed answer to `question` in its stored form, or Refusal (NearMiss is one)."""
    value = read_answer(question, text).value
    assert value is not None
    return value


def normalise_many(question: Question, codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Check `none` stands alone and put the codes in the catalogue's order."""
    exclusive = question.exclusive_code
    if exclusive and exclusive in codes and len(codes) > 1:
        raise Refusal(NONE_ALONE.format(label=question.option(NONE_CODE).label))
    chosen = set(codes)
    return tuple(c for c in question.codes if c in chosen)


def check_ref(text: str) -> str:
    """A case reference: 3..32 letters, digits, - or _, normalised as every stored text is (full-width
    and other scripts' digits read as ASCII); never one that reads as a name, a date, a postcode, a
    number of five or more digits or any identifier (`reference_kind`)."""
    ref = identifiers.normalise(text.strip())
    if not _REF.match(ref):
        raise Refusal(
            "A case reference is 3 to 32 letters, digits, '-' or '_' (for example SPAS-014). "
            "Never use a patient's name, date of birth or record number."
        )
    kind = identifiers.reference_kind(ref)
    if kind is not None:
        raise Refusal(say.REF_IDENTIFIER.format(kind=kind))
    return ref
