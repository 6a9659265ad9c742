"""The console as a full member of the team (issue 18, part 4): the users file gives a console user their
role, notices and reminders are shown at the user's next line, once, and the console never says "tap".

The console runs through the real command line (click's CliRunner, in-process) or `run_console`, on real
SQLite files; a colleague acts between two of a user's lines through the command line too.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from itb_screen.bot.console import run_console
from itb_screen.bot.users import AccessList
from itb_screen.cli import cli
from itb_screen.criteria import QUESTIONS_BY_FIELD, RECOMMENDATIONS, asked_fields
from itb_screen.dialogue import Capabilities, Dialogue, Identity
from itb_screen.review.chat import ChatReports
from itb_screen.storage import Store

from .conftest import VIGNETTES
from .drive import screen, typed, unanswered_asked

BY_ID = {v["id"]: v for v in VIGNETTES}
#: A case the team reviews together (the spec's rule 5), so members with notify hear of it.
FOR_REVIEW = BY_ID["P07"]
assert FOR_REVIEW["expected"]["recommendation"] == "refer_after_review"

TELEGRAM_LEE = '[[users]]\nid = 4242\nname = "Dr Tel"\nrole = "clinician"\n'
RITA = '[[console]]\nuser = "rita"\nname = "Rita Reviewer"\nrole = "reviewer"\nnotify = true\n'
CORA = '[[console]]\nuser = "cora"\nrole = "coordinator"\n'


def users_file(tmp_path: Path, *entries: str, settings: str = "") -> Path:
    path = tmp_path / "users.toml"
    path.write_text(settings + "".join(entries), encoding="utf-8")
    return path


def console(db: Path, user: str, users: Path, *lines: str):
    """`itb-screen console --db DB --user USER --users FILE` with `lines` piped in: the finished run."""
    args = ["console", "--db", str(db), "--user", user, "--users", str(users)]
    return CliRunner().invoke(cli, args, input="".join(f"{line}\n" for line in lines))


def answers_of(vignette: dict) -> dict:
    return {k: v for k, v in vignette["answers"].items() if v != "unknown"}


def typed_answers(answers: dict) -> list[str]:
    return [typed(QUESTIONS_BY_FIELD[f], answers.get(f), "numbers") for f in asked_fields(answers)]


def confirms(answers: dict) -> list[str]:
    """`confirm`, twice when asked questions are left unanswered (the dialogue asks once more)."""
    return ["confirm", "confirm"] if unanswered_asked(answers) else ["confirm"]


def replies(stdout: str) -> list[str]:
    """What the console printed after each echoed input line (`> LINE`), in order."""
    return re.split(r"^> .*$", stdout, flags=re.MULTILINE)[1:]


# A reviewer at the console ---------------------------------------------------------------------------
def test_a_console_reviewer_from_the_users_file_reads_lists_and_amends_any_case(tmp_path, db_path) -> None:
    users = users_file(tmp_path, TELEGRAM_LEE, RITA, CORA)
    answers = answers_of(FOR_REVIEW)
    done = console(db_path, "cora", users, "/new CT-1", *typed_answers(answers), *confirms(answers))
    assert done.exit_code == 0, done.output
    title = RECOMMENDATIONS["refer_after_review"].title
    assert title in done.stdout

    rita = console(db_path, "rita", users, "/cases all", "/show CT-1", "/digest", "/amend CT-1", "age typo")
    assert rita.exit_code == 0, rita.output
    start, listed, shown, digest, _, _ = [rita.stdout.split("> ", 1)[0], *replies(rita.stdout)]
    # Told at once (notify = true), with the command to read it instead of a button.
    assert "Notice: Case CT-1 was confirmed by cora" in start and title in start and "/show CT-1" in start
    assert re.search(r"^- CT-1: cora\b", listed, re.MULTILINE)
    assert "owner cora" in shown and "Answers:" in shown and f"Age: {answers['age_years']} years" in shown
    assert re.search(rf"{title}: .*CT-1", digest)
    # The amendment of another member's case, as a reviewer may in Telegram.
    again = console(db_path, "rita", users, *confirms(answers))
    assert "CT-1 amended" in again.stdout
    with Store(db_path) as store:
        case = store.case_by_ref("CT-1")
        assert len(store.results(case.id)) == 2 and case.user_id == store.user("console", "cora").id

    # A console user the file does not list is a clinician: none of the reviewer's reads.
    dave = console(db_path, "dave", users, "/cases all", "/show CT-1", "/digest")
    all_cases, show, digest = replies(dave.stdout)
    assert "CT-1" not in all_cases + digest and "Answers:" not in show and "owner cora" not in show
    # Taken out of the file, rita is a clinician from her next start (the stored role goes too).
    users_file(tmp_path, TELEGRAM_LEE, CORA)
    [after] = replies(console(db_path, "rita", users, "/cases all").stdout)
    assert "CT-1: cora" not in after


def test_users_named_by_option_puts_the_chain_key_beside_the_file_as_the_variable_does(tmp_path) -> None:
    """The bot, started with ITB_SCREEN_USERS, and a console given --users find one key (beside the file)."""
    (tmp_path / "conf").mkdir()
    users = users_file(tmp_path / "conf", RITA)
    args = ["console", "--db", str(tmp_path / "new.db"), "--user", "rita", "--users", str(users)]
    env = {"ITB_SCREEN_KEY_FILE": None, "ITB_SCREEN_USERS": None}
    assert CliRunner(env=env).invoke(cli, args, input="/new KEY-1\n").exit_code == 0
    assert (tmp_path / "conf" / "itb-screen.key").exists() and not (tmp_path / "itb-screen.key").exists()


# Notices and reminders at the next line -------------------------------------------------------------
class Typing(io.StringIO):
    """A user typing `lines` one at a time; `meanwhile[i]` runs before line i is read (a colleague)."""

    def __init__(self, lines: list[str], meanwhile: dict[int, Callable[[], object]]) -> None:
        super().__init__()
        self.lines, self.meanwhile, self.read = lines, meanwhile, 0

    def readline(self, size: int | None = -1) -> str:
        if self.read in self.meanwhile:
            self.meanwhile[self.read]()
        if self.read == len(self.lines):
            return ""
        self.read += 1
        return self.lines[self.read - 1] + "\n"


def rita_types(db: Path, users: Path, lines: list[str], meanwhile: dict[int, Callable[[], object]]) -> str:
    out = io.StringIO()
    with Store(db) as store:
        assert (
            run_console(store, "rita", Typing(lines, meanwhile), out, io.StringIO(), AccessList(users)) == 0
        )
    return out.getvalue()


def test_a_notice_and_a_reminder_are_shown_at_the_next_line_once_also_after_a_restart(
    tmp_path, db_path
) -> None:
    # Reminders after 0.1 s idle; quiet hours all day, which the console (nobody's phone) does not keep.
    settings = '[settings]\nreminder_hours = 0.00003\nquiet_hours = "00:00-23:59"\n'
    users = users_file(tmp_path, RITA, CORA, settings=settings)
    hand_off = lambda: console(db_path, "cora", users, "/new CT-2", "40", "/handoff CT-2 rita")  # noqa: E731
    first = rita_types(
        db_path, users, ["/cases", "/cases", "/cases"], {1: hand_off, 2: lambda: time.sleep(0.2)}
    )
    before, handed, idle = replies(first)
    assert "CT-2" not in before
    # Before the reply to the next line, with the command to type instead of a button.
    notice = (
        "Notice: cora handed you case CT-2: it waits at question 2 of 18.\nType /resume CT-2 to continue it."
    )
    assert handed.lstrip("\n").startswith(notice) and handed.index(notice) < handed.index("- CT-2:")
    reminder = "Notice: Case CT-2 waits at question 2 of 18."
    assert reminder in handed + idle

    restarted = rita_types(db_path, users, ["/cases"], {})
    everything = first + restarted
    assert everything.count("handed you case CT-2") == 1 and everything.count(reminder) == 1
    with Store(db_path) as store:  # committed as delivered, each
        sent = store.notices_to(store.user("console", "rita").id)
        assert len(sent) == 2 and all(n["sent_at"] for n in sent)


def test_a_case_confirmed_in_telegram_reaches_a_console_reviewer_at_her_next_line(tmp_path, db_path) -> None:
    from itb_screen.bot.telegram.team import TelegramTeam  # the bot's own team list, with its users file

    users = users_file(tmp_path, TELEGRAM_LEE, RITA)

    def in_telegram() -> None:
        with Store(db_path) as store:
            bot = Dialogue(store, reports=ChatReports(), team=TelegramTeam(AccessList(users)))
            screen(bot, Identity("telegram", "4242", "Dr Tel", "clinician"), "CT-4", answers_of(FOR_REVIEW))

    before, told = replies(rita_types(db_path, users, ["/cases", "/cases"], {1: in_telegram}))
    assert "CT-4" not in before
    assert told.startswith("\nNotice: Case CT-4 was confirmed by Dr Tel") and "Type /show CT-4" in told


# The console's words ----------------------------------------------------------------------------------
def test_no_console_output_of_a_screening_with_hand_off_and_review_says_tap(tmp_path, db_path) -> None:
    users = users_file(tmp_path, TELEGRAM_LEE, RITA, CORA)
    answers = answers_of(FOR_REVIEW)
    asked = typed_answers(answers)
    cora_starts = ["/start", "/help", "/new CT-3", *asked[:4], "/handoff", "/handoff CT-3 lee"]
    lee_finishes = ["/start", "/resume CT-3", *asked[4:], *confirms(answers), "/summary CT-3"]
    rita_amends = ["/cases all", "/show CT-3", "/digest", "/amend CT-3", "typo", "1", "41"]
    runs = [
        console(db_path, "lee", users, "/cases"),  # not in the file: known to the console from now on
        console(db_path, "cora", users, *cora_starts),
        console(db_path, "lee", users, *lee_finishes),
        console(db_path, "lee", users, "/remind", "/remind off", "/remind on", "/handoff CT-3"),
        console(db_path, "cora", users, "/cases"),
        console(db_path, "rita", users, *rita_amends),
        console(db_path, "rita", users, *confirms(answers), "/void CT-3 entered twice", "/help"),
    ]
    out = "\n".join(run.stdout + run.stderr for run in runs)
    assert all(run.exit_code == 0 for run in runs), out
    # The flow went through: handed on, confirmed, told, amended, voided; members listed to type.
    assert "Case CT-3 is now lee's" in out and RECOMMENDATIONS["refer_after_review"].title in out
    assert "Notice: Case CT-3, which you handed on, was confirmed by lee" in out
    assert "Type /handoff CT-3 NAME" in out and "Dr Tel (id 4242)" in out
    assert "CT-3 amended" in out and "Case CT-3 is void" in out
    assert "/remind on|off" in out  # shown at the next line, so offered
    assert not re.search(r"\btap", out, re.IGNORECASE), re.search(r".*\btap.*", out, re.IGNORECASE)[0]
    assert not re.search(r"\bbuttons?\b", out, re.IGNORECASE)


class Nobody:
    """A team list with nobody on it."""

    def members(self) -> list:
        return []


def test_help_offers_only_the_commands_the_channel_serves(store) -> None:
    who = Identity("web", "w1", "W", "clinician")
    bare = Dialogue(store, capabilities=Capabilities(buttons=False, reminders=False))
    offered = bare.handle(who, "/help")[0].text
    assert "/new [REF]" in offered and "/digest" in offered
    assert not re.search(r"^/(remind|handoff|show|summary)\b", offered, re.MULTILINE)
    assert "not available" in bare.handle(who, "/remind off")[0].text
    assert store.reminders_on(store.user("web", "w1").id)
    full = Dialogue(store, reports=ChatReports(), team=Nobody())
    assert all(f"\n/{name}" in full.handle(who, "/help")[0].text for name in ("remind", "handoff", "show"))


# Bad console entries -----------------------------------------------------------------------------------
ROLE = 'role = "reviewer"'
ANN = 'console entry 1 (user "ann"): '
BAD = {
    "no user": (f"[[console]]\n{ROLE}\n", "console entry 1: user must be the console user name"),
    "digits only": (f'[[console]]\nuser = "12345"\n{ROLE}\n', 'console entry 1 (user "12345"): user must be'),
    "a space": (f'[[console]]\nuser = "dr lee"\n{ROLE}\n', 'console entry 1 (user "dr lee"): user must be'),
    "a number": (f"[[console]]\nuser = 7\n{ROLE}\n", "console entry 1 (user 7): user must be"),
    "unknown role": (
        '[[console]]\nuser = "ann"\nrole = "admin"\n',
        'console entry 1 (user "ann"): role must be one of clinician, coordinator, reviewer, not "admin"',
    ),
    "no role": ('[[console]]\nuser = "ann"\n', 'console entry 1 (user "ann"): role must be one of'),
    "notify": (f'[[console]]\nuser = "ann"\n{ROLE}\nnotify = "yes"\n', ANN + "notify must be true or false"),
    "unknown key": (f'[[console]]\nuser = "ann"\n{ROLE}\nid = 5\n', ANN + "unknown key 'id'"),
    "blank name": (
        f'[[console]]\nuser = "ann"\nname = " "\n{ROLE}\n',
        ANN + "name must be a non-empty string",
    ),
    "twice": (
        RITA + RITA.replace("Rita Reviewer", "R2"),
        'console entry 2 (user "rita"): user "rita" is listed twice',
    ),
    "not tables": ("console = 3\n", "expected [[console]] tables with user and role"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_console_entry_stops_start_up_with_one_line_naming_it(tmp_path, case) -> None:
    text, expected = BAD[case]
    users = users_file(tmp_path, text, TELEGRAM_LEE)
    db = tmp_path / "never.db"
    for command in ("console", "run"):  # `run` without a token starts the console: the same refusal
        args = [command, "--db", str(db), "--user", "ann", "--users", str(users)]
        refused = CliRunner(env={"TELEGRAM_BOT_TOKEN": ""}).invoke(cli, args, input="/help\n")
        lines = [line for line in refused.stderr.splitlines() if "TELEGRAM_BOT_TOKEN" not in line]
        assert refused.exit_code == 1 and len(lines) == 1, refused.output
        assert lines[0].startswith(f"Error: {users}: {expected}")
        assert refused.stdout == "" and not db.exists()
