"""The stored cases: `cases`, `show`, `summary`, `search` and `reevaluate` (they read the database only,
but for `reevaluate --apply`, and never create one)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import cast

import click

from ..criteria import RECOMMENDATIONS
from ..review.caseview import case_view, show_json, show_text
from ..review.listing import cases_table, display_names, iter_case_records, write_cases_csv
from ..review.reevaluation import reevaluate_all
from ..review.summary import SUMMARY_FORMATS, CaseView, Format, render_summary
from ..storage import STATUSES, SearchQueryError
from ._db import db_option, existing_store, find_case
from ._errors import InputError, MissingExtra
from ._options import format_option
from ._printable import PrintableStream, echo, printable
from ._streams import write_json_array
from .site import shown_guidance, users_file_option

_SINCE = click.DateTime(formats=["%Y-%m-%d"])


@click.command()
@db_option
@click.option("--user", default=None, help="Only this user's cases (console name or Telegram id).")
@click.option("--status", type=click.Choice(STATUSES), help="Only cases with this status.")
@click.option(
    "--recommendation", type=click.Choice(list(RECOMMENDATIONS)), help="Only cases with this result."
)
@click.option("--since", type=_SINCE, help="Only cases updated on or after this date (YYYY-MM-DD).")
@click.option("--include-void", is_flag=True, help="Also the void cases (opened by mistake).")
@format_option(
    "table",
    "json",
    "csv",
    default="table",
    help="table: aligned, to read; json: an array, one object per case; csv: one row per case, "
    "one column per field.",
)
def cases(
    db_path: str,
    user: str | None,
    status: str | None,
    recommendation: str | None,
    since: datetime | None,
    include_void: bool,
    fmt: str,
) -> None:
    """List the screened cases: reference, owner, status, progress and recommendation.

    Void cases (opened by mistake) are left out unless --include-void or --status void.

    Example:

    \b
        itb-screen cases --status done --recommendation refer_after_review --format csv
    """
    # One read transaction, each case written as it is read: the output reflects one moment, and memory
    # does not grow with the number of cases (the table keeps each case's cells, to align them).
    with existing_store(db_path) as store, store.transaction():
        records = iter_case_records(
            store,
            user=user,
            status=status,
            recommendation=recommendation,
            since=since.date().isoformat() if since else None,
            include_void=include_void,
            names=display_names(),
        )
        stdout = sys.stdout
        if fmt == "json":  # json.dumps escapes every control character itself
            write_json_array(stdout, records)
            stdout.write("\n")
        elif fmt == "csv":
            write_cases_csv(records, PrintableStream.around(stdout))
        else:
            echo(cases_table(records))
        stdout.flush()


@click.command()
@click.argument("ref")
@db_option
@users_file_option
@click.option("--transcript", is_flag=True, help="Also every message in and out, with its time.")
@click.option("--history", is_flag=True, help="Every answer as given, not only the changes (table).")
@format_option(
    "table",
    "json",
    default="table",
    help="table: to read; json: one object of codes: ref, status, answers, results (oldest "
    "first), events, history.",
)
def show(ref: str, db_path: str, users_path: str | None, transcript: bool, history: bool, fmt: str) -> None:
    """Show a case: answers, the result with its reasons, amendments, every result, changes of answers.

    With --format json, the case as one JSON object of codes (the transcript only with --transcript).

    Example:

    \b
        itb-screen show SPAS-014 --transcript
    """
    with existing_store(db_path) as store:
        case = find_case(store, ref)
        if fmt == "json":  # json.dumps escapes every control character itself
            names = display_names(users_path)
            text = json.dumps(show_json(store, case, transcript=transcript, names=names), indent=2)
        else:
            shown = shown_guidance(users_path)
            text = show_text(
                store,
                case,
                transcript=transcript,
                history=history,
                names=display_names(users_path),
                guidance=shown,
            )
    echo(text)


@click.command()
@click.argument("ref")
@db_option
@users_file_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(SUMMARY_FORMATS),
    default="text",
    show_default=True,
    help="html is a complete printable page; pdf the same page on A4 (to --out, or a redirected output).",
)
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Write to this file instead.")
def summary(ref: str, db_path: str, users_path: str | None, fmt: str, out: str | None) -> None:
    """The referral summary of a case, ready to paste into a referral (or print, as HTML or PDF).

    Example:

    \b
        itb-screen summary SPAS-014 --format html > SPAS-014.html
        itb-screen summary SPAS-014 --format pdf --out SPAS-014.pdf
    """
    if fmt == "pdf" and out is None and sys.stdout.isatty():
        raise InputError("a PDF is not for the terminal: --out FILE, or redirect the output to a file")
    shown = shown_guidance(users_path)
    with existing_store(db_path) as store:
        view = case_view(store, find_case(store, ref), display_names(users_path), shown)
    if fmt == "pdf":
        pdf = _pdf(view)
        if out is None:
            sys.stdout.buffer.write(pdf)
        else:
            Path(out).write_bytes(pdf)
    elif out is None:
        echo(render_summary(view, cast(Format, fmt)), nl=False)
    else:  # escaped as on the terminal, as export --out writes
        Path(out).write_text(printable(render_summary(view, cast(Format, fmt))), encoding="utf-8")


def _pdf(view: CaseView) -> bytes:
    """The summary as a PDF; WeasyPrint's system libraries missing is one line."""
    try:
        from ..review.pdf import render_pdf
    except ImportError as error:
        raise MissingExtra(f"a PDF needs WeasyPrint ({error})", "pip install -e .") from None
    try:
        return render_pdf(view)
    except OSError as error:  # Pango not found when WeasyPrint loads it
        raise click.ClickException(f"WeasyPrint cannot run here: {error}") from None


def _matching_line(text: str, words: list[str]) -> str:
    """The first line of a message holding one of the searched words (the first line if none does)."""
    lines = text.splitlines() or [""]
    return next((line for line in lines if any(w in line.casefold() for w in words)), lines[0]).strip()


@click.command()
@click.argument("query")
@db_option
@click.option("--raw", is_flag=True, help='QUERY is FTS5 syntax (AND, OR, NOT, "phrases", prefix*).')
@click.option("--limit", default=100, show_default=True, help="At most this many lines.")
@click.option("--typed", is_flag=True, help="Only what users typed, not the bot's questions and replies.")
def search(query: str, db_path: str, raw: bool, limit: int, typed: bool) -> None:
    """Full-text search of transcripts: every message in and out, answers included.

    Prints case, time and the matching line. The bot's questions use the catalogue's words in every case:
    --typed keeps to what users wrote.

    Example:

    \b
        itb-screen search allergy --typed
    """
    with existing_store(db_path) as store:
        try:
            hits = store.search(query, limit=limit, raw=raw, typed=typed)
        except SearchQueryError as error:
            raise InputError(f"search: {error}") from None
    words = [w.strip('"*').casefold() for w in query.split() if w.strip('"*')]
    for hit in hits:
        arrow = "in " if hit["direction"] == "in" else "out"
        when = hit["at"][:19].replace("T", " ")
        echo(f"{hit['ref'] or '-'}\t{when}\t{arrow}\t{_matching_line(hit['text'], words)}")
    if not hits:
        click.echo(f"No message matches {query!r}.", err=True)


@click.command()
@db_option
@click.option("--apply", "apply_", is_flag=True, help="Store the new results beside the old ones.")
def reevaluate(db_path: str, apply_: bool) -> None:
    """Recompute every stored result with the current criteria and list the cases that would change.

    Recommendations and discussion points are listed apart from the other guidance flags (raised,
    cleared or reworded, by code, or "order changed"); a result stored before the flags existed is
    counted as "flags never computed", with the flags it would raise now. Nothing is written without
    --apply; with it, new results are stored beside the old, never over them. Void cases are skipped.

    Example:

    \b
        itb-screen reevaluate --apply
    """
    # With no database there is nothing to re-evaluate, with --apply or without: none is created.
    with existing_store(db_path, writable=apply_) as store:
        report = reevaluate_all(store, apply=apply_)
    echo(report.text())
