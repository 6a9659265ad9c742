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


_DB_OPTION = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=None,
    help="SQLite file (default: $ITB_SCREEN_DB, else ./itb-screen.db).",
)


def _store(db_path: str | None):
    from .storage import open_store

    try:
        return open_store(db_path)
    except Exception as error:  # sqlite3 errors: unreadable file, not a database, locked too long
        raise click.ClickException(f"cannot open the database: {error}") from None


@cli.command()
@_DB_OPTION
@click.option("--user", default=None, help="Your name as the case owner (default: your login name).")
def console(db_path: str | None, user: str | None) -> None:
    """Screen cases in this terminal: the same dialogue as the Telegram bot, no token needed.

    Reads one answer per line, so answers can be piped in; exits 0 at the end of input.

    Example: itb-screen console --user dr-lee
    """
    from .bot.console import default_user, run_console

    with _store(db_path) as store:
        sys.exit(run_console(store, user or default_user()))


@cli.command()
@_DB_OPTION
@click.option("--user", default=None, help="Only this user's cases (console name or Telegram id).")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, one object per case.")
def cases(db_path: str | None, user: str | None, as_json: bool) -> None:
    """List the screened cases: reference, owner, status, progress and recommendation.

    Example: itb-screen cases --json
    """
    from .bot.listing import case_records, cases_table

    with _store(db_path) as store:
        records = case_records(store, user=user)
    if as_json:
        click.echo(json.dumps(records, indent=2))
    else:
        click.echo(cases_table(records))


@cli.command()
def diagram() -> None:
    """Print the dialogue's state machine as a Mermaid diagram (made by transitions).

    Example: itb-screen diagram > dialogue.mmd
    """
    from .dialogue.diagram import mermaid

    click.echo(mermaid())


@cli.command()
@_DB_OPTION
@click.option("--user", default=None, help="Console channel only: your name as the case owner.")
def run(db_path: str | None, user: str | None) -> None:
    """Start the bot: Telegram when TELEGRAM_BOT_TOKEN is set, otherwise the console channel.

    Example: TELEGRAM_BOT_TOKEN=123:abc itb-screen run
    """
    import os

    if not os.environ.get("TELEGRAM_BOT_TOKEN"):
        click.echo("TELEGRAM_BOT_TOKEN is not set: starting the console channel.", err=True)
        from .bot.console import default_user, run_console

        with _store(db_path) as store:
            sys.exit(run_console(store, user or default_user()))
    raise click.ClickException("the Telegram channel is not available in this version")


def main() -> None:
    """Entry point of the `itb-screen` console script."""
    cli(prog_name="itb-screen")


if __name__ == "__main__":  # pragma: no cover
    main()
