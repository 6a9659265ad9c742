"""The team's workflow end to end over HTTP (issue 12): `itb-screen run` as a real process against the fake
Bot API of tests/fake_bot_api.py, as in tests/test_telegram_e2e.py.

A coordinator answers five questions and hands the case to a clinician, who continues it from the notice's
button and confirms a result for the team's review: the reviewer with `notify` hears of it once, the
other reviewer not at all, and the coordinator can still read the case. An idle case gets one reminder,
and only one, across a kill -9 and a restart, and a case that became idle while the bot was down gets its
reminder after the restart; none in quiet hours; a bad setting stops the start-up with one line.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from itb_screen.criteria import RECOMMENDATIONS, validate_answers
from itb_screen.storage import Store

from . import test_telegram_e2e as e2e
from .conftest import ROOT, VIGNETTES, outcome
from .drive import asked_by_contract
from .fake_bot_api import FakeBotApi
from .telegram_offline import Screening, field_of
from .test_telegram_e2e import Bot, newest, play, press

#: The fixtures of tests/test_telegram_e2e.py: the fake Bot API over HTTP, the bot's environment (whose
#: users file each test here writes anew).
api, env = e2e.api, e2e.env

COORDINATOR, CLINICIAN, NOTIFIED, NOT_NOTIFIED = 5101, 5102, 5103, 5104
TEAM = f"""
[[users]]
id = {COORDINATOR}
name = "Cora Coordinator"
role = "coordinator"

[[users]]
id = {CLINICIAN}
name = "Dr Clin Ician"
role = "clinician"

[[users]]
id = {NOTIFIED}
name = "Rhea Reviewer"
role = "reviewer"
notify = true

[[users]]
id = {NOT_NOTIFIED}
name = "Quinn Reviewer"
role = "reviewer"
"""
#: reminder_hours of about 2.9 seconds: the timer's rounds come every second (its shortest).
FAST = 'reminder_hours = 0.0008\ntime_zone = "UTC"\n'
IDLE = timedelta(hours=0.0008).total_seconds()
P07 = next(v for v in VIGNETTES if v["id"] == "P07")  # refer after team review


def write_users(env: dict, settings: str = "") -> None:
    Path(env["ITB_SCREEN_USERS"]).write_text((f"[settings]\n{settings}" if settings else "") + TEAM)


def start_chats(api: FakeBotApi, *users: int) -> None:
    """Each member opens their chat with the bot (/start), as before any notice can reach them."""
    for user in users:
        api.send_text(user, "/start")
    for user in users:
        api.wait_for_message(user, "decision support", timeout=20)


def mentioning(api: FakeBotApi, user: int, text: str) -> list[dict]:
    """The bot's messages to `user` that contain `text`."""
    return [m for m in api.sent(user) if text in m["text"]]


def reminders(api: FakeBotApi, user: int, ref: str) -> list[dict]:
    return [m for m in api.sent(user) if m["text"].startswith(f"Case {ref} waits at ")]


def open_case(api: FakeBotApi, user: int, ref: str) -> float:
    """`user` opens case `ref` (/new REF); when the bot had asked its first question (monotonic clock)."""
    api.send_text(user, f"/new {ref}")
    api.wait_for_message(user, f"Case {ref} - question 1 of", timeout=20)
    return time.monotonic()


def test_handoff_continue_and_one_notice_to_the_reviewer(api: FakeBotApi, env: dict, tmp_path) -> None:
    # P07, a cord injury, with other-guidance.md's level question (2b) answered.
    answers = validate_answers({**P07["answers"], "sci_level_t6_or_above": "yes"})
    asked = asked_by_contract(answers)
    at = 6  # the hand-off's question, the sixth asked: the spec's 5th, counted after 2b
    title = RECOMMENDATIONS["refer_after_review"].title
    assert P07["expected"]["recommendation"] == "refer_after_review"
    write_users(env)
    bot = Bot(env, tmp_path / "team.log")
    try:
        start_chats(api, COORDINATOR, CLINICIAN, NOTIFIED, NOT_NOTIFIED)
        play(api, Screening(api, COORDINATOR, answers, "TEAM-1"), stop=lambda m: field_of(m) == asked[5])
        api.send_text(COORDINATOR, "/handoff TEAM-1 Dr Clin Ician")
        api.wait_for_message(COORDINATOR, "Case TEAM-1 is now Dr Clin Ician's", timeout=10)
        notice = api.wait_for_message(CLINICIAN, "handed you case TEAM-1", timeout=10)
        handed = f"Cora Coordinator handed you case TEAM-1: it waits at question {at} of 19."
        assert notice["text"] == handed
        [[(label, data)]] = api.keyboard(notice)
        assert label == "Continue TEAM-1" and data is not None
        press(api, notice, "Continue TEAM-1", user=CLINICIAN)
        newest(api, notice["message_id"], lambda m: field_of(m) == asked[5], user=CLINICIAN)
        play(api, Screening(api, CLINICIAN, answers, started=True))
        result = api.last(CLINICIAN)
        assert result["text"].startswith("Case TEAM-1:") and title in result["text"]

        heard = api.wait_for_message(NOTIFIED, "Case TEAM-1 was confirmed", timeout=10)
        assert heard["text"].startswith(f"Case TEAM-1 was confirmed by Dr Clin Ician: {title}.\n- ")
        [[(show_label, show_data)]] = api.keyboard(heard)
        assert show_label == "Show TEAM-1" and show_data is not None
        # More updates (each followed by a delivery) and more timer rounds: still the one notice.
        api.send_text(CLINICIAN, "/cases")
        newest(api, result["message_id"], user=CLINICIAN)
        press(api, heard, "Show TEAM-1", user=NOTIFIED)
        newest(api, heard["message_id"], lambda m: "TEAM-1" in m["text"], user=NOTIFIED)
        # The coordinator who handed it on hears how it ended, with the referral summary a tap away.
        ended = api.wait_for_message(COORDINATOR, "which you handed on", timeout=10)
        assert ended["text"] == (
            f"Case TEAM-1, which you handed on, was confirmed by Dr Clin Ician: {title}. "
            "/summary TEAM-1 gives its referral summary."
        )
        press(api, ended, "Summary TEAM-1", user=COORDINATOR)
        summary = newest(
            api, ended["message_id"], lambda m: "referral summary" in m["text"], user=COORDINATOR
        )
        assert "TEAM-1" in summary["text"] and title in summary["text"]
        api.send_text(COORDINATOR, "/show TEAM-1")  # the giver keeps read access
        shown = newest(api, summary["message_id"], lambda m: "Answers" in m["text"], user=COORDINATOR)
        assert "Refer after team review" in shown["text"] and "Dr Clin Ician" in shown["text"]
        time.sleep(1.5)
        assert len(mentioning(api, NOTIFIED, "Case TEAM-1 was")) == 1
        assert not mentioning(api, NOT_NOTIFIED, "TEAM-1"), "a reviewer without notify was told"
        assert not mentioning(api, COORDINATOR, "Case TEAM-1 was"), "a member without notify was told"
        assert len(mentioning(api, COORDINATOR, "which you handed on")) == 1
        assert len(mentioning(api, CLINICIAN, "handed you case")) == 1
    finally:
        status = bot.stop()
    assert status == 0
    with Store(env["ITB_SCREEN_DB"]) as store:
        case = store.case_by_ref("TEAM-1")
        assert data == f"o:{case.id}:c" and show_data == f"w:{case.id}:d"
        assert store.answers(case.id) == answers and case.status == "done"
        assert outcome(store.latest_result(case.id)[0]) == P07["expected"]
        assert [(h["from"], h["to"]) for h in store.handoffs(case.id)] == [
            ("Cora Coordinator", "Dr Clin Ician")
        ]


def test_one_reminder_across_a_kill_9_and_a_restart(api: FakeBotApi, env: dict, tmp_path) -> None:
    write_users(env, FAST + 'quiet_hours = "off"\n')
    log_path = tmp_path / "remind.log"
    bot = Bot(env, log_path)
    try:
        start_chats(api, COORDINATOR, CLINICIAN)
        open_case(api, COORDINATOR, "REM-1")
        first = api.wait_for(lambda s: reminders(s, COORDINATOR, "REM-1"), 15, "REM-1's reminder")[0]
        assert first["text"] == "Case REM-1 waits at question 1 of 18."
        assert [label for label, _ in api.buttons(first)] == ["Continue REM-1"]
        time.sleep(4)  # four rounds, more than one idle period
        assert len(reminders(api, COORDINATOR, "REM-1")) == 1
        touched = open_case(api, CLINICIAN, "REM-2")
        bot.kill9()  # before REM-2 is idle: it becomes so while the bot is down
        assert time.monotonic() - touched < IDLE
        assert not reminders(api, CLINICIAN, "REM-2")
        time.sleep(max(0.0, touched + IDLE + 1 - time.monotonic()))
        bot = Bot(env, log_path)
        api.wait_for(lambda s: reminders(s, CLINICIAN, "REM-2"), 20, "REM-2's reminder after the restart")
        time.sleep(3)  # three more rounds
        assert len(reminders(api, CLINICIAN, "REM-2")) == 1, "a reminder repeated after the restart"
        assert len(reminders(api, COORDINATOR, "REM-1")) == 1, "a reminder repeated after the restart"
    finally:
        status = bot.stop()
    assert status == 0
    with Store(env["ITB_SCREEN_DB"]) as store:
        for user, ref in ((COORDINATOR, "REM-1"), (CLINICIAN, "REM-2")):
            owner = store.case_by_ref(ref).user_id
            assert store.user_by_id(owner).external_id == str(user)
            assert [n["event"].split(":")[0] for n in store.notices_to(owner)] == ["remind"]


def quiet_now(margin: timedelta = timedelta(hours=1)) -> str:
    """Quiet hours around the present moment, in UTC: "HH:MM-HH:MM" (across midnight if need be)."""
    now = datetime.now(UTC)
    return f"{(now - margin):%H:%M}-{(now + margin):%H:%M}"


def test_no_reminder_in_quiet_hours(api: FakeBotApi, env: dict, tmp_path) -> None:
    write_users(env, FAST + f'quiet_hours = "{quiet_now()}"\n')
    bot = Bot(env, tmp_path / "quiet.log")
    try:
        start_chats(api, COORDINATOR)
        touched = open_case(api, COORDINATOR, "QUIET-1")
        time.sleep(max(0.0, touched + IDLE + 4 - time.monotonic()))  # idle, then four rounds
        assert not reminders(api, COORDINATOR, "QUIET-1"), "a reminder in quiet hours"
        # The same case, once the quiet hours are off (the users file is read again): its reminder.
        write_users(env, FAST + 'quiet_hours = "off"\n')
        api.wait_for(lambda s: reminders(s, COORDINATOR, "QUIET-1"), 15, "the reminder after quiet hours")
    finally:
        status = bot.stop()
    assert status == 0


@pytest.mark.parametrize(
    ("setting", "name"),
    [
        ('quiet_hours = "9pm-7am"', "quiet_hours"),
        ("reminder_hours = 0", "reminder_hours"),
        ('time_zone = "Mars/Olympus_Mons"', "time_zone"),
    ],
    ids=["quiet_hours", "reminder_hours", "time_zone"],
)
def test_a_bad_setting_stops_the_start_up(api: FakeBotApi, env: dict, setting: str, name: str) -> None:
    write_users(env, setting + "\n")
    run = subprocess.run(
        [sys.executable, "-m", "itb_screen", "run"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    [line] = run.stderr.splitlines()
    assert name in line and "Traceback" not in run.stderr
    assert not api.calls, "a Bot API call before the settings were checked"
