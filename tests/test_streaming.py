"""Exports and `cases` written case by case (issue 18): the incremental JSON writer writes what json.dumps
writes of the whole, writes each item before it reads the next, and the commands' streamed outputs on a
real database are the whole documents, valid, with every case expected in them."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from fhir.resources.R4B.bundle import Bundle

from itb_screen.cli import cli
from itb_screen.cli._streams import write_json_array, write_json_object
from itb_screen.dialogue import Identity
from itb_screen.review.caseview import case_view
from itb_screen.review.exports import fhir_bundle
from itb_screen.review.listing import case_records, full_export
from itb_screen.storage import Store

from .conftest import VIGNETTES
from .drive import screen

ALICE = Identity("console", "alice", "Alice")

#: Documents whose every shape the writer meets: nested containers, empty ones, and strings holding a
#: newline, a NUL (the writer's own placeholder begins with one) and non-ASCII text.
DOCUMENTS = [
    [],
    [{}],
    [[], {"a": []}, "x\ny", "\x00items", None],
    [{"resourceType": "QuestionnaireResponse", "item": [{"answer": [{"valueInteger": 8}]}]}, "é\u202e"],
    [{"nested": {"deeper": [[1, 2], {"k": "v\n"}]}}, 2.5, True],
]


@pytest.mark.parametrize("items", DOCUMENTS, ids=range(len(DOCUMENTS)))
@pytest.mark.parametrize("indent", [2, 4])
def test_the_json_writer_writes_what_json_dumps_writes_of_the_whole(items, indent):
    array, bundle = io.StringIO(), io.StringIO()
    assert write_json_array(array, iter(items), indent) == len(items)
    assert array.getvalue() == json.dumps(items, indent=indent)
    head = {"resourceType": "Bundle", "type": "collection"}
    assert write_json_object(bundle, head, "entry", iter(items), indent) == len(items)
    assert bundle.getvalue() == json.dumps({**head, "entry": items}, indent=indent)


class Recorder(io.StringIO):
    """An output that notes, at each write, how many items its writer had read by then."""

    def __init__(self, read: list[int]) -> None:
        super().__init__()
        self.read, self.seen = read, []

    def write(self, text: str) -> int:
        self.seen.append((self.read[0], text))
        return super().write(text)


def test_each_item_is_written_before_the_next_is_read():
    read = [0]

    def items():
        for n in range(3):
            read[0] += 1
            yield {"case": n}

    out = Recorder(read)
    write_json_array(out, items())
    # Item n (its `"case": n`) is in the output while only n + 1 items have been read.
    for n in range(3):
        assert any(f'"case": {n}' in text and count == n + 1 for count, text in out.seen)


@pytest.fixture
def exported(db_path, dialogue, store):
    """Every public vignette screened through the dialogue; the first amended (its age changed at the
    review), the second voided."""
    refs = [f"ST-{n}" for n in range(len(VIGNETTES))]
    for ref, vignette in zip(refs, VIGNETTES, strict=True):
        screen(dialogue, ALICE, ref, vignette["answers"])
    for text in ("/amend ST-0", "the age was mistyped", "1", "35", "confirm"):
        dialogue.handle(ALICE, text)
    dialogue.handle(ALICE, "/void ST-1 opened by mistake")
    return db_path, [ref for ref in refs if ref != "ST-1"]


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_streamed_exports_are_the_whole_documents(exported):
    db_path, refs = exported
    on = ("--db", str(db_path))
    with Store(db_path, readonly=True) as store:
        records = case_records(store)
        views = [case_view(store, store.case_by_ref(ref)) for ref in refs]
        whole = json.dumps(full_export(store, records), indent=2) + "\n"
        bundle = json.dumps(fhir_bundle(views), indent=2) + "\n"
    assert [r["ref"] for r in records] == refs  # the void case left out
    assert run("export", "--format", "json", *on) == whole
    assert run("cases", "--json", *on) == json.dumps(records, indent=2) + "\n"
    fhir = run("export", "--format", "fhir", *on)
    assert fhir == bundle
    Bundle.model_validate(json.loads(fhir))
    responses = [e["resource"] for e in json.loads(fhir)["entry"][1:]]
    identifiers = [
        r["identifier"]["value"] for r in responses if r["resourceType"] == "QuestionnaireResponse"
    ]
    assert identifiers == refs
    for fmt, ref_column in (("csv", "ref"), ("redcap", "record_id")):
        rows = list(csv.DictReader(io.StringIO(run("export", "--format", fmt, *on))))
        assert [row[ref_column] for row in rows] == refs
    amended = next(row for row in csv.DictReader(io.StringIO(run("cases", "--format", "csv", *on))))
    assert (amended["ref"], amended["age_years"], amended["amended"]) == ("ST-0", "35", "1")


def test_an_export_to_a_file_counts_its_cases(exported, tmp_path):
    db_path, refs = exported
    out = tmp_path / "cases.fhir.json"
    result = CliRunner().invoke(cli, ["export", "--format", "fhir", "--db", str(db_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{len(refs)} cases written to {out}\n"
    Bundle.model_validate(json.loads(out.read_text(encoding="utf-8")))
