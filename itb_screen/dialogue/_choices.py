"""Reading a choice question: exact names, distinctive words, lists, near misses; never a guess."""

from __future__ import annotations

import re

from ..criteria import NONE_CODE, Question, match_key, value_label
from ._names import (
    _ALL_KEYS,
    _AND,
    _HARD_SEPARATORS,
    _Item,
    _resolve,
)
from ._reading import (
    _COUNT,
    _DECIMAL,
    _RANGE,
    NearMiss,
    Reading,
    Refusal,
    _shown,
)


# Messages -------------------------------------------------------------------------------------------
def _numbered(question: Question, codes: tuple[str, ...]) -> str:
    return ", ".join(f"{question.codes.index(c) + 1}. {question.option(c).label}" for c in codes)


def _how(question: Question) -> str:
    count = len(question.options)
    numbers = "1 or 2" if count == 2 else f"a number from 1 to {count}"
    if question.kind == "many":
        return f"type one or more numbers from 1 to {count} or names, e.g. 1, 3"
    return f"type {numbers} or a name"


def _refusal(question: Question, item: _Item) -> Refusal:
    shown = _shown(item.text)
    plural = "s" if question.kind == "many" else ""
    if item.kind == "range":
        return Refusal(f"{shown} is not an option: {_how(question)} ('?' lists them).")
    if item.kind == "hedge":
        return Refusal(f"'{shown}' sounds unsure: type the answer if you know it, or 'unknown'.")
    if item.kind == "negated":
        rest = " or 'none' if none apply" if question.exclusive_code else ""
        return Refusal(f"'{shown}' says what is not there: type what applies{rest} ('?' lists the options).")
    if item.kind == "ambiguous" and 2 <= len(item.codes) <= 4:
        count = _COUNT[len(item.codes)]
        return Refusal(
            f"'{shown}' fits {count} options: {_numbered(question, item.codes)}; type the number{plural}."
        )
    if item.kind == "ambiguous":
        return Refusal(f"'{shown}' does not say which option: {_how(question)} ('?' lists them).")
    if item.kind == "partial" and item.codes:
        return Refusal(
            f"'{shown}' is not an option as typed; closest: {_numbered(question, item.codes)}. "
            f"Type the number{plural} to choose."
        )
    if question.kind == "one":  # what fits nothing is not repeated: it may be a name typed by mistake
        return Refusal(f"Not one of the options: {_how(question)}; '?' lists them with short forms.")
    return Refusal(f"'{shown}' matches no option: {_how(question)}; '?' lists them with short forms.")


# Choice questions -----------------------------------------------------------------------------------
def _check_text(question: Question, text: str) -> None:
    """Refusals that depend on the raw text: ranges and decimals are not option lists."""
    if _RANGE.search(text):
        raise Refusal(f"'{_shown(text)}': list each option instead of a range, e.g. 1, 2, 3.")
    if _DECIMAL.search(text):
        raise Refusal(f"'{_shown(text)}' is not an option: {_how(question)}.")


def _read_one(question: Question, text: str) -> Reading:
    _check_text(question, text)
    item = _resolve(question, text)
    if item.kind == "found":
        return Reading(item.codes[0])
    if item.kind == "near":
        raise NearMiss(item.codes[0], value_label(question.field, item.codes[0]))
    if item.kind == "hedge":
        raise _refusal(question, item)
    parts = [p for p in re.split(r"[,;&+/\n]|\b(?:and|or|plus)\b", text, flags=re.IGNORECASE) if p.strip()]
    if len(parts) == 1:
        parts = text.split()
    if len(parts) > 1:
        codes = []
        for part in parts:
            found = _resolve(question, part, near=False)
            if found.kind != "found":
                break
            codes.append(found.codes[0])
        else:
            chosen = tuple(c for c in question.codes if c in codes)
            if len(chosen) == 1:  # "1, 1": a list where one answer is asked for
                raise Refusal(f"'{_shown(text)}' is a list: type one option, e.g. {len(question.options)}.")
            raise Refusal(
                f"'{_shown(text)}' gives {_COUNT.get(len(chosen), len(chosen))} options: "
                f"{_numbered(question, chosen)}; choose one."
            )
    raise _refusal(question, item)


def _read_piece(question: Question, piece: str) -> list[_Item]:
    """One element of a list, or several when it is a run of names or numbers ("1 4", "comfort mobility").

    Returns the items read, or a single item that says why the piece was not read.
    """
    item = _resolve(question, piece)
    if item.kind in ("found", "near", "hedge", "negated", "range"):
        return [item]
    words = piece.split()
    if "or" in (w.casefold() for w in words):
        return [_Item("or", text=piece.strip())]
    if len(words) > 1:
        items = [_resolve(question, word) for word in words]
        if all(i.kind in ("found", "near") for i in items):
            return items
    return [item]


def _list_items(question: Question, text: str) -> list[_Item]:
    """The items of a list answer: the whole text if it names an option, else each piece between
    separators (a piece that names an option whole is not split on `and`)."""
    whole = _resolve(question, text, near=False)
    if whole.kind == "found":
        return [whole]
    if whole.kind in ("hedge", "negated") and not _HARD_SEPARATORS.search(text) and not _AND.search(text):
        raise _refusal(question, whole)
    items: list[_Item] = []
    for chunk in (c for c in _HARD_SEPARATORS.split(text) if c.strip()):
        item = _resolve(question, chunk, near=False)
        if item.kind == "found":
            items.append(item)
            continue
        for piece in (p for p in _AND.split(chunk) if p.strip()):
            items += _read_piece(question, piece)
    return items


def _read_many(question: Question, text: str) -> Reading:
    _check_text(question, text)
    if match_key(text) in _ALL_KEYS:
        if question.exclusive_code is None:
            raise Refusal("'all' is open-ended here: type the numbers that apply, e.g. 1, 3.")
        return Reading(tuple(c for c in question.codes if c != question.exclusive_code))
    items = _list_items(question, text)
    read = [item for item in items if item.kind in ("found", "near")]
    failed = [item for item in items if item.kind not in ("found", "near")]
    if failed:
        first = failed[0]
        if first.kind == "or":
            raise Refusal(
                f"'{_shown(first.text)}': 'or' leaves the choice open; list the options that apply, "
                "e.g. 1, 4."
            )
        if first.kind == "unknown" and not read:  # nothing understood: say so of the whole message
            raise _refusal(question, _Item("unknown", text=text))
        raise _refusal(question, first)
    if not read:
        raise Refusal(f"Choose at least one option: {_how(question)}, or 'unknown'.")
    codes = list(dict.fromkeys(code for item in read for code in item.codes))
    value = normalise_many(question, codes)
    if any(item.kind == "near" for item in read):
        raise NearMiss(value, value_label(question.field, value))
    return Reading(value)


def normalise_many(question: Question, codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Check `none` stands alone and put the codes in the catalogue's order."""
    exclusive = question.exclusive_code
    if exclusive and exclusive in codes and len(codes) > 1:
        label = question.option(NONE_CODE).label
        raise Refusal(f"'{label}' cannot be combined with other options: choose it alone, or the others.")
    chosen = set(codes)
    return tuple(c for c in question.codes if c in chosen)
