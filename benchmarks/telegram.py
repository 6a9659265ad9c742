"""Benchmark of the Telegram channel: 1,000 simulated users each screening one case.

Every update goes through `Application.process_update` of the real bot (handlers, dialogue, SQLite on a
file with synchronous=FULL, HTML rendering, PTB's request serialisation) with the network replaced by the
offline Bot API of tests/telegram_offline.py. In the same run:

- the floor as the issue defines it: the same updates through a bare `Application` with one no-op handler
  and the same fake network (a no-op handler makes no Bot API call, so this is PTB's dispatch alone);
- the floor with the same Bot API calls: a bare `Application` whose one handler makes, for each update,
  exactly the Bot API calls our bot made for it (same methods, same parameters) and nothing else: what
  python-telegram-bot itself costs for the replies;
- the cost of one answer's commit (BEGIN IMMEDIATE + INSERT + COMMIT on a file, synchronous=FULL).

Goal (issue 5): per update at most 2 x floor + one answer's commit.

    python benchmarks/telegram.py [--users 1000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This script is called telegram.py: keep its own directory off the path, or it would shadow the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

import warnings  # noqa: E402

from telegram import Message, Update  # noqa: E402
from telegram.warnings import PTBUserWarning  # noqa: E402
from telegram.ext import ApplicationBuilder, TypeHandler  # noqa: E402

from itb_screen.bot.telegram import AccessList, Member, build_application  # noqa: E402
from itb_screen.criteria import QUESTIONS, QUESTIONS_BY_FIELD, validate_answers  # noqa: E402
from itb_screen.storage import Store  # noqa: E402
from tests.conftest import VIGNETTES  # noqa: E402
from tests.telegram_offline import TOKEN, OfflineTelegram, to_update  # noqa: E402

CHECK = "\u2713 "
# The floor replays recorded calls by method name; PTB would suggest the named methods each time.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)
FIRST_USER = 10_000


def field_of(text: str) -> str | None:
    if "question" not in text.split("\n", 1)[0]:
        return None
    matches = [q for q in QUESTIONS if q.text in text]
    return max(matches, key=lambda q: len(q.text)).field if matches else None


class Screening:
    """One simulated user: produces their next update from what the bot last showed them."""

    def __init__(self, server: OfflineTelegram, user: int, answers: dict) -> None:
        self.server, self.user, self.answers = server, user, answers
        self.plan: list[tuple[str, str]] | None = None  # pending presses on the current message
        self.started = False
        self.done = False

    def _question(self) -> dict:
        for message in reversed(self.server.sent(self.user)):
            if message.get("reply_markup"):
                return message
        raise AssertionError("no question on screen")

    def _button(self, message: dict, label: str) -> str:
        for text, data in self.server.buttons(message):
            if text.removeprefix(CHECK) == label:
                return data
        raise AssertionError(f"no button {label!r}")

    def next_update(self) -> dict | None:
        s = self.server
        if not self.started:
            self.started = True
            return s.message_update(self.user, f"/new BENCH-{self.user}")
        if self.done:
            return None
        message = self._question()
        mid = message["message_id"]
        if message["text"].startswith("Review case"):
            self.done = True
            return s.press_update(self.user, mid, self._button(message, "Confirm"))
        field = field_of(message["text"])
        question = QUESTIONS_BY_FIELD[field]
        value = self.answers.get(field)
        if value is None:
            return s.press_update(self.user, mid, self._button(message, "Skip"))
        if question.kind == "number":
            return s.message_update(self.user, str(value))
        if question.kind == "one":
            return s.press_update(self.user, mid, self._button(message, question.option(value).label))
        checked = {t.removeprefix(CHECK) for t, _ in s.buttons(message) if t.startswith(CHECK)}
        for code in value:
            label = question.option(code).label
            if label not in checked:
                return s.press_update(self.user, mid, self._button(message, label))
        return s.press_update(self.user, mid, self._button(message, "Done"))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


async def run_bot(db: Path, users: int) -> tuple[list[float], float, list[dict], list[list]]:
    """Every user's screening, the users interleaved round-robin; per-update times and the updates."""
    server = OfflineTelegram()
    members = {FIRST_USER + i: Member(FIRST_USER + i, f"User {i}", "clinician") for i in range(users)}
    store = Store(db)
    app = build_application(TOKEN, store, AccessList(members=members), rate_limit=False,
                            request=server.request(), get_updates_request=server.request())
    vignettes = [validate_answers(v["answers"]) for v in VIGNETTES]
    sims = [Screening(server, FIRST_USER + i, vignettes[i % len(vignettes)]) for i in range(users)]
    times: list[float] = []
    fed: list[dict] = []
    calls: list[list] = []
    started = time.perf_counter()
    async with app:
        active = list(sims)
        while active:
            still = []
            for sim in active:
                data = sim.next_update()
                if data is None:
                    continue
                fed.append(data)
                update = to_update(data, app.bot)
                server.calls.clear()
                t0 = time.perf_counter()
                await app.process_update(update)
                times.append(time.perf_counter() - t0)
                calls.append(list(server.calls))
                still.append(sim)
            active = still
    total = time.perf_counter() - started
    app.bot_data["itb"].close()
    done = store.db.execute("SELECT count(*) FROM cases WHERE status = 'done'").fetchone()[0]
    store.close()
    assert done == users, f"only {done} of {users} screenings finished"
    return times, total, fed, calls


_RETURNS = {"sendMessage": Message, "editMessageText": Message, "editMessageReplyMarkup": Message}


async def run_floor(updates: list[dict], calls: list[list] | None = None) -> list[float]:
    """The same updates through a bare Application with one handler: a no-op, or (with `calls`) one that
    makes the Bot API calls our bot made for that update, through the same fake network."""
    server = OfflineTelegram()
    server.record = False
    server.replay = True
    pending: list[list] = list(reversed(calls)) if calls is not None else []
    for data in updates:  # the chats exist, as on Telegram
        chat = (data.get("message") or data["callback_query"]["message"])["chat"]
        server.chats[chat["id"]] = chat

    async def noop(update: Update, context) -> None:
        if calls is None:
            return None
        for method, params in pending.pop():
            await context.bot.do_api_request(method, api_kwargs=params, return_type=_RETURNS.get(method))

    app = (ApplicationBuilder().token(TOKEN).request(server.request())
           .get_updates_request(server.request()).build())
    app.add_handler(TypeHandler(Update, noop))
    times = []
    async with app:
        for data in updates:
            update = to_update(data, app.bot)
            t0 = time.perf_counter()
            await app.process_update(update)
            times.append(time.perf_counter() - t0)
    return times


def commit_cost(db: Path, rounds: int = 300) -> list[float]:
    """One answer's commit: BEGIN IMMEDIATE, one INSERT into answers, COMMIT (fsync with synchronous=FULL)."""
    store = Store(db)
    with store.transaction():
        user = store.user("bench", "commit")
        case = store.create_case(user.id, "COMMIT-COST", "age_years")
    times = []
    for i in range(rounds):
        t0 = time.perf_counter()
        with store.transaction():
            store.record_answer(case.id, "age_years", i % 100, user.id, "answer")
        times.append(time.perf_counter() - t0)
    store.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--dir", default=None, help="where the database files go (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        tmp_path = Path(tmp)
        bot_times, total, updates, calls = asyncio.run(run_bot(tmp_path / "bench.db", args.users))
        floor_times = asyncio.run(run_floor(updates))
        calls_times = asyncio.run(run_floor(updates, calls))
        commits = commit_cost(tmp_path / "commit.db")
    med, p99 = statistics.median(bot_times), pct(bot_times, 99)
    floor_med, floor_p99 = statistics.median(floor_times), pct(floor_times, 99)
    commit_med = statistics.median(commits)
    goal = 2 * floor_med + commit_med
    print(f"ITB Screen Telegram benchmark: {args.users} users, {len(bot_times)} updates "
          f"({len(bot_times) / args.users:.1f} per screening), database on {args.dir or tempfile.gettempdir()}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"bot   per update: median {ms(med)}, p99 {ms(p99)}; {len(bot_times) / total:.0f} updates/s "
          f"end to end ({len(bot_times) / sum(bot_times):.0f}/s inside process_update)")
    print(f"floor per update: median {ms(floor_med)}, p99 {ms(floor_p99)}; "
          f"{len(floor_times) / sum(floor_times):.0f} updates/s (bare Application, one no-op handler)")
    calls_med = statistics.median(calls_times)
    per_update = sum(len(c) for c in calls) / len(calls)
    print(f"floor with the same Bot API calls ({per_update:.1f} per update): median {ms(calls_med)}, "
          f"p99 {ms(pct(calls_times, 99))}; {len(calls_times) / sum(calls_times):.0f} updates/s")
    print(f"one answer's commit: median {ms(commit_med)}, p99 {ms(pct(commits, 99))}")
    verdict = "met" if med <= goal else "NOT met"
    print(f"goal: median per update <= 2 x floor + one commit = {ms(goal)}: {verdict} "
          f"(bot median is {med / floor_med:.0f} x that floor)")
    goal_calls = 2 * calls_med + commit_med
    verdict = "met" if med <= goal_calls else "NOT met"
    print(f"same goal against the floor with the same Bot API calls: <= {ms(goal_calls)}: {verdict} "
          f"(bot median is {med / calls_med:.2f} x that floor)")


if __name__ == "__main__":
    main()
