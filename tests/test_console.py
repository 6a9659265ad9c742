"""The console channel and the `cases`, `diagram` and `run` commands, through real subprocesses."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from itb_screen.criteria import QUESTIONS_BY_FIELD, RECOMMENDATIONS

from .conftest import ROOT, VIGNETTE_IDS, VIGNETTES
from .drive import STYLES, asked_by_contract, typed, unanswered_asked
from .test_catalogue import guidance_sources


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "itb_screen", *args]


def env_without_token() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "ITB_SCREEN_DB")}
    return env


def itb(*args: str, stdin: str = "", env: dict | None = None, check: bool = False):
    """`python -m itb_screen ARGS` with `stdin` piped in, no Telegram token: the finished process."""
    return subprocess.run(
        command(*args),
        input=stdin,
        capture_output=True,
        text=True,
        env=env_without_token() if env is None else env,
        check=check,
        timeout=60,
    )


def lines_for(case: dict, ref: str, style: str) -> list[str]:
    """The lines a clinician types for a vignette: an answer (or skip) for every question the spec and
    other-guidance.md ask for its answers, then confirm (twice when one is left unanswered)."""
    answers = {k: v for k, v in case["answers"].items() if v != "unknown"}
    confirms = ["confirm", "confirm"] if unanswered_asked(answers) else ["confirm"]
    return (
        [f"/new {ref}"]
        + [typed(QUESTIONS_BY_FIELD[f], answers.get(f), style) for f in asked_by_contract(answers)]
        + confirms
    )


def cases_json(db) -> list[dict]:
    out = itb("cases", "--db", str(db), "--json", check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("index", range(len(VIGNETTES)), ids=VIGNETTE_IDS)
def test_piped_vignette_ends_with_the_recommendation(index, db_path):
    case = VIGNETTES[index]
    db = db_path
    ref = f"PIPE-{case['id']}"
    stdin = "\n".join(lines_for(case, ref, STYLES[index % 3])) + "\n"
    run = itb("console", "--db", str(db), "--user", "dr-lee", stdin=stdin)
    assert run.returncode == 0, run.stderr
    expected = case["expected"]["recommendation"]
    assert f"({expected})" in run.stdout
    assert RECOMMENDATIONS[expected].title in run.stdout
    assert "does not replace the ITB screening test" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    [record] = cases_json(db)
    assert record["ref"] == ref and record["user"] == "dr-lee" and record["status"] == "done"
    assert record["result"]["recommendation"] == expected
    assert [p["code"] for p in record["result"]["discussion_points"]] == case["expected"]["discussion_points"]


def test_end_of_input_mid_case_keeps_the_answers(db_path):
    db = db_path
    lines = lines_for(VIGNETTES[0], "HALF-1", "numbers")[:6]
    run = itb("console", "--db", str(db), "--user", "u", stdin="\n".join(lines) + "\n")
    assert run.returncode == 0
    [record] = cases_json(db)
    assert record["status"] == "open" and record["result"] is None
    # The first five questions asked: P01 (a cord injury) leaves the injury's level (2b) unanswered.
    assert list(record["answers"]) == [
        f for f in asked_by_contract(VIGNETTES[0]["answers"])[:5] if f != "sci_level_t6_or_above"
    ]


class Console:
    """A console subprocess fed line by line, its output read by a thread."""

    def __init__(self, db, user: str) -> None:
        self.process = subprocess.Popen(
            command("console", "--db", str(db), "--user", user),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env_without_token(),
            bufsize=1,
            # A test run started in the background (`cmd &`) ignores SIGINT, and a child inherits that:
            # Python then installs no Ctrl-C handler. The console is tested as a terminal starts it.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.output: queue.Queue[str] = queue.Queue()
        self.seen = ""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.put(line)

    def wait_for(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            try:
                self.seen += self.output.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"{text!r} not seen; output so far:\n{self.seen}") from None

    def send(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            stream.close()


def test_killed_halfway_then_restarted_finishes_with_nothing_lost(db_path):
    case = next(v for v in VIGNETTES if v["id"] == "P09")  # a child: skip logic across the restart
    db = db_path
    lines = lines_for(case, "KILL-1", "labels")
    half = len(lines) // 2
    first = Console(db, "dr-kill")
    first.wait_for("Type /new REF")
    for number, line in enumerate(lines[:half]):
        first.send(line)
        first.wait_for(f"question {number + 1} of")  # each answer is committed before the next question
    first.kill()
    assert first.process.returncode == -signal.SIGKILL

    [record] = cases_json(db)
    # Every line typed before the kill is kept; a skipped follow-up (P09 walks and has seizures) stores none.
    kept = [f for f in asked_by_contract(case["answers"])[: half - 1] if f in case["answers"]]
    assert list(record["answers"]) == kept and record["status"] == "open"

    rest = "\n".join(["/resume KILL-1", *lines[half:]]) + "\n"
    run = itb("console", "--db", str(db), "--user", "dr-kill", stdin=rest)
    assert run.returncode == 0, run.stderr
    assert f"question {half} of" in run.stdout  # resumed at the open question
    expected = case["expected"]["recommendation"]
    assert f"({expected})" in run.stdout
    [record] = cases_json(db)
    assert record["result"]["recommendation"] == expected
    assert [p["code"] for p in record["result"]["discussion_points"]] == case["expected"]["discussion_points"]


def test_run_without_a_token_starts_the_console(db_path):
    run = itb("run", "--db", str(db_path), "--user", "x", stdin="/help\n")
    assert run.returncode == 0
    assert run.stderr.strip().splitlines() == ["TELEGRAM_BOT_TOKEN is not set: starting the console channel."]
    assert "/new [REF]" in run.stdout


def test_database_from_the_environment(tmp_path):
    env = {**env_without_token(), "ITB_SCREEN_DB": str(tmp_path / "env.db")}
    itb("console", "--user", "e", stdin="/new ENV-1\n", env=env, check=True)
    assert (tmp_path / "env.db").exists()
    out = subprocess.run(command("cases", "--json"), env=env, capture_output=True, text=True, check=True)
    assert [c["ref"] for c in json.loads(out.stdout)] == ["ENV-1"]


def test_cases_table_is_aligned(db_path):
    db = db_path
    itb("console", "--db", str(db), "--user", "a", stdin="/new TABLE-1\n40\n/new T-2\n", check=True)
    out = subprocess.run(command("cases", "--db", str(db)), capture_output=True, text=True, check=True)
    header, *rows = out.stdout.splitlines()
    assert header.split() == ["REF", "USER", "STATUS", "PROGRESS", "RECOMMENDATION", "UPDATED"]
    assert {r.split()[0] for r in rows} == {"TABLE-1", "T-2"}
    lines = out.stdout.splitlines()
    assert len({line.index("STATUS") if "STATUS" in line else line.index("open") for line in lines}) == 1


def test_readme_diagram_is_current():
    out = subprocess.run(command("diagram"), capture_output=True, text=True, check=True)
    assert out.stdout.startswith("---\nITB Screen dialogue\n---\nstateDiagram-v2")
    readme = (ROOT / "README.md").read_text()
    stale = "README.md's diagram is stale: paste `itb-screen diagram`"
    assert f"```mermaid\n{out.stdout}```" in readme, stale


def test_summary_in_the_console_after_a_screening(db_path):
    case = next(v for v in VIGNETTES if v["id"] == "P07")
    stdin = "\n".join(["/summary", *lines_for(case, "SUM-P07", "codes"), "/summary"]) + "\n"
    run = itb("console", "--db", str(db_path), "--user", "coord", stdin=stdin)
    assert run.returncode == 0
    assert "No case is open: /summary REF names one" in run.stdout
    summary = run.stdout.split("> /summary")[-1]
    assert "ITB screening referral summary" in summary
    assert "SUM-P07" in summary and "Refer after team review" in summary
    assert "refer_after_review" not in summary  # codes stay in JSON, CSV and FHIR
    assert "(S11; because the cost is a concern for the patient or family)" in summary


def test_a_summary_of_another_users_case_is_audited(store):
    from itb_screen.dialogue import Dialogue, Identity
    from itb_screen.review.chat import ChatReports

    from .drive import screen

    dialogue = Dialogue(store, reports=ChatReports())
    screen(dialogue, Identity("telegram", "1", "Owner"), "AUD-1", VIGNETTES[0]["answers"])
    clinician, reviewer = Identity("telegram", "2", "Other"), Identity("telegram", "2", "Other", "reviewer")
    assert "None of your cases" in dialogue.handle(clinician, "/summary AUD-1")[0].text
    assert store.db.execute("SELECT count(*) FROM audit").fetchone()[0] == 0
    assert "AUD-1" in dialogue.handle(reviewer, "/summary AUD-1")[0].text
    assert store.db.execute("SELECT external_id, event, detail FROM audit").fetchall() == [
        ("2", "read_case", "summary AUD-1")
    ]


def test_ctrl_c_leaves_with_the_answers_saved(db_path):
    db = db_path
    console = Console(db, "dr-int")
    console.wait_for("Type /new REF")
    console.send("/new INT-1")
    console.wait_for("question 1 of")
    console.send("40")
    console.wait_for("question 2 of")
    console.process.send_signal(signal.SIGINT)
    assert console.process.wait(timeout=10) == 0
    console.wait_for("Bye: your answers are saved")
    for stream in (console.process.stdin, console.process.stdout, console.process.stderr):
        stream.close()
    [record] = cases_json(db)
    assert record["answers"] == {"age_years": 40}


def test_a_console_started_again_says_which_case_it_continues(db_path):
    db = str(db_path)
    first = itb("console", "--db", db, "--user", "lee", stdin="/new CONT-9\n45\n")
    assert first.returncode == 0
    again = itb("console", "--db", db, "--user", "lee", stdin="MS\n")
    assert "Continuing case CONT-9, question 2 of 18." in again.stdout
    assert "Saved (Condition): Multiple sclerosis" in again.stdout
    other = itb("console", "--db", db, "--user", "sam", stdin="")
    assert "Continuing" not in other.stdout  # another user has no open case


def test_natural_answers_piped_to_the_console_screen_a_case(db_path):
    """The README's transcript: a clinician's own words, each said back, to the recommendation."""
    words = {
        "age_years": "aged 45",
        "primary_condition": "MS",
        "disease_course": "worsening",
        "interference": "mobility and care",
        "ambulatory": "y",
        "relies_on_spasticity": "no, tone gets in the way",
        "prior_treatments": "oral, botox and physio",
        "cognitive_impairment": "n",
        "baclofen_reaction": "no",
        "active_infection": "nil",
        "goals": "walking, transfers",
        "goals_realistic": "yes",
        "mental_health": "no",
        "psychosocial_compliance_concerns": "nope",
        "financial_burden": "n",
        "hydrocephalus_shunt": "n",
        "seizures": "no",
        "abdominal_pelvic_surgery": "n",
    }
    # In the order the contracts ask them for these answers; a question added to them is answered No.
    known = {
        "age_years": 45,
        "primary_condition": "multiple_sclerosis",
        "ambulatory": "yes",
        "seizures": "no",
    }
    lines = ["/new NAT-1", *(words.get(field, "no") for field in asked_by_contract(known)), "confirm"]
    run = itb("console", "--db", str(db_path), "--user", "lee", stdin="\n".join(lines) + "\n")
    assert run.returncode == 0 and "Traceback" not in run.stderr
    for said in (
        "Saved (Age): 45 years",
        "Saved (Condition): Multiple sclerosis",
        "Saved (Course): Progressive",
        "Saved (Interference): Mobility, Caregiver assistance",
        "Saved (Relies on spasticity): No (note: tone gets in the way)",
        "Saved (Prior treatments): Oral antispasticity medication, Botulinum toxin, Rehabilitation",
        "Saved (Baclofen reaction): No reaction",
        "Saved (Goals): Improve transfers, Improve walking",
    ):
        assert said in run.stdout, said
    assert "Case NAT-1: Refer for the ITB screening test" in run.stdout
    [record] = cases_json(db_path)
    assert record["answers"]["primary_condition"] == "multiple_sclerosis"
    assert record["answers"]["interference"] == ["mobility", "caregiver_assistance"]
    assert record["answers"]["mental_health"] == "none" and record["answers"]["baclofen_reaction"] == "none"
    assert record["result"]["recommendation"] == "refer_for_screening"


def test_readme_transcript_is_what_the_console_says(db_path):
    """README.md's typed transcript: feed its `> ` lines; every line it shows the bot saying is said."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```text\n> /new SPAS-014", 1)[1].split("```", 1)[0]
    lines = ["> /new SPAS-014", *block.strip("\n").splitlines()]
    typed_lines = [line[2:] for line in lines if line.startswith("> ")]
    said = [line for line in lines if not line.startswith("> ") and line != "..."]
    assert len(typed_lines) >= 8 and any(line.startswith("Did you mean") for line in said)
    run = itb("console", "--db", str(db_path), "--user", "lee", stdin="\n".join(typed_lines) + "\n")
    out = run.stdout.splitlines()
    position = 0
    for line in said:  # in order
        position = out.index(line, position) + 1


def test_follow_ups_in_the_console_typed_explained_changed_and_dropped(db_path):
    """other-guidance.md's follow-ups typed in the console (issue 19): the injury's level read from `T4
    complete` as question 3 of 19, `?` at the seizure question quoting NICE; at the review `2b` changes the
    level, seizures changed to yes asks 17a before the review, and the condition changed to a stroke drops
    2b from the review and its flag from the result while the history keeps it."""
    p04 = next(v for v in VIGNETTES if v["id"] == "P04")["answers"]
    answers = {**p04, "primary_condition": "spinal_cord_injury"}
    rest = [typed(QUESTIONS_BY_FIELD[f], answers.get(f), "labels") for f in asked_by_contract(answers)[3:]]
    lines = ["/new CON-FU", "45", "SCI", "T4 complete", *rest, "2b", "L1", "17", "yes", "?"]
    lines += ["breakthrough seizures monthly", "2", "stroke", "confirm"]
    run = itb("console", "--db", str(db_path), "--user", "lee", stdin="\n".join(lines) + "\n")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    out = run.stdout
    assert "Case CON-FU - question 3 of 19\nIs the spinal cord injury at T6 or above?" in out
    assert "Saved (Injury at T6 or above): Yes, T6 or above" in out
    assert "Saved (Injury at T6 or above): No, below T6" in out  # changed at the review by its tag
    assert "Case CON-FU - question 19 of 20\nAre the seizures controlled?" in out
    assert f'Why it is asked (NICE CG145, under 19s, N2): "{guidance_sources()["N2"]}' in out
    assert "Saved (Seizures controlled): No" in out
    reviews = out.split("Review case CON-FU")
    assert (
        "2b. Is the spinal cord injury" in reviews[-2] and "17a. Are the seizures controlled?" in reviews[-2]
    )
    assert "2b." not in reviews[-1] and "17a. Are the seizures controlled? \u2014 No" in reviews[-1]
    [record] = cases_json(db_path)
    assert [f["code"] for f in record["result"]["other_guidance"]] == ["uncontrolled_epilepsy"]
    history = itb("show", "CON-FU", "--db", str(db_path), "--history", check=True).stdout
    assert history.count("Q2b Injury at T6 or above:") == 2  # answered, then changed; kept after the drop
