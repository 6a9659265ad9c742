"""For other systems: `export` (every case as CSV, JSON, FHIR or REDCap records) and `dictionary` (the
questionnaire as a REDCap-style or REDCap upload data dictionary, JSON or a FHIR Questionnaire)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import click

from ..review.caseview import case_view
from ..review.exports import (
    BUNDLE_HEAD,
    bundle_entries,
    data_dictionary_csv,
    data_dictionary_rows,
    fhir_questionnaire,
)
from ..review.listing import display_names, iter_case_records, iter_full_export, listed_cases, write_cases_csv
from ..review.redcap import project_settings, redcap_dictionary_csv, write_redcap_records
from ..storage import Store
from ._db import db_option, existing_store
from ._options import format_option
from ._printable import PrintableStream
from ._streams import counted, write_json_array, write_json_object


def _write_export(store: Store, fmt: str, include_void: bool, names: dict[str, str], out: TextIO) -> int:
    """The export written to `out` case by case, each as it is read; how many cases. JSON and FHIR need
    no `printable`: json.dumps escapes every control character itself."""
    if fmt == "fhir":
        tally = [0]
        cases = counted((case for case, _, _ in listed_cases(store, include_void=include_void)), tally)
        views = (case_view(store, case, names) for case in cases)
        write_json_object(out, BUNDLE_HEAD, "entry", bundle_entries(views))
        out.write("\n")
        return tally[0]
    records = iter_case_records(store, include_void=include_void, names=names)
    if fmt == "csv":
        return write_cases_csv(records, PrintableStream.around(out))
    if fmt == "redcap":
        return write_redcap_records(records, PrintableStream.around(out))
    count = write_json_array(out, iter_full_export(store, records))
    out.write("\n")
    return count


def _write_file(path: str, write: Callable[[TextIO], int]) -> int:
    """`write` to the file at `path`; a file left half-written by a failure is removed, not left looking
    like an export."""
    try:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            return write(handle)
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise


@click.command()
@db_option
@format_option(
    "csv",
    "json",
    "fhir",
    "redcap",
    default="csv",
    help="csv: one row per case (the other guidance flags as codes); json: everything; fhir: a FHIR R4 "
    "Bundle; redcap: records for REDCap's Data Import Tool (with `dictionary --format redcap`).",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file instead of standard output.",
)
@click.option(
    "--include-void",
    is_flag=True,
    help="Also the void cases (opened by mistake; FHIR status entered-in-error).",
)
def export(db_path: str, fmt: str, out_path: str | None, include_void: bool) -> None:
    """Export every case: flat CSV, full JSON, FHIR Questionnaire + QuestionnaireResponses, or REDCap records.

    Void cases are left out unless --include-void. Every other guidance flag a result stored is
    exported, with its sources where the format has room, whichever sources a site shows.

    Example:

    \b
        itb-screen export --format fhir --out cases.fhir.json
        itb-screen export --format redcap --out cases.redcap.csv
    """
    # One read transaction (the export reflects one moment), every case written as it is read: memory
    # does not grow with the number of cases.
    with existing_store(db_path) as store, store.transaction():
        names = display_names()
        if out_path:
            count = _write_file(out_path, lambda out: _write_export(store, fmt, include_void, names, out))
        else:
            stdout = sys.stdout
            _write_export(store, fmt, include_void, names, stdout)
            stdout.flush()
    if out_path:
        click.echo(f"{count} cases written to {out_path}", err=True)


@click.command()
@format_option(
    "csv",
    "json",
    "fhir",
    "redcap",
    "redcap-project",
    default="csv",
    help="csv: the REDCap-style data dictionary (the questions, then the result's fields); json: its "
    "rows as objects; fhir: the "
    "questionnaire as a FHIR R4 Questionnaire; redcap: the data dictionary REDCap's upload takes; "
    "redcap-project: the project's settings it needs beside it (its missing data code UNK), as JSON "
    "for the API's Import Project Info.",
)
def dictionary(fmt: str) -> None:
    """The questionnaire as a data dictionary: field, question, type, choices, branching, sources.

    The follow-up questions of the other guidance are listed with when they are asked and their
    sources (the US label's, NICE's), and the flags with theirs.

    Example:

    \b
        itb-screen dictionary --format csv > itb_screen_dictionary.csv
        itb-screen dictionary --format redcap > itb_screen_redcap_dictionary.csv
        itb-screen dictionary --format redcap-project
    """
    if fmt == "redcap":
        click.echo(redcap_dictionary_csv(), nl=False)
    elif fmt == "redcap-project":
        click.echo(json.dumps(project_settings(), indent=2))
    elif fmt == "fhir":
        click.echo(json.dumps(fhir_questionnaire(), indent=2))
    elif fmt == "json":
        click.echo(json.dumps(data_dictionary_rows(), indent=2))
    else:
        click.echo(data_dictionary_csv(), nl=False)
