"""Thin handlers, one job each: the dialogue decides, the handler renders.

Every handler turns the update into synchronous calls (dialogue or view) that commit before any reply
is sent, then renders what came back (/start records its greeting after the dialogue's help). The gate (group -1) runs before all of them, for messages
and button presses alike.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from ...dialogue import Identity, Prompt
from . import render, views
from .access import Member
from .errors import with_retries

log = logging.getLogger("itb_screen.telegram")

CHANNEL = "telegram"

STRANGER = (
    "Sorry, this bot is only for the clinical team members its administrator has listed, and you are not "
    "on that list. Your Telegram user id is {id}: pass it to the administrator if you should have access."
)
GROUP = (
    "ITB Screen works in private chats only, so that case answers stay between a clinician and the bot. "
    "Leaving this group: open a private chat with me instead."
)
GREETING = (
    "Hello {name}. I am ITB Screen: I walk you through the questions that decide whether to refer a "
    "patient for an intrathecal baclofen (ITB) screening test, and give a recommendation with the points "
    "to discuss, each citing the consensus statement behind it.\n"
    "I am decision support, not a diagnosis: I never replace the ITB screening test or your clinical "
    "judgement. Name cases by a case reference only (such as SPAS-014), never a patient's name, date of "
    "birth or record number. Answers are saved as you go.\n"
    "Tap the buttons to answer, or type the answer. /new REF starts a case."
)
NOT_TEXT = "Please answer with the buttons or in words: other kinds of message are not read."


def _services(context: ContextTypes.DEFAULT_TYPE):
    return context.bot_data["itb"]


def _member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Member:
    member = _services(context).access.get(update.effective_user.id)
    assert member is not None, "the gate lets members only"
    return member


def _identity(member: Member) -> Identity:
    return Identity(CHANNEL, str(member.telegram_id), member.name, member.role)


def _input_key(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """An update's id for replay detection: update ids are per bot."""
    return f"{context.bot.id}:{update.update_id}"


# Sending ---------------------------------------------------------------------------------------
async def send_prompts(context: ContextTypes.DEFAULT_TYPE, chat_id: int, prompts: list[Prompt]) -> None:
    await send_outgoing(context, chat_id, render.render_all(prompts))


async def send_outgoing(context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                        messages: list[render.Outgoing]) -> None:
    delay = _services(context).retry_delay
    for out in messages:
        await with_retries(lambda out=out: context.bot.send_message(chat_id, out.text, reply_markup=out.markup),
                           delay=delay)


async def send_text(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
    """Plain text (escaped here), split at line breaks."""
    await send_outgoing(context, chat_id, [render.Outgoing(part) for part in render.split(render.e(text))])


async def _edit(call) -> None:
    """Edit a message; an edit that fails (too old, unchanged, network) must not stop the next question."""
    try:
        await call()
    except TelegramError as error:
        log.info("message not edited: %s", type(error).__name__)


async def _answer_press(update: Update) -> None:
    """Stop the client's spinner on a press we will not act on; failing that changes nothing."""
    if update.callback_query is not None:
        try:
            await update.callback_query.answer()
        except TelegramError:
            pass


# The gate (group -1) -----------------------------------------------------------------------------
async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Private chats with listed users only; everything else stops here."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and chat.type != ChatType.PRIVATE:
        await _leave_group(update, context, chat.id)
        raise ApplicationHandlerStop
    if user is None or update.my_chat_member is not None:
        raise ApplicationHandlerStop
    if _services(context).access.get(user.id) is None:
        await _refuse_stranger(update, context, user.id)
        raise ApplicationHandlerStop
    if update.message is None and update.callback_query is None:
        raise ApplicationHandlerStop  # edited messages and the like: nothing to answer


async def _refuse_stranger(update: Update, context: ContextTypes.DEFAULT_TYPE, user_id: int) -> None:
    """One polite refusal naming their id; only an access-denied line is stored, nothing they sent."""
    s = _services(context)
    kind = "button" if update.callback_query else "message"
    await s.call(s.store.audit, CHANNEL, str(user_id), "access_denied", kind)
    await _answer_press(update)
    chat = update.effective_chat
    if chat is not None:
        await send_text(context, chat.id, STRANGER.format(id=user_id))


async def _leave_group(update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """In a group: say once that the bot works in private chats only, and leave."""
    s = _services(context)
    await _answer_press(update)
    change = update.my_chat_member
    if change is not None and change.new_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        return  # we are out already
    if chat_id in s.told_groups:
        return
    s.told_groups.add(chat_id)
    await s.call(s.store.audit, CHANNEL, str(chat_id), "left_group", "")
    try:
        await send_text(context, chat_id, GROUP)
    finally:
        try:
            await context.bot.leave_chat(chat_id)
        except TelegramError as error:
            log.info("could not leave a group: %s", type(error).__name__)


# Commands with a job of their own ----------------------------------------------------------------
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: greet, explain what the bot is and is not, then the help and the open question."""
    s, member = _services(context), _member(update, context)
    who = _identity(member)
    greeting = GREETING.format(name=member.name)

    def greet() -> list[Prompt]:
        prompts = s.dialogue.handle(who, text="/start")
        with s.store.transaction():
            user = s.store.user(CHANNEL, who.external_id, who.name, who.role)
            s.store.record_message(user.id, user.active_case_id, CHANNEL, "out", greeting)
        return prompts

    prompts = await s.call(greet)
    await send_prompts(context, update.effective_chat.id, [Prompt("notice", greeting), *prompts])


async def summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/summary [REF]: the referral summary of the open case (or REF)."""
    s, member = _services(context), _member(update, context)
    ref = " ".join(context.args or ())
    text = await s.call(views.summary, s.store, _identity(member), ref, member.is_reviewer)
    await send_text(context, update.effective_chat.id, text)


async def cases(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cases: your cases (the dialogue); /cases all: every case, for reviewers."""
    if [a.casefold() for a in context.args or ()] != ["all"]:
        return await dialogue_text(update, context)
    s, member = _services(context), _member(update, context)
    if not member.is_reviewer:
        await send_text(context, update.effective_chat.id, views.REVIEWERS_ONLY)
        return await dialogue_text(update, context, text="/cases")
    text = await s.call(views.all_cases, s.store, _identity(member), update.message.text)
    await send_text(context, update.effective_chat.id, text)


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/show REF: a case's answers, result and transcript (reviewers: any case; others: their own)."""
    s, member = _services(context), _member(update, context)
    ref = " ".join(context.args or ())
    text = await s.call(views.show_case, s.store, _identity(member), ref, member.is_reviewer,
                        update.message.text)
    await send_text(context, update.effective_chat.id, text)


# Everything else goes to the dialogue ----------------------------------------------------------
async def dialogue_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str | None = None) -> None:
    """Typed text and the other commands: the dialogue answers, the reply is rendered."""
    s, member = _services(context), _member(update, context)
    prompts = await s.call(s.dialogue.handle, _identity(member), text=text or update.message.text,
                           key=None if text else _input_key(update, context))
    await send_prompts(context, update.effective_chat.id, prompts)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, stickers, voice: not read, not stored."""
    await send_text(context, update.effective_chat.id, NOT_TEXT)


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button: answer the query at once, let the dialogue decide, show the answer in place, go on."""
    query = update.callback_query
    s, member = _services(context), _member(update, context)
    try:
        await query.answer()  # stop the client's spinner before anything else
    except TelegramError as error:  # too old (e.g. pressed before a restart): the press still counts
        log.info("callback query not answered: %s", type(error).__name__)
    prompts = await s.call(s.dialogue.handle, _identity(member), button=query.data or "",
                           key=_input_key(update, context))
    chat_id = update.effective_chat.id
    if prompts and prompts[0].kind != "refusal" and isinstance(query.message, Message):
        verb = (query.data or "").split(":", 1)[0]
        if verb == "t" and len(prompts) == 1 and prompts[0].kind == "question":
            # A toggle: the same question with its check marks; only the keyboard changes.
            await _edit(lambda: query.message.edit_reply_markup(render.keyboard(prompts[0])))
            return
        if verb in ("k", "e") and len(prompts) == 1 and prompts[0].kind == "question":
            # A digit key: the same question showing the digits typed so far, edited in place.
            await _edit(lambda: query.message.edit_text(render.prompt_html(prompts[0]),
                                                        reply_markup=render.keyboard(prompts[0])))
            return
        label = prompts[0].accepted or answer_label(query, verb)
        if verb == "f" and not any(p.kind == "result" for p in prompts):
            label = None  # Confirm with questions unanswered: the review stays (and its keyboard) under the notice
        if label is not None:
            await _edit(lambda: query.message.edit_text(render.answered(query.message.text_html, label),
                                                        reply_markup=None))
            if prompts[0].accepted:  # the pressed message says what was stored: not said again below
                prompts = [p for p in prompts if p.kind != "saved"]
    await send_prompts(context, chat_id, prompts)


def _pressed_text(query: CallbackQuery) -> str | None:
    markup: InlineKeyboardMarkup | None = query.message.reply_markup if query.message else None
    for row in (markup.inline_keyboard if markup else ()):
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


def answer_label(query: CallbackQuery, verb: str) -> str | None:
    """What the pressed message should say when the press stored no answer; None leaves it as it is.

    A press that stored an answer (or a skip) carries its words in `Prompt.accepted` instead.
    """
    if verb == "b":
        return render.BACK
    if verb == "f":
        return render.CONFIRMED
    if verb == "m":
        return render.AMENDING
    if verb == "n":
        return render.NOT_THAT
    if verb == "c":
        return f"Change answer {_pressed_text(query)}"
    if verb == "o":
        return f"{render.OPENED} {_pressed_text(query)}"
    if verb == "g":
        return _pressed_text(query)
    return None


def install(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    new_message = filters.UpdateType.MESSAGE
    app.add_handler(TypeHandler(Update, gate), group=-1)
    app.add_handler(CommandHandler("start", start, filters=private & new_message))
    app.add_handler(CommandHandler("summary", summary, filters=private & new_message))
    app.add_handler(CommandHandler("cases", cases, filters=private & new_message))
    app.add_handler(CommandHandler("show", show, filters=private & new_message))
    app.add_handler(MessageHandler(private & new_message & filters.TEXT, dialogue_text))
    app.add_handler(MessageHandler(private & new_message & ~filters.TEXT, not_text))
    app.add_handler(CallbackQueryHandler(press))
