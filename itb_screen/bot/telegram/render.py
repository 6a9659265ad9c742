"""Prompts as Telegram messages: HTML text (every interpolated value escaped), inline keyboards, and
splitting at Telegram's 4,096-character limit at line breaks.

Pure functions of a `Prompt`: no network, no storage, so the tests check them directly.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from ...criteria import GUIDANCE_HEADING, POINTS_HEADING
from ...dialogue import Button, Prompt

#: Telegram's limit on a message's text.
MAX_MESSAGE = 4096
#: Buttons per row for the review's Change buttons.
CHANGE_PER_ROW = 4
#: Keys per row of a number question's keypad (a phone's layout).
KEYS_PER_ROW = 3
CHECK = "\u2713"  # ✓
#: The line that opens a result's other guidance, as the HTML shows it: a part of its own when the result
#: is split, so the flags never share a message with the points.
GUIDANCE_LINE = f"<b>{GUIDANCE_HEADING}:</b>"


@dataclass(frozen=True)
class Outgoing:
    """One message to send: HTML text and, on the last part of a prompt, its keyboard."""

    text: str
    markup: InlineKeyboardMarkup | None = None


def e(value: object) -> str:
    """Escape one interpolated value for HTML parse mode."""
    return html.escape(str(value), quote=False)


def _bold_first_line(text: str) -> str:
    head, sep, rest = text.partition("\n")
    return f"<b>{e(head)}</b>{sep}{e(rest)}"


def prompt_html(prompt: Prompt) -> str:
    """The prompt's text in HTML: questions, review and result as heading + body, the rest as plain."""
    if prompt.kind == "question":
        return _bold_first_line(prompt.title or prompt.text)
    if prompt.kind == "review":
        lines = [f"<b>{e(prompt.title)}</b>"]
        lines += [
            f"{line.number}. {e(line.question)} \u2014 <b>{e(line.answer)}</b>" for line in prompt.review
        ]
        lines.append("Press a number to change that answer, or Confirm for the recommendation.")
        return "\n".join(lines)
    if prompt.kind == "result":  # the points' and the flags' headings too, each set apart
        body = _bold_first_line(prompt.text)
        body = re.sub(f"(?m)^({re.escape(e(POINTS_HEADING))}:)", r"<b>\1</b>", body, count=1)
        return body.replace(f"\n{e(GUIDANCE_HEADING)}:\n", f"\n{GUIDANCE_LINE}\n", 1)
    if prompt.kind == "help":
        return _bold_first_line(prompt.text)
    return e(prompt.text)


def _button(button: Button, label: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(label if label is not None else button.label, callback_data=button.code)


def option_label(button: Button, multi: bool) -> str:
    if multi:
        return f"{CHECK} {button.label}" if button.selected else button.label
    return button.label


def keyboard(prompt: Prompt) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a prompt: one option per row, then the controls in one row."""
    rows: list[list[InlineKeyboardButton]] = []
    if prompt.kind == "review":
        changes = [
            _button(b, str(line.number)) for b, line in zip(prompt.options, prompt.review, strict=True)
        ]
        rows += [changes[i : i + CHANGE_PER_ROW] for i in range(0, len(changes), CHANGE_PER_ROW)]
    elif prompt.keypad:
        keys = [_button(b) for b in prompt.options]
        rows += [keys[i : i + KEYS_PER_ROW] for i in range(0, len(keys), KEYS_PER_ROW)]
    else:
        rows += [[_button(b, option_label(b, prompt.multi))] for b in prompt.options]
    if prompt.controls:
        rows.append([_button(b) for b in prompt.controls])
    return InlineKeyboardMarkup(rows) if rows else None


def sections(text: str) -> list[str]:
    """`text` in parts Telegram takes; a result too long for one message is cut before its other
    guidance first, so the flags start a message of their own and never share one with the points."""
    head, mark, tail = text.partition(f"\n\n{GUIDANCE_LINE}\n")
    if not mark or _units(text) <= MAX_MESSAGE:
        return split(text)
    return split(head) + split(mark.lstrip("\n") + tail)


def render(prompt: Prompt) -> list[Outgoing]:
    """The messages that show one prompt; the keyboard rides on the last one."""
    parts = sections(prompt_html(prompt)) if prompt.kind == "result" else split(prompt_html(prompt))
    markup = keyboard(prompt)
    return [Outgoing(part, markup if i == len(parts) - 1 else None) for i, part in enumerate(parts)]


def render_all(prompts: list[Prompt]) -> list[Outgoing]:
    """Every prompt as messages; a typed answer's say-back line rides on top of the next message."""
    out: list[Outgoing] = []
    said: list[str] = []
    for prompt in prompts:
        if prompt.kind == "saved":
            said.append(f"<i>{CHECK} {e(prompt.text)}</i>")
            continue
        messages = render(prompt)
        if said:
            first = "\n".join([*said, messages[0].text])
            if _units(first) <= MAX_MESSAGE:
                messages[0] = Outgoing(first, messages[0].markup)
            else:
                messages.insert(0, Outgoing("\n".join(said)))
            said = []
        out += messages
    if said:
        out.append(Outgoing("\n".join(said)))
    return out


def answered(question_html: str, answer: str) -> str:
    """A question message after its answer: the question, then "✓ answer" (escaped)."""
    return f"{question_html}\n<b>{CHECK} {e(answer)}</b>"


# Splitting -------------------------------------------------------------------------------------
_ENTITY_TAIL = re.compile(r"&[#a-zA-Z0-9]*$")


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units), of the HTML source: never less than shown."""
    return len(text.encode("utf-16-le")) // 2


def _cut_long_line(line: str, limit: int) -> list[str]:
    """A single line longer than `limit`: cut at spaces, else anywhere outside an HTML entity.

    Lines with tags are never this long in our messages (tags wrap short headings and answers), so only
    escaped text is cut here; the cut is kept out of entities such as ``&amp;``.
    """
    pieces: list[str] = []
    while _units(line) > limit:
        window = line[:limit]
        while _units(window) > limit:
            window = window[:-1]
        cut = window.rfind(" ")
        if cut < limit // 2:
            cut = len(window)
            tail = _ENTITY_TAIL.search(window)
            if tail:
                cut = tail.start()
        pieces.append(line[:cut])
        line = line[cut:].lstrip(" ")
    pieces.append(line)
    return pieces


def split(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at line breaks (blank parts dropped)."""
    if _units(text) <= limit:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _cut_long_line(line, limit):
            extra = _units(piece) + (1 if current else 0)
            if current and size + extra > limit:
                parts.append("\n".join(current))
                current, size = [], 0
                extra = _units(piece)
            current.append(piece)
            size += extra
    if current:
        parts.append("\n".join(current))
    return [p for p in parts if p.strip()]
