"""Issue 19 in the exports: the follow-up answers and the other guidance flags in CSV, JSON, REDCap records
and the FHIR Bundle, for the guidance vignettes (tests/data/guidance-*.jsonl, whose expected flags were
written from other-guidance.md) screened through the real dialogue on a real SQLite file and exported by
the real CLI, once for the module.

Expected values come from the vignettes and other-guidance.md (its flags' texts and sources, its
follow-ups' conditions), read here apart from the code.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from itb_screen.cli import cli
from itb_screen.criteria import GUIDANCE_VERSION
from itb_screen.dialogue import Dialogue, Identity
from itb_screen.storage import Store

from .conftest import DATA
from .drive import STYLES, screen
from .test_catalogue import guidance_flags, guidance_follow_ups
from .test_redcap import check_values, dictionary, fields_of, missing_codes

ALICE = Identity("console", "alice", "Alice")
VIGNETTES = [
    json.loads(line)
    for name in ("guidance-public.jsonl", "guidance-vignettes.jsonl")
    for line in (DATA / name).read_text().splitlines()
    if line.strip()
]
FLAGS = {f["code"]: f for f in guidance_flags()}
FOLLOW_UPS = guidance_follow_ups()
FLAG_SYSTEM = "https://itb-screen.example/fhir/CodeSystem/other-guidance-flag"
POINT_SYSTEM = "https://itb-screen.example/fhir/CodeSystem/discussion-point"
#: A guidance source's document in words, as the issue names them.
WORDS = {"L": "US label", "N": "NICE CG145, under 19s", "S": "consensus"}


def asked(follow_up: dict, answers: dict) -> bool:
    """Whether other-guidance.md asks the follow-up for these answers (its condition, read from its table)."""
    field, operator, value = re.fullmatch(r"`(\w+)` (=|<) `?(\w+)`?", follow_up["when"]).groups()
    given = answers.get(field)
    return given == value if operator == "=" else isinstance(given, int) and given < int(value)


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("guidance") / "itb.db"
    with Store(path) as store:
        dialogue = Dialogue(store)
        for index, vignette in enumerate(VIGNETTES):
            style = STYLES[index % len(STYLES)]
            assert screen(dialogue, ALICE, vignette["id"], vignette["answers"], style)[-1].kind == "result"
    db = str(path)
    return {
        "db": db,
        "csv": {
            r["ref"]: r for r in csv.DictReader(io.StringIO(run("export", "--db", db, "--format", "csv")))
        },
        "json": {r["ref"]: r for r in json.loads(run("export", "--db", db, "--format", "json"))},
        "redcap": {
            r["record_id"]: r
            for r in csv.DictReader(io.StringIO(run("export", "--db", db, "--format", "redcap")))
        },
        "fhir": json.loads(run("export", "--db", db, "--format", "fhir")),
    }


def test_the_csv_has_the_follow_ups_asked_and_the_flags_as_codes(exported):
    for vignette in VIGNETTES:
        row, answers = exported["csv"][vignette["id"]], vignette["answers"]
        assert row["recommendation"] == vignette["expected"]["recommendation"], vignette["id"]
        assert row["other_guidance"] == "|".join(vignette["expected"]["other_guidance"]), vignette["id"]
        assert row["guidance_version"] == GUIDANCE_VERSION
        for follow_up in FOLLOW_UPS:
            value = answers.get(follow_up["field"]) if asked(follow_up, answers) else None
            if isinstance(value, list):  # a many-choice answer, in the order of other-guidance.md's codes
                value = "|".join(sorted(value, key=follow_up["codes"].index))
            expected = "" if value in (None, "unknown") else value
            assert row[follow_up["field"]] == expected, (vignette["id"], follow_up["field"])


def test_the_json_has_each_flag_with_its_text_sources_and_version(exported):
    for vignette in VIGNETTES:
        result = exported["json"][vignette["id"]]["result"]
        flags = result["other_guidance"]
        assert [f["code"] for f in flags] == vignette["expected"]["other_guidance"], vignette["id"]
        for flag in flags:
            assert (flag["text"], flag["sources"]) == (
                FLAGS[flag["code"]]["text"],
                FLAGS[flag["code"]]["sources"],
            )
            assert flag["because"], flag["code"]  # the answers that raised it
        assert [p["code"] for p in result["discussion_points"]] == vignette["expected"]["discussion_points"]
        assert result["guidance_version"] == GUIDANCE_VERSION


def test_redcap_records_carry_the_follow_ups_and_the_flags_and_fit_the_dictionary(exported):
    rows, codes = fields_of(dictionary()), missing_codes()
    for vignette in VIGNETTES:
        record = exported["redcap"][vignette["id"]]
        check_values(record, rows, codes)
        assert record["other_guidance"] == ", ".join(vignette["expected"]["other_guidance"]), vignette["id"]
        assert record["guidance_version"] == GUIDANCE_VERSION
    every_risk = exported["redcap"]["GV19"]  # a child of 3 with every NICE risk but a previous fusion
    ticked = [c for c in every_risk if c.startswith("child_surgical_risks___") and every_risk[c] == "1"]
    risks = next(v for v in VIGNETTES if v["id"] == "GV19")["answers"]["child_surgical_risks"]
    codes = next(f["codes"] for f in FOLLOW_UPS if f["field"] == "child_surgical_risks")
    assert ticked == [f"child_surgical_risks___{code}" for code in codes if code in risks]
    # GV14: an acquired brain injury over a year ago; its spinal level, left from before, is not asked.
    assert (
        exported["redcap"]["GV14"]["tbi_within_year"],
        exported["redcap"]["GV14"]["sci_level_t6_or_above"],
    ) == (
        "no",
        "",
    )


def test_the_fhir_bundle_validates_and_gives_each_flag_a_finding_after_the_points(exported):
    bundle = exported["fhir"]
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    impressions = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ClinicalImpression"
    ]
    responses = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert len(impressions) == len(responses) == len(VIGNETTES)
    for vignette, impression, response in zip(VIGNETTES, impressions, responses, strict=True):
        assert response["identifier"]["value"] == vignette["id"]
        systems = [f["itemCodeableConcept"]["coding"][0]["system"] for f in impression.get("finding", [])]
        points = vignette["expected"]["discussion_points"]
        assert systems == [POINT_SYSTEM] * len(points) + [FLAG_SYSTEM] * len(
            vignette["expected"]["other_guidance"]
        )
        flags = impression.get("finding", [])[len(points) :]
        assert [f["itemCodeableConcept"]["coding"][0]["code"] for f in flags] == vignette["expected"][
            "other_guidance"
        ]
        for finding in flags:
            expected = FLAGS[finding["itemCodeableConcept"]["coding"][0]["code"]]
            assert finding["itemCodeableConcept"]["text"] == expected["text"]
            words = "; ".join(
                f"{WORDS[kind]} {', '.join(s for s in expected['sources'] if s[0] == kind)}"
                for kind in dict.fromkeys(s[0] for s in expected["sources"])
            )
            assert finding["basis"].startswith(f"Other guidance to check: {words}; because "), finding[
                "basis"
            ]
        items = [i["linkId"] for i in response["item"]]
        for follow_up in FOLLOW_UPS:  # an item only where other-guidance.md asks it (and it was answered)
            if follow_up["field"] in items:
                assert asked(follow_up, vignette["answers"]), (vignette["id"], follow_up["field"])


def test_the_label_reserves_spinal_origin_cites_the_label_and_the_consensus(exported):
    [impression] = [
        e["resource"]
        for e in exported["fhir"]["entry"]
        if e["resource"]["resourceType"] == "ClinicalImpression"
        and "case PG03" in e["resource"]["subject"]["display"]
    ]
    [finding] = [
        f
        for f in impression["finding"]
        if f["itemCodeableConcept"]["coding"][0]["code"] == "label_reserves_spinal_origin"
    ]
    assert finding["basis"].startswith("Other guidance to check: US label L3; consensus S3; because ")
    notes = [n["text"] for n in impression["note"] if n["text"].startswith("label_reserves_spinal_origin")]
    assert [n.split(" ")[1] for n in notes] == ["(L3):", "(S3):"]


def test_reevaluate_finds_nothing_to_change_in_results_the_dialogue_stored(exported):
    out = run("reevaluate", "--db", exported["db"])
    assert f"Re-evaluated {len(VIGNETTES)} stored results" in out
    assert "No recommendation or discussion point would change." in out
    assert "No other guidance flag would change." in out and "never computed" not in out
