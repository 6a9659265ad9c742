"""`itb-screen evaluate`: answers in, recommendation out, as the spec's contract says.

Loads the criteria and nothing of storage, the dialogue or python-telegram-bot: it must start fast
(benchmarks/dialogue.py measures it against `python -c pass`).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable

import click

from ..criteria import AnswerError, Result, result_text, validate_answers
from ..criteria import evaluate as evaluate_answers
from ._errors import InputError
from ._printable import echo
from ._quoting import answer_message, quoted

#: The keys of a case object shaped like the vignette files: {"id": ..., "answers": {...}}.
_CASE_OBJECT_KEYS = ("id", "answers", "description", "expected")
_CASE_OBJECT_KEY_SET = frozenset(_CASE_OBJECT_KEYS)


def _read_source(source: str) -> str:
    # Bytes, decoded here: standard input's own decoding would raise on a bad byte, or pass it on.
    try:
        if source == "-":
            stdin = getattr(sys.stdin, "buffer", None)
            return stdin.read().decode("utf-8") if stdin is not None else sys.stdin.read()
        with open(source, "rb") as handle:
            return handle.read().decode("utf-8")
    except OSError as error:
        raise InputError(f"cannot read {source}: {error.strerror}") from None
    except UnicodeDecodeError:
        where = "standard input" if source == "-" else source
        raise InputError(f"cannot read {where}: not UTF-8 text") from None


def _too_long(error: ValueError) -> str:
    """What json.loads's ValueError that is no JSONDecodeError says: an integer too long to read."""
    return (
        f"a number longer than {sys.get_int_max_str_digits()} digits"
        if "digits" in str(error)
        else "a bad value"
    )


def _where(case_id: object, index: int) -> str:
    """How an error names a case: by its id when it has one, else by its place in the input."""
    return f"case {quoted(case_id) if case_id is not None else index}"


def _unwrap(case: object, index: int) -> tuple[object, object]:
    """(id or None, answers) of one input case: a bare object of answers, or {"id": ..., "answers": {...}}.

    "answers" is no field code, so the two shapes cannot be confused.
    """
    if not isinstance(case, dict) or "answers" not in case:
        return None, case
    case_id = case.get("id")
    if not case.keys() <= _CASE_OBJECT_KEY_SET:
        unknown = [k for k in case if k not in _CASE_OBJECT_KEYS]
        raise InputError(
            f"{_where(case_id, index)}: unknown key {quoted(unknown[0])} beside "
            f'"answers"; allowed: {", ".join(_CASE_OBJECT_KEYS)}'
        )
    if isinstance(case_id, bool) or not isinstance(case_id, (str, int, type(None))):
        raise InputError(f'case {index}: "id" must be a string or a number, not {quoted(case_id)}')
    return case_id, case["answers"]


def _json_line(line: str, number: int) -> object:
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"line {number}: not JSON: {error.msg} at column {error.colno}") from None
    except ValueError as error:
        raise InputError(f"line {number}: not a case: {_too_long(error)}") from None
    except RecursionError:
        raise InputError(f"line {number}: not a case: JSON nested too deeply") from None


def _parse_cases(text: str, jsonl: bool) -> tuple[Iterable[object], int, bool]:
    """The cases in the input (JSON Lines read one line at a time, as they are evaluated), how many, and
    whether the input was a list (several results)."""
    if jsonl:
        lines = text.splitlines()
        cases = (_json_line(line, n) for n, line in enumerate(lines, 1) if line.strip())
        return cases, sum(1 for line in lines if line.strip()), True
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except ValueError as error:
        raise InputError(f"not a case: {_too_long(error)}") from None
    except RecursionError:
        raise InputError("not a case: JSON nested too deeply") from None
    if isinstance(data, list):
        return data, len(data), True
    return [data], 1, False


def _evaluate_one(case: object, index: int, several: bool) -> tuple[object, Result]:
    """(id or None, result) of one case; a bad case stops everything (exit 2)."""
    case_id, raw = _unwrap(case, index)
    try:
        answers = validate_answers(raw)
    except AnswerError as error:
        raise InputError(f"{_prefix(case_id, index, several)}{answer_message(error)}") from None
    except RecursionError:  # AnswerError's message quotes the value with json.dumps, which recurses
        raise InputError(f"{_prefix(case_id, index, several)}a value is nested too deeply") from None
    return case_id, evaluate_answers(answers)


def _prefix(case_id: object, index: int, several: bool) -> str:
    """How an error about a case begins (made only for an error: it quotes the id)."""
    return f"{_where(case_id, index)}: " if several or case_id is not None else ""


def _evaluated(cases: Iterable[object], several: bool) -> list[tuple[object, Result]]:
    """(id or None, result) of every case, in order; the first bad case stops everything (exit 2)."""
    return [_evaluate_one(case, index, several) for index, case in enumerate(cases, 1)]


def _as_text(case_id: object, result: Result, index: int, count: int, several: bool) -> str:
    of = f"{index} of {count}"
    if case_id is not None:
        head = f"Case {case_id} ({of})\n" if several else f"Case {case_id}\n"
    else:
        head = f"Case {of}\n" if several else ""
    return head + result_text(result)


def _compact_encoder() -> Callable[[object], str]:
    """json.dumps with its defaults (what a JSON Line is written with), its C encoder made once: json.dumps
    makes a new one for every call, a third of the cost of writing a result. json.dumps itself where
    Python has no C encoder. (No check for circular references: a result is a tree of new values.)"""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return json.dumps
    default, ascii_only = json.JSONEncoder().default, json.encoder.encode_basestring_ascii
    encode = make(None, default, ascii_only, None, ": ", ", ", False, False, True)
    return lambda value: "".join(encode(value, 0))


_LINE = _compact_encoder()
_INDENTED = functools.partial(json.dumps, indent=2)


def _as_json(case_id: object, result: Result, dumps: Callable[[object], str]) -> str:
    # The id, when the input gave one, comes first so a reader matches results to cases.
    data = result.to_dict()
    return dumps(data if case_id is None else {"id": case_id, **data})


def _outputs(cases: Iterable[object], count: int, several: bool, text: bool, jsonl: bool) -> list[str]:
    """Each case's result as text or JSON, made as the case is read: only the output is kept (not every
    case and result at once, whose objects Python's collector would go through again and again)."""
    out = []
    for index, case in enumerate(cases, 1):
        case_id, result = _evaluate_one(case, index, several)
        if text:
            out.append(_as_text(case_id, result, index, count, several))
        else:
            out.append(_as_json(case_id, result, _LINE if jsonl else _INDENTED))
    return out


def _joined(outputs: list[str], several: bool, text: bool, jsonl: bool) -> str:
    """The outputs as printed: text blocks apart, JSON Lines, or one JSON value (a list if several)."""
    if text:
        return "\n\n".join(outputs)
    if jsonl or not several:
        return "\n".join(outputs)
    items = ",\n".join("  " + item.replace("\n", "\n  ") for item in outputs)
    return f"[\n{items}\n]" if outputs else "[]"


@click.command()
@click.argument("source", metavar="FILE|-")
@click.option("--jsonl", is_flag=True, help="The input is JSON Lines: one case per line.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "text"]),
    default="json",
    show_default=True,
    help="json: the evaluate contract of the spec, with other_guidance and guidance_version; text: as "
    "a clinician reads it.",
)
def evaluate(source: str, jsonl: bool, output_format: str) -> None:
    """Evaluate the answers in FILE (or standard input, -) and print the recommendation.

    FILE holds one JSON object of answers keyed by field code, a JSON list of them, or JSON Lines
    with --jsonl. An absent key or "unknown" leaves a question unanswered. A case may also be an object
    {"id": ..., "answers": {...}} (the shape of the vignette files): its result then starts with its id.

    The fields are those of `itb-screen dictionary`, the follow-ups of the other guidance included
    (tbi_within_year, sci_level_t6_or_above, relies_on_spasticity, child_surgical_risks,
    seizures_controlled); a follow-up whose condition does not hold is ignored. Each result carries
    other_guidance (every flag raised: code, text, sources, because) and guidance_version beside the
    recommendation, which the flags never change.

    Example:

    \b
        echo '{"interference": ["none"]}' | itb-screen evaluate -
        echo '{"age_years": 3, "seizures": "yes", "seizures_controlled": "no"}' | itb-screen evaluate -
    """
    cases, count, several = _parse_cases(_read_source(source), jsonl)
    text = output_format == "text"
    outputs = _outputs(cases, count, several, text, jsonl)
    if text:
        echo(_joined(outputs, several, text, jsonl))  # a case's id is the user's text
    elif outputs or not jsonl:
        click.echo(_joined(outputs, several, text, jsonl))
