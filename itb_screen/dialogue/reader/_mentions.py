"""What the phrases found in a line say about a question: options affirmed, negated, the concepts named,
the past at a question about now, and the follow-up question a concept asks."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...criteria import FollowUp, Question
from ._pipeline import Mention, Parsed, parse

#: Answer words that are also negation cues: an answer only where they stand alone ("no", "no, ..."),
#: a cue where a finding follows ("no infection").
NEGATING_ANSWERS = frozenset({"no", "n", "nil", "none", "nope", "nah", "nothing", "not"})


@dataclass
class Found:
    """What the mentions of a line say about a question."""

    options: list[str] = field(default_factory=list)
    fallback: list[str] = field(default_factory=list)  # from negated concepts: used when nothing else
    negated: list[str] = field(default_factory=list)
    concepts: set[str] = field(default_factory=set)
    negated_concepts: set[str] = field(default_factory=set)
    past: list[Mention] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    follow_up: FollowUp | None = None
    #: What a negated option means where the question says it means none of them ("no coagulopathy"):
    #: used when nothing else is named.
    nothing_else: list[str] = field(default_factory=list)

    def denial(self) -> tuple[str, ...]:
        """What negated options or concepts mean when nothing is affirmed: none of them where the question
        says so ("no coagulopathy"); what a negated concept means ("doesn't interfere with anything"),
        when nothing narrower was negated ("not interfering with function" says nothing of the rest)."""
        if self.nothing_else:
            return tuple(dict.fromkeys(self.nothing_else))
        return () if self.negated else tuple(dict.fromkeys(self.fallback))


def found_in(question: Question, parsed: Parsed) -> Found:
    """Every mention of `parsed` taken in turn, then the follow-ups they call for."""
    found = Found()
    for mention in parsed.mentions:
        _take(found, question, parsed, mention)
    _follow_ups(found, question)
    return found


def _take(found: Found, question: Question, parsed: Parsed, mention: Mention) -> None:
    if mention.past and question.current_only and not mention.negated:  # "used to be none": not now
        found.past.append(mention)
        return
    if mention.text.casefold() in NEGATING_ANSWERS:
        if _alone(question, parsed, mention):  # else a cue, and NegEx has read it as one
            found.options.append(mention.label)
            found.evidence.append(mention.text)
        return
    name = mention.concept
    if name is not None:
        return _take_concept(found, question, mention, name)
    if not mention.negated:
        found.options.append(mention.label)
        found.evidence.append(mention.text)
        return
    found.negated.append(mention.label)
    meant = dict(question.negated_means).get(mention.label)
    if meant and _negated_in_clause(question, parsed, mention):
        # A many-choice question's "none" stands alone: meant only if no option is named beside it.
        (found.nothing_else if meant == question.exclusive_code else found.options).append(meant)
        found.evidence.append(mention.text)


def _alone(question: Question, parsed: Parsed, mention: Mention) -> bool:
    """An answer word stands alone at the end, or before a separator (a comma lists, in a list answer)."""
    if mention.end == len(parsed.tokens):
        return True
    after = parsed.tokens[mention.end]
    return parsed.separators[mention.end] and not (question.kind == "many" and after == ",")


def _take_concept(found: Found, question: Question, mention: Mention, name: str) -> None:
    concept = question.concept(name)
    if mention.negated:
        found.negated_concepts.add(name)
        if concept.negated:
            found.fallback.append(concept.negated)
            found.evidence.append(mention.text)
        return
    found.concepts.add(name)
    if concept.affirmed:
        found.options.append(concept.affirmed)
        found.evidence.append(mention.text)


def _follow_ups(found: Found, question: Question) -> None:
    for follow_up in question.follow_ups:
        if follow_up.concept not in found.concepts:
            continue
        if follow_up.answer and follow_up.answer in found.concepts:
            found.options.append(follow_up.yes)
        elif follow_up.answer and follow_up.answer in found.negated_concepts and follow_up.no:
            found.options.append(follow_up.no)
        elif not found.options:
            found.follow_up = follow_up


def _negated_in_clause(question: Question, parsed: Parsed, mention: Mention) -> bool:
    """A negation read as the opposite answer ("not infected" -> no) must come from the mention's own
    clause or the one after it ("infection - treated"): in "no crisis admissions, anxiety managed" the
    `no` of the clause before does not reach `managed`."""
    start, end = mention.start, mention.end
    while start > 0 and not parsed.separators[start - 1]:
        start -= 1
    for _clause in range(2):  # this clause, then the next
        while end < len(parsed.tokens) and parsed.separators[end]:
            end += 1
        while end < len(parsed.tokens) and not parsed.separators[end]:
            end += 1
    if start == 0 and end == len(parsed.tokens):
        return True
    clause = parse(
        question, parsed.text[parsed.offsets[start] : parsed.offsets[end - 1] + len(parsed.tokens[end - 1])]
    )
    return any(m.label == mention.label and m.negated for m in clause.mentions)
