"""The `itb-screen` command line.

Heavy modules (storage, dialogue, python-telegram-bot) are imported inside the commands that need them,
so `itb-screen evaluate` starts fast.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from . import __version__
from .criteria import RECOMMENDATIONS


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


#: The keys of a case object shaped like the vignette files: {"id": ..., "answers": {...}}.
_CASE_OBJECT_KEYS = ("id", "answers", "description", "expected")


def _unwrap(case: object, index: int) -> tuple[object, object]:
    """(id or None, answers) of one input case: a bare object of answers, or {"id": ..., "answers": {...}}.

    "answers" is no field code, so the two shapes cannot be confused.
    """
    if not isinstance(case, dict) or "answers" not in case:
        return None, case
    unknown = [k for k in case if k not in _CASE_OBJECT_KEYS]
    case_id = case.get("id")
    where = f"case {json.dumps(case_id) if case_id is not None else index}"
    if unknown:
        raise InputError(f"{where}: unknown key {json.dumps(unknown[0])} beside \"answers\"; "
                         f"allowed: {', '.join(_CASE_OBJECT_KEYS)}")
    if isinstance(case_id, bool) or not isinstance(case_id, (str, int, type(None))):
        raise InputError(f"case {index}: \"id\" must be a string or a number, not {json.dumps(case_id)}")
    return case_id, case["answers"]


def _parse_cases(text: str, jsonl: bool) -> tuple[list, bool]:
    """The cases in the input, and whether the input was a list (several results)."""
    if jsonl:
        cases = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    cases.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise InputError(f"line {number}: not JSON: {error.msg} at column {error.colno}") from None
                except RecursionError:
                    raise InputError(f"line {number}: not a case: JSON nested too deeply") from None
        return cases, True
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise InputError("not a case: JSON nested too deeply") from None
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
    with --jsonl. An absent key or "unknown" leaves a question unanswered. A case may also be an object
    {"id": ..., "answers": {...}} (the shape of the vignette files): its result then starts with its id.

    Example: echo '{"interference": ["none"]}' | itb-screen evaluate -
    """
    from .criteria import AnswerError, evaluate as evaluate_answers, validate_answers

    cases, several = _parse_cases(_read_source(source), jsonl)
    ids, results = [], []
    for index, case in enumerate(cases, 1):
        case_id, raw = _unwrap(case, index)
        try:
            answers = validate_answers(raw)
        except AnswerError as error:
            where = f"case {json.dumps(case_id) if case_id is not None else index}: "
            raise InputError(f"{where if several or case_id is not None else ''}{error}") from None
        ids.append(case_id)
        results.append(evaluate_answers(answers))

    if output_format == "text":
        from .criteria import result_text

        blocks = []
        for index, (case_id, result) in enumerate(zip(ids, results), 1):
            of = f"{index} of {len(results)}"
            if case_id is not None:
                head = f"Case {case_id} ({of})\n" if several else f"Case {case_id}\n"
            else:
                head = f"Case {of}\n" if several else ""
            blocks.append(head + result_text(result))
        click.echo("\n\n".join(blocks))
        return
    # The id, when the input gave one, comes first so a reader matches results to cases.
    dicts = [({"id": case_id} if case_id is not None else {}) | result.to_dict()
             for case_id, result in zip(ids, results)]
    if jsonl:
        for data in dicts:
            click.echo(json.dumps(data))
    else:
        click.echo(json.dumps(dicts if several else dicts[0], indent=2))


_DB_OPTION = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=None,
    help="SQLite file (default: $ITB_SCREEN_DB, else ./itb-screen.db).",
)


def _existing_path(db_path: str | None):
    """The database a read-only command reads: it must exist (exit 2 otherwise), and none is created."""
    from .storage import default_path

    path = default_path(db_path)
    if not path.exists():
        raise InputError(f"no database at {path}: --db or ITB_SCREEN_DB names the file")
    return path


def _existing_store(db_path: str | None):
    """The database of a read-only command, opened only if it exists."""
    _existing_path(db_path)
    return _store(db_path)


def _store(db_path: str | None):
    """The database, created when it does not exist yet (the console and the bot start new ones)."""
    from .storage import open_store

    try:
        return open_store(db_path)
    except Exception as error:  # the database's errors: unreadable file, not a database, locked
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


_SINCE = click.DateTime(formats=["%Y-%m-%d"])


@cli.command()
@_DB_OPTION
@click.option("--user", default=None, help="Only this user's cases (console name or Telegram id).")
# Literal here so that the command line loads no storage code; a test keeps it equal to storage.STATUSES.
@click.option("--status", type=click.Choice(["open", "done", "cancelled", "void"]), help="Only cases with this status.")
@click.option("--recommendation", type=click.Choice(list(RECOMMENDATIONS)), help="Only cases with this result.")
@click.option("--since", type=_SINCE, help="Only cases updated on or after this date (YYYY-MM-DD).")
@click.option("--include-void", is_flag=True, help="Also the void cases (opened by mistake).")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, one object per case.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV: one row per case, one column per field.")
def cases(db_path: str | None, user: str | None, status: str | None, recommendation: str | None,
          since: datetime | None, include_void: bool, as_json: bool, as_csv: bool) -> None:
    """List the screened cases: reference, owner, status, progress and recommendation.

    Void cases (opened by mistake) are left out unless --include-void or --status void.

    Example: itb-screen cases --status done --recommendation refer_after_review --csv
    """
    from .review.listing import case_records, cases_csv, cases_table, display_names

    if as_json and as_csv:
        raise InputError("choose one of --json and --csv")
    with _existing_store(db_path) as store:
        records = case_records(store, user=user, status=status, recommendation=recommendation,
                               since=since.date().isoformat() if since else None, include_void=include_void,
                               names=display_names())
    if as_json:
        click.echo(json.dumps(records, indent=2))
    elif as_csv:
        click.echo(cases_csv(records), nl=False)
    else:
        click.echo(cases_table(records))


def _case(store, ref: str):
    case = store.case_by_ref(ref)
    if case is None:
        raise InputError(f"no case {ref}: see itb-screen cases")
    return case


@cli.command()
@click.argument("ref")
@_DB_OPTION
@click.option("--transcript", is_flag=True, help="Also every message in and out, with its time.")
@click.option("--history", is_flag=True, help="Every answer as given, not only the changes.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object: ref, status, answers, results (oldest first), events, history.")
def show(ref: str, db_path: str | None, transcript: bool, history: bool, as_json: bool) -> None:
    """Show a case: answers, the result with its reasons, amendments, every result, changes of answers.

    With --json, the case as one JSON object of codes (the transcript only with --transcript).

    Example: itb-screen show SPAS-014 --transcript
    """
    from .review.caseview import show_json, show_text
    from .review.listing import display_names

    with _existing_store(db_path) as store:
        case = _case(store, ref)
        if as_json:
            text = json.dumps(show_json(store, case, transcript=transcript, names=display_names()), indent=2)
        else:
            text = show_text(store, case, transcript=transcript, history=history, names=display_names())
    click.echo(text)


@cli.command()
@click.argument("ref")
@_DB_OPTION
# A test keeps these equal to bot.summary.FORMATS.
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "html"]), default="text",
              show_default=True, help="html is a complete printable page.")
def summary(ref: str, db_path: str | None, fmt: str) -> None:
    """The referral summary of a case, ready to paste into a referral (or print, as HTML).

    Example: itb-screen summary SPAS-014 --format html > SPAS-014.html
    """
    from .review.caseview import case_view
    from .review.listing import display_names
    from .review.summary import render_summary

    with _existing_store(db_path) as store:
        click.echo(render_summary(case_view(store, _case(store, ref), display_names()), fmt), nl=False)


@cli.command()
@_DB_OPTION
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "fhir"]), default="csv",
              show_default=True, help="csv: one row per case; json: everything; fhir: a FHIR R4 Bundle.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output.")
@click.option("--include-void", is_flag=True,
              help="Also the void cases (opened by mistake; FHIR status entered-in-error).")
def export(db_path: str | None, fmt: str, out_path: str | None, include_void: bool) -> None:
    """Export every case: flat CSV (REDCap style), full JSON, or FHIR Questionnaire + QuestionnaireResponses.

    Void cases are left out unless --include-void.

    Example: itb-screen export --format fhir --out cases.fhir.json
    """
    from .review.listing import case_records, cases_csv, display_names, full_export

    with _existing_store(db_path) as store:
        names = display_names()
        records = case_records(store, include_void=include_void, names=names)
        if fmt == "csv":
            text = cases_csv(records)
        elif fmt == "json":
            text = json.dumps(full_export(store, records), indent=2) + "\n"
        else:
            from .review.caseview import case_view
            from .review.exports import fhir_bundle

            views = [case_view(store, store.case_by_ref(r["ref"]), names) for r in records]
            text = json.dumps(fhir_bundle(views), indent=2) + "\n"
    if out_path:
        with open(out_path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        click.echo(f"{len(records)} cases written to {out_path}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command()
@click.option("--csv", "as_csv", is_flag=True, help="REDCap-style data dictionary as CSV (the default).")
@click.option("--fhir", "as_fhir", is_flag=True, help="The questionnaire as a FHIR R4 Questionnaire instead.")
def dictionary(as_csv: bool, as_fhir: bool) -> None:
    """The questionnaire as a data dictionary: field, question, type, choices, branching, sources.

    Example: itb-screen dictionary --csv > itb_screen_dictionary.csv
    """
    from .review.exports import data_dictionary_csv, fhir_questionnaire

    if as_csv and as_fhir:
        raise InputError("choose one of --csv and --fhir")
    if as_fhir:
        click.echo(json.dumps(fhir_questionnaire(), indent=2))
    else:
        click.echo(data_dictionary_csv(), nl=False)


@cli.command()
@click.argument("query")
@_DB_OPTION
@click.option("--raw", is_flag=True, help="QUERY is FTS5 syntax (AND, OR, NOT, \"phrases\", prefix*).")
@click.option("--limit", default=100, show_default=True, help="At most this many lines.")
def search(query: str, db_path: str | None, raw: bool, limit: int) -> None:
    """Full-text search of transcripts: every message in and out, answers included.

    Prints case, time and the matching line.

    Example: itb-screen search allergy
    """
    from .storage import SearchQueryError

    with _existing_store(db_path) as store:
        try:
            hits = store.search(query, limit=limit, raw=raw)
        except SearchQueryError as error:
            raise InputError(f"search: {error}") from None
    words = [w.strip('"*').casefold() for w in query.split() if w.strip('"*')]
    for hit in hits:
        lines = hit["text"].splitlines() or [""]
        line = next((l for l in lines if any(w in l.casefold() for w in words)), lines[0])
        arrow = "in " if hit["direction"] == "in" else "out"
        click.echo(f"{hit['ref'] or '-'}\t{hit['at'][:19].replace('T', ' ')}\t{arrow}\t{line.strip()}")
    if not hits:
        click.echo(f"No message matches {query!r}.", err=True)


@cli.command()
@_DB_OPTION
@click.option("--apply", "apply_", is_flag=True, help="Store the new results beside the old ones.")
def reevaluate(db_path: str | None, apply_: bool) -> None:
    """Recompute every stored result with the current criteria and list the cases that would change.

    Nothing is written without --apply; with it, new results are stored beside the old, never over them.
    Void cases are skipped.

    Example: itb-screen reevaluate --apply
    """
    from .review.reevaluation import reevaluate_all

    # With no database there is nothing to re-evaluate, with --apply or without: none is created.
    with _existing_store(db_path) as store:
        report = reevaluate_all(store, apply=apply_)
    click.echo(report.text())


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
@click.option("--webhook", "webhook_url", default=None, metavar="URL",
              help="Telegram only: receive updates at this public HTTPS URL (set by your proxy) instead of "
                   "long polling; the bot listens on 127.0.0.1:--port with a generated secret token.")
@click.option("--port", "listen_port", type=click.IntRange(1, 65535), default=8443, show_default=True,
              help="With --webhook: the local port your proxy forwards to.")
def run(db_path: str | None, user: str | None, webhook_url: str | None, listen_port: int) -> None:
    """Start the bot: Telegram when TELEGRAM_BOT_TOKEN is set, otherwise the console channel.

    Telegram needs ITB_SCREEN_USERS, a TOML file of the allowed users (numeric Telegram id, name,
    role). TELEGRAM_API_BASE_URL points the bot at another Bot API server (a self-hosted one).

    Example: TELEGRAM_BOT_TOKEN=123:abc ITB_SCREEN_USERS=users.toml itb-screen run
    """
    import os

    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        click.echo("TELEGRAM_BOT_TOKEN is not set: starting the console channel.", err=True)
        from .bot.console import default_user, run_console

        with _store(db_path) as store:
            sys.exit(run_console(store, user or default_user()))
    if webhook_url is not None and not webhook_url.startswith("https://"):
        raise InputError("--webhook needs the public https:// URL that your proxy forwards to this bot")
    # python-telegram-bot is imported here only: the other commands never load it.
    from .bot.telegram.access import AccessFileError, AccessList

    try:
        access = AccessList.from_env()
    except AccessFileError as error:
        raise click.ClickException(str(error)) from None
    from .bot.telegram.app import run_telegram

    with _store(db_path) as store:
        try:
            run_telegram(token, store, access, webhook_url=webhook_url, listen_port=listen_port)
        except RuntimeError as error:
            if "webhooks" in str(error):
                raise click.ClickException(
                    "--webhook needs python-telegram-bot's webhook extra: "
                    "pip install 'python-telegram-bot[webhooks]'") from None
            raise
        except Exception as error:
            from telegram.error import InvalidToken, NetworkError

            if isinstance(error, InvalidToken):
                raise click.ClickException("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather") from None
            if isinstance(error, NetworkError):
                raise click.ClickException(
                    f"cannot reach the Telegram Bot API ({type(error).__name__}): check the network, "
                    "or TELEGRAM_API_BASE_URL if you use your own Bot API server") from None
            # Through the bot's logging, which scrubs the token; Python's own traceback would not.
            import logging

            logging.getLogger("itb_screen.telegram").exception("the bot stopped on an unexpected error")
            raise click.ClickException("the bot stopped on an unexpected error (logged above)") from None


@cli.command()
@_DB_OPTION
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True,
              help="Port on 127.0.0.1 to serve on.")
def review(db_path: str | None, port: int) -> None:
    """Serve the database read-only to the team: a Datasette site on http://127.0.0.1:PORT/.

    Tables with descriptions, and canned queries: open cases, results by recommendation, cases needing
    review, answers changed after review, transcript search (void cases left out of each), and the void
    cases. Needs the review extra.

    Example: itb-screen review --db itb-screen.db --port 8001
    """
    path = _existing_path(db_path)  # before the import: a missing file is the first thing to say
    try:
        from .review import site as review_site
    except ImportError as error:
        if (error.name or "").partition(".")[0] not in ("datasette", "uvicorn"):
            raise
        raise click.ClickException("the review site needs Datasette: pip install -e '.[review]'") from None
    from .storage import check_readable

    try:
        check_readable(path)
    except Exception as error:  # missing file, not a database, unreadable
        raise click.ClickException(f"cannot open the database: {error}") from None
    try:
        review_site.check_port(port)
    except OSError as error:
        raise click.ClickException(f"cannot serve on 127.0.0.1:{port}: {error.strerror}; "
                                   "--port picks another port") from None
    review_site.serve(path, port)


def main() -> None:
    """Entry point of the `itb-screen` console script."""
    cli(prog_name="itb-screen")


if __name__ == "__main__":  # pragma: no cover
    main()
