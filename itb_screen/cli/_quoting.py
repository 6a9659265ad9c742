"""Quoting a user's values in one-line errors: at most 80 characters of any value, whatever its size.

An error that repeats a 5 MB value is 5 MB on standard error; one that repeats a value nested 1,000 deep
fails itself (json.dumps recurses). Loads nothing but json: `evaluate` uses it and must start fast.
"""

from __future__ import annotations

import json

from ..criteria import AnswerError

#: The most of an offending value that an error message repeats.
MAX_QUOTED = 80

#: In place of a value that cannot be shown: json.dumps and repr recurse, and would fail.
TOO_DEEP = "(a value nested too deeply to show)"


def clip(text: str, limit: int = MAX_QUOTED) -> str:
    """`text`, or its first `limit` characters ending in "..." when it is longer."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def quoted(value: object) -> str:
    """A value as an error names it: its JSON (its repr when it has none), at most MAX_QUOTED characters."""
    try:
        return clip(_shown(value))
    except (RecursionError, ValueError):  # nested too deeply; an int too long for str()
        return TOO_DEEP


def _shown(value: object) -> str:
    """The value as AnswerError writes it in full (criteria/_answers.py), so it can be found there."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def answer_message(error: AnswerError) -> str:
    """AnswerError's message with the field, the value and any code in the reason clipped.

    AnswerError writes "{field}: {value} is not allowed[ ({reason})]; allowed: {allowed}" with the whole
    value; "allowed" comes from the catalogue and is kept. A message of another shape is clipped whole.
    """
    text = str(error)
    try:
        head = f"{error.field}: {_shown(error.value)} is not allowed"
    except (RecursionError, ValueError):
        return clip(text, 4 * MAX_QUOTED)
    tail = f"; allowed: {error.allowed}"
    if not (text.startswith(head) and text.endswith(tail)):
        return clip(text, 4 * MAX_QUOTED)
    why = text[len(head) : len(text) - len(tail)]
    if why.startswith(" (") and why.endswith(")"):
        # A reason may quote the code at fault ('unknown code "..."'): that JSON is clipped like a value.
        words, quote, code = why[2:-1].partition('"')
        why = f" ({clip(words)}{clip(quote + code)})"
    return f"{clip(error.field)}: {quoted(error.value)} is not allowed{why}{tail}"
