"""Whatever users typed reaches a terminal or a file only as visible escapes (issue 17).

A terminal control sequence (`ESC ] 0; ... BEL` retitles the window), a right-to-left override (U+202E)
or a zero-width space typed into an answer, a message or a name must not act on whoever reads `search`,
`show`, `summary`, `cases`, `export`, `evaluate --format text` or the console. The storage layer keeps
such characters as escapes already; the output side does not rely on it: here they are written raw into
a real database (as an older version, or another tool, could have left them) and every printing command
is run on it.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import unicodedata

import pytest
from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.cli._printable import printable
from itb_screen.criteria import validate_answers
from itb_screen.dialogue import Dialogue, Identity
from itb_screen.review.chat import ChatReports
from itb_screen.storage import open_store

from .conftest import VIGNETTES
from .drive import screen

REF = "HOST-1"
#: A message as hostile as a line can be: a window title set, a bidi override, a zero-width space, an
#: 8-bit CSI, a lone carriage return that would overwrite the line.
HOSTILE = "spasticity \x1b]0;owned\x07 worse \u202eedoc\u202c \u200bhidden \x9b31m red\rOVER"
HOSTILE_NAME = "Mallory\x1b[2J\u202e"
ALICE = Identity("console", "alice", "Alice", "clinician")


def unsafe(text: str) -> list[str]:
    """The characters of `text` no output may carry raw, found apart from `printable`'s own table: every
    control character but tab, newline and a carriage return before a newline, every format character
    (Cf), the line and paragraph separators and lone surrogates."""
    found = []
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if char == "\r" and text[index + 1 : index + 2] == "\n":
            continue
        if (category == "Cc" and char not in "\n\t") or category in ("Cf", "Zl", "Zp", "Cs"):
            found.append(char)
    return found


def test_printable_escapes_every_control_and_format_character_and_keeps_the_rest() -> None:
    every = [chr(c) for c in range(sys.maxunicode + 1)]
    hidden = [c for c in every if unsafe(c)]
    assert len(hidden) > 200
    assert unsafe(printable("".join(hidden))) == []
    assert printable("\x1b]0;x\x07") == "\\x1b]0;x\\x07"
    assert printable("a\u202eb\u200bc\U000e0041") == "a\\u202eb\\u200bc\\U000e0041"
    assert printable("a\rb\r\nc") == "a\\x0db\r\nc"  # a CSV row ends in CRLF; a lone CR rewrites a line
    kept = "Dr Lee, café 中文 Ünïcödé \U0001f44d\ttab\nnext line, 40 % \\x1b as typed"
    assert printable(kept) == kept


@pytest.fixture
def hostile_db(tmp_path, monkeypatch):
    """A finished case whose transcript holds HOSTILE and whose owner is called HOSTILE_NAME, written raw."""
    path = tmp_path / "itb-screen.db"
    monkeypatch.setenv("ITB_SCREEN_DB", str(path))
    monkeypatch.delenv("ITB_SCREEN_USERS", raising=False)
    answers = validate_answers(next(v for v in VIGNETTES if v["id"] == "P01")["answers"])
    with open_store(path) as store:
        dialogue = Dialogue(store, reports=ChatReports())
        screen(dialogue, ALICE, REF, answers)
        dialogue.handle(ALICE, "spasticity is worse")  # a line to overwrite below
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE messages SET text = ? WHERE text = 'spasticity is worse'", (HOSTILE,))
        conn.execute("UPDATE users SET name = ? WHERE external_id = 'alice'", (HOSTILE_NAME,))
    conn.close()
    return path


def run(*args: str, stdin: str | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


PRINTING = {
    "search": (["search", "spasticity"], "\\x1b]0;owned\\x07"),
    "show --transcript": (["show", REF, "--transcript"], "\\u202eedoc\\u202c"),
    "show --history": (["show", REF, "--history"], "Mallory\\x1b[2J\\u202e"),
    "cases": (["cases"], "Mallory\\x1b[2J"),
    "cases --format csv": (["cases", "--format", "csv"], "Mallory\\x1b[2J"),
    "summary": (["summary", REF], "Mallory\\x1b[2J"),
    "summary --format markdown": (["summary", REF, "--format", "markdown"], "Mallory\\x1b\\[2J"),
    "summary --format html": (["summary", REF, "--format", "html"], "Mallory\\x1b[2J"),
    "export": (["export"], "Mallory\\x1b[2J"),
    "export --format redcap": (["export", "--format", "redcap"], ""),
}


@pytest.mark.parametrize("args, escape", PRINTING.values(), ids=PRINTING.keys())
def test_each_printing_command_shows_typed_controls_as_escapes(hostile_db, args, escape) -> None:
    output = run(*args)
    assert unsafe(output) == []
    assert escape in output


def test_the_console_shows_another_members_controls_as_escapes(hostile_db) -> None:
    output = run("console", "--user", "alice", stdin=f"/show {REF}\n")
    assert unsafe(output) == []
    assert "\\x1b]0;owned\\x07" in output and "\\u202eedoc" in output


def test_a_file_written_by_export_holds_escapes(hostile_db, tmp_path) -> None:
    out = tmp_path / "cases.csv"
    run("export", "--format", "csv", "--out", str(out))
    text = out.read_text(encoding="utf-8")
    assert unsafe(text) == [] and "Mallory\\x1b[2J\\u202e" in text


JSON_OUTPUTS = {
    "show": ["show", REF, "--transcript", "--format", "json"],
    "cases": ["cases", "--format", "json"],
    "export json": ["export", "--format", "json"],
    "export fhir": ["export", "--format", "fhir"],
}


@pytest.mark.parametrize("args", JSON_OUTPUTS.values(), ids=JSON_OUTPUTS.keys())
def test_json_output_is_escaped_by_json_itself(hostile_db, args) -> None:
    """json.dumps escapes every control and non-ASCII character, and the JSON still reads back."""
    output = run(*args)
    assert unsafe(output) == []
    assert "\\u001b[2J\\u202e" in output
    assert HOSTILE_NAME in strings(json.loads(output))


def strings(data: object) -> list[str]:
    """Every string in a JSON value."""
    if isinstance(data, str):
        return [data]
    values = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    return [text for value in values for text in strings(value)]


def test_verify_names_an_altered_reference_with_its_controls_as_escapes(hostile_db) -> None:
    """A reference changed by hand (its trigger dropped first) may hold anything: verify names it."""
    conn = sqlite3.connect(hostile_db)
    with conn:
        conn.execute("DROP TRIGGER cases_changed")
        conn.execute("UPDATE cases SET ref = ? WHERE ref = ?", ("HOST\x1b]0;owned\x07\u202e", REF))
    conn.close()
    result = CliRunner().invoke(cli, ["verify"])
    assert result.exit_code == 1
    assert unsafe(result.output) == []
    assert "HOST\\x1b]0;owned\\x07\\u202e" in result.output


def test_evaluate_text_shows_an_ids_controls_as_escapes() -> None:
    case = {"id": "V\x1b]0;owned\x07\u202e1", "answers": {"interference": ["none"]}}
    output = run("evaluate", "--format", "text", "-", stdin=json.dumps(case))
    assert unsafe(output) == []
    assert re.search(r"Case V\\x1b\]0;owned\\x07\\u202e1", output)
    as_json = run("evaluate", "-", stdin=json.dumps(case))
    assert unsafe(as_json) == [] and json.loads(as_json)["id"] == case["id"]
