"""The clinical NLP pipeline: spaCy's tokenizer and phrase matchers with NegEx (negspacy) for context.

A blank English pipeline (no model download): the sentencizer, then per question a `PhraseMatcher` over
the catalogue's phrases (option names, vocabulary, concepts) sets the entities, and NegEx components mark
each entity negated or historical. Doubt is any ConText uncertainty or hypothetical cue in the line.
Everything is built on first use and cached, so nothing of spaCy is imported until a line is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ...criteria import Question
from . import _cues

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc


@dataclass(frozen=True)
class Mention:
    """One phrase of the catalogue found in a line, with its context."""

    label: str  # an option code, or "concept:NAME"
    text: str
    start: int  # token offsets
    end: int
    negated: bool
    past: bool

    @property
    def concept(self) -> str | None:
        return self.label.removeprefix("concept:") if self.label.startswith("concept:") else None


@dataclass(frozen=True)
class Parsed:
    """A line as the pipeline read it: its tokens, the mentions, and any doubt cue."""

    text: str
    tokens: tuple[str, ...]
    offsets: tuple[int, ...]  # where each token starts in `text`
    separators: tuple[bool, ...]  # token i is punctuation that separates clauses
    mentions: tuple[Mention, ...]
    doubt: tuple[str, ...]
    #: Bound cues beside a value (`over` in `over 6 months`): which side of the answer is not said.
    bound: tuple[str, ...] = ()


_SEPARATORS = frozenset({",", ";", ":", "-", "(", ")", "\u2013", "\u2014", "/", ".", "[", "]"})
#: What joins the two ends of a range or an alternative (`T5-7`, `6 to 18 months`, `T4 or 8`).
_JOINERS = frozenset({"-", "\u2013", "to", "or", "and", "/"})
#: An end no phrase holds: a bare number or a level (`7` in `T5-7`, `6` in `6-18 months`).
_END = re.compile(r"^(?:[ctls]\d{1,2}|\d+(?:[./]\d+)?)$", re.IGNORECASE)


@cache
def nlp() -> Language:
    """The shared pipeline: tokenizer, sentencizer, NegEx for negation and for the past."""
    import spacy
    from negspacy.negation import Negex  # noqa: F401  (registers the "negex" factory)
    from negspacy.termsets import termset

    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    negation = termset("en_clinical")
    negation.remove_patterns({"preceding_negations": list(_cues.NOT_NEGATION), "termination": ["yet"]})
    negation.add_patterns(
        {
            "preceding_negations": list(_cues.WARD_PRECEDING_NEGATIONS),
            "following_negations": list(_cues.WARD_FOLLOWING_NEGATIONS),
            "pseudo_negations": list(_cues.WARD_PSEUDO_NEGATIONS),
            "termination": list(_cues.WARD_TERMINATION),
        }
    )
    pipeline.add_pipe("negex", name="negation", config={"neg_termset": negation.get_patterns()})
    past = {
        "pseudo_negations": [],
        "preceding_negations": list(_cues.HISTORICAL_PRECEDING),
        "following_negations": list(_cues.HISTORICAL_FOLLOWING),
        "termination": negation.get_patterns()["termination"] + list(_cues.PAST_TERMINATION),
    }
    pipeline.add_pipe("negex", name="past", config={"neg_termset": past, "extension_name": "past"})
    return pipeline


def _tokenize(pipeline: Language, phrases: Iterable[str]) -> list[Doc]:
    """Phrases as the tokenizer splits them (the patterns of a PhraseMatcher)."""
    return [pipeline.make_doc(phrase) for phrase in phrases]


@cache
def _doubt_matcher() -> Any:
    from spacy.matcher import PhraseMatcher

    pipeline = nlp()
    matcher = PhraseMatcher(pipeline.vocab, attr="LOWER")
    cues = _cues.UNCERTAINTY + _cues.HYPOTHETICAL
    matcher.add("doubt", list(_tokenize(pipeline, cues)))
    return matcher


@dataclass(frozen=True)
class _QuestionMatchers:
    phrases: Any  # PhraseMatcher over the question's phrases
    resolved: Any  # a NegEx component for the question's own resolved cues, or None
    doubt: Any  # a PhraseMatcher of the question's own doubt cues, or None
    bound: Any  # a PhraseMatcher of the question's bound cues, or None
    labels: dict[int, str]


@cache
def _matchers(question: Question) -> _QuestionMatchers:
    from negspacy.negation import Negex
    from spacy.matcher import PhraseMatcher

    pipeline = nlp()
    matcher = PhraseMatcher(pipeline.vocab, attr="LOWER")
    by_label: dict[str, list[Doc]] = {}
    owner: dict[str, str] = {}
    for phrase, label in question.phrases():
        doc = pipeline.make_doc(phrase)
        key = " ".join(t.lower_ for t in doc)
        if owner.setdefault(key, label) != label:
            raise ValueError(f"{question.field}: {phrase!r} names both {owner[key]!r} and {label!r}")
        by_label.setdefault(label, []).append(doc)
    labels: dict[int, str] = {}
    for label, docs in by_label.items():
        matcher.add(label, docs)
        labels[pipeline.vocab.strings[label]] = label
    resolved = None
    if question.resolved_cues:
        termset = {
            "pseudo_negations": list(_cues.WARD_PSEUDO_NEGATIONS),
            "preceding_negations": list(question.resolved_cues),
            "following_negations": list(question.resolved_cues),
            "termination": list(_cues.WARD_TERMINATION),
        }
        resolved = Negex(pipeline, f"resolved_{question.field}", termset, extension_name="negex")
    doubt = None
    if question.doubt_cues:
        doubt = PhraseMatcher(pipeline.vocab, attr="LOWER")
        doubt.add("doubt", list(_tokenize(pipeline, question.doubt_cues)))
    bound = None
    if question.bound_cues:
        bound = PhraseMatcher(pipeline.vocab, attr="LOWER")
        bound.add("bound", list(_tokenize(pipeline, question.bound_cues)))
    return _QuestionMatchers(matcher, resolved, doubt, bound, labels)


def parse(question: Question, text: str) -> Parsed:
    """Read `text` once for `question`: the catalogue's phrases found in it, each in its context."""
    from spacy.tokens import Span
    from spacy.util import filter_spans

    pipeline = nlp()
    matchers = _matchers(question)
    doc: Doc = pipeline.make_doc(text)
    found = [Span(doc, start, end, label=matchers.labels[key]) for key, start, end in matchers.phrases(doc)]
    doc.ents = filter_spans(found)  # the longest phrase wins: "poorly managed" over "managed"
    for _name, component in pipeline.pipeline:
        doc = component(doc)
    if matchers.resolved is not None:
        doc = matchers.resolved(doc)
    mentions = tuple(
        Mention(ent.label_, ent.text, ent.start, ent.end, bool(ent._.negex), bool(ent._.past))
        for ent in doc.ents
    )
    # A cue inside a phrase of the question is that phrase's word ("Spinal fusion likely", "at risk of
    # respiratory failure" name an option), not doubt about it.
    inside = {i for ent in doc.ents for i in range(ent.start, ent.end)}
    cues = [*_doubt_matcher()(doc), *(matchers.doubt(doc) if matchers.doubt is not None else ())]
    doubt = tuple(doc[a:b].text for _id, a, b in cues if not inside.issuperset(range(a, b)))
    bound = () if matchers.bound is None else _bounds(doc, matchers.bound(doc)) + _ranges(doc)
    return Parsed(
        text,
        tuple(t.text for t in doc),
        tuple(t.idx for t in doc),
        tuple(t.text in _SEPARATORS for t in doc),
        mentions,
        doubt,
        bound,
    )


def _bounds(doc: Doc, cues: Iterable[tuple[int, int, int]]) -> tuple[str, ...]:
    """The bound cues that touch a value: right before a phrase (`over 6 months`, `infra-T4`: a hyphen
    between) or right after one (`T7 and above`). A cue that is a phrase's own word (`over a year`) touches
    none: the phrase holds it."""
    starts = {ent.start for ent in doc.ents}
    ends = {ent.end for ent in doc.ents}
    found = []
    for _id, a, b in cues:
        before = b in starts or (b < len(doc) and doc[b].text == "-" and b + 1 in starts)
        if before or a in ends:
            found.append(doc[a:b].text)
    return tuple(found)


def _ranges(doc: Doc) -> tuple[str, ...]:
    """A value joined to an end no phrase holds (`T5-7`, `6-18 months`, `T4 or 8`): a range or an
    alternative whose other end was not read, so which side it lies is not known. The ranges that lie on
    one side are the vocabulary's phrases (`C4-5`, `2-3 months`)."""
    covered = {i for ent in doc.ents for i in range(ent.start, ent.end)}

    def end(i: int) -> bool:
        return 0 <= i < len(doc) and i not in covered and _END.match(doc[i].text) is not None

    found = []
    for ent in doc.ents:
        a, b = ent.start, ent.end
        if b + 1 < len(doc) and doc[b].lower_ in _JOINERS and end(b + 1):
            found.append(doc[a : b + 2].text)
        elif a >= 2 and doc[a - 1].lower_ in _JOINERS and end(a - 2):
            found.append(doc[a - 2 : b].text)
    return tuple(found)


def warm() -> None:
    """Build the pipeline and every question's matcher now (a channel calls it at start, in a thread)."""
    from ...criteria import QUESTIONS

    nlp()
    _doubt_matcher()
    for question in QUESTIONS:
        if question.kind != "number":
            _matchers(question)


def doubt_in(text: str) -> tuple[str, ...]:
    """The ConText uncertainty and hypothetical cues in `text` (`?`, `about`, `possible`, `if`)."""
    doc = nlp().make_doc(text)
    return tuple(doc[a:b].text for _id, a, b in _doubt_matcher()(doc))
