"""English words as pyspellchecker's word list counts them, shared by the identifier guard (a word of
English before a surname is no given name: `Spinal Cord`) and the reader (a word of English is never a
spelling slip: `main` is not `pain`)."""

from __future__ import annotations

from functools import cache

#: How often pyspellchecker's corpus must have seen a word for it to count: `stoke` (828), `physio` (206)
#: and `main` are English; `spams` (50) may be a slip of `spasms`, `Kwame` (unseen) a name.
COMMON = 100


#: A word seen this often is an everyday word first (`said`, `review`, `brown`), a surname (`smith`,
#: 1,006) only after: `Dr said fine` names nobody, `mr smith` does.
EVERYDAY = 10_000


@cache
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    from spellchecker import SpellChecker

    counts = SpellChecker(language="en").word_frequency.dictionary
    common = frozenset(w for w, n in counts.items() if n >= COMMON and len(w) >= 3)
    return common, frozenset(w for w in common if counts[w] >= EVERYDAY)


def english_words() -> frozenset[str]:
    """The words of 3+ letters seen at least `COMMON` times, lower case (about 46,000; loading takes
    about 0.3 s; the whole list of 160,000, with rare slips among them, would hold 37 MiB)."""
    return _lists()[0]


def everyday_words() -> frozenset[str]:
    """The English words seen at least `EVERYDAY` times."""
    return _lists()[1]
