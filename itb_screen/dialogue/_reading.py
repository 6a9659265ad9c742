"""What every reader of typed answers shares: the refusal types, the reading, the dialogue's words,
and how words are compared (stems, spelling distance)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..criteria import Value, match_key

#: Typed words that ask what a question means (the dialogue shows `explain(question)`).
HELP_WORDS = frozenset({"?", "help", "why"})


#: Typed words that move on and keep any answer already given.
KEEP_WORDS = frozenset({"skip", "next", "pass"})


#: Typed words that say the answer is not known: the question is left (or made) unanswered. Hedges
#: such as `unsure` or `not sure` are not here: they are refused, so a half-meant answer is never
#: silently recorded as unknown either (the refusal says to type `unknown`).
UNKNOWN_WORDS = frozenset(
    {
        "unknown",
        "not known",
        "don't know",
        "dont know",
        "don\u2019t know",
        "do not know",
        "unk",
        "nk",
        "n/k",
    }
)


#: Every word that leaves a question without a new answer (old callers: `is_skip`).
SKIP_WORDS = KEEP_WORDS | UNKNOWN_WORDS


#: How much of the user's text a message may repeat.
_SHOWN = 40


#: Words and phrases that say the clinician is not sure: refused, never stored.
_HEDGES = frozenset(
    {
        "maybe",
        "possibly",
        "probably",
        "perhaps",
        "unsure",
        "uncertain",
        "unclear",
        "likely",
        "unlikely",
        "query",
        "suspected",
        "suspect",
        "might",
        "borderline",
        "questionable",
        "possible",
        "probable",
        "presumed",
        "sometimes",
        "occasionally",
        "dunno",
    }
)


_HEDGE_PHRASES = ("not sure", "could be", "dont think", "not certain", "i think", "not clear")


_COUNT = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


# re.ASCII: only 0-9 are digits ("²" and "٣" are not answers).
_A = re.IGNORECASE | re.ASCII


_DECIMAL = re.compile(r"\d\.\d", _A)


_RANGE = re.compile(r"\d\s*(?:-|\u2013|to)\s*\d", _A)


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


def _is_hedge(text: str, words: list[str]) -> bool:
    joined = " ".join(words)
    return (
        "?" in text
        or any(w in _HEDGES for w in words)
        or any(re.search(rf"\b{p}\b", joined) for p in _HEDGE_PHRASES)
    )
