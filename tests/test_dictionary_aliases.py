"""The data dictionary shows the short forms the bot reads: a site sees which typed words became a code."""

from __future__ import annotations

import csv
import io

from itb_screen.review.exports import DATA_DICTIONARY_COLUMNS, data_dictionary_csv, data_dictionary_rows

from .test_catalogue import spec_questions

#: Spec codes per field, read from the spec's question table (not from the catalogue under test).
SPEC_CODES = {q["field"]: q["codes"] for q in spec_questions()}


def short_forms(field: str) -> dict[str, list[str]]:
    """The `short_forms` cell of one row, as {code: [alias, ...]}."""
    row = next(r for r in data_dictionary_rows() if r["field_name"] == field)
    cell = row["short_forms"]
    if not cell:
        return {}
    parsed = {}
    for part in cell.split(" | "):
        code, _, aliases = part.partition(": ")
        parsed[code] = aliases.split(", ")
    return parsed


def test_the_column_is_there_and_survives_csv():
    assert "short_forms" in DATA_DICTIONARY_COLUMNS
    rows = list(csv.DictReader(io.StringIO(data_dictionary_csv(), newline="")))
    primary = next(r for r in rows if r["field_name"] == "primary_condition")
    assert "multiple_sclerosis: MS" in primary["short_forms"]


def test_clinical_abbreviations_are_listed_under_their_codes():
    primary = short_forms("primary_condition")
    assert primary["multiple_sclerosis"] == ["MS"]
    assert "CP" in primary["cerebral_palsy"]
    assert {"TBI", "ABI"} <= set(primary["acquired_brain_injury"])  # both are acquired brain injuries
    assert "CVA" in primary["stroke"]
    assert "HSP" in primary["hereditary_spastic_paraplegia"]
    treatments = short_forms("prior_treatments")
    assert {"botox", "BoNT"} <= set(treatments["botulinum_toxin"])
    assert {"physio", "rehab"} <= set(treatments["rehabilitation"])
    assert "ADLs" in short_forms("interference")["adl"]


def test_no_means_no_reaction_and_no_mental_health_issues():
    assert "no" in short_forms("baclofen_reaction")["none"]
    assert "no" in short_forms("mental_health")["none"]


def test_every_listed_code_is_a_spec_code_and_no_short_form_is_shared():
    for field, codes in SPEC_CODES.items():
        forms = short_forms(field)
        assert set(forms) <= set(codes), field
        seen = [alias.casefold() for aliases in forms.values() for alias in aliases]
        assert len(seen) == len(set(seen)), field


def test_a_number_question_has_no_short_forms():
    assert short_forms("age_years") == {}


def test_yes_no_questions_list_y_and_n():
    for field in ("ambulatory", "active_infection", "seizures"):
        forms = short_forms(field)
        assert "y" in forms["yes"] and "n" in forms["no"], field
