"""The command line's shape: one --format with the older flags as its aliases, examples printed as written,
--db and --user from the environment, one line for a missing extra, and an `evaluate` that loads little."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.cli._errors import MissingExtra
from itb_screen.criteria import QUESTIONS
from itb_screen.dialogue import Identity

from .conftest import ROOT, VIGNETTES
from .drive import screen

ALICE = Identity("console", "alice", "Alice")
#: The REDCap data dictionary's own column names (REDCap's API metadata), first of the CSV's header.
REDCAP_COLUMNS = ["field_name", "form_name", "field_type", "field_label", "choices"]


def run(*args: str, **kwargs):
    return CliRunner().invoke(cli, list(args), **kwargs)


@pytest.fixture
def screened(dialogue, db_path) -> str:
    """Three public vignettes screened and confirmed by Alice: cases F-P01, F-P02, F-P03."""
    for vignette in VIGNETTES[:3]:
        assert screen(dialogue, ALICE, f"F-{vignette['id']}", vignette["answers"])[-1].kind == "result"
    return str(db_path)


# Examples ----------------------------------------------------------------------------------------------
def test_the_example_of_cases_prints_as_written_however_narrow_the_terminal():
    for width in (60, 80, 200):
        lines = [line.strip() for line in run("cases", "--help", terminal_width=width).stdout.splitlines()]
        assert "itb-screen cases --status done --recommendation refer_after_review --format csv" in lines


def test_every_example_prints_as_written():
    """Each command's example is a `\\b` block of its help: shown line for line, never rewrapped."""
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        written = cli.get_command(ctx, name).help.split("Example:", 1)[1]
        assert written.lstrip().startswith("\b\n"), f"{name}: the example is not a \\b block"
        examples = [line.strip() for line in written.lstrip()[2:].splitlines() if line.strip()]
        assert examples and all(f"itb-screen {name}" in line for line in examples), name
        shown = [line.strip() for line in run(name, "--help", terminal_width=60).stdout.splitlines()]
        for line in examples:
            assert line in shown, f"{name}: {line!r} is not shown as written"


# --format and its aliases ------------------------------------------------------------------------------
def parsed(fmt: str, text: str):
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    return json.loads(text)


@pytest.mark.parametrize(
    "command, fmt",
    [
        (("cases",), "json"),
        (("cases",), "csv"),
        (("show", "F-P01"), "json"),
        (("export",), "csv"),
        (("export",), "json"),
        (("export",), "fhir"),
    ],
)
def test_each_old_flag_gives_its_format(screened, command, fmt):
    by_flag = run(*command, "--db", screened, f"--{fmt}")
    by_format = run(*command, "--db", screened, "--format", fmt)
    assert by_flag.exit_code == 0 and by_format.exit_code == 0, by_flag.output + by_format.output
    assert by_flag.stdout == by_format.stdout
    data = parsed(fmt, by_flag.stdout)
    if command[0] == "show":
        assert data["ref"] == "F-P01"
    elif fmt == "fhir":
        kinds = [e["resource"]["resourceType"] for e in data["entry"]]
        assert data["resourceType"] == "Bundle" and kinds.count("QuestionnaireResponse") == 3
        assert kinds.count("ClinicalImpression") == 3  # one result per confirmed case (issue 18)
    else:
        assert sorted(r["ref"] for r in data) == ["F-P01", "F-P02", "F-P03"]


def test_the_human_formats_are_the_defaults(screened):
    table = run("cases", "--db", screened).stdout
    assert table == run("cases", "--db", screened, "--format", "table").stdout
    assert table.split()[:3] == ["REF", "USER", "STATUS"]
    shown = run("show", "F-P01", "--db", screened).stdout
    assert shown == run("show", "F-P01", "--db", screened, "--format", "table").stdout
    assert shown.startswith("Case F-P01: ")
    assert run("export", "--db", screened).stdout == run("export", "--db", screened, "--csv").stdout


@pytest.mark.parametrize("args", [(), ("--csv",), ("--format", "csv")])
def test_the_dictionary_as_csv_is_csv(args):
    text = run("dictionary", *args).stdout
    assert text.startswith(",".join(REDCAP_COLUMNS) + ",")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["field_name"] for r in rows][: len(QUESTIONS)] == [q.field for q in QUESTIONS]
    assert [r["field_name"] for r in rows][-2:] == ["other_guidance", "guidance_version"]  # issue 19
    # Every cell fits a spreadsheet's (Excel: 32,767 characters), though the reader's phrases made by
    # rule (times, cord levels) run to thousands: the dictionary lists the first and counts the rest.
    assert max(len(cell) for row in rows for cell in row.values()) <= 32_767
    tbi = next(r for r in rows if r["field_name"] == "tbi_within_year")["words_read"]
    assert tbi.startswith("yes: within a year, ") and re.search(r" and [\d,]+ more \(criteria/", tbi)


@pytest.mark.parametrize("args", [("--fhir",), ("--format", "fhir")])
def test_the_dictionary_as_fhir_is_a_questionnaire(args):
    data = json.loads(run("dictionary", *args).stdout)
    assert data["resourceType"] == "Questionnaire" and len(data["item"]) == len(QUESTIONS)


def test_the_dictionary_as_json_has_the_rows_of_the_csv():
    rows = list(csv.DictReader(io.StringIO(run("dictionary").stdout)))
    assert json.loads(run("dictionary", "--json").stdout) == rows
    assert json.loads(run("dictionary", "--format", "json").stdout) == rows


@pytest.mark.parametrize(
    "args",
    [
        ("cases", "--json", "--csv"),
        ("cases", "--format", "csv", "--json"),
        ("cases", "--format", "json", "--csv"),
        ("show", "F-P01", "--format", "table", "--json"),
        ("export", "--fhir", "--json"),
        ("export", "--format", "csv", "--fhir"),
        ("dictionary", "--csv", "--fhir"),
        ("dictionary", "--format", "json", "--csv"),
    ],
)
def test_formats_that_disagree_exit_2_in_one_line(screened, args):
    db = () if args[0] == "dictionary" else ("--db", screened)
    result = run(*args, *db)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("Error: choose one format: ")


@pytest.mark.parametrize("args", [("cases", "--format", "json", "--json"), ("export", "--csv", "--csv")])
def test_formats_that_agree_are_one(screened, args):
    result = run(*args, "--db", screened)
    assert result.exit_code == 0, result.output
    assert result.stdout == run(args[0], "--db", screened, "--format", args[2].lstrip("-")).stdout


# The environment ---------------------------------------------------------------------------------------
def test_itb_screen_db_names_the_database_and_db_overrides_it(screened, tmp_path):
    listed = run("cases", "--json", env={"ITB_SCREEN_DB": screened})
    assert [r["ref"] for r in json.loads(listed.stdout)] == ["F-P01", "F-P02", "F-P03"]
    other = tmp_path / "other.db"
    refused = run("cases", "--db", str(other), env={"ITB_SCREEN_DB": screened})
    assert refused.exit_code == 2 and f"no database at {other}" in refused.stderr


def _console(db: str, env: dict, *args: str) -> None:
    clean = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "ITB_SCREEN_USER")}
    subprocess.run(
        [sys.executable, "-m", "itb_screen", "console", "--db", db, *args],
        input="/new ENV-1\n",
        text=True,
        env={**clean, **env},
        capture_output=True,
        check=True,
        cwd=ROOT,
        timeout=60,
    )


def test_itb_screen_user_names_the_console_owner_and_user_overrides_it(tmp_path):
    db = str(tmp_path / "itb.db")
    _console(db, {"ITB_SCREEN_USER": "dr-env"})
    (case,) = json.loads(run("cases", "--db", db, "--json").stdout)
    assert case["user"] == "dr-env"
    other = str(tmp_path / "other.db")
    _console(other, {"ITB_SCREEN_USER": "dr-env"}, "--user", "dr-flag")
    assert json.loads(run("cases", "--db", other, "--json").stdout)[0]["user"] == "dr-flag"


# Missing extras ----------------------------------------------------------------------------------------
def test_without_the_webhooks_extra_run_says_what_to_install(tmp_path, monkeypatch):
    from telegram.ext import _updater

    # How python-telegram-bot records that its webhook server (tornado, the webhooks extra) is missing.
    monkeypatch.setattr(_updater, "WEBHOOKS_AVAILABLE", False)
    db = tmp_path / "itb.db"
    args = ["run", "--db", str(db), "--webhook", "https://bot.example.org/itb"]
    env = {"TELEGRAM_BOT_TOKEN": "123:abc", "ITB_SCREEN_USERS": str(tmp_path / "none.toml")}
    result = run(*args, env=env)
    assert result.exit_code == 1
    assert result.output == (
        "Error: --webhook needs python-telegram-bot's webhook extra: "
        "pip install 'python-telegram-bot[webhooks]'\n"
    )
    assert isinstance(run(*args, env=env, standalone_mode=False).exception, MissingExtra)
    assert not db.exists()


def test_without_datasette_review_raises_missing_extra(screened, monkeypatch):
    import itb_screen.review

    # As if Datasette were not installed: importing it, or any module of it loaded before, fails.
    for name in [m for m in sys.modules if m.partition(".")[0] == "datasette"] + ["datasette"]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "itb_screen.review.site", raising=False)
    monkeypatch.delattr(itb_screen.review, "site", raising=False)
    with socket.socket() as taken:  # should the site load after all, it must fail, not serve
        taken.bind(("127.0.0.1", 0))
        port = str(taken.getsockname()[1])
        result = run("review", "--db", screened, "--port", port, standalone_mode=False)
    assert isinstance(result.exception, MissingExtra), result.exception
    assert "pip install -e '.[review]'" in str(result.exception)


# Loading -----------------------------------------------------------------------------------------------
#: What `evaluate` must not load: it starts fast and needs neither the database nor a channel.
HEAVY = (
    "telegram",
    "sqlite_utils",
    "transitions",
    "datasette",
    "itb_screen.storage",
    "itb_screen.dialogue",
    "itb_screen.review",
    "itb_screen.bot",
)


def test_evaluate_loads_no_storage_dialogue_or_channel(tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps(VIGNETTES[0]["answers"]))
    probe = (
        "import sys\nfrom itb_screen.cli import main\n"
        f"sys.argv = ['itb-screen', 'evaluate', {str(case)!r}]\n"
        "try:\n    main()\nexcept SystemExit as done:\n    assert done.code in (0, None), done.code\n"
        f"print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["recommendation"] == VIGNETTES[0]["expected"]["recommendation"]
    assert done.stderr.strip() == "[]"


def test_python_m_itb_screen_lists_every_command():
    done = subprocess.run(
        [sys.executable, "-m", "itb_screen", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    listed = {line.split()[0] for line in done.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == {
        "backup",
        "cases",
        "console",
        "diagram",
        "dictionary",
        "evaluate",
        "export",
        "purge",
        "reevaluate",
        "review",
        "run",
        "search",
        "show",
        "summary",
        "upgrade",
        "verify",
    }
