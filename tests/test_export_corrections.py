"""Results and corrections in every export (issue 18, part 3): a case pre-screened, handed off with the
dialogue's /handoff, completed with answers not known, confirmed, then amended with a reason; a case
voided; a case left open with one answer not known. Exported as CSV, REDCap records (checked against
the REDCap dictionary) and a FHIR R4 Bundle (every resource validated with fhir.resources' R4B models,
which R4's ClinicalImpression and Provenance share), each carrying the amendment and its reason.

Everything is typed through the real Dialogue on a real SQLite file and exported by the real CLI, once
for the module. Expected values come from the spec (vignette P01, its rules, points, statements and the
seed's DOI) and the issue.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from itb_screen.cli import cli
from itb_screen.criteria import QUESTIONS_BY_FIELD
from itb_screen.dialogue import Dialogue, Identity
from itb_screen.dialogue._team import Member
from itb_screen.review.chat import ChatReports
from itb_screen.storage import Store

from .conftest import SPEC_FILE, VIGNETTES
from .drive import typed
from .test_redcap import check_values, dictionary, expected_columns, fields_of, missing_codes

COORD = Identity("telegram", "10", "Cora Coordinator", "coordinator")
LEE = Identity("telegram", "11", "Dr Lee", "clinician")
P01 = next(v for v in VIGNETTES if v["id"] == "P01")
REASON = "seizure history found in the clinic letter"
VOID_REASON = "opened for the wrong patient"
SPEC = SPEC_FILE.read_text(encoding="utf-8")
#: The seed statements and the seed's DOI, as the spec gives them.
STATEMENTS = dict(re.findall(r"^\| (S\d+) \| (.+?) \|$", SPEC, re.M))
DOI = re.search(r"doi:(10\.\d+/[\w.]+)\)", SPEC).group(1)
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
#: The code systems of the discussion points and of the other guidance flags (issue 19: apart).
POINTS = "https://itb-screen.example/fhir/CodeSystem/discussion-point"
FLAGS = "https://itb-screen.example/fhir/CodeSystem/other-guidance-flag"
#: other-guidance.md's version of the flags, stored beside the criteria version.
GUIDANCE = "itb-other-guidance-2026.1"


class Team:
    def members(self) -> list[Member]:
        return [Member(COORD), Member(LEE)]


def said(prompts) -> str:
    return "\n".join(p.text for p in prompts)


def answer(d: Dialogue, who: Identity, prompts, stop: int = 99, words: dict | None = None):
    """Answer the open case's questions from P01 (`words[field]` typed instead where given), stopping
    after `stop` of them."""
    for _ in range(stop):
        if prompts[-1].kind != "question":
            break
        field = prompts[-1].field
        line = (words or {}).get(field) or typed(
            QUESTIONS_BY_FIELD[field], P01["answers"].get(field), "numbers"
        )
        prompts = d.handle(who, line)
    return prompts


def confirm(d: Dialogue, who: Identity) -> str:
    prompts = d.handle(who, "confirm")
    if prompts[-1].kind != "result":
        prompts = d.handle(who, "confirm")  # questions unanswered: confirm once more
    assert prompts[-1].kind == "result", said(prompts)
    return said(prompts)


@dataclass(frozen=True)
class Exported:
    csv: dict[str, dict[str, str]]
    redcap: dict[str, dict[str, str]]
    redcap_header: list[str]
    bundle: dict
    events: dict[str, list[dict]]  # ref -> its stored events


def _build(d: Dialogue) -> None:
    """RT-1: Cora answers five questions and hands it to Dr Lee with /handoff; he answers the rest (the
    seizures and the goals `unknown`), confirms, then amends it: seizures yes, not controlled (which
    raises other-guidance.md's `uncontrolled_epilepsy`), with REASON. RT-V:
    screened by Cora and voided. RT-O: open after three questions, the condition `unknown`."""
    d.handle(LEE, "/help")
    answer(d, COORD, d.handle(COORD, "/new RT-1"), stop=5)
    assert "Case RT-1 is now Dr Lee's" in said(d.handle(COORD, "/handoff RT-1 Dr Lee"))
    prompts = answer(d, LEE, d.handle(LEE, "/resume RT-1"), words={"seizures": "unknown", "goals": "unknown"})
    assert prompts[-1].kind == "review"
    confirm(d, LEE)
    assert "Why is case" in said(d.handle(LEE, "/amend RT-1"))
    assert d.handle(LEE, REASON)[-1].kind == "review"
    d.handle(LEE, str(QUESTIONS_BY_FIELD["seizures"].number))
    assert d.handle(LEE, "yes")[-1].field == "seizures_controlled"  # other-guidance.md's follow-up
    assert d.handle(LEE, "no")[-1].kind == "review"
    assert "amended" in confirm(d, LEE)
    answer(d, COORD, d.handle(COORD, "/new RT-V"))
    confirm(d, COORD)
    assert "void" in said(d.handle(COORD, f"/void RT-V {VOID_REASON}"))
    answer(d, COORD, d.handle(COORD, "/new RT-O"), stop=3, words={"primary_condition": "unknown"})


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _rows(text: str, key: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = {row[key]: row for row in reader}
    return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Exported:
    path = tmp_path_factory.mktemp("corrections") / "itb.db"
    with Store(path) as store:
        _build(Dialogue(store, reports=ChatReports(), team=Team()))
        events = {ref: store.events(store.case_by_ref(ref).id) for ref in ("RT-1", "RT-V", "RT-O")}
    db = str(path)
    header, redcap = _rows(run("export", "--db", db, "--format", "redcap", "--include-void"), "record_id")
    return Exported(
        csv=_rows(run("export", "--db", db, "--format", "csv", "--include-void"), "ref")[1],
        redcap=redcap,
        redcap_header=header,
        bundle=json.loads(run("export", "--db", db, "--format", "fhir", "--include-void")),
        events=events,
    )


def event(exported: Exported, ref: str, kind: str) -> dict:
    (found,) = [e for e in exported.events[ref] if e["kind"] == kind]
    return found


# --- CSV --------------------------------------------------------------------------------------------
def test_csv_carries_the_amendment_its_reason_and_time_and_the_voiding(exported):
    amended, void, open_ = (exported.csv[ref] for ref in ("RT-1", "RT-V", "RT-O"))
    at = event(exported, "RT-1", "amend")["at"]
    assert (amended["amended"], amended["amendment_reason"], amended["amended_at"]) == ("1", REASON, at)
    assert (amended["void"], amended["void_reason"]) == ("0", "")
    assert (amended["seizures"], amended["seizures_controlled"]) == ("yes", "no")  # the amended answers
    # other-guidance.md: seizures_controlled = no raises uncontrolled_epilepsy, with its own version.
    assert (amended["other_guidance"], amended["guidance_version"]) == ("uncontrolled_epilepsy", GUIDANCE)
    assert (open_["other_guidance"], open_["guidance_version"]) == ("", "")  # no result yet
    assert (void["void"], void["void_reason"], void["amended"]) == ("1", VOID_REASON, "0")
    assert (open_["amended"], open_["amendment_reason"], open_["amended_at"], open_["void"]) == (
        "0",
        "",
        "",
        "0",
    )


def test_csv_keeps_not_known_apart_from_never_asked(exported):
    assert exported.csv["RT-1"]["goals"] == "unknown"
    open_ = exported.csv["RT-O"]
    assert (open_["primary_condition"], open_["interference"], open_["ambulatory"]) == ("unknown", "", "")


# --- REDCap -----------------------------------------------------------------------------------------
def _ymd_hms(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def test_redcap_records_fit_the_dictionary_with_unk_only_where_declared(exported):
    rows = dictionary()
    codes = missing_codes()
    assert codes == ["UNK"]
    assert exported.redcap_header == expected_columns(rows, codes)
    for record in exported.redcap.values():
        check_values(record, fields_of(rows), codes)


def test_redcap_carries_the_amendment_and_the_voiding(exported):
    amended, void, open_ = (exported.redcap[ref] for ref in ("RT-1", "RT-V", "RT-O"))
    at = _ymd_hms(event(exported, "RT-1", "amend")["at"])
    assert (amended["amended"], amended["amendment_reason"], amended["amended_at"]) == ("1", REASON, at)
    assert (amended["void"], amended["void_reason"], amended["seizures"]) == ("0", "", "yes")
    assert (amended["seizures_controlled"], amended["other_guidance"]) == ("no", "uncontrolled_epilepsy")
    assert amended["guidance_version"] == GUIDANCE
    assert (void["void"], void["void_reason"], void["amended"], void["amended_at"]) == (
        "1",
        VOID_REASON,
        "0",
        "",
    )
    assert (open_["amended"], open_["void"]) == ("0", "0")


def test_redcap_form_is_complete_for_a_confirmed_case_only(exported):
    assert exported.redcap["RT-1"]["itb_screening_complete"] == "2"
    assert exported.redcap["RT-O"]["itb_screening_complete"] == "0"
    assert exported.redcap["RT-V"]["itb_screening_complete"] == "0"


def test_redcap_unk_for_not_known_and_empty_for_never_asked(exported):
    open_, amended = exported.redcap["RT-O"], exported.redcap["RT-1"]
    assert (open_["primary_condition"], open_["disease_course"], open_["ambulatory"]) == ("UNK", "stable", "")
    assert open_["interference___unk"] == "0" and open_["interference___comfort"] == "0"
    goals = [c for c in amended if c.startswith("goals___")]
    assert {c: amended[c] for c in goals if amended[c] != "0"} == {"goals___unk": "1"}
    assert amended["growth_complications___unk"] == "0"  # an adult: never asked


# --- FHIR -------------------------------------------------------------------------------------------
def resources(exported: Exported, kind: str, ref: str | None = None) -> list[dict]:
    """The Bundle's resources of one type, in order; of one case when `ref` is given (by the response's
    full URL that every resource of a case refers to)."""
    entries = exported.bundle["entry"]
    if ref is not None:
        url = next(e["fullUrl"] for e in entries if e["resource"].get("identifier", {}).get("value") == ref)
        entries = [e for e in entries if e["fullUrl"] == url or url in json.dumps(e["resource"])]
    return [e["resource"] for e in entries if e["resource"]["resourceType"] == kind]


def test_the_bundle_and_every_resource_validate(exported):
    Bundle.model_validate(exported.bundle)
    assert exported.bundle["type"] == "collection"
    for entry in exported.bundle["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    kinds = [e["resource"]["resourceType"] for e in exported.bundle["entry"]]
    # RT-1: two results (confirmed, amended), two events (hand-off, amendment); RT-V: one of each.
    assert kinds.count("ClinicalImpression") == 3 and kinds.count("Provenance") == 3
    assert kinds.count("QuestionnaireResponse") == 3 and kinds[0] == "Questionnaire"


def test_the_questionnaire_asks_the_growth_question_when_the_spec_does(exported):
    field, source, below = re.search(r"^\| \d+ \| `(\w+)` \| `(\w+)` < (\d+) \|", SPEC, re.M).groups()
    (questionnaire,) = resources(exported, "Questionnaire")
    item = next(i for i in questionnaire["item"] if i["linkId"] == field)
    assert item["enableWhen"] == [{"question": source, "operator": "<", "answerInteger": int(below)}]


def test_response_status_amended_void_and_open(exported):
    status = {r["identifier"]["value"]: r["status"] for r in resources(exported, "QuestionnaireResponse")}
    assert status == {"RT-1": "amended", "RT-V": "entered-in-error", "RT-O": "in-progress"}


def test_not_known_is_an_item_asked_but_unknown_and_never_asked_no_item(exported):
    (open_,) = resources(exported, "QuestionnaireResponse", "RT-O")
    items = {i["linkId"]: i for i in open_["item"]}
    assert list(items) == ["age_years", "primary_condition", "disease_course"]
    assert "answer" not in items["primary_condition"]
    assert items["primary_condition"]["extension"] == [{"url": DATA_ABSENT, "valueCode": "asked-unknown"}]
    (amended,) = resources(exported, "QuestionnaireResponse", "RT-1")
    goals = next(i for i in amended["item"] if i["linkId"] == "goals")
    assert goals["extension"][0]["valueCode"] == "asked-unknown"


def test_a_clinical_impression_per_result_with_points_statements_and_the_seed(exported):
    (response,) = resources(exported, "QuestionnaireResponse", "RT-1")
    first, second = resources(exported, "ClinicalImpression", "RT-1")
    response_url = f"urn:uuid:{response['id']}"
    expected = P01["expected"]["recommendation"]
    # P01 as the spec decides it; the amendment adds the seizure point (S13) before goal setting.
    for impression, points in ((first, ["goal_setting"]), (second, ["seizure_history", "goal_setting"])):
        assert impression["status"] == "completed"
        assert impression["protocol"] == [f"https://doi.org/{DOI}"]
        assert impression["supportingInfo"] == [{"reference": response_url, "type": "QuestionnaireResponse"}]
        found = [
            f for f in impression["finding"] if f["itemCodeableConcept"]["coding"][0]["system"] == POINTS
        ]
        assert [f["itemCodeableConcept"]["coding"][0]["code"] for f in found] == points
        assert impression["finding"][: len(points)] == found  # the points first, then any flag
        sources = [f["basis"].split(";")[0] for f in found]
        assert [n["text"] for n in impression["note"]][: len(points)] == [
            f'{code} ({s}): "{STATEMENTS[s]}"' for code, s in zip(points, sources, strict=True)
        ]
        assert impression["summary"].startswith("Refer for the ITB screening test")
        assert expected == "refer_for_screening" and "Decision support only" in impression["summary"]
    # The amended result's flag (other-guidance.md: uncontrolled_epilepsy, N2) is a finding of its own.
    assert len(first["finding"]) == 1 and len(second["finding"]) == 3
    flag = second["finding"][-1]
    text = "Uncontrolled epilepsy is a potential contraindication."
    assert flag["itemCodeableConcept"] == {
        "coding": [{"system": FLAGS, "code": "uncontrolled_epilepsy", "display": text}],
        "text": text,
    }
    assert flag["basis"].startswith("Other guidance to check: NICE CG145, under 19s N2; because ")
    assert second["note"][-1]["text"].startswith("uncontrolled_epilepsy (N2): NICE clinical guideline CG145")
    assert "uncontrolled epilepsy" in second["note"][-1]["text"]
    assert second["previous"] == {"reference": f"urn:uuid:{first['id']}", "type": "ClinicalImpression"}
    assert first["assessor"] == second["assessor"] == {"display": "Dr Lee"}
    assert second["description"] == f"Amended by Dr Lee: {REASON}"
    (void,) = resources(exported, "ClinicalImpression", "RT-V")
    assert void["status"] == "entered-in-error"


def test_a_provenance_per_hand_off_amendment_and_voiding(exported):
    handoff, amendment = resources(exported, "Provenance", "RT-1")
    given, amended = event(exported, "RT-1", "handoff"), event(exported, "RT-1", "amend")
    assert handoff["recorded"] == datetime.fromisoformat(given["at"]).isoformat()
    assert [(a["type"]["coding"][0]["code"], a["who"]["display"]) for a in handoff["agent"]] == [
        ("performer", "Cora Coordinator"),
        ("custodian", "Dr Lee"),
    ]
    assert amendment["recorded"] == datetime.fromisoformat(amended["at"]).isoformat()
    assert amendment["reason"] == [{"text": REASON}]
    assert [a["who"]["display"] for a in amendment["agent"]] == ["Dr Lee"]
    (_, second) = resources(exported, "ClinicalImpression", "RT-1")
    assert f"urn:uuid:{second['id']}" in [t["reference"] for t in amendment["target"]]
    (void,) = resources(exported, "Provenance", "RT-V")
    assert (
        void["reason"] == [{"text": VOID_REASON}] and void["agent"][0]["who"]["display"] == "Cora Coordinator"
    )
    assert resources(exported, "Provenance", "RT-O") == []
