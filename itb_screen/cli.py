"""The `itb-screen` command line.

Heavy modules (storage, dialogue, python-telegram-bot) are imported inside the commands that need them,
so `itb-screen evaluate` starts fast.
"""

from __future__ import annotations

import json
import sys

import click

from . import __version__


class InputError(click.ClickException):
    """Bad input from the user: one line on standard error, exit status 2, no traceback."""

    exit_code = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="itb-screen")
def cli() -> None:
    """ITB Screen: pre-screening for an intrathecal baclofen (ITB) screening test.

    Decision support only: it does not replace the ITB screening test or clinical judgement.
    """


def _read_source(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        with open(source, encoding="utf-8") as handle:
            return handle.read()
    except OSError as error:
        raise InputError(f"cannot read {source}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"cannot read {source}: not UTF-8 text") from None


def _parse_cases(text: str, jsonl: bool) -> tuple[list, bool]:
    """The cases in the input, and whether the input was a list (several results)."""
    if jsonl:
        cases = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    cases.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise InputError(f"line {number}: not JSON: {error.msg} at column {error.colno}")
        return cases, True
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    if isinstance(data, list):
        return data, True
    return [data], False


@cli.command()
@click.argument("source", metavar="FILE|-")
@click.option("--jsonl", is_flag=True, help="The input is JSON Lines: one case per line.")
@click.option(
    "--format", "output_format", type=click.Choice(["json", "text"]), default="json", show_default=True,
    help="json: the evaluate contract of the spec; text: as a clinician reads it.",
)
def evaluate(source: str, jsonl: bool, output_format: str) -> None:
    """Evaluate the answers in FILE (or standard input, -) and print the recommendation.

    FILE holds one JSON object of answers keyed by field code, a JSON list of them, or JSON Lines
    with --jsonl. An absent key or "unknown" leaves a question unanswered.

    Example: echo '{"interference": ["none"]}' | itb-screen evaluate -
    """
    from .criteria import AnswerError, evaluate as evaluate_answers, validate_answers

    cases, several = _parse_cases(_read_source(source), jsonl)
    results = []
    for index, case in enumerate(cases, 1):
        try:
            answers = validate_answers(case)
        except AnswerError as error:
            where = f"case {index}: " if several else ""
            raise InputError(f"{where}{error}") from None
        results.append(evaluate_answers(answers))

    if output_format == "text":
        from .criteria import result_text

        blocks = []
        for index, result in enumerate(results, 1):
            head = f"Case {index} of {len(results)}\n" if several else ""
            blocks.append(head + result_text(result))
        click.echo("\n\n".join(blocks))
    elif jsonl:
        for result in results:
            click.echo(json.dumps(result.to_dict()))
    else:
        dicts = [r.to_dict() for r in results]
        click.echo(json.dumps(dicts if several else dicts[0], indent=2))


def main() -> None:
    """Entry point of the `itb-screen` console script."""
    cli(prog_name="itb-screen")


if __name__ == "__main__":  # pragma: no cover
    main()
