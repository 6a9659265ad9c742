"""Access, pinned by tests that fail when a right widens (issue 11, part 9).

A clinician and a coordinator screen their own cases only: they are refused `/cases all`, `/show`,
`/summary`, `/amend`, `/void` and the Amend button of another member's case, with nothing of that case in
their reply and no audit row of a reading; a reviewer is allowed each, audited. Checked through
`Dialogue.handle` and through the real Telegram Application on the fake Bot API. The users file refuses
a bad entry with one line naming it, also when `itb-screen run` starts (before any network call).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import time, timedelta

import pytest
import pytest_asyncio

from itb_screen.bot.telegram import AccessList, Member, parse_users
from itb_screen.bot.telegram.access import ENV, AccessFileError
from itb_screen.criteria import validate_answers
from itb_screen.dialogue import Dialogue, Identity

from .conftest import ROOT, VIGNETTES
from .drive import screen
from .telegram_offline import Harness, Screening, control

#: P01 with other-guidance.md's level question answered (below T6): every question asked is answered.
P01 = validate_answers(
    {**next(v for v in VIGNETTES if v["id"] == "P01")["answers"], "sci_level_t6_or_above": "no"}
)
OWNER = Identity("console", "alice", "Alice Owner", "clinician")
REVIEWER = Identity("console", "rita", "Rita Reviewer", "reviewer")
OTHERS = {
    role: Identity("console", f"other-{role}", f"Other {role}", role) for role in ("clinician", "coordinator")
}
READINGS = ("list_all_cases", "show_case", "read_case", "amend_case", "void_case")
NOT_MINE = "None of your cases is called {ref}."
#: What would show that a reply carries the case: its owner, its answers, its result, its transcript.
LEAKS = ("Alice Owner", "Dr Lee", "Answers:", "Result of", "Transcript:", "referral summary", "Refer for")


def audited(store) -> list[str]:
    return [row[0] for row in store.db.execute("SELECT event FROM audit").fetchall() if row[0] in READINGS]


def no_leak(text: str) -> bool:
    return not any(part in text for part in LEAKS)


# Through Dialogue.handle ---------------------------------------------------------------------------
@pytest.fixture
def chat(store):
    from itb_screen.review.chat import ChatReports

    dialogue = Dialogue(store, reports=ChatReports())
    result = screen(dialogue, OWNER, "OWN-1", P01)[-1]
    assert result.kind == "result"
    return dialogue, result


def text_of(prompts) -> str:
    return "\n".join(p.text for p in prompts)


@pytest.mark.parametrize("role", sorted(OTHERS))
def test_a_member_who_is_not_a_reviewer_is_refused_every_case_but_their_own(chat, store, role) -> None:
    dialogue, result = chat
    other = OTHERS[role]
    listing = dialogue.handle(other, "/cases all")
    assert listing[0].kind == "refusal" and "Only reviewers" in listing[0].text
    assert "OWN-1" not in text_of(listing) and no_leak(text_of(listing))
    for command in ("/show OWN-1", "/summary OWN-1", "/amend OWN-1", "/void OWN-1 not mine"):
        prompts = dialogue.handle(other, command)
        assert prompts[0].kind == "refusal" and NOT_MINE.format(ref="OWN-1") in prompts[0].text, command
        assert no_leak(text_of(prompts)), (command, text_of(prompts))
    [amend] = result.controls
    pressed = dialogue.handle(other, button=amend.code)
    assert pressed[0].text == "That button is not valid here."  # as for a case of no one (issue 17)
    assert no_leak(text_of(pressed))
    case = store.case_by_ref("OWN-1")
    assert audited(store) == [] and store.events(case.id) == [] and case.status == "done"
    assert len(store.results(case.id)) == 1


def test_a_reviewer_is_allowed_each_and_audited(chat, store) -> None:
    dialogue, result = chat
    assert "OWN-1: Alice Owner" in text_of(dialogue.handle(REVIEWER, "/cases all"))
    assert "Answers:" in text_of(dialogue.handle(REVIEWER, "/show OWN-1"))
    assert "OWN-1" in text_of(dialogue.handle(REVIEWER, "/summary OWN-1"))
    assert audited(store) == ["list_all_cases", "show_case", "read_case"]
    [amend] = result.controls
    assert dialogue.handle(REVIEWER, button=amend.code)[0].text.startswith("Why is case OWN-1 being amended?")
    assert dialogue.handle(REVIEWER, "second opinion")[-1].kind == "review"
    assert dialogue.handle(REVIEWER, "confirm")[-1].kind == "result"
    assert "Why is case OWN-1" in dialogue.handle(REVIEWER, "/amend OWN-1")[0].text
    dialogue.handle(REVIEWER, "/cancel")
    dialogue.handle(REVIEWER, "/void OWN-1 entered twice")
    assert audited(store)[3:] == ["amend_case", "void_case"]
    assert store.case_by_ref("OWN-1").status == "void"


# Through the Telegram Application ------------------------------------------------------------------
LEE, KIM, SAM, REV = 111, 444, 222, 333
MEMBERS = {
    LEE: Member(LEE, "Dr Lee", "clinician"),
    KIM: Member(KIM, "Dr Kim", "clinician"),
    SAM: Member(SAM, "Sam Coordinator", "coordinator"),
    REV: Member(REV, "Rita Reviewer", "reviewer"),
}


@pytest_asyncio.fixture
async def bot(db_path):
    async with Harness(db_path, MEMBERS) as harness:
        yield harness


async def lee_finishes(bot: Harness, ref: str) -> dict:
    """Dr Lee screens `ref` by presses alone; the result message."""
    screening = Screening(bot.api, LEE, P01, ref)
    while (step := screening.next_step()) is not None:
        await bot.feed(step[1])
    assert bot.store.case_by_ref(ref).status == "done"
    return bot.api.last(LEE)


async def press_from(bot: Harness, user: int, data: str) -> None:
    """A press by `user` with callback data copied from another chat's message (not editable here)."""
    await bot.forge(user, data)


async def replies(bot: Harness, user: int, text: str) -> str:
    before = len(bot.texts(user))
    await bot.send(user, text)
    return "\n".join(bot.texts(user)[before:])


@pytest.mark.asyncio
@pytest.mark.parametrize("user", [KIM, SAM], ids=["clinician", "coordinator"])
async def test_in_telegram_a_member_who_is_not_a_reviewer_is_refused(bot: Harness, user: int) -> None:
    result = await lee_finishes(bot, "TG-1")
    await bot.send(user, "/start")
    listing = await replies(bot, user, "/cases all")
    assert "Only reviewers" in listing and "TG-1" not in listing and no_leak(listing)
    for command in ("/show TG-1", "/summary TG-1", "/amend TG-1", "/void TG-1 not mine"):
        reply = await replies(bot, user, command)
        assert NOT_MINE.format(ref="TG-1") in reply and no_leak(reply), (command, reply)
    await press_from(bot, user, control(result, "m"))
    assert bot.texts(user)[-1] == "That button is not valid here."
    case = bot.store.case_by_ref("TG-1")
    assert audited(bot.store) == [] and bot.store.events(case.id) == [] and case.status == "done"


@pytest.mark.asyncio
async def test_in_telegram_a_reviewer_is_allowed_each_and_audited(bot: Harness) -> None:
    result = await lee_finishes(bot, "TG-2")
    await bot.send(REV, "/start")
    assert "TG-2: Dr Lee" in await replies(bot, REV, "/cases all")
    assert "Answers:" in await replies(bot, REV, "/show TG-2")
    assert "TG-2" in await replies(bot, REV, "/summary TG-2")
    await press_from(bot, REV, control(result, "m"))
    assert bot.texts(REV)[-1].startswith("Why is case TG-2 being amended?")
    await bot.send(REV, "/cancel")
    await bot.send(REV, "/void TG-2 entered twice")
    assert audited(bot.store) == ["list_all_cases", "show_case", "read_case", "void_case"]
    assert bot.store.case_by_ref("TG-2").status == "void"


# The users file ------------------------------------------------------------------------------------
def users(*entries: str) -> str:
    return "".join(f"[[users]]\n{entry}\n" for entry in entries)


GOOD = 'id = 1\nname = "Dr One"\nrole = "clinician"'
SECOND = 'id = 2\nname = "Sam"\nrole = "coordinator"'
WHOLE = "id must be a positive whole number"
X = 'name = "X"\nrole = "clinician"'
BAD_FILES = {
    "zero": (users(GOOD, SECOND, f"id = 0\n{X}"), f"entry 3 (id 0): {WHOLE}"),
    "negative": (users(f"id = -5\n{X}"), f"entry 1 (id -5): {WHOLE}"),
    "boolean": (users(GOOD, f"id = true\n{X}"), f"entry 2 (id true): {WHOLE}"),
    "string": (users(GOOD, SECOND, f'id = "12"\n{X}'), f'entry 3 (id "12"): {WHOLE}'),
    "float": (users(f"id = 1.5\n{X}"), f"entry 1 (id 1.5): {WHOLE}"),
    "no id": (users(GOOD, X), f"entry 2: {WHOLE}"),
    "duplicate": (users(GOOD, SECOND, f"id = 1\n{X}"), "entry 3 (id 1): id 1 is listed twice"),
    "unknown key": (users(GOOD, SECOND + "\nadmin = true"), "entry 2 (id 2): unknown key 'admin'"),
    "unknown role": (
        users('id = 7\nname = "X"\nrole = "admin"'),
        'entry 1 (id 7): role must be one of clinician, coordinator, reviewer, not "admin"',
    ),
    "no role": (users('id = 7\nname = "X"'), "entry 1 (id 7): role must be one of"),
    "no name": (users(GOOD, 'id = 8\nrole = "reviewer"'), "entry 2 (id 8): name must be a non-empty string"),
    "blank name": (
        users('id = 8\nname = "  "\nrole = "reviewer"'),
        "entry 1 (id 8): name must be a non-empty string",
    ),
    "notify not a boolean": (
        users(GOOD + '\nnotify = "yes"'),
        "entry 1 (id 1): notify must be true or false",
    ),
    # The team's [settings] (issue 12): a bad one stops start-up with one line naming it.
    "reminder hours": (
        "[settings]\nreminder_hours = -1\n" + users(GOOD),
        "[settings]: reminder_hours must be",
    ),
    "quiet hours": ('[settings]\nquiet_hours = "9pm-7am"\n' + users(GOOD), "[settings]: quiet_hours must be"),
    "time zone": ('[settings]\ntime_zone = "Moon/Base"\n' + users(GOOD), "[settings]: time_zone 'Moon/Base'"),
    "unknown setting": (
        "[settings]\nreminders = 3\n" + users(GOOD),
        "[settings]: unknown setting 'reminders'",
    ),
    "unknown table": ("[team]\nx = 1\n" + users(GOOD), "unknown table 'team'"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_the_users_file_refuses_a_bad_entry_with_one_line_naming_it(tmp_path, monkeypatch, case) -> None:
    text, expected = BAD_FILES[case]
    with pytest.raises(AccessFileError) as raised:
        parse_users(text, "users.toml")
    assert str(raised.value).startswith(f"users.toml: {expected}") and "\n" not in str(raised.value)
    path = tmp_path / "users.toml"
    path.write_text(text)
    monkeypatch.setenv(ENV, str(path))
    with pytest.raises(AccessFileError) as raised:
        AccessList.from_env()
    assert str(raised.value).startswith(f"{path}: {expected}") and "\n" not in str(raised.value)


def test_a_good_users_file_is_read_whole() -> None:
    members = parse_users(users(GOOD, SECOND, 'id = 3\nname = " Rita "\nrole = "reviewer"'))
    assert members == {
        1: Member(1, "Dr One", "clinician"),
        2: Member(2, "Sam", "coordinator"),
        3: Member(3, "Rita", "reviewer"),
    }
    assert [m.is_reviewer for m in members.values()] == [False, False, True]


def test_notify_and_settings_are_read(tmp_path) -> None:
    path = tmp_path / "users.toml"
    settings = '[settings]\nreminder_hours = 0.5\nquiet_hours = "22:30-06:15"\ntime_zone = "Europe/London"\n'
    path.write_text(settings + users(GOOD + "\nnotify = true", SECOND))
    access = AccessList(path)
    assert [m.notify for m in access.members()] == [True, False]
    assert access.settings.idle == timedelta(minutes=30)
    assert (
        access.settings.quiet == (time(22, 30), time(6, 15)) and str(access.settings.zone) == "Europe/London"
    )


@pytest.mark.parametrize("case", ["string", "duplicate", "unknown key", "no name"])
def test_run_exits_with_the_one_line_before_contacting_telegram(tmp_path, case) -> None:
    text, expected = BAD_FILES[case]
    path = tmp_path / "users.toml"
    path.write_text(text)
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "123:abc",
        ENV: str(path),
        # Nothing listens here: a network call would fail slowly or with another message.
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
    }
    run = subprocess.run(
        [sys.executable, "-m", "itb_screen", "run", "--db", str(tmp_path / "itb.db")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0 and "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{path}: {expected}" in lines[0], run.stderr
    assert not (tmp_path / "itb.db").exists()
