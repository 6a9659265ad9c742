"""What the reader says when a line is not stored: one specific sentence, naming what was typed."""

from __future__ import annotations

from ...criteria import Question

#: How much of the user's text a message may repeat.
_SHOWN = 40

_COUNT = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}

RANGE = "'{shown}': list each option instead of a range, e.g. 1, 2, 3."
NOT_AN_OPTION = "'{shown}' is not an option: {how} ('?' lists them)."
A_LIST = "'{shown}' is a list: type one option, e.g. {count}."
GIVES_SEVERAL = "'{shown}' gives more than one option: {options}; choose one."
ALL_OPEN = "'all' is open-ended here: type the numbers that apply, e.g. 1, 3."
DOUBT = "'{shown}' sounds unsure, so nothing was saved: type the answer if you know it, or 'unknown'."
BOUND = "'{shown}' gives a bound that may fall either side, so nothing was saved. {question} (yes or no)"
FITS = "'{shown}' fits {count} options: {options}; type the number of the one you mean."
PAST = "'{shown}' tells the past, so nothing was saved. {question} Answer for now (yes or no)."
NEGATED = "'{shown}' says what is not there: type what applies{rest} ('?' lists the options)."
OR = "'{shown}': 'or' leaves the choice open; type the options that apply, e.g. 1, 4."
NONE_ALONE = "'{label}' cannot be combined with other options: choose it alone, or the others."


def shown(text: str) -> str:
    """At most `_SHOWN` characters of the user's text, on one line, for a message."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _SHOWN else flat[: _SHOWN - 3].rstrip() + "..."


def count(n: int) -> str:
    return _COUNT.get(n, str(n))


def numbered(question: Question, codes: tuple[str, ...]) -> str:
    return ", ".join(f"{question.codes.index(c) + 1}. {question.option(c).label}" for c in codes)


def how(question: Question) -> str:
    """How to answer a choice question, in a few words."""
    total = len(question.options)
    if question.kind == "many":
        return f"type one or more numbers from 1 to {total} or names, e.g. 1, 3"
    return "type 1 or 2 or a name" if total == 2 else f"type a number from 1 to {total} or a name"


def age_help(question: Question) -> str:
    """How to answer the age, in a few words."""
    months = " or 18 months" if question.unit == "years" else ""
    return f"type {question.allowed()} (e.g. 8, 8 years{months}), or 'unknown'"


def nothing(question: Question, line: str) -> str:
    """Nothing in the line reads as an answer here."""
    if question.kind == "one":  # what fits nothing is not repeated: it may be a name typed by mistake
        return f"Not one of the options: {how(question)}; '?' lists them with short forms."
    return f"'{shown(line)}' matches no option: {how(question)}; '?' lists them with short forms."
