"""What a question of the screening is: frozen declarations checked when they are made.

`Question` and `Option` are declared in `_catalogue.py`; a bad declaration (a code that is no identifier,
an alias shared by two options, a number without a range) fails at import, not in the middle of a chat.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from ._seed import SEED_STATEMENTS
from ._sources import GUIDANCE_SOURCES
from ._vocabulary import CONCEPT_TERMS, CONDITIONS, TERMS, category_of

Kind = Literal["number", "one", "many"]

_CODE = re.compile(r"^[a-z][a-z0-9_]*$")

#: What an alias may contain: letters, digits, spaces, '-', '.' and apostrophes. List separators
#: (, ; & + /) are refused because the parser splits lists on them before it looks names up.
_ALIAS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .'\-]*$")

#: The code of the option that, in a many-choice question, excludes all the others.
NONE_CODE = "none"

#: Under this age a case is paediatric: the growth question is asked (S5) and the S5 point applies.
PAEDIATRIC_BELOW = 18


def match_key(text: str) -> str:
    """The form in which typed text, labels, codes and aliases are compared.

    Case, `_`, hyphens and dots between letters (`non-ambulant`, `C.P.`), apostrophes (`ADL's`),
    commas and surrounding punctuation do not change what a clinician meant, so they are dropped here
    once, and the catalogue check and the parser agree on when two names are the same.
    """
    key = text.casefold().replace("\u2019", "'").replace("_", " ")
    key = re.sub(r"(?<=[a-z])[-.](?=[a-z])", lambda m: " " if m.group() == "-" else "", key)
    key = key.replace("'", "").replace(",", " ")
    key = re.sub(r"^[\s.!:]+|[\s.!:]+$", "", key)
    return " ".join(key.split())


@dataclass(frozen=True)
class Option:
    """One allowed answer of a choice question.

    `aliases` are the short forms and synonyms clinicians type for it (`MS`, `botox`, `physio`): data
    beside the label, so the parser, the help text and the data dictionary read them from one place.
    """

    code: str
    label: str
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise ValueError(f"option code {self.code!r} is not a lower-case identifier")
        if not self.label.strip():
            raise ValueError(f"option {self.code!r} has no label")
        if not isinstance(self.aliases, tuple):
            raise ValueError(f"option {self.code!r}: aliases must be a tuple of strings")
        own = {match_key(self.code), match_key(self.label)}
        seen: set[str] = set()
        for alias in self.aliases:
            if not isinstance(alias, str) or not _ALIAS.match(alias):
                raise ValueError(
                    f"option {self.code!r}: alias {alias!r} must be letters, digits, spaces, '-' or '.'"
                )
            key = match_key(alias)
            if key.isdigit():
                raise ValueError(f"option {self.code!r}: alias {alias!r} is a number (numbers pick options)")
            if key in own or key in seen:
                raise ValueError(f"option {self.code!r}: alias {alias!r} repeats its code, label or alias")
            seen.add(key)

    def names(self) -> tuple[str, ...]:
        """Every name this option answers to, as match keys: code, label, then aliases."""
        keys = [match_key(self.code), match_key(self.label), *(match_key(a) for a in self.aliases)]
        return tuple(dict.fromkeys(keys))


@dataclass(frozen=True)
class Concept:
    """Words that matter at a question without naming one option alone (`allergy`, `depression`).

    `affirmed` is the option a mention means when nothing else decides (None: it decides nothing alone),
    `negated` the option a negated mention means ("no allergy" -> none; None: it says nothing).
    """

    name: str
    affirmed: str | None = None
    negated: str | None = None

    def __post_init__(self) -> None:
        if not _CODE.match(self.name):
            raise ValueError(f"concept {self.name!r} is not a lower-case identifier")


@dataclass(frozen=True)
class FollowUp:
    """The one distinguishing question asked when a reading names `concept` but not which option: a yes
    gives `yes`, a no gives `no`. A mention of `answer` in the same line answers it at once ("allergy,
    confirmed"); negated, it answers no ("allergy, not confirmed")."""

    concept: str
    ask: str
    yes: str
    no: str | None
    answer: str | None = None


@dataclass(frozen=True)
class AskedWhen:
    """A question is asked only while another answer holds: a number field below a bound (`age_years` <
    18), or a choice field equal to one code (`primary_condition` = `spinal_cord_injury`)."""

    field: str
    below: int | None = None
    equals: str | None = None

    def __post_init__(self) -> None:
        if (self.below is None) == (self.equals is None):
            raise ValueError(f"asked_when on {self.field}: give either below or equals")

    def holds(self, answers: Mapping[str, object]) -> bool:
        value = answers.get(self.field)
        if self.equals is not None:
            return value == self.equals
        return isinstance(value, int) and value < self.below  # type: ignore[operator]

    def describe(self) -> str:
        """`age_years < 18` or `seizures = yes`, as other-guidance.md writes conditions."""
        return f"{self.field} < {self.below}" if self.equals is None else f"{self.field} = {self.equals}"

    @property
    def name(self) -> str:
        """An identifier for the condition (the state diagram names its transitions so)."""
        return f"{self.field}_below_{self.below}" if self.equals is None else f"{self.field}_is_{self.equals}"


@dataclass(frozen=True)
class Question:
    """One question of the screening, with the wording a clinician reads."""

    number: int
    field: str
    text: str
    kind: Kind
    serves: tuple[str, ...]
    options: tuple[Option, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""
    hint: str = ""
    asked_when: AskedWhen | None = None
    #: A few words that label the answer for people (`Age: 45 years`), where the question is too long.
    short: str = ""
    #: Words that matter here without naming one option (their phrases are in `_vocabulary.py`).
    concepts: tuple[Concept, ...] = ()
    #: What to ask back when a reading names a concept but not the option.
    follow_ups: tuple[FollowUp, ...] = ()
    #: (option, option): a negated mention of the first means the second ("not infected" -> no).
    negated_means: tuple[tuple[str, str], ...] = ()
    #: The question asks about now: a mention in the past ("h/o UTIs") is no answer, it is asked back.
    current_only: bool = False
    #: Cues, beyond the published NegEx lists, that end what they follow here ("UTI treated", "cleared").
    resolved_cues: tuple[str, ...] = ()
    #: Cues, beyond the published ConText lists, that make an answer here doubtful ("not yet confirmed").
    doubt_cues: tuple[str, ...] = ()
    #: Words that make a value beside them a bound (`over 6 months`, `above T10`, `T7 and above`): where the
    #: bound may fall either side of the answer, it is asked back. The bounds that fall on one side are the
    #: vocabulary's own phrases (`over a year`, `below T6`), inside which a cue is no bound.
    bound_cues: tuple[str, ...] = ()
    #: A follow-up of other-guidance.md: asked right after the question `after`, numbered after it with
    #: this suffix (`2a`), and serving the label's or NICE's sources rather than the consensus.
    after: str = ""
    suffix: str = ""

    def __post_init__(self) -> None:
        if not _CODE.match(self.field):
            raise ValueError(f"field {self.field!r} is not a lower-case identifier")
        known = GUIDANCE_SOURCES if self.after else SEED_STATEMENTS
        if not self.serves or any(s not in known for s in self.serves):
            raise ValueError(f"{self.field}: serves {self.serves!r}, not its kind of sources")
        if bool(self.after) != bool(self.suffix) or (self.after and self.asked_when is None):
            raise ValueError(
                f"{self.field}: a follow-up names the question it follows, a suffix and a condition"
            )
        if self.kind == "number":
            if self.options or self.minimum is None or self.maximum is None:
                raise ValueError(f"{self.field}: a number needs a range and no options")
        elif self.kind in ("one", "many"):
            codes = [o.code for o in self.options]
            if len(codes) < 2 or len(set(codes)) != len(codes):
                raise ValueError(f"{self.field}: needs two or more distinct options")
            labels = [o.label.casefold() for o in self.options]
            if len(set(labels)) != len(labels):
                raise ValueError(f"{self.field}: option labels must differ")
            self._check_aliases()
            self._check_reading()
        else:
            raise ValueError(f"{self.field}: unknown kind {self.kind!r}")

    def _check_aliases(self) -> None:
        """One name, one option: an alias shared by two options, or equal to another option's code or
        label, would make the parser guess, so the catalogue refuses it at import."""
        owner: dict[str, str] = {}
        for option in self.options:
            for key in option.names():
                other = owner.setdefault(key, option.code)
                if other != option.code:
                    raise ValueError(
                        f"{self.field}: {key!r} names both {other!r} and {option.code!r}; "
                        "an alias must name one option only"
                    )

    def _check_reading(self) -> None:
        """Concepts, follow-ups and negation maps name codes and concepts this question has."""
        codes = {o.code for o in self.options}
        names = {c.name for c in self.concepts}
        for concept in self.concepts:
            if {concept.affirmed, concept.negated} - {None} - codes:
                raise ValueError(f"{self.field}: concept {concept.name!r} names an unknown option")
        for follow_up in self.follow_ups:
            if follow_up.concept not in names or (follow_up.answer and follow_up.answer not in names):
                raise ValueError(f"{self.field}: follow-up names an unknown concept")
            if {follow_up.yes, follow_up.no} - {None} - codes:
                raise ValueError(f"{self.field}: follow-up names an unknown option")
        for negated, meant in self.negated_means:
            if {negated, meant} - codes:
                raise ValueError(f"{self.field}: negated_means names an unknown option")
        named = set(CONCEPT_TERMS.get(self.field, {}))
        if self.field == "primary_condition":
            named |= {c.concept for c in CONDITIONS if c.concept}
        if named - names:
            raise ValueError(f"{self.field}: the vocabulary has concepts the question does not declare")
        if set(TERMS.get(self.field, {})) - codes:
            raise ValueError(f"{self.field}: the vocabulary has terms for unknown options")
        lists = [*TERMS.get(self.field, {}).values(), *CONCEPT_TERMS.get(self.field, {}).values()]
        if any(not isinstance(phrases, tuple) for phrases in lists):  # ("one phrase") is a string
            raise ValueError(f"{self.field}: every vocabulary list must be a tuple of phrases")

    @property
    def tag(self) -> str:
        """How people see the question's number: `9`, or `2a` for the follow-up asked after question 2."""
        return f"{self.number}{self.suffix}"

    @property
    def from_guidance(self) -> bool:
        """Whether this is one of other-guidance.md's follow-up questions (asked right after `after`)."""
        return bool(self.after)

    def phrases(self) -> tuple[tuple[str, str], ...]:
        """Every phrase the reader looks for here, with what it names: an option code, or
        `concept:NAME`. Option names (code, label, aliases) come first, then the vocabulary."""
        found: list[tuple[str, str]] = []
        for option in self.options:
            # As typed (`non-ambulant`, `BoNT-A`) and as compared (`non ambulant`): the tokenizer splits a
            # hyphen where the match key has a space.
            found += [(name, option.code) for name in (option.label, *option.aliases, *option.names())]
            found += [(term, option.code) for term in TERMS.get(self.field, {}).get(option.code, ())]
            if self.field == "primary_condition":
                found += [
                    (phrase, option.code)
                    for condition in CONDITIONS
                    if category_of(condition.code) == option.code and condition.concept is None
                    for phrase in condition.phrases
                ]
        if self.field == "primary_condition":
            found += [(p, f"concept:{c.concept}") for c in CONDITIONS if c.concept for p in c.phrases]
        for name, terms in CONCEPT_TERMS.get(self.field, {}).items():
            found += [(term, f"concept:{name}") for term in terms]
        return tuple(found)

    def concept(self, name: str) -> Concept:
        for c in self.concepts:
            if c.name == name:
                return c
        raise KeyError(name)

    # Derived from the frozen options once, on first use (an evaluation reads them for every answer).
    @cached_property
    def codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)

    @cached_property
    def code_set(self) -> frozenset[str]:
        """The option codes, for membership tests."""
        return frozenset(self.codes)

    @cached_property
    def position(self) -> dict[str, int]:
        """Each option code's place in the catalogue's order (0 first), to sort codes by."""
        return {code: n for n, code in enumerate(self.codes)}

    def option(self, code: str) -> Option:
        for o in self.options:
            if o.code == code:
                return o
        raise KeyError(code)

    @cached_property
    def exclusive_code(self) -> str | None:
        """The option that excludes the others in a many-choice question (`none`), if it has one."""
        return NONE_CODE if self.kind == "many" and NONE_CODE in self.codes else None

    def allowed(self) -> str:
        """What this question accepts, in words, for error messages."""
        if self.kind == "number":
            return f"a whole number from {self.minimum} to {self.maximum}"
        codes = ", ".join(self.codes)
        if self.kind == "one":
            return f"one of {codes}"
        tail = f" ({NONE_CODE} alone)" if self.exclusive_code else ""
        return f"a list of one or more of {codes}{tail}"

    def is_asked(self, answers: Mapping[str, object]) -> bool:
        return self.asked_when is None or self.asked_when.holds(answers)
