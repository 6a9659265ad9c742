"""Thin handlers, one job each: the dialogue decides, the handler renders.

Every message and every command goes to the dialogue (/summary and /show included), which commits before
any reply is sent; a press's reply says how to show it (`Prompt.display`), so this module never reads
button codes. The gate (group -1) runs before all of them, for messages and button presses alike.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from ...dialogue import Prompt
from . import render, team
from .access import CHANNEL, Member
from .errors import send_all

log = logging.getLogger("itb_screen.telegram")

STRANGER = (
    "Sorry, this bot is only for the clinical team members its administrator has listed, and you are not "
    "on that list. Your Telegram user id is {id}: pass it to the administrator if you should have access."
)
GROUP = (
    "ITB Screen works in private chats only, so that case answers stay between a clinician and the bot. "
    "Leaving this group: open a private chat with me instead."
)
NOT_TEXT = "Please answer with the buttons or in words: other kinds of message are not read."


def _services(context: ContextTypes.DEFAULT_TYPE):
    return context.bot_data["itb"]


def _member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Member:
    user = update.effective_user
    member = _services(context).access.get(user.id) if user is not None else None
    assert member is not None, "the gate lets members only"
    return member


def _chat_id(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None, "the gate lets private chats only"
    return chat.id


def _input_key(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """An update's id for replay detection: update ids are per bot."""
    return f"{context.bot.id}:{update.update_id}"


# Sending ---------------------------------------------------------------------------------------
async def send_prompts(context: ContextTypes.DEFAULT_TYPE, chat_id: int, prompts: list[Prompt]) -> None:
    await send_outgoing(context, chat_id, render.render_all(prompts))


async def send_outgoing(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, messages: list[render.Outgoing]
) -> None:
    await send_all(context.bot, chat_id, messages, _services(context).retry_delay)


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
#: Updates of business accounts' chats: this is no business bot, and a reply would reach their customers.
_BUSINESS = (
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
)


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Private chats with listed users only; everything else stops here."""
    if any(getattr(update, kind, None) is not None for kind in _BUSINESS):
        raise ApplicationHandlerStop
    if update.callback_query is not None and update.callback_query.message is None:
        # A press on an inline message has no chat to answer in: the spinner stops, nothing else.
        await _answer_press(update)
        raise ApplicationHandlerStop
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
    """One polite refusal naming their id each time; nothing they sent is stored, and the access-denied
    line at most once per stranger per day (a stranger sending a flood must not grow the audit log)."""
    s = _services(context)
    kind = "button" if update.callback_query else "message"
    await s.call(s.store.audit_refusal, CHANNEL, str(user_id), kind)
    await _answer_press(update)
    chat = update.effective_chat
    if chat is not None:
        await send_text(context, chat.id, STRANGER.format(id=user_id))


async def _leave_group(update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """In a group: say once that the bot works in private chats only, and leave."""
    s = _services(context)
    await _answer_press(update)
    change = update.my_chat_member
    if change is not None and change.new_chat_member.status in (
        ChatMemberStatus.LEFT,
        ChatMemberStatus.BANNED,
    ):
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


# Everything else goes to the dialogue ----------------------------------------------------------
async def dialogue_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed text and every command: the dialogue answers, the reply is rendered."""
    s, member = _services(context), _member(update, context)
    assert update.message is not None, "the handler's filter lets messages only"
    prompts = await s.call(
        s.dialogue.handle, member.identity, text=update.message.text, key=_input_key(update, context)
    )
    await send_prompts(context, _chat_id(update), prompts)
    await team.deliver(context.application)  # what this input queued for others (a hand-off, a notice)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, stickers, voice: not read, not stored."""
    await send_text(context, _chat_id(update), NOT_TEXT)


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button: answer the query at once, let the dialogue decide, show the result as it says."""
    query = update.callback_query
    assert query is not None, "the handler is a CallbackQueryHandler"
    s, member = _services(context), _member(update, context)
    try:
        await query.answer()  # stop the client's spinner before anything else
    except TelegramError as error:  # too old (e.g. pressed before a restart): the press still counts
        log.info("callback query not answered: %s", type(error).__name__)
    prompts = await s.call(
        s.dialogue.handle, member.identity, button=query.data or "", key=_input_key(update, context)
    )
    pressed = query.message if isinstance(query.message, Message) else None
    first = prompts[0] if prompts else None
    if pressed is not None and first is not None:
        if first.display == "keyboard":  # a toggle: only the check marks change
            await _edit(lambda: pressed.edit_reply_markup(render.keyboard(first)))
            return
        if first.display == "edit":  # a keypad digit: the question shows the digits typed so far
            await _edit(
                lambda: pressed.edit_text(render.prompt_html(first), reply_markup=render.keyboard(first))
            )
            return
        if first.accepted:  # the pressed message says what the press did, and loses its buttons
            await _edit(
                lambda: pressed.edit_text(
                    render.answered(pressed.text_html, first.accepted), reply_markup=None
                )
            )
    await send_prompts(context, _chat_id(update), prompts)
    await team.deliver(context.application)


def install(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    new_message = filters.UpdateType.MESSAGE
    app.add_handler(TypeHandler(Update, gate), group=-1)
    app.add_handler(MessageHandler(private & new_message & filters.TEXT, dialogue_text))
    app.add_handler(MessageHandler(private & new_message & ~filters.TEXT, not_text))
    app.add_handler(CallbackQueryHandler(press))
