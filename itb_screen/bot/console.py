"""The console channel: the same dialogue in a terminal, or fed one answer per line on standard input."""

from __future__ import annotations

import getpass
import os
import sys
from typing import TextIO

from ..dialogue import Dialogue, Identity, Prompt, decode_button, generated_ref
from ..review.chat import ChatReports
from ..storage import Store

CHANNEL = "console"
PROMPT = "> "

WELCOME = (
    "ITB Screen (console). Type /new REF to start a case, /help for the commands; Ctrl-D to leave "
    "(everything answered is saved)."
)


def default_user() -> str:
    """The console user when --user is not given: ITB_SCREEN_USER, else the login name."""
    try:
        return os.environ.get("ITB_SCREEN_USER") or getpass.getuser()
    except Exception:  # getuser raises when no login name can be found (containers)
        return "console"


def render(prompt: Prompt) -> str:
    """A prompt as the console shows it: its plain text; an offered reference as a command to type."""
    lines = [prompt.text]
    for button in prompt.controls if prompt.kind == "notice" else ():
        press = decode_button(button.code)
        if press is not None and press.action == "generate" and press.index is not None:
            lines.append(f"Generated reference: type /new {generated_ref(press.index)} to use it.")
    return "\n".join(lines)


def run_console(store: Store, user: str, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Read lines until end of input (or Ctrl-C); answer each through the dialogue. Returns 0."""
    dialogue = Dialogue(store, reports=ChatReports())
    who = Identity(CHANNEL, user, user, None)
    interactive = stdin.isatty()

    def show(prompts: list[Prompt]) -> None:
        for prompt in prompts:
            stdout.write(render(prompt) + "\n")
        stdout.flush()

    stdout.write(WELCOME + "\n")
    try:
        show(dialogue.current(who, announce=True))
        while True:
            if interactive:
                stdout.write(PROMPT)
                stdout.flush()
            line = stdin.readline()
            if not line:
                break
            if not interactive:
                stdout.write(f"{PROMPT}{line.rstrip()}\n")
            show(dialogue.handle(who, text=line.rstrip("\r\n")))
    except KeyboardInterrupt:
        pass  # an input being handled when Ctrl-C came is rolled back whole; everything before is saved
    stdout.write("\nBye: your answers are saved; /resume REF continues a case.\n")
    stdout.flush()
    return 0
