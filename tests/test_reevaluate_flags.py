"""`itb-screen reevaluate` on flags stored by an older guidance_version whose codes are today's: in another
order, or with another wording. Each is reported (`order changed`, `reworded CODE`), never as an empty
line, and `--apply` stores a new result with the current order and wording (other-guidance.md: flags "in
this order", each with the table's text). On a real database file, through the real CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.criteria import evaluate, validate_answers
from itb_screen.storage import Store

from .conftest import DATA

GUIDANCE = {v["id"]: v for v in map(json.loads, (DATA / "guidance-public.jsonl").read_text().splitlines())}
OLD = "itb-other-guidance-2025.9"
#: PG01's flags in other-guidance.md's order, and pump_size's text there.
PG01_FLAGS = ["under_label_age", "pump_size", "uncontrolled_epilepsy"]
PUMP_SIZE = "Too small to accommodate a pump: a contraindication in NICE guidance for under 19s."


def run(*args: str) -> str:
    done = CliRunner().invoke(cli, list(args))
    assert done.exit_code == 0, done.output
    return done.output


def _case(store: Store, ref: str, stored: dict) -> None:
    user = store.user("console", "alice", "Alice").id
    case = store.create_case(user, ref, "age_years")
    with store.transaction():
        for field, value in validate_answers(GUIDANCE["PG01"]["answers"]).items():
            store.record_answer(case.id, field, value, user, "answer")
        store.record_result(case.id, stored, user)
        store.save_case(case.id, state="done", status="done", return_to_review=0, pending=None)


def _latest_flags(path: Path) -> dict[str, list[tuple[str, str]]]:
    with Store(path) as store:
        latest = {c.ref: store.latest_result(c.id) for c in store.all_cases()}
    return {
        ref: [(f["code"], f["text"]) for f in row[0]["other_guidance"]] for ref, row in latest.items() if row
    }


def test_reevaluate_reports_flags_reordered_or_reworded_and_apply_stores_today_s(db_path) -> None:
    now = evaluate(validate_answers(GUIDANCE["PG01"]["answers"])).to_dict()
    flags = now["other_guidance"]
    assert [f["code"] for f in flags] == PG01_FLAGS and flags[1]["text"] == PUMP_SIZE
    reworded = [flags[0], {**flags[1], "text": "Too small for a pump."}, flags[2]]
    with Store(db_path) as store:
        _case(store, "ORDER-1", {**now, "other_guidance": flags[::-1], "guidance_version": OLD})
        _case(store, "WORDED-1", {**now, "other_guidance": reworded, "guidance_version": OLD})
        # Raised and reworded at once, and the two kept in another order.
        both = [{**flags[1], "text": "Too small for a pump."}, flags[0]]
        _case(store, "BOTH-1", {**now, "other_guidance": both, "guidance_version": OLD})
        # Raised between two kept in today's order: no order change.
        _case(store, "RAISED-1", {**now, "other_guidance": [flags[0], flags[2]], "guidance_version": OLD})
        _case(store, "SAME-1", now)
    dry = run("reevaluate", "--db", str(db_path))
    flag_lines = dry.split("Other guidance flags:\n")[1]
    assert f"ORDER-1: order changed (stored with {OLD})\n" in flag_lines
    assert f"WORDED-1: reworded pump_size (stored with {OLD})\n" in flag_lines
    assert (
        f"BOTH-1: raised uncontrolled_epilepsy; reworded pump_size; order changed (stored with {OLD})\n"
        in (flag_lines)
    )
    assert f"RAISED-1: raised pump_size (stored with {OLD})\n" in flag_lines
    assert ":  (" not in dry and "SAME-1" not in dry
    assert "No recommendation or discussion point would change." in dry
    assert dry.endswith("4 would change; nothing written (use --apply to store the new results).\n")

    assert "4 new results stored" in run("reevaluate", "--db", str(db_path), "--apply")
    today = [(f["code"], f["text"]) for f in flags]
    assert _latest_flags(db_path) == {
        ref: today for ref in ("ORDER-1", "WORDED-1", "BOTH-1", "RAISED-1", "SAME-1")
    }
    again = run("reevaluate", "--db", str(db_path))
    assert "No other guidance flag would change." in again and "would change;" not in again
