"""The Telegram channel in process: a real Application, its network replaced by the fake Bot API.

tests/telegram_offline.py's `Harness` builds the bot and feeds it updates built as Telegram sends them
through `app.process_update`; every Bot API call is recorded by tests/fake_bot_api.py's `FakeBotApi`,
which answers (and refuses) as Telegram does. The same fake serves the end-to-end tests over HTTP.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import subprocess
import sys
import threading

import pytest
import pytest_asyncio
from telegram import Update
from telegram.error import NetworkError, TimedOut

from itb_screen.bot.telegram import AccessList, Member, parse_users, render
from itb_screen.bot.telegram.access import AccessFileError
from itb_screen.bot.telegram.errors import SORRY
from itb_screen.criteria import QUESTIONS_BY_FIELD, short_label, validate_answers
from itb_screen.dialogue import Button, Prompt, messages

from .conftest import VIGNETTES, outcome
from .drive import asked_by_contract
from .telegram_offline import Harness, Screening, body, control, field_of, is_review, saved_lines
from .test_catalogue import guidance_sources

LEE, SAM, REV, KIM, STRANGER = 111, 222, 333, 444, 999
MEMBERS = {
    LEE: Member(LEE, "Dr Lee", "clinician"),
    KIM: Member(KIM, "Dr Kim", "clinician"),
    SAM: Member(SAM, "Sam <coordinator> & co", "coordinator"),
    REV: Member(REV, "Rita Reviewer", "reviewer"),
}


@pytest_asyncio.fixture
async def bot(db_path):
    async with Harness(db_path, MEMBERS) as harness:
        yield harness


def expected_gaps(answers: dict) -> list[str]:
    """The asked questions a vignette leaves unanswered: per the spec and other-guidance.md, every question
    whose condition holds (growth_complications under 18, a follow-up when its answer holds)."""
    return [field for field in asked_by_contract(answers) if field not in answers]


def amend_only(h: Harness, message: dict, case_id: int) -> bool:
    """A result message's keyboard: exactly the Amend button of its case."""
    return h.api.buttons(message) == [("Amend", f"m:{case_id}:d")]


async def confirm_at_review(h: Harness, user: int, review: dict, answers: dict, typed: bool = False) -> None:
    """Confirm (pressed or typed); with unanswered questions, the notice listing them, then confirm again
    (Confirm anyway pressed, or 'confirm' typed once more)."""
    case_id = int(control(review, "f").split(":")[1])
    if typed:
        await h.send(user, "confirm")
    else:
        await h.tap(user, review["message_id"], control(review, "f"))
    gaps = expected_gaps(answers)
    last = h.api.last(user)
    if not gaps:
        assert last["text"].startswith("Case ") and "unanswered" not in last["text"], last["text"]
        return
    assert f"{len(gaps)} asked question{'s' if len(gaps) > 1 else ''} still unanswered" in last["text"]
    assert h.api.buttons(last) == [("Confirm anyway", f"f:{case_id}:r:1")]
    assert h.store.latest_result(case_id) is None  # nothing decided before the second confirm
    # The review is not marked confirmed: it keeps its keyboard to change an answer.
    assert h.api.messages[user][review["message_id"]].get("reply_markup")
    if typed:
        await h.send(user, "confirm")
    else:
        await h.tap_label(user, "Confirm anyway", last)
        edited = h.api.messages[user][last["message_id"]]
        assert edited["text"].endswith(messages.PRESSED_CONFIRMED) and "reply_markup" not in edited


async def screen_by_buttons(
    h: Harness, user: int, ref: str | None, answers: dict, checks: bool = True
) -> None:
    """Screen a case by presses alone (tests/telegram_offline.py's `Screening`, which the benchmark plays
    too); ref None taps the generated reference offered by /new. Confirmed by `confirm_at_review`."""
    screening = Screening(h.api, user, answers, ref, stop_at_review=True)
    while (step := screening.next_step()) is not None:
        kind, update = step
        pressed = update.get("callback_query", {}).get("message", {}).get("message_id")
        calls_before = len(h.api.calls)
        await h.feed(update)
        if not checks or kind in ("new", "reference", "toggle"):
            continue
        edited = h.api.message(user, pressed)
        methods = [name for name, _ in h.api.calls[calls_before:]]
        assert methods[0] == "answerCallbackQuery", methods  # the spinner stopped before anything else
        if kind == "digit":  # the keypad: each key edits the question in place, keyboard kept
            assert edited.get("reply_markup") and "Typed so far:" in edited["text"]
        else:  # an answer: the pressed message edited in place to show it, its keyboard gone
            assert "reply_markup" not in edited, edited
            assert edited["text"].split("\n")[-1].startswith(render.CHECK) or "Skipped" in edited["text"]
    review = h.question(user)
    assert is_review(review), review["text"]
    await confirm_at_review(h, user, review, answers)


async def screen_by_typing(h: Harness, user: int, ref: str, answers: dict) -> None:
    """Screen by typed answers; each stored answer is said back on top of the next message."""
    await h.send(user, f"/new {ref}")
    for _ in range(40):
        message = h.question(user)
        if is_review(message):
            await confirm_at_review(h, user, message, answers, typed=True)
            return
        field = field_of(message)
        question = QUESTIONS_BY_FIELD[field]
        value = answers.get(field)
        sent_before = len(h.api.sent(user))
        if value is None:
            await h.send(user, "skip")
        elif question.kind == "many":
            await h.send(user, ", ".join(question.option(code).label for code in value))
        elif question.kind == "one":
            await h.send(user, question.option(value).label.upper())
        else:
            await h.send(user, str(value))
        [after] = h.api.sent(user)[sent_before:]  # one message: the say-back rides on the next prompt
        if value is None:
            assert saved_lines(after) == []
        elif question.kind == "number":
            assert saved_lines(after) == [f"Saved (Age): {value} years"]
        else:
            labels = (
                [question.option(value).label]
                if question.kind == "one"
                else [question.option(code).label for code in value]
            )
            assert saved_lines(after) == [
                f"Saved ({short_label(question.field).split(' (')[0]}): {', '.join(labels)}"
            ]
    raise AssertionError("the screening did not reach the review")


def stored_result(h: Harness, ref: str) -> dict:
    case = h.store.case_by_ref(ref)
    return h.store.latest_result(case.id)[0]


# Vignettes -------------------------------------------------------------------------------------
@pytest.mark.asyncio
@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v["id"] for v in VIGNETTES])
async def test_vignette_by_buttons(bot: Harness, vignette: dict) -> None:
    answers = validate_answers(vignette["answers"])
    ref = f"{vignette['id']}-tap"
    await screen_by_buttons(bot, LEE, ref, answers)
    assert outcome(stored_result(bot, ref)) == vignette["expected"]
    result = bot.api.last(LEE)
    assert result["text"].startswith(f"Case {ref}:")
    assert f"({vignette['expected']['recommendation']})" in result["text"]
    assert amend_only(bot, result, bot.store.case_by_ref(ref).id)
    assert bot.store.answers(bot.store.case_by_ref(ref).id) == answers


@pytest.mark.asyncio
@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v["id"] for v in VIGNETTES])
async def test_vignette_by_typing(bot: Harness, vignette: dict) -> None:
    answers = validate_answers(vignette["answers"])
    ref = f"{vignette['id']}-typed"
    await screen_by_typing(bot, SAM, ref, answers)
    assert outcome(stored_result(bot, ref)) == vignette["expected"]
    result = bot.api.last(SAM)
    assert result["text"].startswith(f"Case {ref}:")
    assert amend_only(bot, result, bot.store.case_by_ref(ref).id)
    assert bot.store.answers(bot.store.case_by_ref(ref).id) == answers


# Buttons ---------------------------------------------------------------------------------------
async def _to_field(h: Harness, user: int, ref: str, target: str) -> dict:
    """Start a case and answer (first option / 40 years) up to the question `target`."""
    await h.send(user, f"/new {ref}")
    while (message := h.question(user)) and field_of(message) != target:
        question = QUESTIONS_BY_FIELD[field_of(message)]
        if question.kind == "number":
            await h.send(user, "40")
        elif question.kind == "one":
            await h.tap_label(user, question.options[0].label, message)
        else:
            await h.tap_label(user, question.options[0].label, message)
            await h.tap_label(user, "Done", h.api.messages[user][message["message_id"]])
    return h.question(user)


@pytest.mark.asyncio
async def test_toggles_show_check_marks_and_done_answers(bot: Harness) -> None:
    message = await _to_field(bot, LEE, "TOG-1", "interference")
    mid = message["message_id"]
    await bot.tap_label(LEE, "Done", message)  # nothing chosen yet: refused, nothing stored
    assert "Choose at least one option" in bot.texts(LEE)[-2]
    assert "interference" not in bot.store.answers(bot.store.case_by_ref("TOG-1").id)
    sent_before = len(bot.api.sent(LEE))
    await bot.tap_label(LEE, "Comfort", bot.api.messages[LEE][mid])
    await bot.tap_label(LEE, "Mobility", bot.api.messages[LEE][mid])
    assert len(bot.api.sent(LEE)) == sent_before  # toggles edit the keyboard, no new message
    assert bot.api.calls_to("editMessageReplyMarkup")
    labels = [t for t, _ in bot.api.buttons(bot.api.messages[LEE][mid])]
    assert f"{render.CHECK} Comfort" in labels and f"{render.CHECK} Mobility" in labels
    await bot.tap_label(LEE, "Comfort", bot.api.messages[LEE][mid])  # untoggle
    await bot.tap_label(LEE, "Done", bot.api.messages[LEE][mid])
    assert bot.store.answers(bot.store.case_by_ref("TOG-1").id)["interference"] == ("mobility",)
    done = bot.api.messages[LEE][mid]
    assert "reply_markup" not in done and done["text"].endswith("Mobility")
    assert field_of(bot.question(LEE)) == "ambulatory"


@pytest.mark.asyncio
async def test_back_skip_change_confirm(bot: Harness) -> None:
    message = await _to_field(bot, LEE, "BSC-1", "disease_course")
    await bot.tap_label(LEE, "Back", message)
    assert bot.api.messages[LEE][message["message_id"]]["text"].endswith(messages.PRESSED_BACK)
    assert field_of(bot.question(LEE)) == "primary_condition"
    message = await bot.tap_label(LEE, "Skip")  # an answered question: Skip keeps the answer
    kept = bot.api.message(LEE, message["message_id"])
    assert kept["text"].endswith(f"{render.CHECK} Kept: Cerebral palsy")
    assert saved_lines(bot.api.last(LEE)) == []  # said once, on the pressed message
    case = bot.store.case_by_ref("BSC-1")
    assert bot.store.answers(case.id)["primary_condition"] == "cerebral_palsy"
    assert field_of(bot.question(LEE)) == "disease_course"
    await bot.tap_label(LEE, "Back")
    await bot.send(LEE, "unknown")  # typed: clears the answer, said on top of the next question
    assert saved_lines(bot.api.last(LEE)) == [
        "Cleared: the answer was Cerebral palsy; the question is now unanswered."
    ]
    assert field_of(bot.api.last(LEE)) == "disease_course"
    assert bot.store.answers(case.id, include_skipped=True)["primary_condition"] is None
    # Skip everything else up to the review.
    while not is_review(bot.question(LEE)):
        message = await bot.tap_label(LEE, "Skip")
        assert bot.api.messages[LEE][message["message_id"]]["text"].endswith("Skipped (not known)")
    review = bot.question(LEE)
    assert "1. How old is the patient" in review["text"]
    # Change question 3 (disease course), answer it, and come back to the review.
    await bot.tap_label(LEE, "3", review)
    assert "Change answer 3" in bot.api.messages[LEE][review["message_id"]]["text"]
    assert field_of(bot.question(LEE)) == "disease_course"
    await bot.tap_label(LEE, "Progressive")
    review = bot.question(LEE)
    assert review["text"].startswith("Review case") and "Progressive" in review["text"]
    answers = bot.store.answers(case.id)
    assert answers == {"age_years": 40, "disease_course": "progressive"}
    await confirm_at_review(bot, LEE, review, answers)  # gaps: Confirm, then Confirm anyway
    # the spec: rule 4 (required answers missing, in its order); progressive disease and goal setting are
    # candidate points, and an incomplete case is still a possible candidate
    assert outcome(stored_result(bot, "BSC-1")) == {
        "recommendation": "incomplete",
        "discussion_points": ["progressive_disease", "goal_setting"],
        "missing_required": ["interference", "baclofen_reaction", "active_infection"],
    }
    assert bot.store.case_by_ref("BSC-1").status == "done"


@pytest.mark.asyncio
async def test_stale_press_is_closed_and_changes_nothing(bot: Harness) -> None:
    message = await _to_field(bot, LEE, "STALE-1", "disease_course")
    await bot.send(LEE, "stable")  # typed: the old message keeps its keyboard
    case = bot.store.case_by_ref("STALE-1")
    before = bot.store.answers(case.id)
    data = dict((t, d) for t, d in bot.api.buttons(message))["Progressive"]
    await bot.tap(LEE, message["message_id"], data)
    texts = bot.texts(LEE)
    assert "This question is closed" in texts[-2]
    assert field_of(bot.api.last(LEE)) == "interference"
    assert bot.store.answers(case.id) == before
    assert bot.api.messages[LEE][message["message_id"]].get("reply_markup")  # not edited
    # A button of another case is stale too.
    await bot.send(LEE, "/new STALE-2")
    await bot.tap(LEE, message["message_id"], data)
    assert "This question is closed" in bot.texts(LEE)[-2]
    assert bot.store.answers(case.id) == before


@pytest.mark.asyncio
async def test_two_users_interleaved(bot: Harness) -> None:
    a, b = (validate_answers(v["answers"]) for v in VIGNETTES[:2])
    one = screen_by_buttons(bot, LEE, "TWO-A", a)
    two = screen_by_typing(bot, SAM, "TWO-B", b)
    # Interleave the two coroutines step by step on one loop.
    await asyncio.gather(one, two)
    assert outcome(stored_result(bot, "TWO-A")) == VIGNETTES[0]["expected"]
    assert outcome(stored_result(bot, "TWO-B")) == VIGNETTES[1]["expected"]
    lee = bot.store.case_by_ref("TWO-A")
    assert bot.store.user_by_id(lee.user_id).external_id == str(LEE)


@pytest.mark.asyncio
async def test_one_users_updates_in_order_others_concurrently(bot: Harness) -> None:
    """Through the update processor (as polling does): a burst from one user is handled in order."""
    bot.api.latency = 0  # each Bot API call yields to the event loop, as on a network
    await bot.send(LEE, "/new ORD-1")
    await bot.send(SAM, "/new ORD-2")
    processor = bot.app.update_processor
    burst = []
    for user in (LEE, SAM):
        for text in ("40", "stroke", "stable"):
            burst.append(Update.de_json(bot.api.message_update(user, text), bot.app.bot))
    await asyncio.gather(*(processor.process_update(u, bot.app.process_update(u)) for u in burst))
    for ref in ("ORD-1", "ORD-2"):
        answers = bot.store.answers(bot.store.case_by_ref(ref).id)
        assert answers == {"age_years": 40, "primary_condition": "stroke", "disease_course": "stable"}


@pytest.mark.asyncio
async def test_database_calls_run_on_the_loop_alone_and_on_the_thread_beside_other_updates(
    bot: Harness,
) -> None:
    """An update handled alone runs its dialogue call on the event loop (no hop to the thread); beside
    other updates in flight, on the database thread, so their Bot API calls go on. Never two at once."""
    bot.api.latency = 0  # each Bot API call yields to the event loop, as on a network
    services = bot.app.bot_data["itb"]
    handle, on_loop, running = services.dialogue.handle, [], []

    def traced(*args, **kwargs):
        assert not running, "two database calls at once"
        running.append(threading.current_thread().name)
        try:
            on_loop.append(threading.current_thread() is threading.main_thread())
            return handle(*args, **kwargs)
        finally:
            running.pop()

    services.dialogue.handle = traced
    await bot.send(LEE, "/new LOOP-1")
    assert on_loop == [True]
    burst = [
        Update.de_json(bot.api.message_update(user, f"/new LOOP-{user}"), bot.app.bot)
        for user in (LEE, SAM, KIM, REV)
    ]
    processor = bot.app.update_processor
    await asyncio.gather(*(processor.process_update(u, bot.app.process_update(u)) for u in burst))
    assert on_loop[1] is True and on_loop[2:] == [False, False, False]  # the first alone, then beside it
    assert all(bot.store.case_by_ref(f"LOOP-{user}") for user in (LEE, SAM, KIM, REV))
    await bot.send(LEE, "40")  # alone again: the thread is idle, back on the loop
    assert on_loop[-1] is True


@pytest.mark.asyncio
async def test_a_call_runs_on_the_loop_only_once_the_thread_is_idle(bot: Harness) -> None:
    services = bot.app.bot_data["itb"]
    in_flight = [2]
    services.updates_in_flight = lambda: in_flight[0]
    release = threading.Event()
    first = asyncio.ensure_future(services.call(release.wait, 5))  # another update in flight: the thread
    await asyncio.sleep(0.01)
    in_flight[0] = 1  # that update is gone (e.g. cancelled), its call still running on the thread
    second = asyncio.ensure_future(services.call(threading.current_thread))
    await asyncio.sleep(0.05)
    assert not second.done()  # queued behind the thread's call, not run beside it on the loop
    release.set()
    assert await first is True and (await second) is not threading.main_thread()
    assert await services.call(threading.current_thread) is threading.main_thread()  # idle now


# Access ----------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_unknown_user_message_and_press_refused_nothing_stored(bot: Harness) -> None:
    await bot.send(STRANGER, "/new SECRET-REF patient John Smith")
    assert bot.texts(STRANGER) == [bot.texts(STRANGER)[0]]
    assert str(STRANGER) in bot.texts(STRANGER)[0] and "administrator" in bot.texts(STRANGER)[0]
    # A press on a keyboard of a member's chat, e.g. forwarded to the stranger.
    message = await _to_field(bot, LEE, "ACC-1", "primary_condition")
    data = bot.api.buttons(message)[0][1]
    await bot.feed(bot.api.stranger_press_update(STRANGER, message["message_id"], LEE, data))
    assert len(bot.texts(STRANGER)) == 2 and str(STRANGER) in bot.texts(STRANGER)[1]
    assert all(bot.api.queries.values())  # the stranger's press was answered too
    assert "primary_condition" not in bot.store.answers(bot.store.case_by_ref("ACC-1").id)
    db = bot.store.db
    assert db.execute("SELECT count(*) FROM users WHERE external_id = ?", (str(STRANGER),)).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM messages WHERE text LIKE '%SECRET%'").fetchone()[0] == 0
    audit = db.execute(
        "SELECT external_id, event, detail FROM audit WHERE external_id = ?", (str(STRANGER),)
    ).fetchall()
    # Both refused, one access-denied line for the day (the first).
    assert audit == [(str(STRANGER), "access_denied", "message")]


@pytest.mark.asyncio
async def test_group_chat_said_once_and_left(bot: Harness) -> None:
    await bot.send(LEE, "/start", chat_id=-100500, chat_type="supergroup")
    await bot.send(LEE, "/new GRP-1", chat_id=-100500, chat_type="supergroup")
    sent = bot.api.sent(-100500)
    assert len(sent) == 1 and "private chats only" in sent[0]["text"]
    assert bot.api.calls_to("leaveChat") == [{"chat_id": -100500}]
    assert bot.store.case_by_ref("GRP-1") is None


def test_users_file(tmp_path) -> None:
    path = tmp_path / "users.toml"
    path.write_text('[[users]]\nid = 42\nname = "Dr Lee"\nrole = "clinician"\n')
    access = AccessList(path)
    assert access.get(42) == Member(42, "Dr Lee", "clinician") and access.get(43) is None
    path.write_text(
        '[[users]]\nid = 42\nname = "Dr Lee"\nrole = "reviewer"\n'
        '[[users]]\nid = 43\nname = "Sam"\nrole = "coordinator"\n'
    )
    assert access.get(43) is not None and access.get(42).is_reviewer  # re-read on change
    path.write_text("not toml [")
    assert access.get(43) is not None  # a broken edit keeps the previous list
    for bad in (
        '[[users]]\nid = "42"\nname = "x"\nrole = "clinician"\n',
        '[[users]]\nid = 42\nname = "x"\nrole = "admin"\n',
        "users = 3",
    ):
        with pytest.raises(AccessFileError):
            parse_users(bad)


# Rendering -------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_hostile_text_is_escaped(bot: Harness) -> None:
    await bot.send(SAM, "/start")
    greeting = bot.api.sent(SAM)[0]
    assert "Sam &lt;coordinator&gt; &amp; co" in greeting["html"]
    assert "Sam <coordinator> & co" in greeting["text"]
    hostile = "<b>x</b>&amp<script>"
    await _to_field(bot, SAM, "HOSTILE-1", "interference")
    await bot.send(SAM, hostile)  # refused, and echoed in the refusal
    refusal = bot.api.sent(SAM)[-2]
    assert hostile in refusal["text"] and html.escape(hostile, quote=False) in refusal["html"]
    await bot.send(SAM, "/<i>nope")
    assert "/<i>nope" in bot.api.sent(SAM)[-2]["text"]  # the refusal, then the open question again
    assert not bot.api.calls_to("sendMessage")[-1]["text"].count("<i>")


def test_split_at_line_breaks() -> None:
    lines = [f"line {i} " + "x" * 90 for i in range(100)]
    text = "\n".join(lines)
    parts = render.split(text)
    assert len(parts) == 3 and all(len(p) <= render.MAX_MESSAGE for p in parts)
    assert "\n".join(parts) == text  # cut only at line breaks
    long_line = "&amp; " * 2000
    parts = render.split(long_line)
    assert all(len(p) <= render.MAX_MESSAGE and not re.search(r"&[a-z]*$", p) for p in parts)
    assert render.split("short") == ["short"]


def test_render_keyboard_and_callback_data() -> None:
    prompt = Prompt(
        "question",
        "plain",
        title="Case A - question 1 of 2\nWhich <one>?",
        options=(Button("a:1:2:1", "Yes & no"), Button("a:1:2:2", "No", True)),
        controls=(Button("s:1:2", "Skip"),),
    )
    [out] = render.render(prompt)
    assert out.text == "<b>Case A - question 1 of 2</b>\nWhich &lt;one&gt;?"
    rows = out.markup.inline_keyboard
    assert [[b.text for b in row] for row in rows] == [["Yes & no"], ["No"], ["Skip"]]
    long = Prompt("result", "Heading\n" + "\n".join("y" * 100 for _ in range(60)))
    assert len(render.render(long)) == 2


@pytest.mark.asyncio
async def test_long_output_is_split(bot: Harness) -> None:
    await bot.send(LEE, "/new LONG-1")
    for i in range(30):
        await bot.send(LEE, f"answer {i} " + "z" * 200)  # refused (not a number), but in the transcript
    sent_before = len(bot.api.sent(REV))
    await bot.send(REV, "/show LONG-1")
    parts = bot.api.sent(REV)[sent_before:]
    assert len(parts) >= 2 and all(len(p["text"]) <= 4096 for p in parts)
    assert "Transcript:" in "".join(p["text"] for p in parts)


# Errors ----------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_error_handler_logs_without_content_and_reassures(bot: Harness, caplog) -> None:
    await bot.send(LEE, "/new ERR-1")
    services = bot.app.bot_data["itb"]
    real = services.dialogue.handle

    def broken(*args, **kwargs):
        raise RuntimeError("database exploded")

    services.dialogue.handle = broken
    with caplog.at_level(logging.ERROR):
        await bot.send(LEE, "my secret answer 57")
    services.dialogue.handle = real
    assert bot.texts(LEE)[-1] == SORRY
    records = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert records and records[0].exc_info is not None
    logged = "\n".join(caplog.text.splitlines())
    assert "secret answer" not in logged and bot.api.token not in logged
    assert logging.getLogger("httpx").level == logging.WARNING


@pytest.mark.asyncio
async def test_network_errors_retried_and_answer_kept(bot: Harness) -> None:
    await bot.send(LEE, "/new NET-1")
    bot.api.fail_next("sendMessage", NetworkError("connection reset"))
    bot.api.fail_next("sendMessage", TimedOut())
    await bot.send(LEE, "44")
    assert field_of(bot.api.last(LEE)) == "primary_condition"  # delivered after two retries
    for _ in range(3):
        bot.api.fail_next("sendMessage", TimedOut())
    await bot.send(LEE, "stroke")  # every attempt fails: the answer is committed, the user told
    assert bot.store.answers(bot.store.case_by_ref("NET-1").id)["primary_condition"] == "stroke"
    assert bot.texts(LEE)[-1] == SORRY
    await bot.send(LEE, "/resume")
    assert field_of(bot.api.last(LEE)) == "disease_course"


# Restart ---------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_restart_mid_case_keeps_the_open_question(bot: Harness) -> None:
    message = await _to_field(bot, LEE, "RST-1", "disease_course")
    await bot.restart()  # a new Application and a new Store on the same database file
    await bot.tap_label(LEE, "Progressive", message)  # a button shown before the restart
    assert bot.api.messages[LEE][message["message_id"]]["text"].endswith("Progressive")
    assert field_of(bot.api.last(LEE)) == "interference"
    await bot.restart()
    await bot.send(LEE, "comfort, adl")  # typed after another restart: the open question answered
    answers = bot.store.answers(bot.store.case_by_ref("RST-1").id)
    assert answers["disease_course"] == "progressive" and answers["interference"] == ("comfort", "adl")


# Commands, greeting, reviewers, transcript -----------------------------------------------------
@pytest.mark.asyncio
async def test_commands_menu_and_greeting(bot: Harness) -> None:
    await bot.app.post_init(bot.app)
    default = bot.api.commands()
    assert [c["command"] for c in default] == [
        "new",
        "cases",
        "resume",
        "back",
        "skip",
        "summary",
        "amend",
        "void",
        "handoff",
        "remind",
        "cancel",
        "help",
    ]
    reviewer = bot.api.commands({"type": "chat", "chat_id": REV})
    assert [c["command"] for c in reviewer[-2:]] == ["show", "digest"]
    await bot.send(LEE, "/start")
    greeting = bot.texts(LEE)[0]
    assert "Dr Lee" in greeting and "decision support" in greeting and "never a patient's name" in greeting


@pytest.mark.asyncio
async def test_summary_cases_all_and_show(bot: Harness) -> None:
    answers = validate_answers({**VIGNETTES[0]["answers"], "sci_level_t6_or_above": "yes"})
    await screen_by_buttons(bot, LEE, "SUM-1", answers, checks=False)
    await bot.send(LEE, "/summary")
    summary = bot.texts(LEE)[-1]
    assert "ITB screening referral summary" in summary and "SUM-1" in summary
    await bot.send(LEE, "/cases all")
    assert "Only reviewers" in bot.texts(LEE)[-2] and "Your cases" in bot.texts(LEE)[-1]
    await bot.send(LEE, "/show NOPE-1")
    assert "None of your cases" in bot.texts(LEE)[-1]
    await bot.send(REV, "/cases all")
    asked = len(asked_by_contract(answers))  # the 17 an adult is asked and the injury's level
    assert f"SUM-1: Dr Lee, Finished, {asked}/{asked}, Refer for the ITB screening test" in bot.texts(REV)[-1]
    before = len(bot.texts(REV))
    await bot.send(REV, "/show SUM-1")
    shown = "\n".join(bot.texts(REV)[before:])
    assert all(part in shown for part in ("Answers:", "Result of", "Transcript:", "[pressed] answer"))
    await bot.send(REV, "/summary SUM-1")
    assert "SUM-1" in bot.texts(REV)[-1]


@pytest.mark.asyncio
async def test_every_message_and_press_in_the_transcript(bot: Harness) -> None:
    message = await _to_field(bot, LEE, "TRN-1", "primary_condition")
    await bot.tap_label(LEE, "Stroke", message)
    case = bot.store.case_by_ref("TRN-1")
    transcript = bot.store.transcript(case.id)
    incoming = [m["text"] for m in transcript if m["direction"] == "in"]
    assert incoming[-2] == "40" and incoming[-1].startswith("[pressed]") and "Stroke" in incoming[-1]
    assert sum(1 for m in transcript if m["direction"] == "out") >= 3


def test_chat_free_commands_do_not_import_telegram() -> None:
    code = (
        "import sys, itb_screen.cli, itb_screen.bot; "
        "assert 'telegram' not in sys.modules, 'telegram imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.asyncio
async def test_forged_callback_data_changes_nothing(bot: Harness) -> None:
    """Clients can send any callback data: another user's case is closed to them; nonsense is refused."""
    message = await _to_field(bot, LEE, "FORGE-1", "primary_condition")
    case = bot.store.case_by_ref("FORGE-1")
    await bot.send(SAM, "/new FORGE-2")
    forged = bot.api.press_update(LEE, message["message_id"], f"a:{case.id}:2:1")
    forged["callback_query"]["from"] = bot.api.user(SAM)
    forged["callback_query"]["message"]["chat"] = bot.api.chats[SAM]
    await bot.feed(forged)
    assert "This question is closed" in "\n".join(bot.texts(SAM))
    assert "primary_condition" not in bot.store.answers(case.id)
    for data in ("zz", "a:1:2", "x" * 64):
        query = bot.api.press_update(LEE, message["message_id"], f"a:{case.id}:2:1")
        query["callback_query"]["data"] = data
        await bot.feed(query)
    assert "primary_condition" not in bot.store.answers(case.id)
    assert field_of(bot.api.last(LEE)) == "primary_condition"


@pytest.mark.asyncio
async def test_a_whole_screening_by_taps_alone(bot: Harness) -> None:
    """/new from the commands menu, the generated reference, the age on the keypad, every answer tapped."""
    vignette = next(v for v in VIGNETTES if v["id"] == "P02")
    answers = validate_answers(vignette["answers"])
    await screen_by_buttons(bot, LEE, None, answers)
    [record] = bot.store.cases_of(bot.store.user("telegram", str(LEE)).id)
    assert re.fullmatch(r"ITB-[2-9A-HJ-NP-Z]{5}", record.ref)
    assert outcome(stored_result(bot, record.ref)) == vignette["expected"]
    typed_in = [
        m["text"]
        for m in bot.store.transcript(bot.store.case_by_ref(record.ref).id)
        if m["direction"] == "in" and not m["text"].startswith("[pressed]")
    ]
    assert typed_in == []  # every answer came from a button (/new itself preceded the case)


@pytest.mark.asyncio
async def test_keypad_erase_range_and_empty_ok(bot: Harness) -> None:
    await bot.send(LEE, "/new PAD-1")
    message = bot.question(LEE)
    await bot.tap_label(LEE, "OK", message)
    assert "Press the digits" in bot.texts(LEE)[-2]
    message = bot.question(LEE)
    for key in ("1", "2", "5"):
        await bot.tap_label(LEE, key, bot.api.messages[LEE][message["message_id"]])
    await bot.tap_label(LEE, "\u232b", bot.api.messages[LEE][message["message_id"]])
    assert "Typed so far: 12" in bot.api.messages[LEE][message["message_id"]]["text"]
    await bot.tap_label(LEE, "9", bot.api.messages[LEE][message["message_id"]])
    await bot.tap_label(LEE, "9", bot.api.messages[LEE][message["message_id"]])
    assert "too many digits" in bot.texts(LEE)[-2]
    message = bot.question(LEE)
    await bot.tap_label(LEE, "OK", message)
    assert "129 is out of range" in bot.texts(LEE)[-2]
    assert bot.store.answers(bot.store.case_by_ref("PAD-1").id) == {}
    message = bot.question(LEE)
    await bot.tap_label(LEE, "7", message)
    await bot.tap_label(LEE, "OK", bot.api.messages[LEE][message["message_id"]])
    assert bot.api.messages[LEE][message["message_id"]]["text"].endswith("\u2713 7 years")
    assert bot.store.answers(bot.store.case_by_ref("PAD-1").id) == {"age_years": 7}


@pytest.mark.asyncio
async def test_an_update_delivered_again_is_not_applied_twice(bot: Harness) -> None:
    """After a crash Telegram re-delivers unconfirmed updates: a typed "1" must not answer two questions."""
    await bot.send(LEE, "/new DUP-UPD")
    age = bot.api.message_update(LEE, "40")
    await bot.feed(age)
    condition = bot.api.message_update(LEE, "1")
    await bot.feed(condition)
    await bot.feed(condition)  # the same update id again
    case = bot.store.case_by_ref("DUP-UPD")
    assert bot.store.answers(case.id) == {"age_years": 40, "primary_condition": "cerebral_palsy"}
    assert case.state == "disease_course"
    assert "question 3 of" in bot.texts(LEE)[-1]  # the open question, shown again
    press_on = bot.question(LEE)
    press = bot.api.press_update(LEE, press_on["message_id"], control(press_on, "a"))
    await bot.feed(press)
    await bot.feed(press)
    assert bot.store.case_by_ref("DUP-UPD").state == "interference"
    assert len(bot.store.history(case.id)) == 3


# Issue 9: said back, near misses, confirm anyway, amend and void ---------------------------------
#: P01 with other-guidance.md's level question answered (below T6): every question asked is answered.
P01 = validate_answers(
    {**next(v for v in VIGNETTES if v["id"] == "P01")["answers"], "sci_level_t6_or_above": "no"}
)
P01_EXPECTED = next(v for v in VIGNETTES if v["id"] == "P01")["expected"]
#: The asked questions of an adult in the catalogue's order (growth_complications is asked under 18 only).
ADULT_FIELDS = asked_by_contract({"age_years": 45})


def html_of(message: dict) -> str:
    return message["html"]


async def forged_press(h: Harness, user: int, data: str) -> None:
    """A press by `user` with any callback data, on a message that is not in their chat (so not editable)."""
    update = {
        "update_id": 10_000_000 + len(h.api.calls),
        "callback_query": {
            "id": str(8_000_000 + len(h.api.calls)),
            "from": h.api.user(user),
            "message": {
                "message_id": 999_999,
                "from": h.api.bot_user,
                "chat": h.api.chats[user],
                "date": 0,
                "text": "forwarded",
            },
            "chat_instance": "1",
            "data": data,
        },
    }
    h.api.queries[update["callback_query"]["id"]] = False
    await h.feed(update)


async def finished_case(h: Harness, user: int, ref: str, answers: dict = P01) -> int:
    await screen_by_buttons(h, user, ref, answers, checks=False)
    case = h.store.case_by_ref(ref)
    assert case.status == "done" and amend_only(h, h.api.last(user), case.id)
    return case.id


@pytest.mark.asyncio
async def test_a_typed_answer_is_said_back_on_top_of_the_next_question_a_press_is_not(bot: Harness) -> None:
    await bot.send(LEE, "/new SAY-T")
    sent_before = len(bot.api.sent(LEE))
    await bot.send(LEE, "45")
    [message] = bot.api.sent(LEE)[sent_before:]  # one message: the say-back, then the next question
    assert html_of(message).startswith(
        f"<i>{render.CHECK} Saved (Age): 45 years</i>\n<b>Case SAY-T - question 2 of 18</b>"
    )
    assert saved_lines(message) == ["Saved (Age): 45 years"] and field_of(message) == "primary_condition"
    assert message.get("reply_markup")
    await bot.send(LEE, "MS")  # a natural short form
    assert saved_lines(bot.api.last(LEE)) == ["Saved (Condition): Multiple sclerosis"]
    assert field_of(bot.api.last(LEE)) == "disease_course"
    pressed = await bot.tap_label(LEE, "Stable")
    assert bot.api.messages[LEE][pressed["message_id"]]["text"].endswith(f"{render.CHECK} Stable")
    assert saved_lines(bot.api.last(LEE)) == [] and field_of(bot.api.last(LEE)) == "interference"
    # skip at an answered question keeps it, and says so
    await bot.send(LEE, "back")
    assert "Current answer: Stable" in bot.api.last(LEE)["text"]
    await bot.send(LEE, "skip")
    assert saved_lines(bot.api.last(LEE)) == ["Kept: Stable"]
    assert field_of(bot.api.last(LEE)) == "interference"
    answers = bot.store.answers(bot.store.case_by_ref("SAY-T").id)
    assert answers == {"age_years": 45, "primary_condition": "multiple_sclerosis", "disease_course": "stable"}


@pytest.mark.asyncio
async def test_did_you_mean_yes_button_stores_the_offer(bot: Harness) -> None:
    await bot.send(LEE, "/new NEAR-T")
    await bot.send(LEE, "45")
    case = bot.store.case_by_ref("NEAR-T")
    await bot.send(LEE, "cerebal palsy")
    offer = bot.api.last(LEE)
    assert offer["text"].startswith("Did you mean Cerebral palsy?")
    assert bot.api.buttons(offer) == [("Yes", f"y:{case.id}:2"), ("No", f"n:{case.id}:2")]
    assert "primary_condition" not in bot.store.answers(case.id)
    await bot.tap_label(LEE, "Yes", offer)
    edited = bot.api.messages[LEE][offer["message_id"]]
    assert edited["text"].endswith(f"{render.CHECK} Cerebral palsy") and "reply_markup" not in edited
    assert bot.store.answers(case.id)["primary_condition"] == "cerebral_palsy"
    assert field_of(bot.api.last(LEE)) == "disease_course" and saved_lines(bot.api.last(LEE)) == []
    # a typed yes stores the offer too, said back like a typed answer
    await bot.tap_label(LEE, "Stable")
    await bot.send(LEE, "mobilty")
    assert bot.api.last(LEE)["text"].startswith("Did you mean Mobility?")
    assert "interference" not in bot.store.answers(case.id)
    await bot.send(LEE, "yes")
    assert saved_lines(bot.api.last(LEE)) == ["Saved (Interference): Mobility"]
    assert field_of(bot.api.last(LEE)) == "ambulatory"
    assert bot.store.answers(case.id)["interference"] == ("mobility",)


@pytest.mark.asyncio
async def test_did_you_mean_no_button_stores_nothing_and_asks_again(bot: Harness) -> None:
    await bot.send(LEE, "/new NEAR-N")
    await bot.send(LEE, "45")
    case = bot.store.case_by_ref("NEAR-N")
    await bot.send(LEE, "cerebal palsy")
    offer = bot.api.last(LEE)
    await bot.tap_label(LEE, "No", offer)
    edited = bot.api.messages[LEE][offer["message_id"]]
    assert edited["text"].endswith(messages.NOT_THAT) and "reply_markup" not in edited
    assert bot.texts(LEE)[-2] == "Not saved: answer the question again."
    assert field_of(bot.api.last(LEE)) == "primary_condition" and bot.api.last(LEE).get("reply_markup")
    assert bot.store.answers(case.id) == {"age_years": 45}
    assert bot.store.case_by_ref("NEAR-N").state == "primary_condition"
    # the offer is gone: its Yes, pressed late (e.g. from a second device), stores nothing
    await forged_press(bot, LEE, f"y:{case.id}:2")
    assert "This question is closed" in bot.texts(LEE)[-2]
    assert bot.store.answers(case.id) == {"age_years": 45}


@pytest.mark.asyncio
async def test_confirm_with_a_gap_then_confirm_again(bot: Harness) -> None:
    answers = {f: v for f, v in P01.items() if f != "seizures"}
    await screen_by_buttons(bot, LEE, "GAP-T", answers)  # Confirm, the notice, then Confirm anyway
    case = bot.store.case_by_ref("GAP-T")
    notice = bot.api.sent(LEE)[-2]
    assert notice["text"].startswith("1 asked question still unanswered: ") and "eizure" in notice["text"]
    assert outcome(stored_result(bot, "GAP-T")) == P01_EXPECTED  # seizures unanswered adds no point
    assert stored_result(bot, "GAP-T")["unanswered"] == ["seizures"]
    assert amend_only(bot, bot.api.last(LEE), case.id)
    # The review's own Confirm pressed a second time confirms too.
    await bot.send(LEE, "/new GAP-T2")
    while not is_review(bot.question(LEE)):
        message = bot.question(LEE)
        question = QUESTIONS_BY_FIELD[field_of(message)]
        if question.kind == "number":
            await bot.send(LEE, "40")
        else:
            await bot.tap_label(LEE, "Skip", message)
    review = bot.question(LEE)
    await bot.tap(LEE, review["message_id"], control(review, "f"))
    assert f"{len(ADULT_FIELDS) - 1} asked questions still unanswered" in bot.api.last(LEE)["text"]
    assert bot.store.results(bot.store.case_by_ref("GAP-T2").id) == []
    await bot.tap(LEE, review["message_id"], control(review, "f"))
    assert bot.api.messages[LEE][review["message_id"]]["text"].endswith(messages.PRESSED_CONFIRMED)
    assert bot.api.last(LEE)["text"].startswith("Case GAP-T2:")
    assert len(bot.store.results(bot.store.case_by_ref("GAP-T2").id)) == 1


@pytest.mark.asyncio
async def test_the_amend_button_reopens_the_case_at_the_review_and_keeps_both_results(bot: Harness) -> None:
    case_id = await finished_case(bot, LEE, "AM-T")
    result = bot.api.last(LEE)
    await bot.tap_label(LEE, "Amend", result)
    edited = bot.api.messages[LEE][result["message_id"]]
    assert edited["text"].endswith(messages.PRESSED_AMEND) and "reply_markup" not in edited
    assert bot.api.last(LEE)["text"].startswith("Why is case AM-T being amended?")
    assert bot.store.events(case_id) == [] and bot.store.case_by_ref("AM-T").status == "done"
    reason = "financial burden was misread"
    await bot.send(LEE, reason)
    opened, review = bot.api.sent(LEE)[-2:]
    assert opened["text"].startswith(f"Case AM-T is open for amendment ({reason}).")
    assert is_review(review) and review.get("reply_markup")
    assert bot.store.case_by_ref("AM-T").status == "open"
    # change financial burden (its number at the review is the spec's: 15) to Yes
    await bot.tap_label(LEE, "15", review)
    assert field_of(bot.question(LEE)) == "financial_burden"
    await bot.tap_label(LEE, "Yes")
    review = bot.question(LEE)
    assert is_review(review)
    amended = {**P01, "financial_burden": "yes"}
    await confirm_at_review(bot, LEE, review, amended)
    assert bot.texts(LEE)[-2].startswith("Case AM-T amended")
    assert amend_only(bot, bot.api.last(LEE), case_id)
    results = bot.store.results(case_id)
    assert [(r["kind"], r["reason"], r["by"]) for r in results] == [
        ("confirm", None, "Dr Lee"),
        ("amend", reason, "Dr Lee"),
    ]
    # the spec: financial burden is a relative item (rule 5) and an always point, before goal setting
    assert [outcome(r["result"]) for r in results] == [
        P01_EXPECTED,
        {
            "recommendation": "refer_after_review",
            "discussion_points": ["financial_burden", "goal_setting"],
            "missing_required": [],
        },
    ]
    assert results[0]["result"] != results[1]["result"]
    assert bot.store.case_by_ref("AM-T").status == "done"


@pytest.mark.asyncio
async def test_the_amend_button_is_refused_to_another_clinician_but_not_to_a_reviewer(bot: Harness) -> None:
    case_id = await finished_case(bot, LEE, "AM-R")
    result = bot.api.last(LEE)
    amend = control(result, "m")
    await bot.send(KIM, "/start")
    await forged_press(bot, KIM, amend)  # Dr Kim, a clinician, not the owner
    assert bot.texts(KIM)[-1] == "That button is not valid here."  # as for a case of no one
    await bot.send(KIM, "my reason")  # not read as a reason: nothing was asked
    assert bot.store.events(case_id) == [] and len(bot.store.results(case_id)) == 1
    assert amend_only(bot, bot.api.messages[LEE][result["message_id"]], case_id)  # the owner's untouched
    await bot.send(REV, "/start")
    await forged_press(bot, REV, amend)
    assert bot.texts(REV)[-1].startswith("Why is case AM-R being amended?")
    await bot.send(REV, "second opinion on goals")
    assert is_review(bot.question(REV))
    await bot.tap_label(REV, "Confirm", bot.question(REV))
    assert bot.api.last(REV)["text"].startswith("Case AM-R:")
    assert amend_only(bot, bot.api.last(REV), case_id)
    [_, second] = bot.store.results(case_id)
    assert (second["kind"], second["reason"], second["by"]) == (
        "amend",
        "second opinion on goals",
        "Rita Reviewer",
    )
    assert [(e["kind"], e["by"]) for e in bot.store.events(case_id)] == [("amend", "Rita Reviewer")]
    # the typed command, with the same rights
    await bot.send(KIM, "/amend AM-R")
    assert "Why is case" not in bot.texts(KIM)[-1]
    assert len(bot.store.events(case_id)) == 1


@pytest.mark.asyncio
async def test_void_hides_the_case_from_cases(bot: Harness) -> None:
    await bot.send(LEE, "/new VOID-T")
    await bot.send(LEE, "45")
    await bot.send(LEE, "/new KEEP-T")
    await bot.send(LEE, "/void VOID-T opened for the wrong clinic")
    assert bot.texts(LEE)[-1].startswith("Case VOID-T is void")
    case = bot.store.case_by_ref("VOID-T")
    assert case.status == "void" and bot.store.answers(case.id) == {"age_years": 45}
    await bot.send(LEE, "/cases")
    listing = bot.api.last(LEE)
    assert "KEEP-T" in listing["text"] and "VOID-T" not in listing["text"]
    assert [label for label, _ in bot.api.buttons(listing)] == ["KEEP-T"]
    await bot.send(LEE, "/resume VOID-T")
    assert "void" in bot.texts(LEE)[-1] and bot.store.case_by_ref("VOID-T").status == "void"
    await bot.send(KIM, "/void KEEP-T mine now")  # not his case
    assert bot.store.case_by_ref("KEEP-T").status == "open"


@pytest.mark.asyncio
async def test_new_while_a_case_is_open_says_it_stays_open(bot: Harness) -> None:
    await bot.send(LEE, "/new OPEN-T")
    await bot.send(LEE, "45")
    sent_before = len(bot.api.sent(LEE))
    await bot.send(LEE, "/new OPEN-T2")
    texts = [m["text"] for m in bot.api.sent(LEE)[sent_before:]]
    assert texts[0] == ("Case OPEN-T stays open at question 2 of 18: /resume OPEN-T continues it.")
    assert field_of(bot.api.last(LEE)) == "age_years" and "Case OPEN-T2" in texts[-1]


@pytest.mark.asyncio
async def test_question_mark_explains_the_question_and_asks_it_again(bot: Harness) -> None:
    await bot.send(LEE, "/new HELP-T")
    await bot.send(LEE, "45")
    sent_before = len(bot.api.sent(LEE))
    await bot.send(LEE, "?")
    explanation, question = bot.api.sent(LEE)[sent_before:]
    primary = QUESTIONS_BY_FIELD["primary_condition"]
    assert html_of(explanation).startswith(f"<b>Question 2: {html.escape(primary.text, quote=False)}</b>\n")
    assert 'S2: "' in explanation["text"]  # the spec: primary_condition serves S2, quoted
    assert all(option.label in explanation["text"] for option in primary.options)
    assert field_of(question) == "primary_condition" and question.get("reply_markup")
    case = bot.store.case_by_ref("HELP-T")
    assert case.state == "primary_condition"
    assert bot.store.answers(case.id, include_skipped=True) == {"age_years": 45}


@pytest.mark.asyncio
async def test_user_text_shown_back_is_escaped(bot: Harness) -> None:
    await finished_case(bot, SAM, "ESC-T")
    await bot.tap_label(SAM, "Amend", bot.api.last(SAM))
    reason = "<b>goals</b> & <i>care"
    await bot.send(SAM, reason)
    opened = bot.api.sent(SAM)[-2]
    assert f"({reason})" in opened["text"]
    assert f"({html.escape(reason, quote=False)})" in html_of(opened)
    before = len(bot.texts(REV))
    await bot.send(REV, "/show ESC-T")
    shown = bot.api.sent(REV)[before:]
    assert any(reason in m["text"] for m in shown)
    assert any(html.escape(reason, quote=False) in html_of(m) for m in shown)


@pytest.mark.asyncio
async def test_strangers_cannot_press_the_new_buttons(bot: Harness) -> None:
    """Yes/No, Confirm anyway and Amend pressed by someone not listed: refused by the gate, nothing
    changes."""
    await bot.send(LEE, "/new GATE-T")
    await bot.send(LEE, "45")
    case = bot.store.case_by_ref("GATE-T")
    await bot.send(LEE, "cerebal palsy")
    offer = bot.api.last(LEE)
    for data in (f"y:{case.id}:2", f"n:{case.id}:2"):
        await bot.feed(bot.api.stranger_press_update(STRANGER, offer["message_id"], LEE, data))
    assert bot.store.answers(case.id) == {"age_years": 45}
    await bot.tap_label(LEE, "Yes", offer)  # the offer still stands for Dr Lee
    assert bot.store.answers(case.id)["primary_condition"] == "cerebral_palsy"
    while not is_review(bot.question(LEE)):
        await bot.tap_label(LEE, "Skip")
    await bot.send(LEE, "confirm")
    notice = bot.api.last(LEE)
    anyway = f"f:{case.id}:r:1"
    assert bot.api.buttons(notice) == [("Confirm anyway", anyway)]
    await bot.feed(bot.api.stranger_press_update(STRANGER, notice["message_id"], LEE, anyway))
    assert bot.store.results(case.id) == []
    await bot.tap_label(LEE, "Confirm anyway", notice)
    result = bot.api.last(LEE)
    assert amend_only(bot, result, case.id)
    await bot.feed(bot.api.stranger_press_update(STRANGER, result["message_id"], LEE, f"m:{case.id}:d"))
    assert bot.store.events(case.id) == [] and bot.store.case_by_ref("GATE-T").status == "done"
    assert amend_only(bot, bot.api.messages[LEE][result["message_id"]], case.id)
    stranger = bot.texts(STRANGER)
    assert len(stranger) == 4 and all(str(STRANGER) in t and "administrator" in t for t in stranger)
    db = bot.store.db
    assert db.execute("SELECT count(*) FROM users WHERE external_id = ?", (str(STRANGER),)).fetchone()[0] == 0
    audit = db.execute(
        "SELECT detail FROM audit WHERE external_id = ? AND event = 'access_denied'", (str(STRANGER),)
    ).fetchall()
    assert audit == [("button",)]  # four presses refused, one line a stranger a day


@pytest.mark.asyncio
async def test_back_from_the_review_then_an_answer_returns_to_the_review(bot: Harness) -> None:
    await bot.send(LEE, "/new BACK-T")
    while not is_review(bot.question(LEE)):
        message = bot.question(LEE)
        question = QUESTIONS_BY_FIELD[field_of(message)]
        await (bot.send(LEE, "40") if question.kind == "number" else bot.tap_label(LEE, "Skip", message))
    review = bot.question(LEE)
    await bot.tap_label(LEE, "Back", review)
    assert field_of(bot.question(LEE)) == ADULT_FIELDS[-1]
    await bot.tap_label(LEE, "No")
    review = bot.question(LEE)
    last_line = f"18. {QUESTIONS_BY_FIELD[ADULT_FIELDS[-1]].text} \u2014 No"  # the spec's number
    assert is_review(review) and review["text"].split("\n")[-2] == last_line
    assert bot.store.answers(bot.store.case_by_ref("BACK-T").id)[ADULT_FIELDS[-1]] == "no"


@pytest.mark.asyncio
@pytest.mark.parametrize("how", ["button", "command"])
async def test_amend_asked_while_a_did_you_mean_is_pending_reads_the_reason(bot: Harness, how: str) -> None:
    """The Amend button (or /amend) ends a pending "Did you mean ...?" and asks for a reason: the next
    message is that reason, not an answer to the other case's question."""
    case_id = await finished_case(bot, LEE, "AM-P")
    result = bot.api.last(LEE)
    await bot.send(LEE, "/new OTHER-P")
    await bot.send(LEE, "45")
    await bot.send(LEE, "cerebal palsy")
    assert bot.api.last(LEE)["text"].startswith("Did you mean Cerebral palsy?")
    if how == "button":
        await bot.tap_label(LEE, "Amend", result)
    else:
        await bot.send(LEE, "/amend AM-P")
    assert bot.texts(LEE)[-1].startswith("Why is case AM-P being amended?")
    await bot.send(LEE, "goals reviewed with the team")
    assert any(
        t.startswith("Case AM-P is open for amendment (goals reviewed with the team)")
        for t in bot.texts(LEE)[-2:]
    ), bot.texts(LEE)[-2:]
    assert [e["reason"] for e in bot.store.events(case_id)] == ["goals reviewed with the team"]


# other-guidance.md's follow-ups (issue 19) -----------------------------------------------------------------
P04 = validate_answers(next(v for v in VIGNETTES if v["id"] == "P04")["answers"])
#: The label's L4 as other-guidance.md paraphrases it: quoted by `?` at the level question.
L4 = guidance_sources()["L4"]


def header(message: dict) -> str:
    """`question 3 of 19`: the first line of a question, without the say-back lines on top."""
    return body(message).split("\n", 1)[0].split(" - ")[1]


async def tap_change(h: Harness, user: int, tag: str) -> dict:
    """Press the review's change button of the answer numbered `tag` (labelled `2b`); returns the review."""
    review = h.question(user)
    await h.tap_label(user, tag, review)
    return review


@pytest.mark.asyncio
async def test_follow_ups_by_buttons_asked_counted_explained_and_dropped(bot: Harness) -> None:
    """A spinal cord injury: its level asked right after the condition as question 3 of 19, `?` quoting
    the label; at the review, 2b by its button; seizures changed to yes asks 17a before the review; the
    condition changed to a stroke drops 2b from the review and its flag from the result."""
    await bot.send(LEE, "/new FU-T")
    await bot.send(LEE, "45")
    await bot.tap_label(LEE, "Spinal cord injury")
    level = bot.question(LEE)
    assert (field_of(level), header(level)) == ("sci_level_t6_or_above", "question 3 of 19")
    await bot.send(LEE, "?")
    assert f'Why it is asked (US label, L4): "{L4}"' in bot.texts(LEE)[-2]
    await bot.tap_label(LEE, "Yes, T6 or above")
    assert header(bot.question(LEE)) == "question 4 of 19"  # the condition's course, moved on by one
    answers = {**P04, "primary_condition": "spinal_cord_injury", "sci_level_t6_or_above": "yes"}
    screening = Screening(bot.api, LEE, answers, stop_at_review=True, started=True)
    while (step := screening.next_step()) is not None:
        await bot.feed(step[1])
    review = bot.question(LEE)
    assert "2b. Is the spinal cord injury at T6 or above? \u2014 Yes, T6 or above" in review["text"]
    case = bot.store.case_by_ref("FU-T")
    place = {text: data for text, data in bot.api.buttons(review) if data.startswith("c:")}
    assert list(place)[:4] == ["1", "2", "2b", "3"]
    assert place["2b"] == f"c:{case.id}:r:2b"  # the follow-up of question 2, as the review numbers it
    await tap_change(bot, LEE, "17")
    await bot.tap_label(LEE, "Yes")  # seizures: now 17a is asked, before the review
    controlled = bot.question(LEE)
    # Seizures are question 17; before them the level (2b), and this one after them: 19 of 18 and both.
    assert (field_of(controlled), header(controlled)) == ("seizures_controlled", "question 19 of 20")
    await bot.tap_label(LEE, "No")
    review = bot.question(LEE)
    assert is_review(review) and "17a. Are the seizures controlled? \u2014 No" in review["text"]
    await tap_change(bot, LEE, "2")
    await bot.tap_label(LEE, "Stroke")
    review = bot.question(LEE)
    assert is_review(review) and "2b." not in review["text"] and "17a." in review["text"]
    await bot.tap_label(LEE, "Confirm", review)
    flags = [f["code"] for f in stored_result(bot, "FU-T")["other_guidance"]]
    assert "uncontrolled_epilepsy" in flags and "withdrawal_risk" not in flags
    kept = [h["value"] for h in bot.store.history(case.id) if h["field"] == "sci_level_t6_or_above"]
    assert kept == ["yes"]  # dropped from the rules and the review, kept in the history
