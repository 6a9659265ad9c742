"""The one reader of typed answers: a line is read once, per question, into a `Reading`.

Built on the clinical NLP field's tools: spaCy's tokenizer and `PhraseMatcher` (a blank English pipeline,
no model download) find the catalogue's phrases; NegEx (negspacy) marks each negated or in the past; the
ConText cue lists mark doubt; RapidFuzz offers spelling slips back (never a word of pyspellchecker's
English word list). Nothing of it is imported until the
first line is read (`warm` builds it ahead, for a channel that starts).
"""

from __future__ import annotations

from ...criteria import Question
from ._reading import AskBack, Doubtful, NearMiss, Reading, Refusal

__all__ = ["AskBack", "Doubtful", "NearMiss", "Reading", "Refusal", "read", "warm", "warm_pipeline"]


def read(question: Question, text: str) -> Reading:
    """`text` typed at `question`, read once: an answer, or why nothing is stored (asked back, doubt,
    a near miss offered back, refused)."""
    if question.kind == "number":
        from ._age import read_age

        try:
            return read_age(question, text)
        except NearMiss as miss:
            return Reading("near", miss.value, message=miss.words)
        except Doubtful as doubt:
            return Reading("doubt", message=str(doubt))
        except Refusal as refusal:
            return Reading("refused", message=str(refusal))
    from ._choice import read_choice

    return read_choice(question, text)


def warm_pipeline() -> None:
    """Build the shared pipeline now (spaCy and NegEx, about a second); each question's matcher is built
    when a line is first read at it (a tenth of a second, half a second for the TBI question's times)."""
    from ._pipeline import doubt_in

    doubt_in("warm")


def warm() -> None:
    """Build the pipeline and every question's matchers now, so the first answer does not wait."""
    from ._near import warm as dictionary
    from ._pipeline import warm as build

    build()
    dictionary()
