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
from dataclasses import dataclass
from functools import lru_cache

from ..criteria import NONE_CODE, QUESTIONS, Question, Value, value_label
from ..criteria._catalogue import match_key

#: Typed words that ask what a question means (the dialogue shows `explain(question)`).
HELP_WORDS = frozenset({"?", "help", "why"})

#: Typed words that move on and keep any answer already given.
KEEP_WORDS = frozenset({"skip", "next", "pass"})

#: Typed words that say the answer is not known: the question is left (or made) unanswered. Hedges
#: such as `unsure` or `not sure` are not here: they are refused, so a half-meant answer is never
#: silently recorded as unknown either (the refusal says to type `unknown`).
UNKNOWN_WORDS = frozenset({
    "unknown", "not known", "don't know", "dont know", "don\u2019t know", "do not know", "unk", "nk", "n/k",
})

#: Every word that leaves a question without a new answer (old callers: `is_skip`).
SKIP_WORDS = KEEP_WORDS | UNKNOWN_WORDS

#: The longest message the dialogue reads; longer ones are refused whole.
MAX_TEXT = 500

#: How much of the user's text a message may repeat.
_SHOWN = 40

#: Words with no meaning of their own in an answer: never distinctive in a label, ignored when typed.
_STOP = frozenset({
    "of", "or", "and", "the", "with", "on", "not", "a", "an", "to", "in", "for", "by", "at", "yet", "these",
    "this", "that", "no", "yes", "is", "are", "has", "had", "have", "any", "some", "from", "as", "all",
    "his", "her", "their", "its", "also", "both", "mainly", "mostly", "mild", "moderate", "severe",
})

#: Words that can narrow a reading but never decide it alone ("improve" is in five goals, "spastic" is
#: not enough to say hereditary spastic paraplegia).
_GENERIC = frozenset({
    "spastic", "spasticity", "condition", "function", "neurological", "neurologic", "medication", "improve",
    "reduce", "ease", "prevent", "poor", "activities", "daily", "injury", "treatment", "effects", "side",
    "baclofen", "oral",
})

#: Words that deny what follows: "no botox" must never be read as botox.
_NEGATIONS = frozenset({
    "no", "not", "non", "without", "never", "nil", "none", "neither", "nor", "denies", "denied", "isnt",
    "doesnt", "hasnt", "didnt", "havent", "wasnt", "cannot", "cant", "nope", "nah", "negative", "n",
})

#: Words and phrases that say the clinician is not sure: refused, never stored.
_HEDGES = frozenset({
    "maybe", "possibly", "probably", "perhaps", "unsure", "uncertain", "unclear", "likely", "unlikely",
    "query", "suspected", "suspect", "might", "borderline", "questionable", "possible", "probable",
    "presumed", "sometimes", "occasionally", "dunno",
})
_HEDGE_PHRASES = ("not sure", "could be", "dont think", "not certain", "i think", "not clear")

#: Typed forms of yes: where a question has no plain Yes option they fit every option but the "no" one.
_YES_KEYS = frozenset({"yes", "y", "yeah", "yep", "yup"})

#: "Choose all that apply" is often answered "all": every option but `none`, where a question has `none`
#: (so "all" is a closed list). Without `none` (goals, which has "Other") it is refused.
_ALL_KEYS = frozenset({
    "all", "all of these", "all of the above", "all the above", "all apply", "all of them",
})

#: Names never offered as a near miss: they are short, and a slip ("done", "nine") must not become "none".
_NO_NEAR = frozenset({"none", "nope", "nah", "nil", "yes", "no"})

_NUMBER_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                 "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
                 "nineteen")
_UNITS = {word: n for n, word in enumerate(_NUMBER_NAMES)}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_COUNT = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}

_YEAR_UNITS = frozenset({
    "", "y", "yr", "yrs", "year", "years", "yo", "y/o", "yoa", "yr old", "yrs old", "year old", "years old",
    "y old", "years of age", "year of age", "yrs of age",
})
_MONTH_UNITS = frozenset({
    "m", "mo", "mos", "mth", "mths", "mnth", "mnths", "month", "months", "m old", "mo old", "mos old",
    "mth old", "mths old", "month old", "months old", "months of age",
})
_SHORT_TIME_UNITS = frozenset({
    "d", "day", "days", "w", "wk", "wks", "week", "weeks", "days old", "weeks old",
})

#: Under this many months an age may be typed in months (a toddler's age is often written so).
_MONTHS_BELOW = 36

# re.ASCII: only 0-9 are digits ("²" and "٣" are not answers).
_A = re.IGNORECASE | re.ASCII
_AGE_PREFIX = re.compile(r"^(?:aged|age)\s*[:=]?\s*", _A)
_APPROX = re.compile(r"^(?:about|around|approximately|approx\.?|roughly|circa|ca\.?|c\.|~)\s*", _A)
_ISH = re.compile(r"\s*-?\s*ish$", _A)
_DIGITS = re.compile(r"^(\d{1,4})\s*(.*)$", _A)
_YEARS_MONTHS = re.compile(
    r"^(\d{1,3})\s*(?:y|yrs?|years?)\s*,?\s*(?:and\s*)?(\d{1,2})\s*(?:m|mo|mos|mths?|months?)$", _A
)
_SLASH_MONTHS = re.compile(r"^(\d{1,2})\s*/\s*12$", _A)  # UK notes: 18/12 = 18 months
_DECIMAL = re.compile(r"\d\.\d", _A)
_RANGE = re.compile(r"\d\s*(?:-|\u2013|to)\s*\d", _A)
_OPTION_NUMBER = re.compile(r"^(?:#|option|opt)\s*(\d+)$", _A)
_HARD_SEPARATORS = re.compile(r"[,;&+/\n]")
_AND = re.compile(r"\b(?:and|plus)\b", re.IGNORECASE)
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


class NearMiss(Refusal):
    """A spelling slip close to exactly one option: offered back ("Did you mean Mobility?"), stored only
    after the user says yes, so a typo costs one tap instead of a retype, and nothing is guessed."""

    def __init__(self, value: Value, words: str) -> None:
        super().__init__(f"Did you mean {words}?")
        self.value = value
        self.words = words


@dataclass(frozen=True)
class Reading:
    """What a typed answer was read as: the stored value, and a note to say back when the reading
    changed the form of what was typed (months to years), so the clinician sees what was stored."""

    value: Value
    note: str = ""


def normalise(text: str) -> str:
    """Case and runs of spaces never change a command or a dialogue word (`SKIP`, ` back `)."""
    return " ".join(text.split()).casefold()


def is_skip(text: str) -> bool:
    """True for every word that leaves a question without a new answer (keep or unknown)."""
    return normalise(text) in SKIP_WORDS


def _shown(text: str) -> str:
    """At most `_SHOWN` characters of the user's text, on one line, for a message."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _SHOWN else flat[: _SHOWN - 3].rstrip() + "..."


def _stem(word: str) -> str:
    """Plural and singular compare equal (`transfer`/`transfers`, `deformities`/`deformity`)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", match_key(text))


def _stem_key(words: list[str]) -> str:
    return " ".join(_stem(w) for w in words)


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance with adjacent transpositions (`mobilty`, `yaers`), stopping early past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _bound(text: str) -> int:
    """How many slips a near miss may have: none under 4 letters (`cpp`, `yse` are not read), one up to
    7 letters, two beyond."""
    size = len(text.replace(" ", ""))
    return 0 if size < 4 else 1 if size < 8 else 2


# The per-question index -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Index:
    exact: dict[str, str]                      # stemmed name -> code
    words: dict[str, dict[str, bool]]          # stemmed label word -> {code: positive (not negated)}
    names: tuple[tuple[str, str], ...]         # (name, code) for near misses
    vocabulary: frozenset[str]                 # words a typed word may be corrected to


@lru_cache(maxsize=None)
def _index(question: Question) -> _Index:
    """Every name of every option of `question`, as the parser compares them; refuses a collision that
    only appears after stemming (the catalogue check compares names unstemmed)."""
    exact: dict[str, str] = {}
    words: dict[str, dict[str, bool]] = {}
    names: list[tuple[str, str]] = []
    vocabulary: set[str] = set()
    for option in question.options:
        for name in option.names():
            key = _stem_key(name.split())
            owner = exact.setdefault(key, option.code)
            if owner != option.code:
                raise ValueError(f"{question.field}: {name!r} reads as both {owner!r} and {option.code!r}")
            if len(name) >= 4 and name not in _NO_NEAR:
                names.append((name, option.code))
            vocabulary.update(w for w in name.split() if len(w) >= 4 and w not in _STOP | _NEGATIONS)
        for source in (option.label, option.code):
            negated = False
            for word in _words(source):
                if word in ("no", "not", "non"):
                    negated = True
                if word in _STOP or word in _NEGATIONS:
                    continue
                entry = words.setdefault(_stem(word), {})
                entry[option.code] = entry.get(option.code, False) or not negated
    for reserved in HELP_WORDS | SKIP_WORDS | {"back", "previous", "done", "confirm"}:
        if _stem_key(_words(reserved)) in exact:
            raise ValueError(f"{question.field}: {reserved!r} is a dialogue word, not an option name")
    return _Index(exact, words, tuple(names), frozenset(vocabulary))


# Reading one item (a whole answer, or one element of a list) -----------------------------------------
@dataclass(frozen=True)
class _Item:
    kind: str                 # found, near, ambiguous, partial, negated, hedge, range, unknown
    codes: tuple[str, ...] = ()
    text: str = ""


def _is_hedge(text: str, words: list[str]) -> bool:
    joined = " ".join(words)
    return "?" in text or any(w in _HEDGES for w in words) or any(
        re.search(rf"\b{p}\b", joined) for p in _HEDGE_PHRASES
    )


def _by_words(question: Question, words: list[str]) -> _Item:
    """A reading from the label words typed: one option that every content word points to."""
    index = _index(question)
    content = [w for w in words if w not in _STOP]
    if not content:
        return _Item("unknown")
    sets: list[set[str]] = []
    unknown = False
    for word in content:
        entry = index.words.get(_stem(word))
        alias = index.exact.get(_stem(word))
        if (entry is None or not any(entry.values())) and alias is None:
            unknown = True  # unknown, or only in a negated part of a label ("No reaction")
            continue
        codes = set(entry) if entry and any(entry.values()) else set()
        sets.append(codes | ({alias} if alias else set()))
    if not sets:
        return _Item("unknown")
    common = set.intersection(*sets)
    ordered = tuple(c for c in question.codes if c in (common or set.union(*sets)))
    if unknown:
        return _Item("partial", ordered) if len(common) == 1 else _Item("unknown")
    if len(common) == 1:
        decisive = any(w not in _GENERIC for w in content)
        return _Item("found" if decisive else "partial", ordered)
    return _Item("ambiguous", ordered)


def _contained(question: Question, words: list[str]) -> tuple[str, ...]:
    """Options one of whose names (2+ letters) appears whole inside longer text ("botox planned")."""
    padded = f" {_stem_key(words)} "
    exact = _index(question).exact
    found = {code for name, code in exact.items() if len(name) >= 2 and f" {name} " in padded}
    return tuple(c for c in question.codes if c in found)


def _near(question: Question, words: list[str]) -> str | None:
    """The one option the text is a spelling slip away from, if exactly one is."""
    index = _index(question)
    text = " ".join(words)
    limit = _bound(text)
    codes: set[str] = set()
    if limit:
        codes |= {code for name, code in index.names if _distance(text, name, limit) <= limit}
    corrected = []
    for word in words:
        if word in _STOP or _stem(word) in index.words or _stem(word) in index.exact:
            corrected.append(word)
            continue
        word_limit = _bound(word)
        targets = {t for t in index.vocabulary if word_limit and _distance(word, t, word_limit) <= word_limit}
        if len({_stem(t) for t in targets}) != 1:
            corrected = []
            break
        corrected.append(targets.pop())
    if corrected and corrected != words:
        code = index.exact.get(_stem_key(corrected))
        if code is None:
            by_words = _by_words(question, corrected)
            code = by_words.codes[0] if by_words.kind == "found" else None
        if code is not None:
            codes.add(code)
    return codes.pop() if len(codes) == 1 else None


def _resolve(question: Question, text: str, near: bool = True) -> _Item:
    """One item of an answer: an option number or name, a distinctive word, or why not."""
    words = _words(text)
    stripped = text.strip()
    if not words:
        return _Item("unknown", text=stripped)
    bare = re.sub(r"^[(\[]+|[.)\]:]+$", "", stripped).strip()  # "1.", "(2)", "3)" as lists are numbered
    number = _OPTION_NUMBER.match(bare)
    if is_number(bare) or number:
        index = int(number.group(1) if number else bare)
        if 1 <= index <= len(question.options):
            return _Item("found", (question.codes[index - 1],))
        return _Item("range", text=stripped)
    if _is_hedge(text, words):  # before names: "cp?" is not CP
        return _Item("hedge", text=stripped)
    index_ = _index(question)
    code = index_.exact.get(_stem_key(words))
    if code is not None:
        return _Item("found", (code,))
    if " ".join(words) in _YES_KEYS:
        no_code = index_.exact.get("no")
        return _Item("ambiguous", tuple(c for c in question.codes if c != no_code), stripped)
    if any(w in _NEGATIONS for w in words):
        return _Item("negated", text=stripped)
    item = _by_words(question, words)
    if item.kind in ("found", "ambiguous"):
        return _Item(item.kind, item.codes, stripped)
    if near:
        code = _near(question, words)
        if code is not None:
            return _Item("near", (code,), stripped)
    if item.kind == "partial":
        return _Item("partial", item.codes, stripped)
    inside = _contained(question, words)
    if len(inside) == 1:
        return _Item("partial", inside, stripped)
    return _Item("unknown", inside, stripped)


# Messages -------------------------------------------------------------------------------------------
def _numbered(question: Question, codes: tuple[str, ...]) -> str:
    return ", ".join(f"{question.codes.index(c) + 1}. {question.option(c).label}" for c in codes)


def _how(question: Question) -> str:
    count = len(question.options)
    numbers = "1 or 2" if count == 2 else f"a number from 1 to {count}"
    if question.kind == "many":
        return f"type one or more numbers from 1 to {count} or names, e.g. 1, 3"
    return f"type {numbers} or a name"


def _refusal(question: Question, item: _Item) -> Refusal:
    shown = _shown(item.text)
    plural = "s" if question.kind == "many" else ""
    if item.kind == "range":
        return Refusal(f"{shown} is not an option: {_how(question)} ('?' lists them).")
    if item.kind == "hedge":
        return Refusal(f"'{shown}' sounds unsure: type the answer if you know it, or 'unknown'.")
    if item.kind == "negated":
        rest = " or 'none' if none apply" if question.exclusive_code else ""
        return Refusal(f"'{shown}' says what is not there: type what applies{rest} ('?' lists the options).")
    if item.kind == "ambiguous" and 2 <= len(item.codes) <= 4:
        count = _COUNT[len(item.codes)]
        return Refusal(
            f"'{shown}' fits {count} options: {_numbered(question, item.codes)}; type the number{plural}."
        )
    if item.kind == "ambiguous":
        return Refusal(f"'{shown}' does not say which option: {_how(question)} ('?' lists them).")
    if item.kind == "partial" and item.codes:
        return Refusal(
            f"'{shown}' is not an option as typed; closest: {_numbered(question, item.codes)}. "
            f"Type the number{plural} to choose."
        )
    if question.kind == "one":  # what fits nothing is not repeated: it may be a name typed by mistake
        return Refusal(f"Not one of the options: {_how(question)}; '?' lists them with short forms.")
    return Refusal(f"'{shown}' matches no option: {_how(question)}; '?' lists them with short forms.")


# Choice questions -----------------------------------------------------------------------------------
def _check_text(question: Question, text: str) -> None:
    """Refusals that depend on the raw text: ranges and decimals are not option lists."""
    if _RANGE.search(text):
        raise Refusal(f"'{_shown(text)}': list each option instead of a range, e.g. 1, 2, 3.")
    if _DECIMAL.search(text):
        raise Refusal(f"'{_shown(text)}' is not an option: {_how(question)}.")


def _read_one(question: Question, text: str) -> Reading:
    _check_text(question, text)
    item = _resolve(question, text)
    if item.kind == "found":
        return Reading(item.codes[0])
    if item.kind == "near":
        raise NearMiss(item.codes[0], value_label(question.field, item.codes[0]))
    if item.kind == "hedge":
        raise _refusal(question, item)
    parts = [p for p in re.split(r"[,;&+/\n]|\b(?:and|or|plus)\b", text, flags=re.IGNORECASE) if p.strip()]
    if len(parts) == 1:
        parts = text.split()
    if len(parts) > 1:
        codes = []
        for part in parts:
            found = _resolve(question, part, near=False)
            if found.kind != "found":
                break
            codes.append(found.codes[0])
        else:
            chosen = tuple(c for c in question.codes if c in codes)
            if len(chosen) == 1:  # "1, 1": a list where one answer is asked for
                raise Refusal(f"'{_shown(text)}' is a list: type one option, e.g. {len(question.options)}.")
            raise Refusal(
                f"'{_shown(text)}' gives {_COUNT.get(len(chosen), len(chosen))} options: "
                f"{_numbered(question, chosen)}; choose one."
            )
    raise _refusal(question, item)


def _read_piece(question: Question, piece: str) -> list[_Item]:
    """One element of a list, or several when it is a run of names or numbers ("1 4", "comfort mobility").

    Returns the items read, or a single item that says why the piece was not read.
    """
    item = _resolve(question, piece)
    if item.kind in ("found", "near", "hedge", "negated", "range"):
        return [item]
    words = piece.split()
    if "or" in (w.casefold() for w in words):
        return [_Item("or", text=piece.strip())]
    if len(words) > 1:
        items = [_resolve(question, word) for word in words]
        if all(i.kind in ("found", "near") for i in items):
            return items
    return [item]


def _read_many(question: Question, text: str) -> Reading:
    _check_text(question, text)
    if match_key(text) in _ALL_KEYS:
        if question.exclusive_code is None:
            raise Refusal("'all' is open-ended here: type the numbers that apply, e.g. 1, 3.")
        return Reading(tuple(c for c in question.codes if c != question.exclusive_code))
    whole = _resolve(question, text, near=False)
    if whole.kind == "found":
        items = [whole]
    elif whole.kind in ("hedge", "negated") and not _HARD_SEPARATORS.search(text) and not _AND.search(text):
        raise _refusal(question, whole)
    else:
        items = []
        for chunk in (c for c in _HARD_SEPARATORS.split(text) if c.strip()):
            item = _resolve(question, chunk, near=False)
            if item.kind == "found":
                items.append(item)
                continue
            for piece in (p for p in _AND.split(chunk) if p.strip()):
                items += _read_piece(question, piece)
    read = [item for item in items if item.kind in ("found", "near")]
    failed = [item for item in items if item.kind not in ("found", "near")]
    if failed:
        first = failed[0]
        if first.kind == "or":
            raise Refusal(
                f"'{_shown(first.text)}': 'or' leaves the choice open; list the options that apply, "
                "e.g. 1, 4."
            )
        if first.kind == "unknown" and not read:  # nothing understood: say so of the whole message
            raise _refusal(question, _Item("unknown", text=text))
        raise _refusal(question, first)
    if not read:
        raise Refusal(f"Choose at least one option: {_how(question)}, or 'unknown'.")
    codes = list(dict.fromkeys(code for item in read for code in item.codes))
    value = normalise_many(question, codes)
    if any(item.kind == "near" for item in read):
        raise NearMiss(value, value_label(question.field, value))
    return Reading(value)


def normalise_many(question: Question, codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Check `none` stands alone and put the codes in the catalogue's order."""
    exclusive = question.exclusive_code
    if exclusive and exclusive in codes and len(codes) > 1:
        label = question.option(NONE_CODE).label
        raise Refusal(f"'{label}' cannot be combined with other options: choose it alone, or the others.")
    chosen = set(codes)
    return tuple(c for c in question.codes if c in chosen)


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


def _age_help(question: Question) -> str:
    months = " or 18 months" if question.unit == "years" else ""
    return f"type {question.allowed()} (e.g. 8, 8 years{months}), or 'unknown'"


def _read_number(question: Question, text: str) -> Reading:
    lo, hi = question.minimum, question.maximum
    assert lo is not None and hi is not None
    raw = " ".join(text.split())
    shown = _shown(raw)
    if any(ch.isdigit() and not ch.isascii() for ch in raw):
        raise Refusal(f"Please use the digits 0-9: {_age_help(question)}.")
    if "?" in raw or _is_hedge(raw, _words(raw)):
        raise Refusal(f"'{shown}' sounds unsure: type the age if you know it, or 'unknown'.")
    body = _AGE_PREFIX.sub("", raw.casefold().rstrip(".").strip())
    approx = _APPROX.match(body)
    if approx:
        body = body[approx.end():]
    if _ISH.search(body) and re.search(r"\d", body):
        body, approx = _ISH.sub("", body), True
    if re.match(r"^(?:-|minus\b)", body):
        raise Refusal(f"{shown} is out of range: {_age_help(question)}.")
    both = _YEARS_MONTHS.match(body)
    if both and int(both.group(2)) < 12:
        years = int(both.group(1))
        return _in_range(question, years, f"{years} years {both.group(2)} months = {years} years")
    slash = _SLASH_MONTHS.match(body)
    if slash:
        return _months(question, int(slash.group(1)), f"{slash.group(1)}/12")
    if len(re.findall(r"\d+", body, re.ASCII)) > 1 or re.search(r"\b(?:or|to)\b", body):
        if _DECIMAL.search(body):
            whole = re.search(r"\d+", body, re.ASCII).group()  # type: ignore[union-attr]
            raise Refusal(f"Type the age in whole years: {whole}, not {shown}.")
        raise Refusal(f"'{shown}' gives more than one age: type one whole number.")
    split = _split_number(body)
    if split is None:
        tokens = re.split(r"[\s-]+", body)
        for end in range(len(tokens), 0, -1):
            value = _number_near(tokens[:end])
            if value is not None and _unit(" ".join(tokens[end:])) in _YEAR_UNITS and lo <= value <= hi:
                raise NearMiss(value, value_label(question.field, value))
        raise Refusal(f"Please {_age_help(question)}.")
    value, unit_text = split
    unit = _unit(unit_text)
    note = f"{raw.strip()} = {value} {question.unit}".strip() if approx else ""
    if unit in _YEAR_UNITS:
        return _in_range(question, value, note)
    if question.unit == "years" and unit in _MONTH_UNITS:
        return _months(question, value, f"{value} months")
    if unit in _SHORT_TIME_UNITS:
        raise Refusal("Type the age in whole years (0 under one year), e.g. 8, or 'unknown'.")
    if question.unit == "years" and len(unit) >= 4:
        for units, target in ((_YEAR_UNITS, "years"), (_MONTH_UNITS, "months")):
            if any(_distance(unit, u, 1) <= 1 for u in units if len(u) >= 4):
                years = value if target == "years" else value // 12
                if lo <= years <= hi and (target == "years" or value < _MONTHS_BELOW):
                    raise NearMiss(years, value_label(question.field, years))
    raise Refusal(f"Please {_age_help(question)}.")


def _months(question: Question, months: int, typed: str) -> Reading:
    """An age in months: whole years below 3 years, said back; from 3 years on, years are asked for."""
    if months >= _MONTHS_BELOW:
        raise Refusal(f"{typed} is 3 years or more: type the age in whole years (e.g. {months // 12}).")
    years = months // 12
    return _in_range(question, years, f"{typed} = {years} year{'' if years == 1 else 's'}")


def _in_range(question: Question, value: int, note: str = "") -> Reading:
    if not question.minimum <= value <= question.maximum:  # type: ignore[operator]
        raise Refusal(f"{value} is out of range: type {question.allowed()}, or 'unknown'.")
    return Reading(value, note)


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


for _question in QUESTIONS:  # a name that collides only after stemming fails at import, not in a chat
    if _question.kind != "number":
        _index(_question)
