"""A site picks the other guidance it shows (issue 19): `[settings] guidance = ["label", "nice"]` in the
users file, both by default, `[]` for none (other-guidance.md). A bad value stops start-up with one line
naming the file, the key, the value as written and what is allowed, through the real command line: the
console and `run` (which starts the console without a token), `show` and `summary`, and the review site.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from itb_screen.bot.users import AccessList
from itb_screen.cli import cli
from itb_screen.cli.site import shown_guidance, site_settings

ANN = '[[console]]\nuser = "ann"\nrole = "clinician"\n'
#: What every refusal says is allowed: the contract's two groups, both by default, or none.
ALLOWED = 'allowed: a list of "label" and "nice" (both by default), or [] for none'

#: A bad value as written in the file, and what the one line says is wrong with it.
BAD = {
    "not a list": ('"nice"', 'guidance = "nice": it must be a list'),
    "a table": ("{ label = true }", "guidance = {label = true}: it must be a list"),
    "unknown name": (
        '["label", "lable"]',
        """guidance = ["label", "lable"]: unknown guidance source 'lable'""",
    ),
    "twice": ('["nice", "nice"]', 'guidance = ["nice", "nice"]: "nice" is listed twice'),
    "not a string": ('["nice", 1]', 'guidance = ["nice", 1]: 1 is not a name in quotes'),
    "a boolean": ("[true]", "guidance = [true]: true is not a name in quotes"),
}


def users_file(tmp_path: Path, guidance: str | None) -> Path:
    path = tmp_path / "users.toml"
    settings = f"[settings]\nguidance = {guidance}\n\n" if guidance is not None else ""
    path.write_text(settings + ANN, encoding="utf-8")
    return path


def one_line(result, status: int = 1) -> str:
    """The refusal's single line on standard error (a missing token's note aside): the exit status of a
    channel's start-up (1) or of bad input to a command (2), and no traceback."""
    lines = [line for line in result.stderr.splitlines() if "TELEGRAM_BOT_TOKEN" not in line]
    assert result.exit_code == status and len(lines) == 1, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    return lines[0]


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_guidance_value_stops_start_up_with_one_line(tmp_path, case) -> None:
    written, problem = BAD[case]
    users = users_file(tmp_path, written)
    db = tmp_path / "never.db"
    expected = f"Error: {users}: [settings]: {problem}; {ALLOWED}"
    for command in ("console", "run"):  # `run` without a token starts the console: the same refusal
        args = [command, "--db", str(db), "--user", "ann", "--users", str(users)]
        refused = CliRunner(env={"TELEGRAM_BOT_TOKEN": ""}).invoke(cli, args, input="/help\n")
        assert one_line(refused) == expected
    assert not db.exists()


def test_show_summary_and_the_review_site_refuse_a_bad_value_too(tmp_path, db_path, store) -> None:
    store.create_case(store.user("console", "ann").id, "ANY-1", "age_years")
    written, problem = BAD["twice"]
    users = users_file(tmp_path, written)
    runner = CliRunner(env={"ITB_SCREEN_USERS": str(users)})
    db = ["--db", str(db_path)]
    for args in (["show", "ANY-1", *db], ["summary", "ANY-1", *db], ["review", *db]):
        assert one_line(runner.invoke(cli, args), 2) == f"Error: {users}: [settings]: {problem}; {ALLOWED}"


@pytest.mark.parametrize(
    ("written", "groups"),
    [
        (None, {"label", "nice"}),
        ('["label", "nice"]', {"label", "nice"}),
        ('["nice"]', {"nice"}),
        ("[]", set()),
    ],
    ids=["default", "both", "nice", "none"],
)
def test_a_good_value_is_the_groups_shown_and_the_console_starts(tmp_path, written, groups) -> None:
    users = users_file(tmp_path, written)
    assert AccessList(users).settings.guidance == groups
    # What `review --users` serves and what `show` and `summary` show, from the same file.
    assert site_settings(str(users)) == ("UTC", groups) and shown_guidance(str(users)) == groups
    args = ["console", "--db", str(tmp_path / "itb.db"), "--user", "ann", "--users", str(users)]
    started = CliRunner().invoke(cli, args, input="/help\n")
    assert started.exit_code == 0 and started.stderr == "", started.output
