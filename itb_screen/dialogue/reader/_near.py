"""Spelling slips: a word that is in no English dictionary (pyspellchecker's word list) put right when
exactly one word of the question's vocabulary is close (RapidFuzz's Damerau-Levenshtein distance), so
`mobilty` reads as `mobility` and is offered back, while `main`, `cure` and `progress`, real words, are
never turned into `pain`, `care` or `progressed`."""

from __future__ import annotations

import re
from functools import cache

from ...criteria import Question
from ...storage.identifiers import english_words

_WORD = re.compile(r"[A-Za-z]+")
#: A line cut into words and what is between them; a contraction (`doesn't`) is one word, never put right
#: (its `doesn` is no slip of `does`).
_WORDS_AND_GAPS = re.compile(r"([A-Za-z]+(?:['\u2019][A-Za-z]+)*)")

#: Never a correction's target: short answer words a slip must not become ("done" is not "none").
_NO_NEAR = frozenset({"none", "nope", "nil", "yes", "nah", "nothing", "yeah"})


@cache
def _words(question: Question) -> frozenset[str]:
    """Every word of the question's phrases."""
    return frozenset(w.casefold() for phrase, _label in question.phrases() for w in _WORD.findall(phrase))


@cache
def _vocabulary(question: Question) -> tuple[str, ...]:
    """The words a slip may be put right to."""
    return tuple(sorted(w for w in _words(question) if len(w) >= 4 and w not in _NO_NEAR))


@cache
def _known(question: Question) -> frozenset[str]:
    """Words never corrected: every word of the question's phrases, and spaCy's English stop words
    ("with" is not a slip of "wish")."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return _words(question) | _NO_NEAR | STOP_WORDS


def warm() -> None:
    """Load the word list now (about 0.3 s), not at the first slip."""
    english_words()


def _bound(word: str) -> int:
    """How many slips a word may have: none under 4 letters, one up to 7, two beyond."""
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


def _fix(word: str, vocabulary: tuple[str, ...]) -> str | None:
    from rapidfuzz.distance import DamerauLevenshtein
    from rapidfuzz.process import extract

    limit = _bound(word)
    if not limit:
        return None
    close = extract(word, vocabulary, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=3)
    if not close:
        return None
    best = min(score for _w, score, _i in close)
    targets = [w for w, score, _i in close if score == best]
    return targets[0] if len(targets) == 1 else None


def corrected(question: Question, line: str) -> str | None:
    """`line` with each unknown word of 4+ letters that is one slip from one known word put right; None
    when no word was."""
    vocabulary = _vocabulary(question)
    known = _known(question)
    changed = False
    out = []
    for token in _WORDS_AND_GAPS.split(line):
        word = token.casefold()
        if not _WORD.fullmatch(token) or word in known or len(word) < 4 or word in english_words():
            out.append(token)
            continue
        fix = _fix(word, vocabulary)
        out.append(token if fix is None else fix)
        changed = changed or fix is not None
    return "".join(out) if changed else None
