"""Naming an option: every name it answers to (number, code, label, short forms, a distinctive word),
resolved for one item of an answer, with near misses by spelling; never a guess."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..criteria import Question
from ._reading import (
    _A,
    HELP_WORDS,
    SKIP_WORDS,
    _bound,
    _distance,
    _is_hedge,
    _stem,
    _stem_key,
    _words,
    is_number,
)

#: Words with no meaning of their own in an answer: never distinctive in a label, ignored when typed.
_STOP = frozenset(
    {
        "of",
        "or",
        "and",
        "the",
        "with",
        "on",
        "not",
        "a",
        "an",
        "to",
        "in",
        "for",
        "by",
        "at",
        "yet",
        "these",
        "this",
        "that",
        "no",
        "yes",
        "is",
        "are",
        "has",
        "had",
        "have",
        "any",
        "some",
        "from",
        "as",
        "all",
        "his",
        "her",
        "their",
        "its",
        "also",
        "both",
        "mainly",
        "mostly",
        "mild",
        "moderate",
        "severe",
    }
)


#: Words that can narrow a reading but never decide it alone ("improve" is in five goals, "spastic" is
#: not enough to say hereditary spastic paraplegia).
_GENERIC = frozenset(
    {
        "spastic",
        "spasticity",
        "condition",
        "function",
        "neurological",
        "neurologic",
        "medication",
        "improve",
        "reduce",
        "ease",
        "prevent",
        "poor",
        "activities",
        "daily",
        "injury",
        "treatment",
        "effects",
        "side",
        "baclofen",
        "oral",
    }
)


#: Words that deny what follows: "no botox" must never be read as botox.
_NEGATIONS = frozenset(
    {
        "no",
        "not",
        "non",
        "without",
        "never",
        "nil",
        "none",
        "neither",
        "nor",
        "denies",
        "denied",
        "isnt",
        "doesnt",
        "hasnt",
        "didnt",
        "havent",
        "wasnt",
        "cannot",
        "cant",
        "nope",
        "nah",
        "negative",
        "n",
    }
)


#: Typed forms of yes: where a question has no plain Yes option they fit every option but the "no" one.
_YES_KEYS = frozenset({"yes", "y", "yeah", "yep", "yup"})


#: "Choose all that apply" is often answered "all": every option but `none`, where a question has `none`
#: (so "all" is a closed list). Without `none` (goals, which has "Other") it is refused.
_ALL_KEYS = frozenset(
    {
        "all",
        "all of these",
        "all of the above",
        "all the above",
        "all apply",
        "all of them",
    }
)


#: Names never offered as a near miss: they are short, and a slip ("done", "nine") must not become "none".
_NO_NEAR = frozenset({"none", "nope", "nah", "nil", "yes", "no"})


_OPTION_NUMBER = re.compile(r"^(?:#|option|opt)\s*(\d+)$", _A)


_HARD_SEPARATORS = re.compile(r"[,;&+/\n]")


_AND = re.compile(r"\b(?:and|plus)\b", re.IGNORECASE)


# The per-question index -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Index:
    exact: dict[str, str]  # stemmed name -> code
    words: dict[str, dict[str, bool]]  # stemmed label word -> {code: positive (not negated)}
    names: tuple[tuple[str, str], ...]  # (name, code) for near misses
    vocabulary: frozenset[str]  # words a typed word may be corrected to


@cache
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
    kind: str  # found, near, ambiguous, partial, negated, hedge, range, unknown
    codes: tuple[str, ...] = ()
    text: str = ""


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


def _by_number(question: Question, stripped: str) -> _Item | None:
    """An option by its number (`2`, `#2`, `option 2`, and `1.`, `(2)`, `3)` as lists number them)."""
    bare = re.sub(r"^[(\[]+|[.)\]:]+$", "", stripped).strip()
    number = _OPTION_NUMBER.match(bare)
    if not (is_number(bare) or number):
        return None
    index = int(number.group(1) if number else bare)
    if 1 <= index <= len(question.options):
        return _Item("found", (question.codes[index - 1],))
    return _Item("range", text=stripped)


def _resolve(question: Question, text: str, near: bool = True) -> _Item:
    """One item of an answer: an option number or name, a distinctive word, or why not."""
    words = _words(text)
    stripped = text.strip()
    if not words:
        return _Item("unknown", text=stripped)
    numbered = _by_number(question, stripped)
    if numbered is not None:
        return numbered
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
