"""Reliability and privacy under faults (issue 11, "Proof"): what a kill, a crowd, hostile input, a full or
read-only disk, tampering and a backup under load do to ITB Screen, measured on real processes and files.

One function per experiment, each taking a count and a directory and returning a small dataclass of figures
whose `ok` says whether every figure is as it must be and whose `line` is what `main` prints.
tests/test_faults.py calls the same functions at small counts.

    python benchmarks/faults.py [--kills 200] [--hostile 10000] [--writers 4] [--quick] [--dir DIR]

Exit status 1 if any figure is bad. The helpers of the tests (tests/test_console_faults.py,
tests/test_tamper.py, tests/test_backup.py, tests/test_schema_version.py, tests/test_telegram_e2e.py and
the fake Bot API) are imported, not copied.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# benchmarks/telegram.py would shadow python-telegram-bot: keep this directory off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402

from itb_screen.cli import cli  # noqa: E402
from itb_screen.criteria import QUESTIONS_BY_FIELD, asked_fields, validate_answers  # noqa: E402
from itb_screen.storage import Store  # noqa: E402
from itb_screen.storage.identifiers import identifier_kind  # noqa: E402
from tests.conftest import VIGNETTES  # noqa: E402
from tests.drive import STYLES, typed, unanswered_asked  # noqa: E402
from tests.test_console_faults import USER, env  # noqa: E402

PYTHON = [sys.executable, "-m", "itb_screen"]
#: Root writes to a read-only file regardless: run as nobody then (tests/test_schema_version.py does too).
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []


# Shared checks --------------------------------------------------------------------------------------
def integrity_ok(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def verify_ok(db: Path) -> bool:
    """`itb-screen verify --db DB` exits 0 (run in process: the command's own code, without a start-up)."""
    return CliRunner().invoke(cli, ["verify", "--db", str(db)]).exit_code == 0


def has_traceback(*texts: str) -> bool:
    return any("Traceback" in text for text in texts)


def script(answers: dict, style: str, start: str | None = None) -> list[str]:
    """What a clinician types to answer `answers` from the question `start` (None: every question), then
    confirm (twice when a question is left unanswered, as the dialogue asks)."""
    fields = asked_fields(answers)
    if start in fields:
        fields = fields[fields.index(start) :]
    elif start is not None:
        fields = []  # at the review
    lines = [typed(QUESTIONS_BY_FIELD[f], answers.get(f), style) for f in fields]
    return [*lines, "confirm", *(["confirm"] if unanswered_asked(answers) else [])]


def vignette(i: int) -> tuple[str, dict, str]:
    """The i-th case of an experiment: its reference, validated answers and typing style."""
    return f"KILL-{i:03d}", validate_answers(VIGNETTES[i % len(VIGNETTES)]["answers"]), STYLES[i % 3]


# Kills ------------------------------------------------------------------------------------------------
@dataclass
class Kills:
    channel: str
    kills: int = 0
    acknowledged: int = 0
    lost: int = 0
    integrity_failures: int = 0
    verify_failures: int = 0
    resumable: int = 0
    cases_finished: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        bad = self.lost or self.integrity_failures or self.verify_failures or self.problems
        return not bad and self.resumable == self.kills and self.kills > 0

    def line(self) -> str:
        return (
            f"kills ({self.channel}): {self.kills} at random points ({self.acknowledged} answers "
            f"acknowledged, {self.cases_finished} cases finished), acknowledged answers lost {self.lost}, "
            f"integrity_check failures {self.integrity_failures}, verify failures {self.verify_failures}, "
            f"cases resumable {self.resumable}/{self.kills}"
        )

    def check(self, db: Path) -> None:
        """After a kill: the file is sound and the chains verify."""
        self.integrity_failures += not integrity_ok(db)
        self.verify_failures += not verify_ok(db)


def _case(db: Path, ref: str) -> tuple[str, str, dict[str, Any]] | None:
    """(state, status, answers with skips) of case `ref`, or None if it was never created."""
    with Store(db) as store:
        case = store.case_by_ref(ref)
        return None if case is None else (case.state, case.status, store.answers(case.id, True))


def _lost(expected: dict, acked_fields: list[str], stored: dict) -> int:
    """How many acknowledged answers the database does not hold as given."""
    return sum(stored.get(f, "absent") != expected.get(f) for f in acked_fields)


def _console_lines(db: Path, i: int) -> tuple[list[str], list[str | None]]:
    """The lines still to type for case i, from where the database says it stands, and for each line the
    field it answers (None for commands)."""
    ref, answers, style = vignette(i)
    now = _case(db, ref)
    start = None if now is None else now[0]
    lines = script(answers, style, start)
    fields = asked_fields(answers)
    if start in fields:
        fields = fields[fields.index(start) :]
    elif start is not None:
        fields = []
    owners: list[str | None] = [*fields, *[None] * (len(lines) - len(fields))]
    if now is None:
        return [f"/new {ref}", *lines], [None, *owners]
    return lines, owners


def _acknowledged(output: list[str], lines: list[str]) -> int:
    """How many of `lines` the console answered: an echo (`> line`) followed by any reply line, which it
    writes only after the input's transaction committed."""
    acked, echoes = 0, 0
    for n, out in enumerate(output):
        if echoes < len(lines) and out == f"> {lines[echoes].rstrip()}":
            echoes += 1
            if n + 1 < len(output) and not output[n + 1].startswith("> "):
                acked = echoes
    return acked


def _read_all(stream: IO[str], into: list[str], started: threading.Event) -> None:
    for line in stream:
        into.append(line.rstrip("\n"))
        started.set()


def _resumes_console(db: Path, i: int) -> bool:
    """A console started after the kill continues the open case at the question the database holds."""
    ref, _, _ = vignette(i)
    now = _case(db, ref)
    run = subprocess.run(
        [*PYTHON, "console", "--db", str(db), "--user", USER],
        input=b"",
        capture_output=True,
        env=env(),
        timeout=60,
    )
    out = run.stdout.decode()
    if now is None or now[1] == "done":
        return run.returncode == 0 and "Traceback" not in out
    state = now[0]
    where = QUESTIONS_BY_FIELD[state].text if state in QUESTIONS_BY_FIELD else f"Review case {ref}"
    return f"Continuing case {ref}" in out and where in out


def kills_console(count: int, where: Path, seed: int = 11) -> Kills:
    """`itb-screen console` fed a screening through a pipe and killed (SIGKILL) at a random moment, `count`
    times, each kill followed by the checks and by a console that must continue the open case."""
    rng = random.Random(seed)
    db, figures, i = where / "kills-console.db", Kills("console"), 0
    for _ in range(count):
        lines, owners = _console_lines(db, i)
        proc = subprocess.Popen(
            [*PYTHON, "console", "--db", str(db), "--user", USER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env(),
        )
        assert proc.stdin and proc.stdout
        output: list[str] = []
        started = threading.Event()
        reader = threading.Thread(target=_read_all, args=(proc.stdout, output, started))
        reader.start()
        proc.stdin.write("".join(line + "\n" for line in lines))
        proc.stdin.flush()
        if rng.random() < 0.1:  # during start-up (imports, opening and migrating the file)
            time.sleep(rng.uniform(0, 0.3))
        else:  # while it answers: a whole screening takes about 2 ms a line
            started.wait(30)
            time.sleep(rng.uniform(0, 0.006 * len(lines)))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reader.join()
        proc.stdin.close()
        proc.stdout.close()
        figures.kills += 1
        acked = _acknowledged(output, lines)
        acked_fields = [f for f in owners[:acked] if f is not None]
        figures.acknowledged += len(acked_fields)
        ref, answers, _ = vignette(i)
        now = _case(db, ref)
        figures.lost += (acked > 0 and now is None) + _lost(answers, acked_fields, now[2] if now else {})
        figures.check(db)
        figures.resumable += _resumes_console(db, i)
        if now is not None and now[1] == "done":
            figures.cases_finished += 1
            i += 1
    return figures


# Kills of the Telegram bot against the fake Bot API ---------------------------------------------------
TG_USER = 4242


def _bot_env(api: Any, where: Path, db: Path) -> dict[str, str]:
    """The environment of `itb-screen run` against `api` (as tests/test_telegram_e2e.py's fixture)."""
    users = where / "users.toml"
    users.write_text(f'[[users]]\nid = {TG_USER}\nname = "Faults tester"\nrole = "clinician"\n')
    # Polling every second so a restarted bot is soon at work; no rate limiter, as the tests.
    bot = dict(TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url, ITB_SCREEN_USERS=str(users))
    return env() | bot | dict(ITB_SCREEN_DB=str(db), ITB_SCREEN_RATE_LIMIT="0", ITB_SCREEN_POLL_TIMEOUT="1")


def _replied(api: Any, kind: str, update: dict, seen: int, before: dict | None) -> bool:
    """Whether the bot answered `update`: the pressed message edited (keypad, check marks) or a newer
    message with buttons sent (the next question, the review, the result)."""
    query = update.get("callback_query")
    if kind in ("digit", "toggle") and query:
        return api.message(TG_USER, query["message"]["message_id"]) is not before
    return any(m.get("reply_markup") and m["message_id"] > seen for m in api.sent(TG_USER))


class _Player:
    """One clinician screening case after case by presses (tests/telegram_offline.py's `Screening`),
    remembering which answers the bot acknowledged."""

    def __init__(self, api: Any, db: Path) -> None:
        from tests.telegram_offline import Screening, field_of

        self.api, self.db, self.field_of, self.make = api, db, field_of, Screening
        self.i, self.acked, self.finished = 0, [], 0
        self.screening = self._next()

    def _next(self) -> Any:
        ref, answers, _ = vignette(self.i)
        return self.make(self.api, TG_USER, answers, ref)

    def step(self, kill: Callable[[], None] | None = None, rng: random.Random | None = None) -> None:
        """One press (or /new), waited for; with `kill`, sent and the bot killed at a random moment."""
        from tests.telegram_offline import latest_with_keyboard

        step = self.screening.next_step()
        if step is None:  # the result is shown: the next case
            self.finished += 1
            self.i += 1
            self.screening = self._next()
            step = self.screening.next_step()
        kind, update = step
        api = self.api
        seen = max([m["message_id"] for m in api.sent(TG_USER) if m.get("reply_markup")], default=0)
        query = update.get("callback_query")
        before = api.message(TG_USER, query["message"]["message_id"]) if query else None
        pressed = self.field_of(latest_with_keyboard(api, TG_USER)) if query else None
        api.queue(update)
        if kill is None:
            api.wait_for(lambda s: _replied(s, kind, update, seen, before), 20, f"the reply to {kind}")
        else:
            time.sleep(rng.uniform(0, 0.02) if rng else 0)
            kill()
        if kind in ("answer", "ok", "done", "skip") and _replied(api, kind, update, seen, before):
            self.acked.append((self.i, pressed))

    def lost(self) -> int:
        lost = 0
        for i, pressed in self.acked:
            ref, answers, _ = vignette(i)
            now = _case(self.db, ref)
            lost += now is None or _lost(answers, [pressed], now[2]) > 0
        return lost

    def resume(self) -> bool:
        """After a restart: /resume REF shows the question (or review) the database holds."""
        api = self.api
        # An update the killed bot had fetched but not confirmed comes again first: let it settle.
        api.wait_for(lambda s: not s.pending_updates, 20, "the redelivered updates")
        time.sleep(0.3)
        ref, _, _ = vignette(self.i)
        now = _case(self.db, ref)
        if now is None or not self.screening.started:
            self.screening = self._next()
            return True
        if now[1] == "done":  # confirmed just before the kill: on to the next case
            self.finished += 1
            self.i += 1
            self.screening = self._next()
            return True
        after = max([m["message_id"] for m in api.sent(TG_USER)], default=0)
        api.send_text(TG_USER, f"/resume {ref}")
        shown = api.wait_for(
            lambda s: next(
                (m for m in s.sent(TG_USER) if m["message_id"] > after and m.get("reply_markup")), None
            ),
            20,
            "the reply to /resume",
        )
        state = now[0]
        if state in QUESTIONS_BY_FIELD:
            return self.field_of(shown) == state
        return "Review case" in shown["text"]


def kills_telegram(count: int, where: Path, seed: int = 12) -> Kills:
    """`itb-screen run` against the fake Bot API over HTTP, screening by presses, killed (SIGKILL) a
    moment after a press is sent, `count` times; after each kill the checks, then a new bot that must show
    the open case's question on /resume."""
    from tests.fake_bot_api import FakeBotApi
    from tests.test_telegram_e2e import Bot

    rng = random.Random(seed)
    db, figures = where / "kills-telegram.db", Kills("telegram, fake Bot API")
    log = where / "kills-telegram.log"
    with FakeBotApi() as api:
        bot_env = _bot_env(api, where, db)
        player = _Player(api, db)
        for k in range(count):
            polls = len(api.calls_to("getUpdates"))
            bot = Bot(bot_env, log)
            api.wait_for(lambda s, n=polls: len(s.calls_to("getUpdates")) > n, 30, "the bot to poll")
            try:
                # The first start resumes nothing: it counts in advance for the last kill, which one
                # more start checks below.
                figures.resumable += k == 0 or player.resume()
                for _ in range(rng.randrange(0, 12)):
                    player.step()
                player.step(kill=bot.kill9, rng=rng)
            except AssertionError as error:  # the bot did not answer: named, and the kill goes on
                figures.problems.append(f"kill {k}: {str(error).splitlines()[0]}")
                bot.kill9()
            figures.kills += 1
            figures.check(db)
        # Each start but the first checked the kill before it; this one checks the last kill.
        polls = len(api.calls_to("getUpdates"))
        bot = Bot(bot_env, log)
        api.wait_for(lambda s: len(s.calls_to("getUpdates")) > polls, 30, "the bot to poll")
        figures.resumable -= not player.resume()
        bot.stop()
    figures.acknowledged, figures.cases_finished = len(player.acked), player.finished
    figures.lost = player.lost()
    if has_traceback(log.read_text(errors="replace")):
        figures.problems.append(f"traceback in {log}")
    return figures


# Concurrent writers and readers ---------------------------------------------------------------------
@dataclass
class Concurrency:
    writers: int
    readers: int
    transactions: int = 0
    reads: int = 0
    locked_shown: int = 0
    tracebacks: int = 0
    failed_exits: int = 0
    lost: int = 0

    @property
    def ok(self) -> bool:
        return not (self.locked_shown or self.tracebacks or self.failed_exits or self.lost) and self.reads > 0

    def line(self) -> str:
        return (
            f"concurrency: {self.writers} writers + {self.readers} readers on one file, {self.transactions} "
            f'write transactions and {self.reads} reading commands, "database is locked" shown '
            f"{self.locked_shown}, tracebacks {self.tracebacks}, failed exits {self.failed_exits}, "
            f"answers lost {self.lost}"
        )


#: What the readers run in turn while the writers screen: the read-only commands of the README.
READS = (["cases", "--json"], ["verify"], ["export"], ["search", "Saved"])


def _shown_busy(text: str) -> int:
    return len(re.findall(r"database is (?:locked|busy)", text))


def _feed(proc: subprocess.Popen[bytes], data: bytes, outputs: list[str]) -> None:
    out, err = proc.communicate(data)
    outputs.append(out.decode(errors="replace") + err.decode(errors="replace"))


def concurrency(writers: int, where: Path, cases: int = 15, readers: int = 2) -> Concurrency:
    """`writers` consoles (one user each) screening `cases` cases each through pipes, all at once on one
    file, while `readers` loops run the read-only commands; every output searched for the lock."""
    db, figures = where / "concurrency.db", Concurrency(writers, readers)
    Store(db).close()  # created once, before the crowd (as a deployed database is)
    jobs = []
    outputs: list[str] = []
    for w in range(writers):
        lines = []
        for c in range(cases):
            ref, answers, style = vignette(w * cases + c)
            lines += [f"/new {ref}", *script(answers, style)]
        proc = subprocess.Popen(
            [*PYTHON, "console", "--db", str(db), "--user", f"writer-{w}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env(),
        )
        data = "".join(line + "\n" for line in lines).encode()
        jobs.append((proc, lines, threading.Thread(target=_feed, args=(proc, data, outputs))))
    stop = threading.Event()

    def read_loop(n: int) -> None:
        while not stop.is_set():
            run = subprocess.run(
                [*PYTHON, *READS[n % len(READS)], "--db", str(db)], capture_output=True, text=True, env=env()
            )
            n += 1
            figures.reads += 1
            figures.failed_exits += run.returncode != 0
            outputs.append(run.stdout + run.stderr)

    loops = [threading.Thread(target=read_loop, args=(r,)) for r in range(readers)]
    for thread in [*(job[2] for job in jobs), *loops]:
        thread.start()
    for proc, lines, thread in jobs:
        thread.join()
        figures.transactions += len(lines)
        figures.failed_exits += proc.returncode != 0
    stop.set()
    for thread in loops:
        thread.join()
    figures.locked_shown = sum(_shown_busy(text) for text in outputs)
    figures.tracebacks = sum(has_traceback(text) for text in outputs)
    for n in range(writers * cases):
        ref, answers, _ = vignette(n)
        now = _case(db, ref)
        given = {k: v for k, v in answers.items() if v is not None}
        figures.lost += (
            now is None or now[1] != "done" or {k: v for k, v in now[2].items() if v is not None} != given
        )
    return figures


# Hostile input ----------------------------------------------------------------------------------------
@dataclass
class Hostile:
    lines: int = 0
    payloads: int = 0
    tracebacks: int = 0
    stored: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.tracebacks or self.stored) and self.lines + self.payloads > 0

    def line(self) -> str:
        return (
            f"hostile input: {self.lines + self.payloads} lines/payloads ({self.lines} console lines, "
            f"{self.payloads} Telegram updates), tracebacks {self.tracebacks}, identifier-class text "
            f"stored {self.stored}"
        )


def secrets(rng: random.Random) -> list[str]:
    """Identifier-shaped text as a clinician might paste it: dates, NHS numbers, record numbers, e-mail
    addresses, phone numbers, names with a title; each one fresh."""
    day, month, year = rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(1930, 2024)
    nhs = f"{rng.randrange(100, 1000)} {rng.randrange(100, 1000)} {rng.randrange(1000, 10000)}"
    name = rng.choice(["Smith", "Okafor", "Brown", "Nguyen", "O'Neill", "Kowalski"])
    return [
        f"{day:02d}/{month:02d}/{year}",
        f"{year}-{month:02d}-{day:02d}",
        f"{day} {['Jan', 'March', 'Sept', 'Dec'][month % 4]} {year}",
        nhs,
        nhs.replace(" ", "-"),
        f"MRN{rng.randrange(10000, 10**7)}",
        f"hospital no {rng.randrange(10**5, 10**7)}",
        f"{name.lower().replace(chr(39), '')}.{rng.randrange(100)}@nhs.example.net",
        f"07{rng.randrange(10**8, 10**9)}",
        f"+44 20 {rng.randrange(1000, 10000)} {rng.randrange(1000, 10000)}",
        f"{rng.choice(['Mr', 'Mrs', 'Dr', 'Ms'])} {name}",
    ]


def _junk(rng: random.Random) -> str:
    """Text no clinician types: control characters, escapes, right-to-left marks, huge, SQL, markup."""
    kind = rng.randrange(6)
    if kind == 0:
        return "".join(chr(rng.randrange(0, 0x2FFF)) for _ in range(rng.randrange(1, 200))).replace("\n", " ")
    if kind == 1:
        return rng.choice(["x", "9", "MS ", "\u202e"]) * rng.randrange(400, 20_000)
    if kind == 2:
        return rng.choice(
            ["'; DROP TABLE answers; --", "<b>bold</b><script>", "%s%n%x", "{{7*7}}", "\x1b[31m"]
        )
    if kind == 3:
        return "".join(
            rng.choice("\t\x00\x07\x0b\x0c\x1b\x7f\u200b\ufeff") for _ in range(rng.randrange(1, 30))
        )
    if kind == 4:
        return (
            rng.choice(["/new", "/resume", "/amend", "/void", "/show", "/summary", "/back", "?"])
            + " "
            + ("".join(chr(rng.randrange(33, 127)) for _ in range(rng.randrange(0, 60))))
        )
    return str(rng.choice([-1, 0, 10**30, 1.5e308, "NaN", "inf", "-0", "1e9", "٣", "四十"]))


def hostile_lines(count: int, rng: random.Random) -> tuple[list[str | bytes], list[str]]:
    """`count` hostile inputs (str, or bytes that are not UTF-8) and the identifiers planted in them. A
    case is screened first and /amend and /void are asked along the way, so reasons are typed too."""
    planted: list[str] = []
    ref, answers, style = vignette(0)
    lines: list[str | bytes] = [f"/new {ref}", *script(answers, style)]
    while len(lines) < count:
        roll = rng.random()
        if roll < 0.3:
            secret = rng.choice(secrets(rng))
            planted.append(secret)
            lines.append(
                rng.choice(["{}", "born {}", "DOB {}", "/new {}", "/resume {}", "seen by {} today"]).format(
                    secret
                )
            )
        elif roll < 0.35:  # a reason for an amendment or a voiding that names the patient
            secret = rng.choice(secrets(rng))
            planted.append(secret)
            lines += (
                [f"/amend {ref}", f"wrong, patient {secret}"] if roll < 0.33 else [f"/void {ref} {secret}"]
            )
        elif roll < 0.45:
            lines.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 120))).replace(b"\n", b" "))
        elif roll < 0.5:
            lines.append(f"/new HOST-{len(lines)}")
        else:
            lines.append(_junk(rng))
    return lines[:count], planted


#: Independent of the guard under test: dates, NHS-style numbers, e-mail addresses, long numbers.
OWN_PATTERNS = re.compile(
    r"\b\d{1,2}([/.-])\d{1,2}\1\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{3}[ -]\d{3}[ -]\d{4}\b"
    r"|[\w.+-]+@[\w-]+\.[\w.-]+|\d{6,}",
    re.ASCII,
)
#: The bot's own time stamps (`2026-11-29 02:28 UTC`), which say when, not who.
STAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?: ?UTC|Z|[+-]\d{2}:\d{2})?", re.ASCII
)
#: The free text a database holds: where anything typed could end up. Not the members' own ids and names
#: (`users.external_id`, `users.name`, `audit.external_id`): they say which clinician did what, by design.
FREE_TEXT = {
    "cases": ("ref", "pending"),
    "users": ("awaiting",),
    "answers": ("value", "note"),
    "messages": ("text",),
    "results": ("reason",),
    "case_events": ("reason",),
    "audit": ("detail",),
}


def stored_identifiers(db: Path, planted: list[str]) -> list[str]:
    """Every free-text value of `db` that holds an identifier: by the project's guard, by the patterns
    above, or as one of the `planted` strings verbatim. What the bot said (`messages` out) is read line by
    line: a row joins its say-back line and its prompt, so "Saved (Interference): Comfort" above "Case
    KILL-000" is no name; what was typed is read whole, a line break in it included."""
    conn = sqlite3.connect(db)
    found = []
    try:
        for table, columns in FREE_TEXT.items():
            for column in columns:
                said = "direction = 'out'" if table == "messages" else "0"
                query = f"SELECT {column}, {said} FROM {table} WHERE {column} IS NOT NULL"
                for value, by_the_bot in conn.execute(query):
                    text = STAMP.sub("", str(value))
                    parts = text.splitlines() if by_the_bot else [text]
                    if (
                        any(identifier_kind(part) for part in parts)
                        or OWN_PATTERNS.search(text)
                        or any(s in text for s in planted)
                    ):
                        found.append(f"{table}.{column}: {str(value)[:120]!r}")
    finally:
        conn.close()
    return found


@dataclass
class Variants:
    identifiers: int = 0
    stored: int = 0
    clinical: int = 0
    touched: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.identifiers > 0 and not self.stored and not self.touched

    def line(self) -> str:
        return (
            f"identifier variants: {self.identifiers} typed as answers into a real dialogue, stored "
            f"{self.stored}; {self.clinical} clinical sentences, touched {self.touched}"
        )


def identifier_variants(where: Path) -> Variants:
    """Every row of the identifier corpora typed as an answer into a real dialogue on a real database
    file; then each stored line searched for the identifier verbatim (and its digits, 5 or more, joined)
    and each clinical sentence looked for as typed."""
    from itb_screen.dialogue import Dialogue, Identity
    from itb_screen.storage.identifiers import normalise
    from tests.test_identifiers import BEYOND_THE_CLASSES, CASES

    db = where / "identifier-variants.db"
    db.unlink(missing_ok=True)
    store = Store(db)
    alice = Identity("console", "alice", "Alice")
    dialogue = Dialogue(store)
    dialogue.handle(alice, "/new IDV-1")
    rows = [r for r in CASES if r["text"] not in BEYOND_THE_CLASSES]  # both identifier corpora
    for row in rows:
        dialogue.handle(alice, row["text"])
    store.close()
    figures = Variants()
    conn = sqlite3.connect(db)
    kept = [str(v) for (v,) in conn.execute("SELECT text FROM messages WHERE direction = 'in' ORDER BY id")]
    conn.close()
    assert len(kept) == len(rows) + 1, "one line kept per input, after /new"
    for row, line in zip(rows, kept[1:], strict=True):
        text = normalise(row["text"])
        digits = "".join(c for c in text if c.isdigit())
        if row["class"] == "none":
            figures.clinical += 1
            figures.touched += line != text
        else:
            figures.identifiers += 1
            leaked = text in line or (len(digits) >= 5 and digits in re.sub(r"\D", "", line))
            figures.stored += leaked
            if leaked and len(figures.examples) < 5:
                figures.examples.append(row["text"])
    return figures


def _payloads(api: Any, inputs: list[str | bytes], rng: random.Random) -> Iterator[dict]:
    """The inputs as Telegram updates: texts (at most 4,096 characters, as Telegram allows) and presses
    on any button of any message so far, old keyboards and stale keypads included (Telegram delivers only
    the data the bot put on a button, so that is what a client can press)."""
    for item in inputs:
        text = item.decode("utf-8", "replace") if isinstance(item, bytes) else item
        messages = [m for m in api.sent(TG_USER) if m.get("reply_markup")]
        if messages and rng.random() < 0.3:
            message = api.message(TG_USER, rng.choice(messages)["message_id"])
            buttons = [data for _, data in api.buttons(message) if data]
            if buttons:
                yield api.press_update(TG_USER, message["message_id"], rng.choice(buttons))
                continue
        yield api.message_update(TG_USER, text.replace("\x00", "")[:4096] or ".")


class _Errors(logging.Handler):
    """Counts the log records that carry an exception or say ERROR: python-telegram-bot hands a
    handler's exception to the error handlers, which log it, instead of letting it out."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += bool(record.exc_info) or record.levelno >= logging.ERROR


async def _feed_bot(db: Path, inputs: list[str | bytes], rng: random.Random) -> int:
    """The real Application in process on the fake Bot API (tests/telegram_offline.py's `Harness`): every
    input as an update through `process_update`; returns how many errors were logged."""
    from itb_screen.bot.telegram import Member
    from tests.telegram_offline import Harness

    errors = _Errors()
    logging.getLogger().addHandler(errors)
    harness = await Harness(db, {TG_USER: Member(TG_USER, "Faults tester", "clinician")}).start()
    try:
        for update in _payloads(harness.api, inputs, rng):
            await harness.feed(update)
    finally:
        await harness.stop()
        logging.getLogger().removeHandler(errors)
    return errors.count


def hostile(count: int, where: Path, seed: int = 13) -> Hostile:
    """Half of `count` hostile lines piped into `itb-screen console`, half as updates to the real Telegram
    Application in process (over HTTP the fake Bot API costs about 50 ms an update, the kills above use
    it); then every free-text column of both databases searched for identifiers."""
    rng = random.Random(seed)
    figures = Hostile()
    lines, planted = hostile_lines(count // 2, rng)
    db = where / "hostile-console.db"
    data = b"".join(
        (item if isinstance(item, bytes) else item.encode("utf-8", "surrogatepass")) + b"\n" for item in lines
    )
    run = subprocess.run(
        [*PYTHON, "console", "--db", str(db), "--user", USER],
        input=data,
        capture_output=True,
        env=env(),
        timeout=900,
    )
    figures.lines = len(lines)
    out, err = run.stdout.decode(errors="replace"), run.stderr.decode(errors="replace")
    figures.tracebacks += has_traceback(out, err) or run.returncode not in (0, 1)
    payloads, more = hostile_lines(count - count // 2, rng)
    tg_db = where / "hostile-telegram.db"
    figures.tracebacks += asyncio.run(_feed_bot(tg_db, payloads, rng))
    figures.payloads = len(payloads)
    found = stored_identifiers(db, planted) + stored_identifiers(tg_db, planted + more)
    figures.stored, figures.examples = len(found), found[:5]
    return figures


# Disk full and read-only --------------------------------------------------------------------------------
@dataclass
class Refusals:
    what: str
    inputs: int = 0
    said: int = 0
    tracebacks: int = 0
    damaged: int = 0
    how: str = ""
    #: What went wrong, by whom (`itb-screen backup: ...`), for the report.
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.tracebacks or self.damaged) and self.said > 0

    def line(self) -> str:
        return (
            f"{self.what} ({self.how}): {self.inputs} inputs and commands, {self.said} refused in one line, "
            f"tracebacks {self.tracebacks}, earlier answers or file damaged {self.damaged}"
        )

    def fault(self, who: str, out: str, err: str, status: int, allowed: tuple[int, ...]) -> None:
        """Count a traceback (or an exit status outside `allowed`) of `who`, naming it in `problems`."""
        if has_traceback(out, err) or status not in allowed:
            self.tracebacks += 1
            last = (err.strip().splitlines() or [""])[-1]
            self.problems.append(f"{who}: exit {status}, {last[:160]}")


@contextlib.contextmanager
def small_disk(where: Path, size_kb: int) -> Iterator[tuple[Path, Callable[[], None] | None, str]]:
    """A directory that fills at `size_kb`: a tmpfs mounted there when we may (root), else a plain
    directory and a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored so a write fails with EFBIG)."""
    folder = where / "small-disk"
    folder.mkdir(exist_ok=True)
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)], capture_output=True
    )
    if mount.returncode == 0:
        try:
            yield folder, None, f"a {size_kb} KiB tmpfs"
        finally:
            subprocess.run(["umount", str(folder)], check=False)
        return

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size_kb * 1024, size_kb * 1024))

    yield folder, limit, f"files limited to {size_kb} KiB"


def _screenings(first: int, cases: int) -> list[str]:
    lines: list[str] = []
    for i in range(first, first + cases):
        ref, answers, style = vignette(i)
        lines += [f"/new {ref}", *script(answers, style)]
    return lines


def disk_full(cases: int, where: Path) -> Refusals:
    """The console screening `cases` cases on a disk too small for them: each input that does not fit is
    refused in one line, the ones that fitted stay, the file stays sound; `itb-screen backup` onto the
    full disk fails in one line too."""
    figures = Refusals("disk full")
    # Room for one screening (its WAL at its peak) and not two; the keyed chain (one more page per commit)
    # made the first need more than 1024 KiB, the review's indexes (migration 0010) more than 1216.
    with small_disk(where, 1536) as (folder, limit, how):
        figures.how = how
        db = folder / "full.db"
        first = subprocess.run(
            [*PYTHON, "console", "--db", str(db), "--user", USER],
            input="\n".join(_screenings(0, 1)).encode(),
            capture_output=True,
            env=env(),
            preexec_fn=limit,
        )
        kept = _case(db, vignette(0)[0])
        lines = _screenings(1, cases)
        run = subprocess.run(
            [*PYTHON, "console", "--db", str(db), "--user", USER],
            input="\n".join(lines).encode(),
            capture_output=True,
            env=env(),
            preexec_fn=limit,
            timeout=600,
        )
        err = run.stderr.decode(errors="replace")
        figures.inputs = len(lines) + 1
        figures.said = err.count("the database is full")
        figures.fault(
            "console (first case)", first.stdout.decode(), first.stderr.decode(), first.returncode, (0,)
        )
        figures.fault("console", run.stdout.decode(), err, run.returncode, (1,))
        if {line for line in err.splitlines() if not line.startswith("Not saved:")}:
            figures.fault("console", "", err, -1, ())  # a standard error line that is not one fault
        _backup_onto_full(folder, db, limit, figures)
        figures.damaged += kept != _case(db, vignette(0)[0]) or not integrity_ok(db) or not verify_ok(db)
    return figures


def _backup_onto_full(folder: Path, db: Path, limit: Callable[[], None] | None, figures: Refusals) -> None:
    """`itb-screen backup` onto the full disk: it must fail in one line and leave nothing behind."""
    with contextlib.suppress(OSError):  # fill what is left, so the copy has no room either
        (folder / "filler").write_bytes(b"\0" * (1024 * 1024))
    before = set(folder.iterdir())
    backup = subprocess.run(
        [*PYTHON, "backup", str(folder / "copy.db"), "--db", str(db)],
        capture_output=True,
        text=True,
        env=env(),
        preexec_fn=limit,
    )
    figures.inputs += 1
    figures.said += backup.returncode != 0 and len(backup.stderr.strip().splitlines()) == 1
    figures.fault("itb-screen backup", backup.stdout, backup.stderr, backup.returncode, (1, 2))
    left = sorted(p.name for p in set(folder.iterdir()) - before)
    if left:
        figures.problems.append(f"itb-screen backup left {', '.join(left)} on the full disk")


def read_only(where: Path) -> Refusals:
    """As an unprivileged user (root writes anyway): the console on a read-only database file refuses
    each input in one line; the read-only commands work in a read-only directory."""
    from tests.test_schema_version import READ_COMMANDS, _write_database

    figures = Refusals("read-only", how="uid 65534, file 0444 / directory 0555")
    folder = Path(tempfile.mkdtemp(prefix="itb-faults-ro-"))  # not `where`: nobody may not enter it
    try:
        folder.chmod(0o777)
        db = folder / "itb-screen.db"
        _write_database(db)
        before = db.read_bytes()
        db.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        (folder / "itb-screen.key").chmod(0o644)  # `verify` needs the chain's key: its user may read it
        lines = ["/new RO-2", "40", "/resume SPAS-001", "/amend SPAS-001", "typo", "/void SPAS-001 test"]
        run = subprocess.run(
            [*NOBODY, *PYTHON, "console", "--db", str(db), "--user", "alice"],
            input="\n".join(lines).encode(),
            capture_output=True,
            env=env(),
            cwd=folder,
            timeout=120,
        )
        err = run.stderr.decode(errors="replace")
        figures.inputs += len(lines)
        figures.said += err.count("the database is read-only")
        figures.fault("console", run.stdout.decode(), err, run.returncode, (1,))
        folder.chmod(0o555)
        for args, shown in READ_COMMANDS.values():
            cmd = subprocess.run(
                [*NOBODY, *PYTHON, *args, "--db", str(db)],
                capture_output=True,
                text=True,
                env=env(),
                cwd=folder,
            )
            figures.inputs += 1
            figures.fault(f"itb-screen {args[0]}", cmd.stdout, cmd.stderr, cmd.returncode, (0,))
            if shown not in cmd.stdout:
                figures.damaged += 1
                figures.problems.append(f"itb-screen {args[0]} did not show {shown!r}")
        figures.damaged += db.read_bytes() != before
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)
    return figures


# Tampering ------------------------------------------------------------------------------------------------
@dataclass
class Tampering:
    tried: int = 0
    detected: int = 0
    anchored: int = 0
    refused: int = 0
    refusals_tried: int = 0

    @property
    def ok(self) -> bool:
        return self.tried == self.detected > 0 and self.refused == self.refusals_tried > 0

    def line(self) -> str:
        return (
            f"tampering: {self.detected}/{self.tried} attacks detected by itb-screen verify (the key kept "
            f"apart; {self.anchored} of them shown only against a head kept elsewhere, --head); "
            f"{self.refused}/{self.refusals_tried} UPDATE/DELETE refused by the triggers"
        )


def tampering(where: Path) -> Tampering:
    """tests/test_tamper.py's attacks, each on a fresh copy of a filled database: with the triggers in
    place every UPDATE and DELETE of history is refused; whatever the attacker then does to the file
    (triggers dropped, the old hashes recomputed, chain entries removed or made with a key of their own),
    verify exits 1. The key is in a directory of its own, as the README asks."""
    from itb_screen.storage._chain import APPEND_ONLY
    from tests.test_tamper import ATTACKS, attacked, fill, raw

    figures = Tampering()
    key = where / "tamper-key" / "itb-screen.key"
    key.parent.mkdir(exist_ok=True)
    source = where / "tamper-source.db"
    saved = os.environ.get("ITB_SCREEN_KEY_FILE")
    os.environ["ITB_SCREEN_KEY_FILE"] = str(key)  # where the store makes the key, apart from the file
    try:
        with Store(source) as store:
            fill(store)
    finally:
        del os.environ["ITB_SCREEN_KEY_FILE"]
        if saved is not None:
            os.environ["ITB_SCREEN_KEY_FILE"] = saved
    for table in APPEND_ONLY:
        column = "mac" if table == "chain" else "at"
        for sql in (f"UPDATE {table} SET {column} = 'rewritten'", f"DELETE FROM {table}"):
            conn = raw(source)
            figures.refusals_tried += 1
            try:
                conn.execute(sql)
            except sqlite3.IntegrityError:
                figures.refused += 1
            finally:
                conn.close()
    for n, attack in enumerate(ATTACKS.values()):
        copy = where / f"tampered-{n}.db"
        args = attacked(source, copy, attack, key=key)
        figures.tried += 1
        figures.anchored += attack.anchored
        figures.detected += CliRunner().invoke(cli, args).exit_code == 1
        for path in (copy, copy.with_name(copy.name + "-wal")):
            path.unlink(missing_ok=True)
    return figures


# Backup under load --------------------------------------------------------------------------------------
@dataclass
class BackupFigures:
    during: int = 0
    copied: int = 0
    before: int = 0
    restored: bool = False
    verified: bool = False
    integrity: bool = False
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.restored and self.verified and self.integrity and self.copied >= self.before

    def line(self) -> str:
        return (
            f"backup under load: copied while {self.during} answers were written ({self.copied} in the copy, "
            f"all {self.before} committed before it began), restored and resumed: "
            f"{'OK' if self.restored else 'FAILED'}, verify {'OK' if self.verified else 'FAILED'}, "
            f"integrity {'ok' if self.integrity else 'FAILED'}"
        )


def backup_under_load(writers: int, where: Path) -> BackupFigures:
    """`itb-screen backup` taken while `writers` consoles screen cases; the copy is then restored (put
    where the database was) and a console carries on in it, and both checks pass on the result."""
    from tests.test_backup import answers as answer_values

    db, target, figures = where / "backup-live.db", where / "backup-copy.db", BackupFigures()
    Store(db).close()
    procs = [
        subprocess.Popen(
            [*PYTHON, "console", "--db", str(db), "--user", f"load-{w}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env(),
        )
        for w in range(writers)
    ]
    feeders = [
        threading.Thread(target=p.communicate, args=("\n".join(_screenings(100 + 10 * w, 8)).encode(),))
        for w, p in enumerate(procs)
    ]
    for thread in feeders:
        thread.start()
    deadline = time.monotonic() + 60
    while len(answer_values(db)) < 20 * writers and time.monotonic() < deadline:
        time.sleep(0.05)  # the consoles started and writing
    figures.before = len(answer_values(db))
    run = subprocess.run(
        [*PYTHON, "backup", str(target), "--db", str(db)], capture_output=True, text=True, env=env()
    )
    figures.during = len(answer_values(db)) - figures.before
    for thread in feeders:
        thread.join()
    figures.output = (run.stdout + run.stderr).strip()
    figures.copied = len(answer_values(target))
    restored = where / "restored.db"
    shutil.copy(target, restored)
    again = subprocess.run(
        [*PYTHON, "console", "--db", str(restored), "--user", "load-0"],
        input=b"/cases\n/new RESTORED-1\n40\n",
        capture_output=True,
        env=env(),
    )
    figures.restored = (
        run.returncode == 0 and again.returncode == 0 and b"Saved (Age): 40 years" in again.stdout
    )
    figures.verified = verify_ok(restored)
    figures.integrity = integrity_ok(restored)
    return figures


# Agreement and the whole run ----------------------------------------------------------------------------
def agreement_line(count: int) -> tuple[str, bool]:
    """benchmarks/agreement.py's figure on `count` generated answer sets, when it can be imported."""
    try:
        from benchmarks.agreement import measure
    except ImportError:
        return "agreement: see benchmarks/agreement.py", True
    result = measure(count, jobs=min(2, os.cpu_count() or 1))
    agreed, total = result.agreed, result.count
    line = (
        f"agreement: {agreed}/{total} answer sets gave identical results through itb-screen evaluate, "
        f"the console and Telegram (in process): the consensus result {result.consensus_agreed}/{total}, "
        f"the other guidance flags {result.flags_agreed}/{total} ({result.flagged} sets raising flags)"
    )
    return line, agreed == total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200, help="kills of each channel")
    parser.add_argument("--hostile", type=int, default=10_000, help="hostile lines and payloads")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writers")
    parser.add_argument("--agreement", type=int, default=1000, help="answer sets for the agreement count")
    parser.add_argument("--quick", action="store_true", help="small counts (10 kills, 1,000 hostile inputs)")
    parser.add_argument("--dir", type=Path, default=None, help="where the databases go (default: a temp dir)")
    args = parser.parse_args(argv)
    kills, count, sets = (10, 1000, 100) if args.quick else (args.kills, args.hostile, args.agreement)
    where = Path(args.dir or tempfile.mkdtemp(prefix="itb-faults-"))
    where.mkdir(parents=True, exist_ok=True)
    print(
        f"ITB Screen faults: python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}, databases in {where}",
        flush=True,
    )
    experiments: list[Callable[[], Any]] = [
        lambda: kills_console(kills, where),
        lambda: kills_telegram(kills, where),
        lambda: concurrency(args.writers, where),
        lambda: hostile(count, where),
        lambda: identifier_variants(where),
        lambda: disk_full(6, where),
        lambda: read_only(where),
        lambda: tampering(where),
        lambda: backup_under_load(args.writers, where),
    ]
    good = True
    for experiment in experiments:
        started = time.monotonic()
        figures = experiment()
        good &= figures.ok
        extra = getattr(figures, "examples", None) or getattr(figures, "problems", None)
        print(
            f"{figures.line()} [{time.monotonic() - started:.0f} s]" + (f" {extra}" if extra else ""),
            flush=True,
        )
    line, ok = agreement_line(sets)
    print(line)
    good &= ok
    print("all figures as they must be" if good else "SOME FIGURES ARE BAD")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
