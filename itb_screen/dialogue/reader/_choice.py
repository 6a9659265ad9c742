"""Reading a choice question: the options a line affirms or negates, in context, and what follows.

1. Option numbers (`2`, `1, 4`, `#3`) are read as such.
2. Any doubt or hypothetical cue (`?UTI`, `possible`, `awaiting`) stores nothing: it is asked back.
3. A leading answer with a qualifier (`yes - well controlled`, `no, wife drives him`) keeps the qualifier
   as the answer's note, once the qualifier is read and found not to contradict it.
4. Otherwise the whole line: affirmed options, negated ones (`not infected` -> no where the question
   says so), concepts and their follow-up (`allergy` -> "Was it confirmed ...?"), the past at a
   question about now (`h/o UTIs` -> asked back).
5. Nothing understood: a spelling slip from a reading (`mobilty`) is offered back, never stored.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

from ...criteria import NONE_CODE, Question, match_key, value_label
from . import _messages as say
from ._conditions import icd_code
from ._mentions import NEGATING_ANSWERS, Found, found_in
from ._near import corrected
from ._pipeline import Mention, Parsed, parse
from ._reading import Reading

_ALL_KEYS = frozenset(
    {"all", "all of these", "all of the above", "all the above", "all apply", "all of them"}
)

_OPTION_NUMBER = re.compile(r"^(?:#|option|opt)?\s*(\d+)[.)\]:]*$", re.IGNORECASE | re.ASCII)
_NUMBER_SPLIT = re.compile(r"\s*(?:[,;&+/]|\band\b|\s)\s*", re.IGNORECASE)
#: Where a qualifier starts: a clause separator (a hyphen only with a space beside it: not "non-ambulant").
_QUALIFIER = re.compile(r"\s*(?:[,;:(\[\u2013\u2014]|\s-|-\s)\s*")
_RANGE = re.compile(r"\d\s*(?:-|\u2013|to)\s*\d", re.ASCII)
_DECIMAL = re.compile(r"\d\.\d", re.ASCII)


def read_choice(question: Question, text: str) -> Reading:
    """A line typed at a choice question, read once."""
    # Codes are typed with "_" (`cerebral_palsy`), quotes curly or straight: neither changes a word.
    line = " ".join(text.replace("_", " ").replace("\u2019", "'").split())
    if _numbers_only(line) and _RANGE.search(line):
        return _refused(say.RANGE.format(shown=say.shown(line)))
    if _numbers_only(line) and _DECIMAL.search(line):
        return _refused(say.NOT_AN_OPTION.format(shown=say.shown(line), how=say.how(question)))
    # Numbers are option numbers, unless the question has them as a phrase (`8/12`: eight months).
    numbered = None if match_key(line) in _numeric_phrases(question) else _by_numbers(question, line)
    if numbered is not None:
        return numbered
    named = _names(question).get(match_key(line))
    if named is not None:  # an option's code, label or short name, whole: `Recorded allergy, not confirmed`
        value = named if question.kind == "one" else (named,)
        icd = icd_code([line], (), named) if question.field == "primary_condition" else None
        return Reading("answer", value, affirmed=(named,), evidence=(line,), icd10cm=icd)
    if question.kind == "many" and match_key(line) in _ALL_KEYS:
        if question.exclusive_code is None:
            return _refused(say.ALL_OPEN)
        return Reading("answer", tuple(c for c in question.codes if c != question.exclusive_code))
    whole = parse(question, line)
    if whole.doubt:
        return Reading("doubt", message=say.DOUBT.format(shown=say.shown(line)), doubt=whole.doubt)
    if whole.bound:
        return _bound(question, line, whole)
    reading = _with_qualifier(question, line, whole) or _decide(question, whole, line)
    if question.kind == "many" and reading.outcome == "answer":
        unread = _unread_item(whole)
        if unread:
            reading = _refused(say.nothing(question, unread))
    near = _near(question, line, reading)
    return near if near is not None else reading


def _numbers_only(line: str) -> bool:
    """A line of option numbers (`1-3`, `2.5`, `1 to 4`), where a range or a decimal is no answer; in a
    sentence (`spasms wake him 3-4x a night`, `EDSS 7.5`) numbers are the note's, not options."""
    return not re.search(r"[a-z]", re.sub(r"\b(?:to|and|or|option|opt)\b", "", line.casefold()))


@cache
def _numeric_phrases(question: Question) -> frozenset[str]:
    """The question's phrases without a letter (`8/12`, `6/52`), as match keys."""
    return frozenset(match_key(p) for p, _label in question.phrases() if not re.search(r"[a-z]", p, re.I))


@cache
def _names(question: Question) -> dict[str, str]:
    return {name: option.code for option in question.options for name in option.names()}


def _by_numbers(question: Question, line: str) -> Reading | None:
    """`2`, `#2`, `option 2`, `1, 4`, `1 and 4`: options by number, when the line is numbers only."""
    pieces = [p for p in _NUMBER_SPLIT.split(line.strip("()[] ")) if p]
    matches = [_OPTION_NUMBER.match(p) for p in pieces]
    if not pieces or not all(matches):
        return None
    numbers = [int(m.group(1)) for m in matches if m]
    if any(not 1 <= n <= len(question.options) for n in numbers):
        return _refused(say.NOT_AN_OPTION.format(shown=say.shown(line), how=say.how(question)))
    codes = tuple(question.codes[n - 1] for n in dict.fromkeys(numbers))
    if question.kind == "one":
        if len(numbers) > 1 and len(codes) == 1:  # "1, 1": a list where one answer is asked for
            return _refused(say.A_LIST.format(shown=say.shown(line), count=len(question.options)))
        if len(codes) > 1:
            return _refused(
                say.GIVES_SEVERAL.format(shown=say.shown(line), options=say.numbered(question, codes))
            )
        return Reading("answer", codes[0], affirmed=codes, evidence=(line,))
    return _many(question, list(codes), [line])


def _denied_by_the_rest(head: Parsed, whole: Parsed, end: int) -> bool:
    """`infection - treated`, `pneumonia, fully recovered`: a cue after the head negates what it names, so
    the head is not an answer on its own (the whole line is read instead)."""
    in_head = [m for m in whole.mentions if whole.offsets[m.start] < end]
    return sum(m.negated for m in in_head) > sum(m.negated for m in head.mentions)


def _with_qualifier(question: Question, line: str, whole: Parsed) -> Reading | None:
    """A leading answer, then the rest read on its own: `yes - well controlled on levetiracetam` keeps
    the rest as the answer's note; `none, mobility` is refused as a list would be; `no, on abx for UTI`
    fits two options. The rest is read apart so that a leading `no` does not negate it."""
    split = _QUALIFIER.search(line)
    if split is None or split.start() == 0:
        return None
    head, tail = line[: split.start()], line[split.end() :].strip(" )]").strip()
    head_parsed = parse(question, head)
    if not tail or _denied_by_the_rest(head_parsed, whole, split.start()):
        return None
    head_found = found_in(question, head_parsed)
    first = _decide(question, head_parsed, head, head_found)
    if first.outcome != "answer":
        return None
    rest = parse(question, tail)
    if rest.doubt:
        return Reading("doubt", message=say.DOUBT.format(shown=say.shown(line)), doubt=rest.doubt)
    if rest.bound:
        return _bound(question, line, rest)
    found = found_in(question, rest)
    said = set(found.options)  # what the rest affirms; a rest that only denies ("not allergy") is a note
    # "not troublesome during the day, but painful spasms at night": a head that only denied (its answer
    # from a negated concept) gives way to what the rest affirms.
    denied_only = not head_found.options
    if question.kind == "many" and said:
        codes = [*(() if denied_only else first.value or ()), *said]  # type: ignore[misc]
        return _many(question, codes, [*first.evidence, *found.evidence], found, line)
    if question.kind == "many" and "," in split.group():
        return None  # "none, deformity": a list with an item read as nothing; the whole line decides
    if said and said != {first.value}:
        if denied_only and len(said) == 1:
            return Reading("answer", said.pop(), evidence=tuple(found.evidence))
        both = tuple(c for c in question.codes if c in said | {str(first.value)})
        options = say.numbered(question, both)
        return _refused(say.FITS.format(shown=say.shown(line), count=say.count(len(both)), options=options))
    return replace(first, qualifier=tail)


def _bound(question: Question, line: str, parsed: Parsed) -> Reading:
    """`over 6 months`, `above T10`: a bound on both sides of the answer, asked back as the question."""
    message = say.BOUND.format(shown=say.shown(line), question=question.text)
    return Reading("doubt", message=message, doubt=parsed.bound)


def _decide(question: Question, parsed: Parsed, line: str, found: Found | None = None) -> Reading:
    found = found_in(question, parsed) if found is None else found
    if _or_between(parsed):
        return _refused(say.OR.format(shown=say.shown(line)))
    if question.kind == "many":
        return _many(question, found.options or list(found.denial()), found.evidence, found, line)
    return _one(question, parsed, found, line)


def _one(question: Question, parsed: Parsed, found: Found, line: str) -> Reading:
    """One option: the one affirmed; else the follow-up a concept asks; else what a negated concept
    means; else why nothing is stored (two options, only the past, only what is not there)."""
    chosen = tuple(c for c in question.codes if c in set(found.options))
    negated = tuple(dict.fromkeys(found.negated))
    evidence = tuple(found.evidence)
    if len(chosen) == 1:
        icd = _icd(question, parsed, chosen[0])
        return Reading("answer", chosen[0], affirmed=chosen, negated=negated, evidence=evidence, icd10cm=icd)
    if chosen:
        options = say.numbered(question, chosen)
        message = say.FITS.format(shown=say.shown(line), count=say.count(len(chosen)), options=options)
        return _refused(message, chosen, negated)
    if found.follow_up is not None:
        return Reading("ask", message=found.follow_up.ask, follow_up=found.follow_up, evidence=evidence)
    denial = found.denial()
    if len(denial) == 1:
        return Reading("answer", denial[0], affirmed=denial, evidence=evidence)
    if found.past:
        message = say.PAST.format(shown=say.shown(line), question=question.text)
        return Reading("refused", message=message, past=True, evidence=tuple(m.text for m in found.past))
    if negated:
        return _refused(say.NEGATED.format(shown=say.shown(line), rest=""), (), negated)
    return _refused(say.nothing(question, line))


_LIST_SEPARATORS = frozenset({",", ";", "&", "+", "and", "plus"})


def _unread_item(parsed: Parsed) -> str:
    """An item of a list (`deformity, dislocation`) in which no phrase was found, if there is one:
    a list answer is read whole or not at all."""
    covered = {i for m in parsed.mentions for i in range(m.start, m.end)}
    item: list[int] = []
    for i, token in enumerate([*parsed.tokens, ","]):
        if token.casefold() in _LIST_SEPARATORS and i not in covered:
            words = [parsed.tokens[j] for j in item if parsed.tokens[j].isalnum()]
            if words and not covered & set(item):
                return " ".join(words)
            item = []
        else:
            item.append(i)
    return ""


def _cue_only(parsed: Parsed, mention: Mention) -> bool:
    following = parsed.tokens[mention.end].casefold() if mention.end < len(parsed.tokens) else ""
    return mention.text.casefold() in NEGATING_ANSWERS and following not in ("or", "")


def _or_between(parsed: Parsed) -> bool:
    """`botox or physio`, `none or side effects`: an `or` outside every phrase, between phrases that name
    different things (`abdominal or pelvic surgery` names one)."""
    inside = {i for m in parsed.mentions for i in range(m.start, m.end)}
    for i, token in enumerate(parsed.tokens):
        if token.casefold() != "or" or i in inside:
            continue
        # A bare "no" before a finding is its cue ("no abdominal or pelvic surgery"); before "or" it is an
        # answer of its own ("none or side effects", "no or yes").
        named = [m for m in parsed.mentions if not _cue_only(parsed, m)]
        before = {m.label for m in named if m.end <= i}
        after = {m.label for m in named if m.start > i}
        if before and after and before != after:
            return True
    return False


def _many(
    question: Question, codes: list[str], evidence: list[str], found: Found | None = None, line: str = ""
) -> Reading:
    chosen = tuple(c for c in question.codes if c in set(codes))
    negated = tuple(dict.fromkeys(found.negated)) if found else ()
    exclusive = question.exclusive_code
    if exclusive and exclusive in chosen and len(chosen) > 1:
        return _refused(say.NONE_ALONE.format(label=question.option(NONE_CODE).label), chosen, negated)
    if chosen:
        return Reading("answer", chosen, affirmed=chosen, negated=negated, evidence=tuple(evidence))
    if negated:
        rest = " or 'none' if none apply" if exclusive else ""
        return _refused(say.NEGATED.format(shown=say.shown(line), rest=rest), (), negated)
    return _refused(say.nothing(question, line))


def _icd(question: Question, parsed: Parsed, code: str) -> str | None:
    """The ICD-10-CM code of the most specific diagnosis named for the chosen category."""
    if question.field != "primary_condition":
        return None
    named = [m.text for m in parsed.mentions if not m.negated and m.label in (code, "concept:paralysis")]
    return icd_code(named, parsed.tokens, code)


def _near(question: Question, line: str, first: Reading) -> Reading | None:
    """A spelling slip: the line with each unknown word put right, read again; offered back if it reads
    otherwise than the line as typed (`mobilty and care` -> Mobility, Caregiver assistance)."""
    fixed = corrected(question, line)
    if fixed is None:
        return None
    fixed_parsed = parse(question, fixed)
    if fixed_parsed.doubt:
        return None
    reading = _decide(question, fixed_parsed, fixed)
    if reading.outcome != "answer" or reading.value is None or reading.value == first.value:
        return None
    return Reading(
        "near",
        reading.value,
        message=value_label(question.field, reading.value),
        affirmed=reading.affirmed,
        evidence=(fixed,),
        icd10cm=reading.icd10cm,
    )


def _refused(message: str, affirmed: tuple[str, ...] = (), negated: tuple[str, ...] = ()) -> Reading:
    return Reading("refused", message=message, affirmed=affirmed, negated=negated)
