"""Hand-offs in the reports (issue 12): who handed what to whom, and when, in `show` (text and JSON), the
referral summary (text, Markdown, HTML), the exports (CSV, JSON, REDCap records) and the `cases` table.

Cases are answered through the dialogue on a real SQLite file; the hand-off itself is stored with
`Store.hand_off` (the dialogue's /handoff is tested with the dialogue), and the receiver resumes the case
and confirms it through the dialogue.
"""

from __future__ import annotations

import csv
import html
import io
import json
from datetime import datetime

import pytest
from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.dialogue import Dialogue, Identity
from itb_screen.review.caseview import case_view, show_json, show_text
from itb_screen.review.summary import render_summary
from itb_screen.storage import Store

from .conftest import VIGNETTES
from .drive import screen, unanswered_asked

ALICE = Identity("console", "alice", "Alice")
BOB = Identity("console", "bob", "Bob")
#: A name with markup in it: the HTML and Markdown summaries must show it as text.
CAROL = Identity("console", "carol", "Carol <C&D>")
ANSWERS = VIGNETTES[0]["answers"]


def _id(store: Store, who: Identity) -> int:
    return store.user(who.channel, who.external_id).id


def _hand(store: Store, ref: str, giver: Identity, receiver: Identity) -> str:
    """The hand-off as storage keeps it; its time as the summary shows it (`2026-11-29 04:41 UTC`)."""
    case = store.case_by_ref(ref)
    assert case is not None
    at = store.hand_off(case.id, _id(store, giver), _id(store, receiver))
    return datetime.fromisoformat(at).strftime("%Y-%m-%d %H:%M UTC")


def _confirm(dialogue: Dialogue, who: Identity, ref: str) -> None:
    assert dialogue.handle(who, f"/resume {ref}")[-1].kind == "review"
    prompts = dialogue.handle(who, "confirm")
    if unanswered_asked(ANSWERS):  # P01 leaves the injury's level unanswered: confirm lists it, then again
        assert prompts[-1].kind == "notice"
        prompts = dialogue.handle(who, "confirm")
    assert prompts[-1].kind == "result"


@pytest.fixture
def cases(store: Store, dialogue: Dialogue) -> dict[str, list[str]]:
    """H-1: pre-screened by Alice, handed to Bob, confirmed by Bob. H-2: Alice -> Bob -> Carol, confirmed
    by Carol. H-3: Alice -> Bob, not confirmed yet. N-1: screened and confirmed by Alice alone.
    Returns each case's hand-off times as the summary shows them."""
    for who in (BOB, CAROL):
        dialogue.handle(who, "/help")  # the members exist before anything is handed to them
    times: dict[str, list[str]] = {}
    for ref in ("H-1", "H-2", "H-3"):
        assert screen(dialogue, ALICE, ref, ANSWERS, confirm=False)[-1].kind == "review"
        times[ref] = [_hand(store, ref, ALICE, BOB)]
    times["H-2"].append(_hand(store, "H-2", BOB, CAROL))
    _confirm(dialogue, BOB, "H-1")
    _confirm(dialogue, CAROL, "H-2")
    assert screen(dialogue, ALICE, "N-1", ANSWERS)[-1].kind == "result"
    times["N-1"] = []
    return times


def _case(store: Store, ref: str):
    case = store.case_by_ref(ref)
    assert case is not None
    return case


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


# --- show -------------------------------------------------------------------------------------------
def test_show_lists_each_hand_off_from_whom_to_whom_in_order(store, cases):
    text = show_text(store, _case(store, "H-2"))
    assert text.startswith("Case H-2: Finished, owner Carol <C&D>\n")
    first = text.index("\nHanded from Alice to Bob on 20")
    second = text.index("\nHanded from Bob to Carol <C&D> on 20")
    assert first < second
    assert "Handed from" not in show_text(store, _case(store, "N-1"))


def test_show_json_has_the_hand_offs_and_the_receiver_of_each_event(store, cases, db_path):
    data = json.loads(run("show", "H-2", "--db", str(db_path), "--format", "json"))
    assert data["user"] == "Carol <C&D>"
    assert [(h["from"], h["to"]) for h in data["handoffs"]] == [("Alice", "Bob"), ("Bob", "Carol <C&D>")]
    assert [(e["kind"], e["by"], e["to"]) for e in data["events"]] == [
        ("handoff", "Alice", "Bob"),
        ("handoff", "Bob", "Carol <C&D>"),
    ]
    assert data["handoffs"][0]["at"] <= data["handoffs"][1]["at"]
    plain = show_json(store, _case(store, "N-1"))
    assert plain["handoffs"] == [] and plain["events"] == []


# --- the referral summary ---------------------------------------------------------------------------
def test_summary_says_who_pre_screened_and_who_completed(store, cases):
    text = render_summary(case_view(store, _case(store, "H-1")), "text")
    (at,) = cases["H-1"]
    assert f"\nPre-screened by Alice, completed by Bob; handed from Alice to Bob on {at}.\n" in text
    assert "Screened by:" not in text


def test_summary_of_several_hand_offs_names_each_in_order(store, cases):
    text = render_summary(case_view(store, _case(store, "H-2")), "text")
    one, two = cases["H-2"]
    line = (
        f"Pre-screened by Alice, completed by Carol <C&D>; handed from Alice to Bob on {one}, "
        f"from Bob to Carol <C&D> on {two}."
    )
    assert f"\n{line}\n" in text


def test_summary_of_a_case_handed_on_and_not_confirmed_says_with_whom_it_is(store, cases):
    text = render_summary(case_view(store, _case(store, "H-3")), "text")
    (at,) = cases["H-3"]
    assert f"\nPre-screened by Alice, now with Bob; handed from Alice to Bob on {at}.\n" in text


def test_summary_in_html_and_markdown_escapes_the_names(store, cases):
    view = case_view(store, _case(store, "H-2"))
    one, two = cases["H-2"]
    line = (
        f"Pre-screened by Alice, completed by Carol <C&D>; handed from Alice to Bob on {one}, "
        f"from Bob to Carol <C&D> on {two}."
    )
    page = render_summary(view, "html")
    assert f'<p class="handoffs">{html.escape(line)}</p>' in page
    assert "<C&D>" not in page
    markdown = render_summary(view, "markdown")
    assert "Pre-screened by Alice, completed by Carol \\<C\\&D\\>; handed from Alice to Bob" in markdown


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_case_never_handed_on_says_only_who_screened_it(store, cases, fmt):
    document = render_summary(case_view(store, _case(store, "N-1")), fmt)
    assert "Screened by" in document and "Alice" in document
    assert "Pre-screened" not in document and "handed" not in document.lower()


# --- exports and the listing -------------------------------------------------------------------------
def _stamps(store: Store, ref: str) -> list[str]:
    return [h["at"] for h in store.handoffs(_case(store, ref).id)]


def test_csv_export_has_a_handoffs_column(store, cases, db_path):
    rows = {r["ref"]: r for r in csv.DictReader(io.StringIO(run("export", "--db", str(db_path))))}
    one, two = _stamps(store, "H-2")
    assert rows["H-2"]["handoffs"] == f"Alice -> Bob ({one}); Bob -> Carol <C&D> ({two})"
    assert rows["H-1"]["handoffs"] == f"Alice -> Bob ({_stamps(store, 'H-1')[0]})"
    assert rows["H-1"]["user"] == "Bob"
    assert rows["N-1"]["handoffs"] == ""


def test_json_export_has_the_hand_offs_as_objects(store, cases, db_path):
    exported = {c["ref"]: c for c in json.loads(run("export", "--db", str(db_path), "--format", "json"))}
    one, two = _stamps(store, "H-2")
    assert exported["H-2"]["handoffs"] == [
        {"at": one, "from": "Alice", "to": "Bob"},
        {"at": two, "from": "Bob", "to": "Carol <C&D>"},
    ]
    assert [(e["by"], e["to"]) for e in exported["H-2"]["events"]] == [
        ("Alice", "Bob"),
        ("Bob", "Carol <C&D>"),
    ]
    assert exported["N-1"]["handoffs"] == []


def test_redcap_records_have_the_hand_offs_in_a_notes_field(store, cases, db_path):
    rows = {
        r["record_id"]: r
        for r in csv.DictReader(io.StringIO(run("export", "--db", str(db_path), "--format", "redcap")))
    }
    one, two = (datetime.fromisoformat(at).strftime("%Y-%m-%d %H:%M:%S") for at in _stamps(store, "H-2"))
    assert rows["H-2"]["handoffs"] == f"Alice -> Bob ({one}); Bob -> Carol <C&D> ({two})"
    assert rows["N-1"]["handoffs"] == ""
    dictionary = {
        r["Variable / Field Name"]: r
        for r in csv.DictReader(io.StringIO(run("dictionary", "--format", "redcap")))
    }
    assert dictionary["handoffs"]["Field Type"] == "notes"


def test_cases_table_shows_the_owner_now_and_who_handed_it(cases, db_path):
    table = {line.split()[0]: line for line in run("cases", "--db", str(db_path)).splitlines()[1:]}
    assert "  Bob (from Alice)  " in table["H-1"]
    assert "  Carol <C&D> (from Bob)  " in table["H-2"]
    assert "(from" not in table["N-1"] and "  Alice  " in table["N-1"]


def test_summary_names_telegram_members_as_the_users_file_does(store, dialogue, tmp_path, db_path):
    tele = Identity("telegram", "42", None)
    assert screen(dialogue, tele, "T-1", ANSWERS, confirm=False)[-1].kind == "review"
    dialogue.handle(BOB, "/help")
    at = _hand(store, "T-1", tele, BOB)
    _confirm(dialogue, BOB, "T-1")
    users = tmp_path / "users.toml"
    users.write_text('[[users]]\nid = 42\nname = "Dr Lee"\nrole = "clinician"\n')
    result = CliRunner().invoke(
        cli, ["summary", "T-1", "--db", str(db_path)], env={"ITB_SCREEN_USERS": str(users)}
    )
    assert (
        f"\nPre-screened by Dr Lee, completed by Bob; handed from Dr Lee to Bob on {at}.\n" in result.stdout
    )
