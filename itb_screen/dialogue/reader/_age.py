"""Reading the age: digits, number words up to 120, units, months under 3 years; doubt is asked back."""

from __future__ import annotations

import re

from rapidfuzz.distance import DamerauLevenshtein

from ...criteria import Question, value_label
from ._messages import age_help
from ._messages import shown as _shown
from ._pipeline import doubt_in
from ._reading import Doubtful, NearMiss, Reading, Refusal

# re.ASCII: only 0-9 are digits ("²" and "٣" are not answers).
_A = re.IGNORECASE | re.ASCII
_DECIMAL = re.compile(r"\d\.\d", _A)


def _distance(a: str, b: str, limit: int) -> int:
    return DamerauLevenshtein.distance(a, b, score_cutoff=limit)


_NUMBER_NAMES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)


_UNITS = {word: n for n, word in enumerate(_NUMBER_NAMES)}


_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}


_YEAR_UNITS = frozenset(
    {
        "",
        "y",
        "yr",
        "yrs",
        "year",
        "years",
        "yo",
        "y/o",
        "yoa",
        "yr old",
        "yrs old",
        "year old",
        "years old",
        "y old",
        "years of age",
        "year of age",
        "yrs of age",
    }
)


_MONTH_UNITS = frozenset(
    {
        "m",
        "mo",
        "mos",
        "mth",
        "mths",
        "mnth",
        "mnths",
        "month",
        "months",
        "m old",
        "mo old",
        "mos old",
        "mth old",
        "mths old",
        "month old",
        "months old",
        "months of age",
    }
)


_SHORT_TIME_UNITS = frozenset(
    {
        "d",
        "day",
        "days",
        "w",
        "wk",
        "wks",
        "week",
        "weeks",
        "days old",
        "weeks old",
    }
)


#: Under this many months an age may be typed in months (a toddler's age is often written so).
_MONTHS_BELOW = 36


_AGE_PREFIX = re.compile(r"^(?:aged|age)\s*[:=]?\s*", _A)


_APPROX = re.compile(r"^(?:about|around|approximately|approx\.?|roughly|circa|ca\.?|c\.|~)\s*", _A)


_ISH = re.compile(r"\s*-?\s*ish$", _A)


_DIGITS = re.compile(r"^(\d{1,4})\s*(.*)$", _A)


_YEARS_MONTHS = re.compile(
    r"^(\d{1,3})\s*(?:y|yrs?|years?)\s*,?\s*(?:and\s*)?(\d{1,2})\s*(?:m|mo|mos|mths?|months?)$", _A
)


_SLASH_MONTHS = re.compile(r"^(\d{1,2})\s*/\s*12$", _A)  # UK notes: 18/12 = 18 months


# Numbers (the age) ------------------------------------------------------------------------------------
def _number_from_words(words: list[str]) -> int | None:
    """English number words up to the hundreds: `twelve`, `forty five`, `one hundred and two`."""
    total, rest = 0, list(words)
    if rest[:2] in (["one", "hundred"], ["a", "hundred"]):
        total, rest = 100, rest[2:]
    elif rest[:1] == ["hundred"]:
        total, rest = 100, rest[1:]
    if total and rest[:1] == ["and"]:
        rest = rest[1:]
        if not rest:
            return None
    if not rest:
        return total or None
    if rest[0] in _TENS:
        value = _TENS[rest[0]]
        if len(rest) == 2 and rest[1] in _UNITS and 1 <= _UNITS[rest[1]] <= 9:
            value += _UNITS[rest[1]]
        elif len(rest) != 1:
            return None
    elif len(rest) == 1 and rest[0] in _UNITS:
        value = _UNITS[rest[0]]
        if total and value == 0:
            return None
    else:
        return None
    return total + value


def _unit(text: str) -> str:
    """`Y.O.` -> `yo`, `-year-old` -> `year old`: the unit as the unit sets spell it."""
    unit = text.casefold().replace(".", "").replace("-", " ").strip()
    return " ".join(unit.split())


def _split_number(text: str) -> tuple[int, str] | None:
    """(number, unit text) from `45 yrs`, `forty-five years old`, `8yo`."""
    match = _DIGITS.match(text)
    if match:
        return int(match.group(1)), match.group(2)
    tokens = re.split(r"[\s-]+", text.casefold())
    for end in range(len(tokens), 0, -1):
        value = _number_from_words(tokens[:end])
        if value is not None:
            return value, " ".join(tokens[end:])
    return None


def _number_near(tokens: list[str]) -> int | None:
    """`fourty five`: number words each one slip from exactly one number word (5+ letters only)."""
    fixed = []
    vocabulary = list(_UNITS) + list(_TENS) + ["hundred"]
    for token in tokens:
        if token in vocabulary or token in ("a", "and"):
            fixed.append(token)
            continue
        targets = [w for w in vocabulary if len(token) >= 5 and _distance(token, w, 1) <= 1]
        if len(targets) != 1:
            return None
        fixed.append(targets[0])
    return _number_from_words(fixed) if fixed != tokens else None


#: Words around an age in a note that say nothing of it: "Pt is 54.", "12yo girl", "aged 19, transitioning".
_SUBJECT = re.compile(
    r"^(?:(?:the\s+)?(?:pt|patient|she|he|child|boy|girl)(?:'s|\s+is)\s+|just\s+turned\s+|paeds\s*[-:]?\s*)",
    _A,
)
_PERSON = re.compile(r"\s+(?:old\s+)?(?:boy|girl|man|woman|male|female|gentleman|lady|gent)$", _A)
_SEX = re.compile(r"\s+[MF]$")  # "23 F"; a lower-case "18 m" is months
_HALF = re.compile(r"^(\d{1,3})\s*(?:and\s+a\s+half|1/2|\u00bd)(.*)$", _A)


def _plain_words(raw: str) -> str:
    """The age without what a note writes around it: a subject, a person, a clause after a comma, an
    aside in brackets."""
    text = re.sub(r"\s*\([^)]*\)", "", raw).split(",")[0].strip().rstrip(".")
    text = _SUBJECT.sub("", text)
    return _SEX.sub("", _PERSON.sub("", text)).strip()


def read_age(question: Question, text: str) -> Reading:
    """An age as typed: checked for hedges and ranges, stripped of `aged`/`about`, then read."""
    raw = " ".join(text.split())
    _refuse_unsure(question, raw)
    plain = _plain_words(raw)
    half = _HALF.match(plain)
    if half and not half.group(2).strip(" .").casefold().startswith(("m", "mo")):
        years = int(half.group(1))  # whole years, as the question asks: said back
        return _in_range(question, years, f"{raw} = {years} year{'' if years == 1 else 's'}")
    body, approx = _plain_body(plain)
    if approx:  # the paediatric rule turns on one year: an age is stored as the clinician knows it
        raise Doubtful(f"'{_shown(raw)}' sounds unsure: type the age if you know it, or 'unknown'.")
    if re.match(r"^(?:-|minus\b)", body):
        raise Refusal(f"{_shown(raw)} is out of range: {age_help(question)}.")
    mixed = _years_and_months(question, body)
    if mixed is not None:
        return mixed
    _refuse_several(raw, body)
    split = _split_number(body)
    if split is None:
        _offer_number_words(question, body)
        raise Refusal(f"Please {age_help(question)}.")
    value, unit_text = split
    unit = _unit(unit_text)
    note = f"{raw.strip()} = {value} {question.unit}".strip() if approx else ""
    if unit in _YEAR_UNITS:
        return _in_range(question, value, note)
    if question.unit == "years" and unit in _MONTH_UNITS:
        return _months(question, value, f"{value} months")
    if unit in _SHORT_TIME_UNITS:
        raise Refusal("Type the age in whole years (0 under one year), e.g. 8, or 'unknown'.")
    _offer_unit(question, value, unit)
    raise Refusal(f"Please {age_help(question)}.")


def _refuse_unsure(question: Question, raw: str) -> None:
    if any(ch.isdigit() and not ch.isascii() for ch in raw):
        raise Refusal(f"Please use the digits 0-9: {age_help(question)}.")
    if doubt_in(raw):
        raise Doubtful(f"'{_shown(raw)}' sounds unsure: type the age if you know it, or 'unknown'.")


def _plain_body(raw: str) -> tuple[str, bool]:
    """The age without `aged`, `about`, `-ish` or a full stop, and whether it was approximate."""
    body = _AGE_PREFIX.sub("", raw.casefold().rstrip(".").strip())
    approx = _APPROX.match(body)
    if approx:
        body = body[approx.end() :]
    if _ISH.search(body) and re.search(r"\d", body):
        return _ISH.sub("", body), True
    return body, bool(approx)


def _years_and_months(question: Question, body: str) -> Reading | None:
    """`3 years 4 months` (whole years kept, said back) and `18/12` (months, as UK notes write them)."""
    both = _YEARS_MONTHS.match(body)
    if both and int(both.group(2)) < 12:
        years = int(both.group(1))
        return _in_range(question, years, f"{years} years {both.group(2)} months = {years} years")
    slash = _SLASH_MONTHS.match(body)
    if slash:
        return _months(question, int(slash.group(1)), f"{slash.group(1)}/12")
    return None


def _refuse_several(raw: str, body: str) -> None:
    """`45 or 50`, `40-45`, `4.5`: more than one number is never read as one age."""
    if len(re.findall(r"\d+", body, re.ASCII)) > 1 or re.search(r"\b(?:or|to)\b", body):
        if _DECIMAL.search(body):
            whole = re.search(r"\d+", body, re.ASCII).group()  # type: ignore[union-attr]
            raise Refusal(f"Type the age in whole years: {whole}, not {_shown(raw)}.")
        raise Refusal(f"'{_shown(raw)}' gives more than one age: type one whole number.")


def _offer_number_words(question: Question, body: str) -> None:
    """`fourty five years`: number words one slip from a number, offered back."""
    tokens = re.split(r"[\s-]+", body)
    for end in range(len(tokens), 0, -1):
        value = _number_near(tokens[:end])
        if value is not None and _unit(" ".join(tokens[end:])) in _YEAR_UNITS and _fits(question, value):
            raise NearMiss(value, value_label(question.field, value))


def _offer_unit(question: Question, value: int, unit: str) -> None:
    """`45 yaers`, `18 monhts`: a unit one slip from years or months, offered back."""
    if question.unit != "years" or len(unit) < 4:
        return
    for units, target in ((_YEAR_UNITS, "years"), (_MONTH_UNITS, "months")):
        if any(_distance(unit, u, 1) <= 1 for u in units if len(u) >= 4):
            years = value if target == "years" else value // 12
            if _fits(question, years) and (target == "years" or value < _MONTHS_BELOW):
                raise NearMiss(years, value_label(question.field, years))


def _fits(question: Question, value: int) -> bool:
    return (
        question.minimum is not None
        and question.maximum is not None
        and question.minimum <= value <= question.maximum
    )


def _months(question: Question, months: int, typed: str) -> Reading:
    """An age in months: whole years below 3 years, said back; from 3 years on, years are asked for."""
    if months >= _MONTHS_BELOW:
        raise Refusal(f"{typed} is 3 years or more: type the age in whole years (e.g. {months // 12}).")
    years = months // 12
    return _in_range(question, years, f"{typed} = {years} year{'' if years == 1 else 's'}")


def _in_range(question: Question, value: int, note: str = "") -> Reading:
    if not question.minimum <= value <= question.maximum:  # type: ignore[operator]
        raise Refusal(f"{value} is out of range: type {question.allowed()}, or 'unknown'.")
    return Reading("answer", value, note=note)
