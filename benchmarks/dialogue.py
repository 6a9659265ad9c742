"""Benchmark: the dialogue and its storage per answer, memory per open conversation, and cold start.

Run from the repository root (a script, not a test):

    /tmp/venv/bin/python benchmarks/dialogue.py                 # N = 10,000 conversations
    /tmp/venv/bin/python benchmarks/dialogue.py --quick         # N = 500
    /tmp/venv/bin/python benchmarks/dialogue.py --conversations 2000

Everything runs on a file database in a temporary directory (WAL, synchronous=FULL, as in production),
so the figures include a real fsync per answer on whatever filesystem holds the temporary directory.

1. Conversations: `/new REF`, then every question answered from the public vignettes (cycled), typed the
   way a clinician types (option numbers, "1, 4" for several, "skip" when the vignette has no answer),
   then "confirm". One timed answer is one `Dialogue.handle` call that stores an answer (or a skip),
   including its BEGIN IMMEDIATE ... COMMIT. Where the dialogue asks to confirm again (asked questions
   left unanswered: it lists them and offers "Confirm anyway"), "confirm" is typed a second time, as a
   clinician would. If N full conversations would not fit the time budget, only the first K (at least
   1,000) are timed in full, and the output says so.
2. Memory: with tracemalloc, N further conversations are opened (/new + the first answer) and left open;
   the figure is (traced memory after - before) / N: what Python keeps per open conversation. SQLite's own
   page cache is allocated by SQLite, not Python, and is not traced (the RSS growth is printed beside it).
3. Floors, interleaved with the answers: after each timed answer, one bare sqlite3 insert + commit (same
   directory, WAL, synchronous=FULL) and a few `transitions` triggers on a shared machine are timed, so the
   floor is measured under the same load as the answers it is compared with (measured before the run
   and after it instead, the two differed by 2x to 20x on a shared machine, and the verdict followed the
   load). Each figure is printed as a ratio to its floor; the ratio is also given per quarter of the run.
4. Cold start: `python -m itb_screen evaluate FILE` (and the `itb-screen` console script) against
   `python -c pass`, and a check that `telegram` is not imported by `evaluate`.

Goals (PASS/FAIL): median per answer <= 3 x (commit floor + trigger floor); < 4 KB per open conversation;
cold start of evaluate <= 6 x `python -c pass`; no `telegram` import in evaluate; every recommendation as
its vignette expects.
Standard library plus the project only.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from itb_screen.criteria import QUESTIONS_BY_FIELD  # noqa: E402
from itb_screen.dialogue import Dialogue, Identity, build_machine, messages  # noqa: E402
from itb_screen.dialogue._machine import Conversation  # noqa: E402
from itb_screen.storage import Store  # noqa: E402

# The team's copy beside the checkout when there is one, else the tests' own copy.
_ROOT = Path(__file__).resolve().parent.parent
VIGNETTES = next(
    p
    for p in (
        _ROOT.parent / "shared" / "vignettes" / "public.jsonl",
        _ROOT / "tests" / "data" / "public.jsonl",
    )
    if p.exists()
)
FULL_N = 10_000
QUICK_N = 500
MIN_TIMED = 1_000  # when N full conversations do not fit the budget, time at least this many
BUDGET_S = 90.0  # wall time allowed for the timed full conversations
PROBE = 100  # conversations run before deciding whether N fit the budget
COMMIT_WARMUP = 50
TRIGGERS_PER_ANSWER = 4  # a trigger is ~10 us: several per answer give its median at little cost
TRIGGER_FLOOR_N = 20_000
QUARTERS = 4
COLD_RUNS = 15
ANSWER_GOAL_X = 3.0
MEMORY_GOAL_B = 4096
COLD_GOAL_X = 6.0


# Helpers -----------------------------------------------------------------------------------------
def median(xs: list[float]) -> float:
    return statistics.median(xs)


def p99(xs: list[float]) -> float:
    if len(xs) < 2:
        return xs[0]
    return statistics.quantiles(xs, n=100, method="inclusive")[98]


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(n: float) -> str:
    if abs(n) < 10_000:
        return f"{n:,.0f} B"
    if abs(n) < 10_000_000:
        return f"{n / 1024:,.1f} KiB"
    return f"{n / 1024 / 1024:,.1f} MiB"


def rss_bytes() -> int | None:
    """Resident set size from /proc (Linux), else None."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def filesystem_of(path: str) -> str:
    """The filesystem type holding `path` (from /proc/mounts), to read the fsync figures by."""
    best, kind = "", "unknown"
    try:
        with open("/proc/mounts", encoding="utf-8") as handle:
            for line in handle:
                parts = line.split()
                if len(parts) >= 3 and path.startswith(parts[1]) and len(parts[1]) > len(best):
                    best, kind = parts[1], parts[2]
    except OSError:
        pass
    return kind


def load_average() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# Turning a vignette into what a clinician types ---------------------------------------------------
def load_vignettes() -> list[dict]:
    with open(VIGNETTES, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def typed_answer(fieldname: str, answers: dict) -> str:
    """The text typed for the question `fieldname`: option numbers, a number, or "skip"."""
    value = answers.get(fieldname)
    question = QUESTIONS_BY_FIELD[fieldname]
    if value is None or value == "unknown":
        return "skip"
    if question.kind == "number":
        return str(value)
    codes = question.codes
    if question.kind == "one":
        return str(codes.index(value) + 1)
    return ", ".join(str(codes.index(code) + 1) for code in value)


def bench_ref(index: int) -> str:
    """Conversation `index`'s case reference. Never five digits in a row, which the identifier guard
    refuses as a possible record number (BENCH-10000 was: the memory phase starts at index N)."""
    return f"BENCH-{index // 1000}K{index % 1000:03d}"


# 1. Conversations --------------------------------------------------------------------------------
@dataclass
class ConversationTimes:
    answers: list[float] = field(default_factory=list)  # one handle() that stores an answer or skip
    opens: list[float] = field(default_factory=list)  # /new REF
    confirms: list[float] = field(default_factory=list)  # confirm at review (each, when asked twice)
    conversations: int = 0
    confirmed_twice: int = 0  # conversations where the dialogue asked to confirm again
    wall: float = 0.0
    mismatches: list[str] = field(default_factory=list)


def asks_to_confirm_again(prompts: list) -> bool:
    """Whether `confirm` was answered with the unanswered questions and an offer to confirm anyway."""
    return prompts[-1].kind != "result" and any(
        button.label == messages.CONFIRM_ANYWAY_LABEL for button in prompts[-1].controls
    )


def run_conversation(
    dialogue: Dialogue, index: int, vignette: dict, times: ConversationTimes, floors: Floors | None = None
) -> None:
    """One conversation, start to result; with `floors`, the floors are sampled after each answer."""
    who = Identity("bench", f"u{index}")
    clock = time.perf_counter
    start = clock()
    prompts = dialogue.handle(who, text=f"/new {bench_ref(index)}")
    times.opens.append(clock() - start)
    answers = vignette["answers"]
    for _ in range(64):  # more than any path through the questions
        last = prompts[-1]
        if any(p.kind == "refusal" for p in prompts):
            raise RuntimeError(f"u{index}: refused: {prompts[0].text!r}")
        if last.kind != "question":
            break
        text = typed_answer(last.field, answers)
        start = clock()
        prompts = dialogue.handle(who, text=text)
        times.answers.append(clock() - start)
        if floors is not None:
            floors.sample()
    else:
        raise RuntimeError(f"u{index}: never reached review")
    if prompts[-1].kind != "review":
        raise RuntimeError(f"u{index}: expected review, got {prompts[-1].kind}")
    for attempt in range(2):  # the second only where the dialogue asks for it
        start = clock()
        prompts = dialogue.handle(who, text="confirm")
        times.confirms.append(clock() - start)
        if not asks_to_confirm_again(prompts):
            break
        times.confirmed_twice += attempt == 0
    result = prompts[-1].result
    expected = vignette["expected"]["recommendation"]
    if result is None or result.recommendation != expected:
        got = result.recommendation if result else prompts[-1].kind
        times.mismatches.append(f"{vignette['id']}: expected {expected}, got {got}")
    times.conversations += 1


def run_conversations(
    dialogue: Dialogue, vignettes: list[dict], n: int, timed: int | None, budget: float, floors: Floors
) -> tuple[ConversationTimes, str]:
    """Full conversations: all N if they fit `budget` (or `timed` if given), else at least MIN_TIMED."""
    times = ConversationTimes()
    began = time.perf_counter()
    target = min(n, timed) if timed else n
    note = ""
    i = 0
    while i < target:
        run_conversation(dialogue, i, vignettes[i % len(vignettes)], times, floors)
        i += 1
        if not timed and i == min(PROBE, n):
            per_conversation = (time.perf_counter() - began) / i
            projected = per_conversation * n
            if projected > budget:
                fits = int(budget / per_conversation) // 1_000 * 1_000  # a round number
                target = min(n, max(MIN_TIMED, fits))
                note = (
                    f"{n:,} full conversations projected at {projected:.0f} s (> {budget:.0f} s budget): "
                    f"timed {target:,} full conversations"
                )
    times.wall = time.perf_counter() - began
    if timed and timed < n:
        note = f"--timed {timed:,}: timed {target:,} of {n:,} full conversations"
    return times, note


# 2. Memory per open conversation ------------------------------------------------------------------
@dataclass
class Memory:
    conversations: int
    traced_per: float
    traced_peak: int
    rss_per: float | None
    seconds: float


def open_conversations(dialogue: Dialogue, vignettes: list[dict], first: int, count: int) -> Memory:
    """Open `count` conversations (/new + first answer), leave them open, and measure what Python keeps."""
    gc.collect()
    rss0 = rss_bytes()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    began = time.perf_counter()
    for j in range(count):
        index = first + j
        who = Identity("bench", f"u{index}")
        prompts = dialogue.handle(who, text=f"/new {bench_ref(index)}")
        question = prompts[-1]
        if question.kind != "question":
            raise RuntimeError(f"u{index}: /new gave {question.kind}")
        answers = vignettes[index % len(vignettes)]["answers"]
        prompts = dialogue.handle(who, text=typed_answer(question.field, answers))
        if any(p.kind == "refusal" for p in prompts):
            raise RuntimeError(f"u{index}: first answer refused: {prompts[0].text!r}")
    seconds = time.perf_counter() - began
    del prompts, question
    gc.collect()
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = rss_bytes()
    rss_per = (rss1 - rss0) / count if rss0 is not None and rss1 is not None else None
    return Memory(count, (after - before) / count, peak, rss_per, seconds)


def model_memory(count: int = 1_000) -> float:
    """For reference: bytes per Conversation model left on a shared machine (why models are transient)."""
    machine = build_machine()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    models = []
    for _ in range(count):
        model = Conversation({}, set())
        machine.add_model(model, initial="age_years")
        models.append(model)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    for model in models:
        machine.remove_model(model)
    return (after - before) / count


# 3. Floors ---------------------------------------------------------------------------------------
class Floors:
    """The floors, sampled between the answers so that they share the answers' load.

    A bare sqlite3 file beside the benchmark's database (WAL, synchronous=FULL): one BEGIN IMMEDIATE, one
    INSERT of one row, COMMIT. A shared `transitions` machine with one model moving between two questions.
    `sample()`, called after each timed answer, times one commit and TRIGGERS_PER_ANSWER triggers; sample
    i of `commits` is the one taken right after answer i."""

    def __init__(self, directory: str) -> None:
        self.conn = sqlite3.connect(os.path.join(directory, "floor.db"), isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL, at TEXT NOT NULL)")
        self.machine = build_machine()
        answers = {"age_years": 34, "primary_condition": "spinal_cord_injury"}
        self.model = Conversation(answers, set(answers))
        self.machine.add_model(self.model, initial="primary_condition")
        self.count = 0
        self.commits: list[float] = []
        self.triggers: list[float] = []
        for _ in range(COMMIT_WARMUP):  # the file and its WAL grown, the caches warm
            self.commit()
            self.trigger()

    def commit(self) -> float:
        self.count += 1
        start = time.perf_counter()
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute(
            "INSERT INTO t (v, at) VALUES (?, ?)", (f"value {self.count}", "2025-01-01T00:00:00")
        )
        self.conn.execute("COMMIT")
        return time.perf_counter() - start

    def trigger(self) -> float:
        name = "advance" if self.model.state == "primary_condition" else "back"
        start = time.perf_counter()
        self.model.trigger(name)
        return time.perf_counter() - start

    def sample(self) -> None:
        self.commits.append(self.commit())
        self.triggers.extend(self.trigger() for _ in range(TRIGGERS_PER_ANSWER))

    def floor(self, first: int = 0, last: int | None = None) -> tuple[float, float]:
        """Medians of (commit, trigger) over the samples taken after answers first..last."""
        last = len(self.commits) if last is None else last
        per = TRIGGERS_PER_ANSWER
        return median(self.commits[first:last]), median(self.triggers[first * per : last * per])

    def close(self) -> None:
        self.conn.close()
        self.machine.remove_model(self.model)


def by_quarter(answers: list[float], floors: Floors, parts: int = QUARTERS) -> list[tuple[float, float]]:
    """(floor, answer median / floor) for each part of the run, in order: whether the ratio held while the
    machine's load moved the floor."""
    size = max(1, len(answers) // parts)
    out = []
    for first in range(0, size * parts, size):
        commit, trigger = floors.floor(first, first + size)
        out.append((commit + trigger, median(answers[first : first + size]) / (commit + trigger)))
    return out


def transient_move(n: int = TRIGGER_FLOOR_N) -> float:
    """For reference: the median cost of adding and removing a model for every input (add_model,
    may_trigger, trigger, remove_model): what the engine avoids by keeping recently active models on the
    machine."""
    machine = build_machine()
    answers = {"age_years": 34, "primary_condition": "spinal_cord_injury"}
    clock = time.perf_counter
    transient = []
    for i in range(n // 4 + 50):
        start = clock()
        model = Conversation(answers, set(answers))
        machine.add_model(model, initial="primary_condition")
        try:
            if model.may_trigger("advance"):
                model.trigger("advance")
        finally:
            machine.remove_model(model)
        elapsed = clock() - start
        if i >= 50:
            transient.append(elapsed)
    return median(transient)


# 4. Cold start -----------------------------------------------------------------------------------
def time_command(argv: list[str], cwd: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def cold_start(case_file: str, runs: int = COLD_RUNS) -> dict[str, float]:
    """Median wall time of each command, runs interleaved so drift hits them all alike."""
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -m itb_screen evaluate": [sys.executable, "-m", "itb_screen", "evaluate", case_file],
    }
    script = shutil.which("itb-screen", path=os.path.dirname(sys.executable))
    if script:
        commands["itb-screen evaluate"] = [script, "evaluate", case_file]
    cwd = str(REPO)
    for argv in commands.values():  # warm the OS cache and the bytecode
        time_command(argv, cwd)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            samples[name].append(time_command(argv, cwd))
    return {name: median(xs) for name, xs in samples.items()}


def import_check(case_file: str) -> tuple[bool, list[str], list[tuple[int, str]]]:
    """Whether `evaluate` imports telegram; which heavy packages it imports; its slowest imports."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "itb_screen", "evaluate", case_file],
        cwd=str(REPO),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"importtime run exited {done.returncode}: {done.stderr[-500:]}")
    modules: list[tuple[int, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue  # the header line
        modules.append((int(parts[1]), parts[2].strip()))
    names = {name for _, name in modules}
    telegram = any(n == "telegram" or n.startswith("telegram.") for n in names)
    heavy = [
        pkg
        for pkg in (
            "telegram",
            "httpx",
            "sqlite_utils",
            "sqlite3",
            "transitions",
            "itb_screen.storage",
            "itb_screen.dialogue",
            "click",
        )
        if any(n == pkg or n.startswith(pkg + ".") for n in names)
    ]
    top = sorted((m for m in modules if "." not in m[1]), reverse=True)[:6]
    return telegram, heavy, top


# Profiling (--profile) ---------------------------------------------------------------------------
def profile_answers(directory: str, vignettes: list[dict], conversations: int = 300) -> str:
    store = Store(os.path.join(directory, "profile.db"))
    dialogue = Dialogue(store)
    profiler = cProfile.Profile()
    times = ConversationTimes()
    profiler.enable()
    for i in range(conversations):
        run_conversation(dialogue, i, vignettes[i % len(vignettes)], times)
    profiler.disable()
    store.close()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(30)
    return out.getvalue()


# The report --------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--conversations", "-n", type=int, default=None, help=f"conversations N (default {FULL_N:,})"
    )
    parser.add_argument("--quick", action="store_true", help=f"N = {QUICK_N} (a smoke run)")
    parser.add_argument(
        "--timed",
        type=int,
        default=None,
        help="time exactly this many full conversations (default: all N if they fit "
        f"{BUDGET_S:.0f} s, else at least {MIN_TIMED:,})",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=BUDGET_S,
        help="seconds allowed for the timed full conversations (default %(default)s)",
    )
    parser.add_argument("--cold-runs", type=int, default=COLD_RUNS, help="runs per cold-start command")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also cProfile 300 full conversations and print the top functions",
    )
    args = parser.parse_args(argv)
    n = args.conversations or (QUICK_N if args.quick else FULL_N)
    if n < 1:
        parser.error("--conversations must be at least 1")

    vignettes = load_vignettes()
    load_before = load_average()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="itb-bench-") as directory:
        fs = filesystem_of(os.path.realpath(directory))
        print(
            f"ITB Screen dialogue benchmark: N = {n:,}, temp dir {directory} ({fs}), "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs",
            flush=True,
        )

        db_path = os.path.join(directory, "bench.db")
        store = Store(db_path)
        dialogue = Dialogue(store)

        print("conversations, the floors between the answers ...", flush=True)
        floors = Floors(directory)
        times, subset_note = run_conversations(dialogue, vignettes, n, args.timed, args.budget, floors)
        floors.close()
        floor_commit, floor_trigger = floors.floor()
        floor = floor_commit + floor_trigger
        quarters = by_quarter(times.answers, floors)
        moved = transient_move()
        timed = times.conversations

        print("memory ...", flush=True)
        memory = open_conversations(dialogue, vignettes, timed, n)
        per_model = model_memory()
        store.close()
        db_size = os.path.getsize(db_path)
        wal = db_path + "-wal"
        wal_size = os.path.getsize(wal) if os.path.exists(wal) else 0

        print("cold start ...", flush=True)
        case_file = os.path.join(directory, "case.json")
        with open(case_file, "w", encoding="utf-8") as handle:
            json.dump(vignettes[0]["answers"], handle)
        cold = cold_start(case_file, args.cold_runs)
        telegram, heavy, top_imports = import_check(case_file)

        profile_text = profile_answers(directory, vignettes) if args.profile else ""
    total = time.perf_counter() - began
    load_after = load_average()

    # Figures and goals.
    answer_median, answer_p99 = median(times.answers), p99(times.answers)
    answers_per_s = len(times.answers) / sum(times.answers)
    answer_ratio = answer_median / floor
    answer_ok = answer_median <= ANSWER_GOAL_X * floor
    memory_ok = memory.traced_per < MEMORY_GOAL_B
    bare = cold["python -c pass"]
    cold_rows = [(name, t, t / bare) for name, t in cold.items() if name != "python -c pass"]
    stored_rows = len(times.answers) + memory.conversations  # answer rows in the main database
    conversations_in_db = timed + memory.conversations

    rows: list[tuple[str, str, str, str, str, str]] = []  # figure, measured, floor, ratio, goal, result
    rows.append(
        (
            "Per answer, median (handle + commit)",
            fmt_time(answer_median),
            fmt_time(floor),
            f"{answer_ratio:.2f}x",
            f"<= {ANSWER_GOAL_X:.0f}x floor",
            verdict(answer_ok),
        )
    )
    rows.append(
        ("Per answer, p99", fmt_time(answer_p99), fmt_time(floor), f"{answer_p99 / floor:.1f}x", "", "")
    )
    rows.append(("Answers per second (1 process)", f"{answers_per_s:,.0f}/s", "", "", "", ""))
    rows.append(
        (
            "/new, median",
            fmt_time(median(times.opens)),
            fmt_time(floor),
            f"{median(times.opens) / floor:.1f}x",
            "",
            "",
        )
    )
    rows.append(
        (
            "confirm, median",
            fmt_time(median(times.confirms)),
            fmt_time(floor),
            f"{median(times.confirms) / floor:.1f}x",
            "",
            "",
        )
    )
    rows.append(("Floor: sqlite3 insert + commit", fmt_time(floor_commit), "", "", "", ""))
    rows.append(("Floor: one transitions trigger", fmt_time(floor_trigger), "", "", "", ""))
    rows.append(
        (
            "Reference: add_model+trigger+remove_model",
            fmt_time(moved),
            fmt_time(floor_trigger),
            f"{moved / floor_trigger:.1f}x",
            "",
            "",
        )
    )
    rows.append(
        (
            "Python memory per open conversation",
            fmt_bytes(memory.traced_per),
            "",
            "",
            f"< {MEMORY_GOAL_B} B",
            verdict(memory_ok),
        )
    )
    if memory.rss_per is not None:
        rows.append(("RSS growth per open conversation", fmt_bytes(memory.rss_per), "", "", "", ""))
    rows.append(("Model kept on the machine (reference)", fmt_bytes(per_model), "", "", "", ""))
    rows.append(("Database file (+ WAL)", f"{fmt_bytes(db_size)} (+ {fmt_bytes(wal_size)})", "", "", "", ""))
    rows.append(
        ("Database per conversation", fmt_bytes((db_size + wal_size) / conversations_in_db), "", "", "", "")
    )
    rows.append(("Cold start: python -c pass", fmt_time(bare), "", "", "", ""))
    cold_ok = True
    for name, t, ratio in cold_rows:
        ok = ratio <= COLD_GOAL_X
        cold_ok &= ok
        rows.append(
            (
                f"Cold start: {name}",
                fmt_time(t),
                fmt_time(bare),
                f"{ratio:.1f}x",
                f"<= {COLD_GOAL_X:.0f}x",
                verdict(ok),
            )
        )
    rows.append(
        ("evaluate imports telegram", "yes" if telegram else "no", "", "", "no", verdict(not telegram))
    )

    print()
    print("Setup")
    print(f"  conversations N          {n:,}")
    print(f"  full conversations timed {timed:,} ({len(times.answers):,} answers, {times.wall:.1f} s wall)")
    if subset_note:
        print(
            f"  NOTE                     {subset_note}; the memory phase opens "
            f"{memory.conversations:,} more conversations (/new + first answer), untimed"
        )
    print(
        f"  floor                    one commit and {TRIGGERS_PER_ANSWER} triggers after each timed answer "
        f"({len(floors.commits):,} commits, {len(floors.triggers):,} triggers)"
    )
    print(
        f"  by quarter of the run    floor {' '.join(fmt_time(f) for f, _ in quarters)}; "
        f"per answer / floor {' '.join(f'{r:.2f}x' for _, r in quarters)}"
    )
    print(
        f"  open conversations       {memory.conversations:,} (/new + first answer, left open, "
        f"tracemalloc on, {memory.seconds:.1f} s)"
    )
    print(f"  database rows            {conversations_in_db:,} cases, about {stored_rows:,} answers")
    print(
        f"  vignettes                {len(vignettes)} public, cycled; {times.confirmed_twice:,} "
        f"conversations confirmed twice (the dialogue asked); "
        f"{len(times.mismatches)} recommendation mismatches"
    )
    for line in times.mismatches[:5]:
        print(f"    mismatch {line}")
    print(f"  evaluate imports         {', '.join(heavy) or '(none of the heavy packages)'}")
    print(
        "  slowest top-level imports of evaluate (cumulative): "
        + ", ".join(f"{name} {us / 1000:.1f} ms" for us, name in top_imports)
    )
    print(f"  total benchmark time     {total:.1f} s")
    print(
        f"  load average (1/5/15 m)  {load_before} before, {load_after} after "
        f"(other work on these {os.cpu_count()} CPUs skews the figures)"
    )

    print()
    print("Report")
    headers = ("Figure", "Measured", "Floor", "Ratio", "Goal", "Result")
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))
    print(line.rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) if i < 4 else c.ljust(w)
            for i, (c, w) in enumerate(zip(row[1:], widths[1:], strict=False), 1)
        ]
        print("  ".join(cells).rstrip())

    goals = [
        ("per-answer median <= 3x floor", answer_ok),
        ("< 4 KB per open conversation", memory_ok),
        ("cold start <= 6x python -c pass", cold_ok),
        ("evaluate does not import telegram", not telegram),
        ("every recommendation as its vignette expects", not times.mismatches),
    ]
    print()
    print("Goals: " + "; ".join(f"{name}: {verdict(ok)}" for name, ok in goals))

    print()
    print("Markdown")
    print()
    note = f", {timed:,} timed in full" if timed < n else ""
    print(
        f"Dialogue benchmark (`benchmarks/dialogue.py`, N = {n:,}{note}; {fs} file, WAL, "
        f"synchronous=FULL; Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} CPUs):"
    )
    print()
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join(["---", "---:", "---:", "---:", "---", "---"]) + "|")
    for row in rows:
        print("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")

    if profile_text:
        print()
        print("Profile of 300 full conversations")
        print(profile_text)
    return 0 if all(ok for _, ok in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
