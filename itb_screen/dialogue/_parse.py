"""Turning what a clinician types into an answer, or into one line saying what is allowed.

Clinicians type the way they write notes: `CP`, `botox, physio`, `8yo`, `18 months`, `nil`. Every name
an option answers to (number, code, label, short forms) comes from the catalogue, so this module holds
no clinical vocabulary of its own, only how text is read:

1. an exact name (case, `_`, `-` and punctuation aside) or an option number;
2. a distinctive word of one label (`transfers`, `dislocation`), per question;
3. lists split on `,` `;` `&` `+` `/` and `and` (a label that contains `and`/`or` wins over the split);
4. a near miss by spelling (`mobilty`) is offered back as `NearMiss`, never stored;
5. anything else that fits two options, hedges (`maybe`), negates (`no botox`) or fits nothing is
   refused with the candidates named: the parser never guesses.

`read_answer` returns a `Reading` (the stored value and a note to say back, e.g. "18 months = 1 year")
or raises `Refusal`; the dialogue asks the same question again and stores nothing.
"""

from __future__ import annotations

import re

from ..criteria import Question, Value
from . import _messages as say
from ._choices import _how, _read_many, _read_one, normalise_many
from ._identifiers import identifier_kind
from ._numbers import _age_help, _read_number
from ._reading import (
    HELP_WORDS,
    KEEP_WORDS,
    SKIP_WORDS,
    UNKNOWN_WORDS,
    NearMiss,
    Reading,
    Refusal,
    _shown,
    is_number,
    is_skip,
    normalise,
)

__all__ = [
    "HELP_WORDS",
    "KEEP_WORDS",
    "MAX_TEXT",
    "SKIP_WORDS",
    "UNKNOWN_WORDS",
    "NearMiss",
    "Reading",
    "Refusal",
    "check_ref",
    "is_number",
    "is_skip",
    "normalise",
    "normalise_many",
    "parse_answer",
    "parse_many",
    "parse_number",
    "parse_one",
    "read_answer",
]

#: The longest message the dialogue reads; longer ones are refused whole.
MAX_TEXT = 500
_REF = re.compile(r"^[A-Za-z0-9_-]{3,32}$")
_LONG_DIGITS = re.compile(r"\d{6,}")


# The interface -----------------------------------------------------------------------------------------
def read_answer(question: Question, text: str) -> Reading:
    """A typed answer to `question`: a `Reading`, or `Refusal` (`NearMiss` for a spelling slip)."""
    if len(text) > MAX_TEXT:
        raise Refusal(f"That is longer than {MAX_TEXT} characters: type a short answer.")
    if not text.strip():
        raise Refusal("Type an answer, or '?' to see what the question means.")
    if normalise(text) in HELP_WORDS | SKIP_WORDS:
        raise Refusal(f"'{_shown(text)}' is not an answer: {_how_any(question)}.")
    if question.kind == "number":
        return _read_number(question, text)
    if question.kind == "one":
        return _read_one(question, text)
    return _read_many(question, text)


def _how_any(question: Question) -> str:
    return _age_help(question) if question.kind == "number" else _how(question)


def parse_answer(question: Question, text: str) -> Value:
    """A typed answer to `question` in its stored form, or Refusal (NearMiss is one)."""
    return read_answer(question, text).value


def parse_number(question: Question, text: str) -> int:
    """Kept for old callers: the number answer of `text`."""
    value = _read_number(question, text).value
    assert isinstance(value, int)
    return value


def parse_one(question: Question, text: str) -> str:
    """Kept for old callers: the one code `text` names."""
    return str(_read_one(question, text).value)


def parse_many(question: Question, text: str) -> tuple[str, ...]:
    """Kept for old callers: the codes `text` lists, in catalogue order."""
    value = _read_many(question, text).value
    assert isinstance(value, tuple)
    return value


def check_ref(text: str) -> str:
    """A case reference: 3..32 letters, digits, - or _; never anything `identifier_kind` sees."""
    ref = text.strip()
    if not _REF.match(ref):
        raise Refusal(
            "A case reference is 3 to 32 letters, digits, '-' or '_' (for example SPAS-014). "
            "Never use a patient's name, date of birth or record number."
        )
    if _LONG_DIGITS.search(ref):  # before the classes: MRN1234567 is said to be the digits it has
        raise Refusal(
            "That has six or more digits in a row, like a record number, and was not kept. Use a case "
            "reference that does not identify the patient (for example SPAS-014)."
        )
    # `_` joins words in a reference (15_March_1990) where the patterns expect a separator.
    kind = identifier_kind(ref.replace("_", "-"))
    if kind is not None:
        raise Refusal(say.REF_IDENTIFIER.format(kind=kind))
    return ref
