"""The console channel: the same dialogue in a terminal, or fed one answer per line on standard input.

With a users file (`--users`, ITB_SCREEN_USERS), a console user it lists under [[console]] has the role
it gives (a reviewer lists every case, reads, amends and voids any); one it does not list is a clinician.
Notices and reminders due to the user are shown before the reply to their next line (and at start-up):
claimed, which commits them as delivered, then printed, so none is shown twice, across restarts too.

Every fault is one line on standard error and the next line is read: an input the database refused
(busy, read-only, full) or a line that is not text. The exit status is then 1, so a script that piped the
answers in knows some were not saved.
"""

from __future__ import annotations

import getpass
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, TextIO

from ..dialogue import (
    TYPED,
    Dialogue,
    Identity,
    Member,
    Prompt,
    Shown,
    TeamSettings,
    decode_button,
    generated_ref,
    queue_reminders,
    shown_by,
)
from ..review.chat import ChatReports
from ..storage import Store, identifiers
from .users import UNLISTED_ROLE, AccessList, team_of

if TYPE_CHECKING:  # only storage imports sqlite3 at run time (tests/test_layout.py)
    import sqlite3

CHANNEL = "console"
PROMPT = "> "

WELCOME = (
    "ITB Screen (console). Type /new REF to start a case, /help for the commands; Ctrl-D to leave "
    "(everything answered is saved)."
)

#: The cause a failed save names: (cause, SQLite error names, words of sqlite3's message), in this order.
_CAUSES = (
    ("busy", ("SQLITE_BUSY", "SQLITE_LOCKED"), ("locked",)),
    ("read-only", ("SQLITE_READONLY",), ("readonly", "read-only")),
    ("full", ("SQLITE_FULL",), ("is full",)),
)

#: A line that is not text in the input's encoding: refused whole, so no mangled answer is saved.
UNREADABLE = "Unreadable: that line is not {encoding} text, so it was ignored; type it again."

#: How much of an unexpected database error's message a fault line repeats.
_MESSAGE_CHARS = 80


def default_user() -> str:
    """The console user when --user is not given: ITB_SCREEN_USER, else the login name."""
    try:
        return os.environ.get("ITB_SCREEN_USER") or getpass.getuser()
    except Exception:  # getuser raises when no login name can be found (containers)
        return "console"


#: A notice's button, as the command the console types instead.
_TYPED_INSTEAD = {"open": "Type /resume {ref} to continue it.", "show": "Type /show {ref} to read it."}


def render(prompt: Prompt) -> str:
    """A prompt as the console shows it: its plain text; an offered reference as a command to type."""
    lines = [prompt.text]
    for button in prompt.controls if prompt.kind == "notice" else ():
        press = decode_button(button.code)
        if press is not None and press.action == "generate" and press.index is not None:
            lines.append(f"Generated reference: type /new {generated_ref(press.index)} to use it.")
        elif press is not None and prompt.case_ref and press.action in _TYPED_INSTEAD:
            lines.append(_TYPED_INSTEAD[press.action].format(ref=prompt.case_ref))
    return "\n".join(lines)


def fault_line(error: sqlite3.Error, lead: str = "Not saved") -> str:
    """The one line a database fault shows: its cause named from SQLite's error, and that nothing is lost.

    The dialogue's transaction is all-or-nothing, so the input that failed left nothing half-saved.
    """
    name = getattr(error, "sqlite_errorname", None) or ""
    message = str(error)
    for cause, names, words in _CAUSES:
        if name.startswith(names) or any(word in message for word in words):
            return f"{lead}: the database is {cause}; earlier answers are kept."
    short = message[:_MESSAGE_CHARS]
    return f"{lead}: database error ({type(error).__name__}: {short}); earlier answers are kept."


def input_encoding(stdin: TextIO) -> str:
    """The encoding lines of `stdin` are read in: its own when it has bytes underneath, else UTF-8."""
    if getattr(stdin, "buffer", None) is None:
        return "utf-8"
    return getattr(stdin, "encoding", None) or "utf-8"


def read_lines(stdin: TextIO) -> Iterator[tuple[str | None, str]]:
    """(the line's text, or None when it is not text in the input's encoding; the line as echoed) of each
    line of input, read one at a time, without its line ending.

    Read as bytes when the stream has them: its text layer would raise on a bad byte and lose the rest of
    the input, or (under surrogateescape) pass on surrogates that SQLite cannot store.
    """
    raw = getattr(stdin, "buffer", None)
    encoding = input_encoding(stdin)
    while True:
        # A stream of text only (StringIO) is decoded already; surrogates in it are bytes it could not.
        data = raw.readline() if raw is not None else stdin.readline().encode(encoding, "surrogatepass")
        if not data:
            return
        data = data.rstrip(b"\r\n")
        try:
            text = data.decode(encoding)
        except UnicodeError:
            yield None, data.decode(encoding, "backslashreplace").rstrip()
        else:
            yield text, text.rstrip()


class ConsoleTeam:
    """The console's team: the members of the users file, if one is given (in Telegram and at the
    console, with their `notify`), then everyone else who has used the console on this database (by
    their --user name), so `/handoff REF NAME` reaches a colleague who has run `itb-screen run --user
    NAME` once."""

    def __init__(self, store: Store, access: AccessList | None = None) -> None:
        self.store = store
        self.access = access

    def members(self) -> list[Member]:
        listed = team_of(self.access) if self.access is not None else []
        known = {m.identity.external_id for m in listed if m.identity.channel == CHANNEL}
        return listed + [
            Member(Identity(CHANNEL, ext, name or ext, UNLISTED_ROLE))
            for _, ext, name in self.store.users_of(CHANNEL)
            if ext not in known
        ]


def _guidance(access: AccessList | None) -> frozenset[str]:
    """The sources of other guidance shown: the users file's [settings] guidance now, else all."""
    return access.settings.guidance if access is not None else TeamSettings().guidance


class _Session:
    """One run of the console: the dialogue, where it writes, and how many inputs were not saved."""

    def __init__(
        self, store: Store, user: str, stdout: TextIO, stderr: TextIO, access: AccessList | None = None
    ) -> None:
        team = ConsoleTeam(store, access)
        guidance = partial(_guidance, access)
        self.dialogue = Dialogue(
            store, reports=ChatReports(guidance), team=team, capabilities=TYPED, guidance=guidance
        )
        self.user, self.access = user, access
        self.stdout, self.stderr = stdout, stderr
        # sqlite3.Error, as DB-API connections expose it: the console does not import sqlite3 itself.
        self.database_error: type[sqlite3.Error] = store.db.conn.Error
        self.faults = 0
        #: What this window shows: typed answers are checked against it (another console may move on).
        self.where: Shown | None = None

    @property
    def who(self) -> Identity:
        """This user as the users file lists them now (it is re-read when it changes), else a clinician."""
        listed = self.access.console_member(self.user) if self.access is not None else None
        return (
            listed.identity if listed is not None else Identity(CHANNEL, self.user, self.user, UNLISTED_ROLE)
        )

    def show(self, prompts: list[Prompt]) -> None:
        self.where = shown_by(prompts, self.where)
        for prompt in prompts:
            self.stdout.write(render(prompt) + "\n")
        self.stdout.flush()

    def notices(self, who: Identity) -> None:
        """What waits for this user (a case handed to them, a reminder, a case to review), once each:
        the reminders due are queued, then every notice is claimed (committed as delivered) and printed.

        Quiet hours are for phones: a console shows a reminder only to a user who is typing at it.
        """
        settings = self.access.settings if self.access is not None else TeamSettings()
        owner = self.dialogue.store.user(who.channel, who.external_id, who.name, who.role).id
        queue_reminders(self.dialogue.store, replace(settings, quiet=None), owner=owner)
        for _, prompt in self.dialogue.notices(CHANNEL, who):
            self.stdout.write(f"Notice: {render(prompt)}\n")
        self.stdout.flush()

    def fault(self, line: str) -> None:
        self.faults += 1
        self.stdout.flush()  # the fault line comes after what was shown before it
        self.stderr.write(line + "\n")
        self.stderr.flush()

    def answer(self, step: Callable[[Identity], list[Prompt]], lead: str = "Not saved") -> None:
        """Show what waits for this user, then what `step` (one dialogue call) returns; or the database
        fault in one line."""
        who = self.who
        try:
            self.notices(who)
            self.show(step(who))
        except self.database_error as error:
            self.fault(fault_line(error, lead))

    def start(self) -> None:
        self.stdout.write(WELCOME + "\n")
        self.answer(partial(self.dialogue.current, announce=True), "Cannot show the open case")

    def line(self, text: str | None, encoding: str) -> None:
        if text is None:
            self.fault(UNREADABLE.format(encoding=encoding.upper().replace("_", "-")))
        else:
            self.answer(lambda who: self.dialogue.handle(who, text=text, shown=self.where))

    def bye(self) -> None:
        if self.faults:
            self.stdout.write(f"\nBye: {self.faults} input(s) were not saved, all else is saved; ")
        else:
            self.stdout.write("\nBye: your answers are saved; ")
        self.stdout.write("/resume REF continues a case.\n")
        self.stdout.flush()


def run_console(
    store: Store,
    user: str,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    access: AccessList | None = None,
) -> int:
    """Read lines until end of input (or Ctrl-C); answer each through the dialogue.

    `access`: the users file, which gives the user a role and the team its members. Returns 0, or 1 when
    any input was not saved (the database refused it, or it was not text). The streams default to sys's
    at the time of the call (a test runner swaps them after import).
    """
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    session = _Session(store, user, stdout, sys.stderr if stderr is None else stderr, access)
    interactive = stdin.isatty()
    if interactive:  # Presidio's import (about 1.5 s) while the clinician reads the greeting, not after
        threading.Thread(target=identifiers.warm, name="warm-identifiers", daemon=True).start()
    encoding = input_encoding(stdin)
    try:
        session.start()
        lines = read_lines(stdin)
        while True:
            if interactive:
                stdout.write(PROMPT)
                stdout.flush()
            item = next(lines, None)
            if item is None:
                break
            text, echo = item
            if not interactive:
                stdout.write(f"{PROMPT}{echo}\n")
            session.line(text, encoding)
    except KeyboardInterrupt:
        pass  # an input being handled when Ctrl-C came is rolled back whole; everything before is saved
    session.bye()
    return 1 if session.faults else 0
