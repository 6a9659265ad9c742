"""Turning what a clinician types into an answer, or into one line saying what is allowed.

One converter per answer kind, each raising `Refusal` with a message that says how to answer; the
dialogue then asks the same question again and stores nothing.
"""

from __future__ import annotations

import re

from ..criteria import NONE_CODE, Question, Value

#: Typed words that leave a question unanswered.
SKIP_WORDS = frozenset({"unknown", "skip", "?", "don't know", "dont know", "not known"})

#: The longest message the dialogue reads; longer ones are refused whole.
MAX_TEXT = 500

# re.ASCII: only 0-9 are digits ("²" and "٣" are not answers).
_AGE = re.compile(r"^(\d{1,3})\s*(?:y|yr|yrs|year|years|years old|y/o|yo)?\.?$", re.IGNORECASE | re.ASCII)
_REF = re.compile(r"^[A-Za-z0-9_-]{3,32}$")
_LONG_DIGITS = re.compile(r"\d{6,}")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_DATE_LIKE = re.compile(
    "|".join([
        r"\d{1,4}[-_.]\d{1,2}[-_.]\d{1,4}",                  # 1990-03-15, 15-03-1990
        rf"\d{{1,2}}[-_.]?{_MONTH}[-_.]?\d{{2,4}}",              # 15Mar1990, 15-March-1990
        rf"{_MONTH}[-_.]?\d{{1,2}}[-_.]\d{{2,4}}",               # Mar-15-1990
        rf"\d{{4}}[-_.]?{_MONTH}[-_.]?\d{{1,2}}",                # 1990-Mar-15
    ]),
    re.IGNORECASE | re.ASCII,
)


def is_number(text: str) -> bool:
    """Plain 0-9 digits only: str.isdigit() also accepts "²", which int() refuses."""
    return text.isascii() and text.isdigit()


class Refusal(ValueError):
    """Input that cannot be accepted; the message is shown to the user as it is."""


def normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def is_skip(text: str) -> bool:
    return normalise(text) in SKIP_WORDS


def parse_number(question: Question, text: str) -> int:
    match = _AGE.match(text.strip())
    if not match:
        raise Refusal(
            f"Please type {question.allowed()} (for example 8 or 8 years), or 'skip' if not known."
        )
    value = int(match.group(1))
    if not question.minimum <= value <= question.maximum:  # type: ignore[operator]
        raise Refusal(f"{value} is out of range: type {question.allowed()}, or 'skip'.")
    return value


def _option_code(question: Question, token: str) -> str | None:
    """An option by its number (from 1), its code or its label, case-insensitive; None if no match."""
    token = normalise(token)
    if is_number(token):
        index = int(token)
        return question.options[index - 1].code if 1 <= index <= len(question.options) else None
    for option in question.options:
        if token in (option.code.casefold(), normalise(option.label)):
            return option.code
    return None


def _choices_hint(question: Question) -> str:
    return f"a number from 1 to {len(question.options)}, the option's name or its code"


def parse_one(question: Question, text: str) -> str:
    code = _option_code(question, text)
    if code is None:
        raise Refusal(f"Not one of the options: type {_choices_hint(question)}, or 'skip'.")
    return code


def parse_many(question: Question, text: str) -> tuple[str, ...]:
    """Several choices: "1, 4", "1 4", "comfort, mobility" or a single label with spaces."""
    whole = _option_code(question, text)
    if whole is not None:
        tokens = [text]
    elif "," in text or ";" in text:
        tokens = [t for t in re.split(r"[,;]", text) if t.strip()]
    else:
        tokens = text.split()
    codes: list[str] = []
    for token in tokens:
        code = _option_code(question, token)
        if code is None:
            raise Refusal(
                f"{token.strip()[:40]!r} is not one of the options: type one or more of "
                f"{_choices_hint(question)}, separated by commas (e.g. 1, 4), or 'skip'."
            )
        if code not in codes:
            codes.append(code)
    if not codes:
        raise Refusal(f"Choose at least one option ({_choices_hint(question)}), or 'skip'.")
    return normalise_many(question, codes)


def normalise_many(question: Question, codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Check `none` stands alone and put the codes in the catalogue's order."""
    exclusive = question.exclusive_code
    if exclusive and exclusive in codes and len(codes) > 1:
        label = question.option(NONE_CODE).label
        raise Refusal(f"'{label}' cannot be combined with other options: choose it alone, or the others.")
    chosen = set(codes)
    return tuple(c for c in question.codes if c in chosen)


def parse_answer(question: Question, text: str) -> Value:
    """A typed answer to `question` in its stored form, or Refusal."""
    if question.kind == "number":
        return parse_number(question, text)
    if question.kind == "one":
        return parse_one(question, text)
    return parse_many(question, text)


def check_ref(text: str) -> str:
    """A case reference: 3..32 letters, digits, - or _; never something that looks like a date or number."""
    ref = text.strip()
    if not _REF.match(ref):
        raise Refusal(
            "A case reference is 3 to 32 letters, digits, '-' or '_' (for example SPAS-014). "
            "Never use a patient's name, date of birth or record number."
        )
    if _LONG_DIGITS.search(ref):
        raise Refusal(
            "That has six or more digits in a row, like a record number, and was not kept. Use a case "
            "reference that does not identify the patient (for example SPAS-014)."
        )
    if _DATE_LIKE.search(ref):
        raise Refusal(
            "That looks like a date (a date of birth identifies a patient) and was not kept. Use a case "
            "reference such as SPAS-014."
        )
    return ref
