"""For other systems: `export` (every case as CSV, JSON, FHIR or REDCap records) and `dictionary` (the
questionnaire as a REDCap-style or REDCap upload data dictionary, JSON or a FHIR Questionnaire)."""

from __future__ import annotations

import json

import click

from ..review.caseview import case_view
from ..review.exports import data_dictionary_csv, data_dictionary_rows, fhir_bundle, fhir_questionnaire
from ..review.listing import case_records, cases_csv, display_names, full_export
from ..review.redcap import project_settings, redcap_dictionary_csv, redcap_records_csv
from ..storage import Store
from ._db import db_option, existing_store
from ._options import format_option
from ._printable import printable


def _export_text(store: Store, records: list[dict], fmt: str, names: dict[str, str]) -> str:
    """The export as text; JSON and FHIR need no `printable`, json.dumps escapes every control character."""
    if fmt == "csv":
        return printable(cases_csv(records))
    if fmt == "redcap":
        return printable(redcap_records_csv(records))
    if fmt == "json":
        return json.dumps(full_export(store, records), indent=2) + "\n"
    cases = [store.case_by_ref(r["ref"]) for r in records]
    views = [case_view(store, case, names) for case in cases if case is not None]
    return json.dumps(fhir_bundle(views), indent=2) + "\n"


@click.command()
@db_option
@format_option(
    "csv",
    "json",
    "fhir",
    "redcap",
    default="csv",
    help="csv: one row per case; json: everything; fhir: a FHIR R4 Bundle; redcap: records for "
    "REDCap's Data Import Tool (with `dictionary --format redcap`).",
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

    Void cases are left out unless --include-void.

    Example:

    \b
        itb-screen export --format fhir --out cases.fhir.json
        itb-screen export --format redcap --out cases.redcap.csv
    """
    with existing_store(db_path) as store:
        names = display_names()
        records = case_records(store, include_void=include_void, names=names)
        text = _export_text(store, records, fmt, names)
    if out_path:
        with open(out_path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        click.echo(f"{len(records)} cases written to {out_path}", err=True)
    else:
        click.echo(text, nl=False)


@click.command()
@format_option(
    "csv",
    "json",
    "fhir",
    "redcap",
    "redcap-project",
    default="csv",
    help="csv: the REDCap-style data dictionary; json: its rows as objects; fhir: the "
    "questionnaire as a FHIR R4 Questionnaire; redcap: the data dictionary REDCap's upload takes; "
    "redcap-project: the project's settings it needs beside it (its missing data code UNK), as JSON "
    "for the API's Import Project Info.",
)
def dictionary(fmt: str) -> None:
    """The questionnaire as a data dictionary: field, question, type, choices, branching, sources.

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
