"""`itb-screen evaluate`: answers in, recommendation out, as the spec's contract says.

Loads the criteria and nothing of storage, the dialogue or python-telegram-bot: it must start fast
(benchmarks/dialogue.py measures it against `python -c pass`).
"""

from __future__ import annotations

import json
import sys

import click

from ..criteria import AnswerError, Result, result_text, validate_answers
from ..criteria import evaluate as evaluate_answers
from ._errors import InputError
from ._printable import echo
from ._quoting import answer_message, quoted

#: The keys of a case object shaped like the vignette files: {"id": ..., "answers": {...}}.
_CASE_OBJECT_KEYS = ("id", "answers", "description", "expected")


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
    unknown = [k for k in case if k not in _CASE_OBJECT_KEYS]
    case_id = case.get("id")
    if unknown:
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


def _parse_cases(text: str, jsonl: bool) -> tuple[list, bool]:
    """The cases in the input, and whether the input was a list (several results)."""
    if jsonl:
        return [_json_line(line, n) for n, line in enumerate(text.splitlines(), 1) if line.strip()], True
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except ValueError as error:
        raise InputError(f"not a case: {_too_long(error)}") from None
    except RecursionError:
        raise InputError("not a case: JSON nested too deeply") from None
    if isinstance(data, list):
        return data, True
    return [data], False


def _evaluated(cases: list, several: bool) -> list[tuple[object, Result]]:
    """(id or None, result) of every case, in order; the first bad case stops everything (exit 2)."""
    out = []
    for index, case in enumerate(cases, 1):
        case_id, raw = _unwrap(case, index)
        where = f"{_where(case_id, index)}: " if several or case_id is not None else ""
        try:
            answers = validate_answers(raw)
        except AnswerError as error:
            raise InputError(f"{where}{answer_message(error)}") from None
        except RecursionError:  # AnswerError's message quotes the value with json.dumps, which recurses
            raise InputError(f"{where}a value is nested too deeply") from None
        out.append((case_id, evaluate_answers(answers)))
    return out


def _as_text(results: list[tuple[object, Result]], several: bool) -> str:
    blocks = []
    for index, (case_id, result) in enumerate(results, 1):
        of = f"{index} of {len(results)}"
        if case_id is not None:
            head = f"Case {case_id} ({of})\n" if several else f"Case {case_id}\n"
        else:
            head = f"Case {of}\n" if several else ""
        blocks.append(head + result_text(result))
    return "\n\n".join(blocks)


def _as_json(results: list[tuple[object, Result]], several: bool, jsonl: bool) -> str:
    # The id, when the input gave one, comes first so a reader matches results to cases.
    dicts = [
        ({"id": case_id} if case_id is not None else {}) | result.to_dict() for case_id, result in results
    ]
    if jsonl:
        return "\n".join(json.dumps(data) for data in dicts)
    return json.dumps(dicts if several else dicts[0], indent=2)


@click.command()
@click.argument("source", metavar="FILE|-")
@click.option("--jsonl", is_flag=True, help="The input is JSON Lines: one case per line.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "text"]),
    default="json",
    show_default=True,
    help="json: the evaluate contract of the spec; text: as a clinician reads it.",
)
def evaluate(source: str, jsonl: bool, output_format: str) -> None:
    """Evaluate the answers in FILE (or standard input, -) and print the recommendation.

    FILE holds one JSON object of answers keyed by field code, a JSON list of them, or JSON Lines
    with --jsonl. An absent key or "unknown" leaves a question unanswered. A case may also be an object
    {"id": ..., "answers": {...}} (the shape of the vignette files): its result then starts with its id.

    Example:

    \b
        echo '{"interference": ["none"]}' | itb-screen evaluate -
    """
    cases, several = _parse_cases(_read_source(source), jsonl)
    results = _evaluated(cases, several)
    if output_format == "text":
        echo(_as_text(results, several))  # a case's id is the user's text
    elif results or not jsonl:
        click.echo(_as_json(results, several, jsonl))
