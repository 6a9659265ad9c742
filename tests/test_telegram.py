"""The Telegram channel in-process: a real Application, its network replaced by `OfflineRequest`.

Updates are built as Telegram sends them and fed through `app.process_update`; every Bot API call is
recorded by `OfflineTelegram`, which answers (and refuses) as Telegram does.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import subprocess
import sys

import pytest
import pytest_asyncio
from telegram.error import NetworkError, TimedOut

from itb_screen.bot.telegram import AccessList, Member, build_application, parse_users
from itb_screen.bot.telegram import render
from itb_screen.bot.telegram.access import AccessFileError
from itb_screen.bot.telegram.errors import SORRY
from itb_screen.criteria import QUESTIONS, QUESTIONS_BY_FIELD, evaluate, validate_answers
from itb_screen.dialogue import Button, Prompt
from itb_screen.storage import Store

from .conftest import VIGNETTES
from .telegram_offline import TOKEN, OfflineTelegram, to_update

LEE, SAM, REV, STRANGER = 111, 222, 333, 999
MEMBERS = {
    LEE: Member(LEE, "Dr Lee", "clinician"),
    SAM: Member(SAM, "Sam <coordinator> & co", "coordinator"),
    REV: Member(REV, "Rita Reviewer", "reviewer"),
}


class Harness:
    """One bot on one database, with the offline Telegram it talks to."""

    def __init__(self, db_path, server: OfflineTelegram | None = None) -> None:
        self.db_path = db_path
        self.server = server or OfflineTelegram()
        self.app = None
        self.store = None

    async def start(self) -> "Harness":
        self.store = Store(self.db_path)
        self.app = build_application(TOKEN, self.store, AccessList(members=MEMBERS), rate_limit=False,
                                     request=self.server.request(), get_updates_request=self.server.request(),
                                     retry_delay=0)
        await self.app.initialize()
        return self

    async def stop(self) -> None:
        await self.app.shutdown()
        self.app.bot_data["itb"].close()
        self.store.close()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def feed(self, data: dict) -> None:
        await self.app.process_update(to_update(data, self.app.bot))

    async def send(self, user: int, text: str, **kwargs) -> None:
        await self.feed(self.server.message_update(user, text, **kwargs))

    async def tap(self, user: int, message_id: int, data: str) -> None:
        await self.feed(self.server.press_update(user, message_id, data))

    async def tap_label(self, user: int, label: str, message: dict | None = None) -> dict:
        """Press the button labelled `label` (check mark ignored) on `message` (default: the question)."""
        message = message or self.question(user)
        for text, data in self.server.buttons(message):
            if text.removeprefix(render.CHECK + " ") == label:
                await self.tap(user, message["message_id"], data)
                return message
        raise AssertionError(f"no button {label!r} on {message['text']!r}: {self.server.buttons(message)}")

    def question(self, user: int) -> dict:
        """The latest bot message that still has a keyboard."""
        for message in reversed(self.server.sent(user)):
            if message.get("reply_markup"):
                return message
        raise AssertionError("no message with buttons")

    def texts(self, user: int) -> list[str]:
        return [m["text"] for m in self.server.sent(user)]


@pytest_asyncio.fixture
async def bot(tmp_path):
    harness = await Harness(tmp_path / "bot.db").start()
    try:
        yield harness
    finally:
        await harness.stop()


def field_of(message: dict) -> str | None:
    """The field a question message asks (None for review, result and notices)."""
    matches = [q for q in QUESTIONS if q.text in message["text"]]
    return max(matches, key=lambda q: len(q.text)).field if matches and "question" in message["text"].split("\n")[0] else None


def control(message: dict, server: OfflineTelegram, verb: str) -> str:
    return next(data for _, data in server.buttons(message) if data.startswith(verb + ":"))


async def screen_by_buttons(h: Harness, user: int, ref: str | None, answers: dict, checks: bool = True) -> None:
    """Screen a case by presses alone; ref None taps the generated reference offered by /new."""
    if ref is None:
        await h.send(user, "/new")  # a tap on the commands menu
        await h.tap_label(user, next(t for t, _ in h.server.buttons(h.question(user)) if t.startswith("Use ITB-")))
    else:
        await h.send(user, f"/new {ref}")
    for _ in range(40):
        message = h.question(user)
        if message["text"].startswith("Review case"):
            await h.tap(user, message["message_id"], control(message, h.server, "f"))
            return
        field = field_of(message)
        question = QUESTIONS_BY_FIELD[field]
        value = answers.get(field)
        calls_before = len(h.server.calls)
        if value is None:
            await h.tap_label(user, "Skip", message)
        elif question.kind == "number":
            for digit in str(value):  # the keypad: each key edits the question in place
                await h.tap_label(user, digit, h.server.messages[user][message["message_id"]])
                typed = h.server.messages[user][message["message_id"]]
                assert typed.get("reply_markup") and "Typed so far:" in typed["text"]
            calls_before = len(h.server.calls)
            await h.tap_label(user, "OK", h.server.messages[user][message["message_id"]])
        elif question.kind == "one":
            await h.tap_label(user, question.option(value).label, message)
        else:
            for code in value:
                await h.tap_label(user, question.option(code).label, h.server.messages[user][message["message_id"]])
            await h.tap_label(user, "Done", h.server.messages[user][message["message_id"]])
        if checks:
            # Each press: the query answered first, then the pressed message edited in place, no keyboard.
            methods = [name for name, _ in h.server.calls[calls_before:]]
            assert methods[0] == "answerCallbackQuery"
            edited = h.server.messages[user][message["message_id"]]
            assert "reply_markup" not in edited, edited
            assert edited["text"].split("\n")[-1].startswith(render.CHECK) or "Skipped" in edited["text"]
    raise AssertionError("the screening did not reach the review")


async def screen_by_typing(h: Harness, user: int, ref: str, answers: dict) -> None:
    await h.send(user, f"/new {ref}")
    for _ in range(40):
        message = h.question(user)
        if message["text"].startswith("Review case"):
            await h.send(user, "confirm")
            return
        field = field_of(message)
        question = QUESTIONS_BY_FIELD[field]
        value = answers.get(field)
        if value is None:
            await h.send(user, "skip")
        elif question.kind == "many":
            await h.send(user, ", ".join(question.option(code).label for code in value))
        elif question.kind == "one":
            await h.send(user, question.option(value).label.upper())
        else:
            await h.send(user, str(value))
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
    expected = evaluate(answers)
    assert stored_result(bot, ref) == expected.to_dict()
    result = bot.server.last(LEE)
    assert result["text"].startswith(f"Case {ref}:")
    assert expected.recommendation and "reply_markup" not in result
    assert bot.store.answers(bot.store.case_by_ref(ref).id) == answers


@pytest.mark.asyncio
@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v["id"] for v in VIGNETTES])
async def test_vignette_by_typing(bot: Harness, vignette: dict) -> None:
    answers = validate_answers(vignette["answers"])
    ref = f"{vignette['id']}-typed"
    await screen_by_typing(bot, SAM, ref, answers)
    assert stored_result(bot, ref) == evaluate(answers).to_dict()
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
            await h.tap_label(user, "Done", h.server.messages[user][message["message_id"]])
    return h.question(user)


@pytest.mark.asyncio
async def test_toggles_show_check_marks_and_done_answers(bot: Harness) -> None:
    message = await _to_field(bot, LEE, "TOG-1", "interference")
    mid = message["message_id"]
    await bot.tap_label(LEE, "Done", message)  # nothing chosen yet: refused, nothing stored
    assert "Choose at least one option" in bot.texts(LEE)[-2]
    assert "interference" not in bot.store.answers(bot.store.case_by_ref("TOG-1").id)
    sent_before = len(bot.server.sent(LEE))
    await bot.tap_label(LEE, "Comfort", bot.server.messages[LEE][mid])
    await bot.tap_label(LEE, "Mobility", bot.server.messages[LEE][mid])
    assert len(bot.server.sent(LEE)) == sent_before  # toggles edit the keyboard, no new message
    assert bot.server.calls_to("editMessageReplyMarkup")
    labels = [t for t, _ in bot.server.buttons(bot.server.messages[LEE][mid])]
    assert f"{render.CHECK} Comfort" in labels and any(l.endswith("Mobility") and l.startswith(render.CHECK) for l in labels)
    await bot.tap_label(LEE, "Comfort", bot.server.messages[LEE][mid])  # untoggle
    await bot.tap_label(LEE, "Done", bot.server.messages[LEE][mid])
    assert bot.store.answers(bot.store.case_by_ref("TOG-1").id)["interference"] == ("mobility",)
    done = bot.server.messages[LEE][mid]
    assert "reply_markup" not in done and done["text"].endswith("Mobility")
    assert field_of(bot.question(LEE)) == "ambulatory"


@pytest.mark.asyncio
async def test_back_skip_change_confirm(bot: Harness) -> None:
    message = await _to_field(bot, LEE, "BSC-1", "disease_course")
    await bot.tap_label(LEE, "Back", message)
    assert bot.server.messages[LEE][message["message_id"]]["text"].endswith(render.BACK)
    assert field_of(bot.question(LEE)) == "primary_condition"
    await bot.tap_label(LEE, "Skip")
    assert "Skipped" in bot.server.sent(LEE)[-2]["text"]
    case = bot.store.case_by_ref("BSC-1")
    assert bot.store.answers(case.id, include_skipped=True)["primary_condition"] is None
    # Skip everything else up to the review.
    while not bot.question(LEE)["text"].startswith("Review case"):
        if field_of(bot.question(LEE)) == "age_years":
            await bot.send(LEE, "40")
        else:
            await bot.tap_label(LEE, "Skip")
    review = bot.question(LEE)
    assert "1. How old is the patient" in review["text"]
    # Change question 3 (disease course), answer it, and come back to the review.
    await bot.tap_label(LEE, "3", review)
    assert "Change answer 3" in bot.server.messages[LEE][review["message_id"]]["text"]
    assert field_of(bot.question(LEE)) == "disease_course"
    await bot.tap_label(LEE, "Progressive")
    review = bot.question(LEE)
    assert review["text"].startswith("Review case") and "Progressive" in review["text"]
    await bot.tap_label(LEE, "Confirm", review)
    assert bot.server.messages[LEE][review["message_id"]]["text"].endswith("Confirmed")
    answers = bot.store.answers(case.id)
    assert stored_result(bot, "BSC-1") == evaluate(answers).to_dict()
    assert bot.store.case_by_ref("BSC-1").status == "done"


@pytest.mark.asyncio
async def test_stale_press_is_closed_and_changes_nothing(bot: Harness) -> None:
    message = await _to_field(bot, LEE, "STALE-1", "disease_course")
    await bot.send(LEE, "stable")  # typed: the old message keeps its keyboard
    case = bot.store.case_by_ref("STALE-1")
    before = bot.store.answers(case.id)
    data = dict((t, d) for t, d in bot.server.buttons(message))["Progressive"]
    await bot.tap(LEE, message["message_id"], data)
    texts = bot.texts(LEE)
    assert "This question is closed" in texts[-2]
    assert field_of(bot.server.last(LEE)) == "interference"
    assert bot.store.answers(case.id) == before
    assert bot.server.messages[LEE][message["message_id"]].get("reply_markup")  # not edited
    # A button of another case is stale too.
    await bot.send(LEE, "/new STALE-2")
    await bot.tap(LEE, message["message_id"], data)
    assert "This question is closed" in bot.texts(LEE)[-2]
    assert bot.store.answers(case.id) == before


@pytest.mark.asyncio
async def test_two_users_interleaved(bot: Harness) -> None:
    a = validate_answers(VIGNETTES[0]["answers"])
    b = validate_answers(VIGNETTES[1]["answers"])
    one = screen_by_buttons(bot, LEE, "TWO-A", a)
    two = screen_by_typing(bot, SAM, "TWO-B", b)
    # Interleave the two coroutines step by step on one loop.
    await asyncio.gather(one, two)
    assert stored_result(bot, "TWO-A") == evaluate(a).to_dict()
    assert stored_result(bot, "TWO-B") == evaluate(b).to_dict()
    lee = bot.store.case_by_ref("TWO-A")
    assert bot.store.user_by_id(lee.user_id).external_id == str(LEE)


@pytest.mark.asyncio
async def test_one_users_updates_in_order_others_concurrently(bot: Harness) -> None:
    """Through the update processor (as polling does): a burst from one user is handled in order."""
    await bot.send(LEE, "/new ORD-1")
    await bot.send(SAM, "/new ORD-2")
    processor = bot.app.update_processor
    burst = []
    for user in (LEE, SAM):
        for text in ("40", "stroke", "stable"):
            burst.append(to_update(bot.server.message_update(user, text), bot.app.bot))
    await asyncio.gather(*(processor.process_update(u, bot.app.process_update(u)) for u in burst))
    for ref in ("ORD-1", "ORD-2"):
        answers = bot.store.answers(bot.store.case_by_ref(ref).id)
        assert answers == {"age_years": 40, "primary_condition": "stroke", "disease_course": "stable"}


# Access ----------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_unknown_user_message_and_press_refused_nothing_stored(bot: Harness) -> None:
    await bot.send(STRANGER, "/new SECRET-REF patient John Smith")
    assert bot.texts(STRANGER) == [bot.texts(STRANGER)[0]]
    assert str(STRANGER) in bot.texts(STRANGER)[0] and "administrator" in bot.texts(STRANGER)[0]
    # A press on a keyboard of a member's chat, e.g. forwarded to the stranger.
    message = await _to_field(bot, LEE, "ACC-1", "primary_condition")
    data = bot.server.buttons(message)[0][1]
    await bot.feed(bot.server.stranger_press_update(STRANGER, message["message_id"], LEE, data))
    assert len(bot.texts(STRANGER)) == 2 and str(STRANGER) in bot.texts(STRANGER)[1]
    assert all(bot.server.queries.values())  # the stranger's press was answered too
    assert "primary_condition" not in bot.store.answers(bot.store.case_by_ref("ACC-1").id)
    db = bot.store.db
    assert db.execute("SELECT count(*) FROM users WHERE external_id = ?", (str(STRANGER),)).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM messages WHERE text LIKE '%SECRET%'").fetchone()[0] == 0
    audit = db.execute("SELECT external_id, event, detail FROM audit WHERE external_id = ?", (str(STRANGER),)).fetchall()
    assert audit == [(str(STRANGER), "access_denied", "message"), (str(STRANGER), "access_denied", "button")]


@pytest.mark.asyncio
async def test_group_chat_said_once_and_left(bot: Harness) -> None:
    await bot.send(LEE, "/start", chat_id=-100500, chat_type="supergroup")
    await bot.send(LEE, "/new GRP-1", chat_id=-100500, chat_type="supergroup")
    sent = bot.server.sent(-100500)
    assert len(sent) == 1 and "private chats only" in sent[0]["text"]
    assert bot.server.calls_to("leaveChat") == [{"chat_id": -100500}]
    assert bot.store.case_by_ref("GRP-1") is None


def test_users_file(tmp_path) -> None:
    path = tmp_path / "users.toml"
    path.write_text('[[users]]\nid = 42\nname = "Dr Lee"\nrole = "clinician"\n')
    access = AccessList(path)
    assert access.get(42) == Member(42, "Dr Lee", "clinician") and access.get(43) is None
    path.write_text('[[users]]\nid = 42\nname = "Dr Lee"\nrole = "reviewer"\n'
                    '[[users]]\nid = 43\nname = "Sam"\nrole = "coordinator"\n')
    assert access.get(43) is not None and access.get(42).is_reviewer  # re-read on change
    path.write_text("not toml [")
    assert access.get(43) is not None  # a broken edit keeps the previous list
    for bad in ('[[users]]\nid = "42"\nname = "x"\nrole = "clinician"\n',
                '[[users]]\nid = 42\nname = "x"\nrole = "admin"\n', 'users = 3'):
        with pytest.raises(AccessFileError):
            parse_users(bad)


# Rendering -------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_hostile_text_is_escaped(bot: Harness) -> None:
    await bot.send(SAM, "/start")
    greeting = bot.server.sent(SAM)[0]
    assert "Sam &lt;coordinator&gt; &amp; co" in greeting["html"] and "Sam <coordinator> & co" in greeting["text"]
    hostile = "<b>x</b>&amp<script>"
    await _to_field(bot, SAM, "HOSTILE-1", "interference")
    await bot.send(SAM, hostile)  # refused, and echoed in the refusal
    refusal = bot.server.sent(SAM)[-2]
    assert hostile in refusal["text"] and html.escape(hostile, quote=False) in refusal["html"]
    await bot.send(SAM, "/<i>nope")
    assert "/<i>nope" in bot.server.sent(SAM)[-2]["text"]  # the refusal, then the open question again
    assert not bot.server.calls_to("sendMessage")[-1]["text"].count("<i>")


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
    prompt = Prompt("question", "plain", title="Case A - question 1 of 2\nWhich <one>?",
                    options=(Button("a:1:2:1", "Yes & no"), Button("a:1:2:2", "No", True)),
                    controls=(Button("s:1:2", "Skip"),))
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
    sent_before = len(bot.server.sent(REV))
    await bot.send(REV, "/show LONG-1")
    parts = bot.server.sent(REV)[sent_before:]
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
    assert "secret answer" not in logged and TOKEN not in logged
    assert logging.getLogger("httpx").level == logging.WARNING


@pytest.mark.asyncio
async def test_network_errors_retried_and_answer_kept(bot: Harness) -> None:
    await bot.send(LEE, "/new NET-1")
    bot.server.fail_next("sendMessage", NetworkError("connection reset"))
    bot.server.fail_next("sendMessage", TimedOut())
    await bot.send(LEE, "44")
    assert field_of(bot.server.last(LEE)) == "primary_condition"  # delivered after two retries
    for _ in range(3):
        bot.server.fail_next("sendMessage", TimedOut())
    await bot.send(LEE, "stroke")  # every attempt fails: the answer is committed, the user told
    assert bot.store.answers(bot.store.case_by_ref("NET-1").id)["primary_condition"] == "stroke"
    assert bot.texts(LEE)[-1] == SORRY
    await bot.send(LEE, "/resume")
    assert field_of(bot.server.last(LEE)) == "disease_course"


# Restart ---------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_restart_mid_case_keeps_the_open_question(bot: Harness) -> None:
    message = await _to_field(bot, LEE, "RST-1", "disease_course")
    await bot.restart()  # a new Application and a new Store on the same database file
    await bot.tap_label(LEE, "Progressive", message)  # a button shown before the restart
    assert bot.server.messages[LEE][message["message_id"]]["text"].endswith("Progressive")
    assert field_of(bot.server.last(LEE)) == "interference"
    await bot.restart()
    await bot.send(LEE, "comfort, adl")  # typed after another restart: the open question answered
    answers = bot.store.answers(bot.store.case_by_ref("RST-1").id)
    assert answers["disease_course"] == "progressive" and answers["interference"] == ("comfort", "adl")


# Commands, greeting, reviewers, transcript -----------------------------------------------------
@pytest.mark.asyncio
async def test_commands_menu_and_greeting(bot: Harness) -> None:
    await bot.app.post_init(bot.app)
    default = bot.server.commands['{"type": "default"}']
    assert [c["command"] for c in default] == ["new", "cases", "resume", "back", "skip", "summary", "cancel", "help"]
    reviewer = bot.server.commands[f'{{"chat_id": {REV}, "type": "chat"}}']
    assert reviewer[-1]["command"] == "show"
    await bot.send(LEE, "/start")
    greeting = bot.texts(LEE)[0]
    assert "Dr Lee" in greeting and "decision support" in greeting and "never a patient's name" in greeting


@pytest.mark.asyncio
async def test_summary_cases_all_and_show(bot: Harness) -> None:
    answers = validate_answers(VIGNETTES[0]["answers"])
    await screen_by_buttons(bot, LEE, "SUM-1", answers, checks=False)
    await bot.send(LEE, "/summary")
    summary = bot.texts(LEE)[-1]
    assert "ITB screening referral summary" in summary and "SUM-1" in summary
    await bot.send(LEE, "/cases all")
    assert "Only reviewers" in bot.texts(LEE)[-2] and "Your cases" in bot.texts(LEE)[-1]
    await bot.send(LEE, "/show NOPE-1")
    assert "None of your cases" in bot.texts(LEE)[-1]
    await bot.send(REV, "/cases all")
    assert "SUM-1: Dr Lee, done, 17/17, refer_for_screening" in bot.texts(REV)[-1]
    before = len(bot.texts(REV))
    await bot.send(REV, "/show SUM-1")
    shown = "\n".join(bot.texts(REV)[before:])
    assert "Answers:" in shown and "Result of" in shown and "Transcript:" in shown and "[pressed] answer" in shown
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
    code = "import sys, itb_screen.cli, itb_screen.bot; assert 'telegram' not in sys.modules, 'telegram imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.asyncio
async def test_forged_callback_data_changes_nothing(bot: Harness) -> None:
    """Clients can send any callback data: another user's case is closed to them; nonsense is refused."""
    message = await _to_field(bot, LEE, "FORGE-1", "primary_condition")
    case = bot.store.case_by_ref("FORGE-1")
    await bot.send(SAM, "/new FORGE-2")
    forged = bot.server.press_update(LEE, message["message_id"], f"a:{case.id}:2:1")
    forged["callback_query"]["from"] = bot.server._user(SAM)
    forged["callback_query"]["message"]["chat"] = bot.server.chats[SAM]
    await bot.feed(forged)
    assert "This question is closed" in "\n".join(bot.texts(SAM))
    assert "primary_condition" not in bot.store.answers(case.id)
    for data in ("zz", "a:1:2", "x" * 64):
        query = bot.server.press_update(LEE, message["message_id"], f"a:{case.id}:2:1")
        query["callback_query"]["data"] = data
        await bot.feed(query)
    assert "primary_condition" not in bot.store.answers(case.id)
    assert field_of(bot.server.last(LEE)) == "primary_condition"


@pytest.mark.asyncio
async def test_a_whole_screening_by_taps_alone(bot: Harness) -> None:
    """/new from the commands menu, the generated reference, the age on the keypad, every answer tapped."""
    case = next(v for v in VIGNETTES if v["id"] == "P02")
    answers = validate_answers(case["answers"])
    await screen_by_buttons(bot, LEE, None, answers)
    [record] = bot.store.cases_of(bot.store.user("telegram", str(LEE)).id)
    assert re.fullmatch(r"ITB-[2-9A-HJ-NP-Z]{5}", record.ref)
    assert stored_result(bot, record.ref) == evaluate(answers).to_dict()
    typed_in = [m["text"] for m in bot.store.transcript(bot.store.case_by_ref(record.ref).id)
                if m["direction"] == "in" and not m["text"].startswith("[pressed]")]
    assert typed_in == []  # every answer came from a button (/new itself preceded the case)


@pytest.mark.asyncio
async def test_keypad_erase_range_and_empty_ok(bot: Harness) -> None:
    await bot.send(LEE, "/new PAD-1")
    message = bot.question(LEE)
    await bot.tap_label(LEE, "OK", message)
    assert "Press the digits" in bot.texts(LEE)[-2]
    message = bot.question(LEE)
    for key in ("1", "2", "5"):
        await bot.tap_label(LEE, key, bot.server.messages[LEE][message["message_id"]])
    await bot.tap_label(LEE, "\u232b", bot.server.messages[LEE][message["message_id"]])
    assert "Typed so far: 12" in bot.server.messages[LEE][message["message_id"]]["text"]
    await bot.tap_label(LEE, "9", bot.server.messages[LEE][message["message_id"]])
    await bot.tap_label(LEE, "9", bot.server.messages[LEE][message["message_id"]])
    assert "too many digits" in bot.texts(LEE)[-2]
    message = bot.question(LEE)
    await bot.tap_label(LEE, "OK", message)
    assert "129 is out of range" in bot.texts(LEE)[-2]
    assert bot.store.answers(bot.store.case_by_ref("PAD-1").id) == {}
    message = bot.question(LEE)
    await bot.tap_label(LEE, "7", message)
    await bot.tap_label(LEE, "OK", bot.server.messages[LEE][message["message_id"]])
    assert bot.server.messages[LEE][message["message_id"]]["text"].endswith("\u2713 7 years")
    assert bot.store.answers(bot.store.case_by_ref("PAD-1").id) == {"age_years": 7}


@pytest.mark.asyncio
async def test_an_update_delivered_again_is_not_applied_twice(bot: Harness) -> None:
    """After a crash Telegram re-delivers unconfirmed updates: a typed "1" must not answer two questions."""
    await bot.send(LEE, "/new DUP-UPD")
    age = bot.server.message_update(LEE, "40")
    await bot.feed(age)
    condition = bot.server.message_update(LEE, "1")
    await bot.feed(condition)
    await bot.feed(condition)  # the same update id again
    case = bot.store.case_by_ref("DUP-UPD")
    assert bot.store.answers(case.id) == {"age_years": 40, "primary_condition": "cerebral_palsy"}
    assert case.state == "disease_course"
    assert "question 3 of" in bot.texts(LEE)[-1]  # the open question, shown again
    press_on = bot.question(LEE)
    press = bot.server.press_update(LEE, press_on["message_id"], control(press_on, bot.server, "a"))
    await bot.feed(press)
    await bot.feed(press)
    assert bot.store.case_by_ref("DUP-UPD").state == "interference"
    assert len(bot.store.history(case.id)) == 3
