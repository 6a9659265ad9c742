"""Benchmark of the Telegram channel: 1,000 simulated users, each screening one case by presses alone.

Every update goes through `Application.process_update` of the real bot (handlers, the database thread,
dialogue, SQLite on a file with synchronous=FULL, HTML rendering, python-telegram-bot building the requests
and parsing the replies) with the network replaced by the fake Bot API of tests/fake_bot_api.py, driven by
the harness of the in-process tests (tests/telegram_offline.py: `Harness`, and `Screening`, one
clinician's presses: /new REF, the age on the keypad, every answer tapped, Confirm). The users take turns,
one update each. In the same run, on the same updates, the floor:

a bare `Application` (one handler, the same `Defaults`) whose handler, for each update, hands the same
inputs to `Dialogue.handle` directly (one BEGIN IMMEDIATE ... COMMIT each, on a file database of its own)
and makes exactly the Bot API calls the bot made for it (same methods, same parameters, keyboards included)
through a fresh fake Bot API, whose replies python-telegram-bot parses as for the bot. What the bot does
beyond it (handlers, rendering, keyboards as python-telegram-bot objects, the database thread) is its cost.

Goal (issue 10): median per update at most 1.5 x the floor's.

    python benchmarks/telegram.py [--users 1000] [--dir DIR] [--profile FILE]

`--profile FILE` runs the bot under cProfile instead (the event loop and the database thread profiled
apart) and writes the two profiles to FILE.loop and FILE.db, printing the top functions of each.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This script is called telegram.py: keep its own directory off the path, or it would shadow the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

from telegram import LinkPreviewOptions, Message, Update  # noqa: E402
from telegram.constants import ParseMode  # noqa: E402
from telegram.ext import ApplicationBuilder, Defaults, TypeHandler  # noqa: E402
from telegram.warnings import PTBUserWarning  # noqa: E402

from itb_screen.bot.telegram import Member  # noqa: E402
from itb_screen.criteria import validate_answers  # noqa: E402
from itb_screen.dialogue import Dialogue  # noqa: E402
from itb_screen.storage import Store  # noqa: E402
from tests.conftest import VIGNETTES  # noqa: E402
from tests.fake_bot_api import FakeBotApi  # noqa: E402
from tests.telegram_offline import Harness, Screening  # noqa: E402

# The floor replays recorded calls by method name; PTB would suggest the named methods each time.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)
FIRST_USER = 10_000
GOAL = 1.5
_RETURNS = {"sendMessage": Message, "editMessageText": Message, "editMessageReplyMarkup": Message}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


class Floor:
    """The floor: a bare Application (one handler, the bot's `Defaults`) whose handler does, for each update,
    what the bot's must and nothing else: the same dialogue inputs handled directly on a file database of
    its own, then exactly the Bot API calls the bot made (same methods, same parameters, keyboards
    included) through a fresh fake Bot API, whose replies python-telegram-bot parses as for the bot."""

    def __init__(self, db: Path) -> None:
        self.api = FakeBotApi()
        self.app = (
            ApplicationBuilder()
            .token(self.api.token)
            .request(self.api.request())
            .get_updates_request(self.api.request())
            .defaults(
                Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
            )
            .build()
        )
        self.app.add_handler(TypeHandler(Update, self._handle))
        self.store = Store(db)
        self.dialogue = Dialogue(self.store)
        self.inputs: list[tuple[tuple, dict]] = []
        self.calls: list[tuple[str, dict]] = []
        self.dialogue_time = 0.0

    async def _handle(self, update: Update, context) -> None:
        t0 = time.perf_counter()
        for args, kwargs in self.inputs:
            self.dialogue.handle(*args, **kwargs)
        self.dialogue_time = time.perf_counter() - t0
        for method, params in self.calls:
            await context.bot.do_api_request(method, api_kwargs=params, return_type=_RETURNS.get(method))

    async def update(
        self, data: dict, inputs: list[tuple[tuple, dict]], calls: list[tuple[str, dict]]
    ) -> tuple[float, float]:
        """The floor of one update: its whole time and the dialogue's part of it."""
        self.api.adopt(data)  # the user's message and press, as the bot's fake had them
        self.inputs, self.calls = inputs, calls
        update = Update.de_json(data, self.app.bot)
        t0 = time.perf_counter()
        await self.app.process_update(update)
        return time.perf_counter() - t0, self.dialogue_time


class Run:
    """Per update: the bot's time, the floor's, and the dialogue's part of the floor."""

    def __init__(self) -> None:
        self.bot: list[float] = []
        self.floor: list[float] = []
        self.dialogue: list[float] = []
        self.api_calls = 0


async def run(db_dir: Path, users: int, profile: tuple | None = None) -> Run:
    """Every user's screening, the users taking turns one update at a time. Each round (one update of every
    user) goes through the bot, then through the floor: the machine's other work, if any, falls on both
    alike."""
    members = {FIRST_USER + i: Member(FIRST_USER + i, f"User {i}", "clinician") for i in range(users)}
    h = await Harness(db_dir / "bot.db", members).start()
    services = h.app.bot_data["itb"]
    inputs: list[tuple[tuple, dict]] = []
    handle = services.dialogue.handle

    def recorded(*args, **kwargs):  # one list append per input, for the floor
        inputs.append((args, kwargs))
        return handle(*args, **kwargs)

    services.dialogue.handle = recorded
    answers = [validate_answers(v["answers"]) for v in VIGNETTES]
    plays = [Screening(h.api, FIRST_USER + i, answers[i % len(answers)], f"BENCH-{i}") for i in range(users)]
    floor = None if profile else Floor(db_dir / "floor.db")
    result = Run()
    if profile:
        loop_profile, db_profile = profile
        await services.call(db_profile.enable)
        loop_profile.enable()
    async with floor.app if floor else contextlib.nullcontext():
        while plays:
            still, rounds = [], []
            for play in plays:
                step = play.next_step()
                if step is None:
                    continue
                update = Update.de_json(step[1], h.app.bot)
                calls_before = len(h.api.calls)
                inputs.clear()
                t0 = time.perf_counter()
                await h.app.process_update(update)
                result.bot.append(time.perf_counter() - t0)
                rounds.append((step[1], h.api.calls[calls_before:], list(inputs)))
                still.append(play)
            plays = still
            if floor:  # this round's floor, right after it
                for data, calls, dialogue_inputs in rounds:
                    result.api_calls += len(calls)
                    whole, dialogue_part = await floor.update(data, dialogue_inputs, calls)
                    result.floor.append(whole)
                    result.dialogue.append(dialogue_part)
    if profile:
        loop_profile.disable()
        await services.call(db_profile.disable)
    done = h.store.db.execute("SELECT count(*) FROM cases WHERE status = 'done'").fetchone()[0]
    await h.stop()
    if floor:
        floor.store.close()
    assert done == users, f"only {done} of {users} screenings finished"
    return result


def profile_bot(path: str, users: int, db_dir: Path) -> None:
    import cProfile
    import pstats

    profiles = cProfile.Profile(), cProfile.Profile()
    asyncio.run(run(db_dir, users, profiles))
    for profile, suffix in zip(profiles, ("loop", "db"), strict=False):
        profile.dump_stats(f"{path}.{suffix}")
        print(f"--- {suffix}: top 25 by own time ({path}.{suffix})")
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--dir", default=None, help="where the database files go (default: a temp dir)")
    parser.add_argument("--profile", default=None, metavar="FILE", help="profile the bot run instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        if args.profile:
            profile_bot(args.profile, args.users, Path(tmp))
            return
        result = asyncio.run(run(Path(tmp), args.users))
    bot, floor, dialogue = result.bot, result.floor, result.dialogue
    calls = [f - d for f, d in zip(floor, dialogue, strict=False)]
    n, med = len(bot), statistics.median
    print(
        f"ITB Screen Telegram benchmark: {args.users} users, {n} updates ({n / args.users:.1f} per "
        f"screening, {result.api_calls / n:.1f} Bot API calls each), database on "
        f"{args.dir or tempfile.gettempdir()}"
    )
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"bot   per update: median {ms(med(bot))}, p99 {ms(pct(bot, 99))}; {n / sum(bot):.0f} updates/s")
    print(
        f"floor per update: median {ms(med(floor))}, p99 {ms(pct(floor, 99))}; {n / sum(floor):.0f} updates/s"
    )
    print(
        f"  of which the dialogue: median {ms(med(dialogue))}; the same Bot API calls and the rest: "
        f"median {ms(med(calls))}"
    )
    ratio = med(bot) / med(floor)
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(
        f"goal: median per update <= {GOAL} x floor = {ms(GOAL * med(floor))}: {verdict} "
        f"(bot median is {ratio:.2f} x the floor; in total time {sum(bot) / sum(floor):.2f} x)"
    )


if __name__ == "__main__":
    main()
