"""Benchmark: the answer reader (`read_line`), how much of each phrasing corpus it understands at the first
line, what it stores wrongly, how long a reading takes, and what building its pipeline costs.

Run from the repository root (a script, not a test):

    .venv/bin/python benchmarks/reading.py                      # both corpora, 3 rounds
    .venv/bin/python benchmarks/reading.py --corpus tests/data/phrasings.jsonl --rounds 10
    .venv/bin/python benchmarks/reading.py --wrong --missed     # list the rows to improve the reader by

Every row of a corpus (JSON Lines: field, text, expect) is read once by `read_line` at its question.
`expect` null (clinical_phrasings), "refused" or {"near_miss": ...} (phrasings) means nothing may be stored
from that line. Each row counts once as: understood (an answer equal to `expect`), asked back ("ask" or
"doubt"), offered back ("near"), refused, or WRONG (an answer that is not `expect`, or any answer where
nothing may be stored). Understood share = understood / rows whose `expect` is a value.

Timing: after `warm()`, every `read_line` call is timed (perf_counter_ns), the whole corpus `--rounds`
times. Cold start, in a fresh subprocess: `import itb_screen.dialogue`, then `warm()`, then the first
`read_line`, and the resident memory (VmRSS) added by `warm()`.

Goals per corpus (PASS/FAIL): understood >= 95%; 0 wrong; median per reading <= 2 ms.
Exit status 0 when every goal passes, else 1 (as benchmarks/dialogue.py and faults.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from itb_screen.criteria import QUESTIONS_BY_FIELD  # noqa: E402
from itb_screen.dialogue._parse import Reading, read_line  # noqa: E402
from itb_screen.dialogue.reader import warm  # noqa: E402

CORPORA = tuple(
    REPO / "tests" / "data" / name
    for name in ("clinical_phrasings.jsonl", "heldout_phrasings.jsonl", "phrasings.jsonl")
)
UNDERSTOOD_GOAL = 0.95
MEDIAN_GOAL_MS = 2.0
COLUMNS = ("rows", "valued", "understood", "share", "asked", "offered", "refused", "WRONG")

COLD = """
import json, sys, time
def rss():
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0
t0 = time.perf_counter_ns()
import itb_screen.dialogue
t1 = time.perf_counter_ns()
from itb_screen.criteria import QUESTIONS_BY_FIELD
from itb_screen.dialogue._parse import read_line
from itb_screen.dialogue.reader import warm
r0 = rss()
t2 = time.perf_counter_ns()
warm()
t3 = time.perf_counter_ns()
r1 = rss()
read_line(QUESTIONS_BY_FIELD[sys.argv[1]], sys.argv[2])
t4 = time.perf_counter_ns()
print(json.dumps({"import": t1 - t0, "warm": t3 - t2, "first": t4 - t3, "rss": r1 - r0}))
"""


@dataclass
class Row:
    field: str
    text: str
    expect: Any  # the value to store (a tuple for many-choice fields), or None: nothing may be stored
    reading: Reading | None = None

    @property
    def kind(self) -> str:
        r = self.reading
        assert r is not None
        if r.outcome == "answer":
            return "understood" if self.expect is not None and r.value == self.expect else "WRONG"
        return {"ask": "asked", "doubt": "asked", "near": "offered"}.get(r.outcome, r.outcome)


@dataclass
class Tally:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))

    def add(self, row: Row) -> None:
        self.counts["rows"] += 1
        self.counts["valued"] += row.expect is not None
        self.counts[row.kind] += 1

    @property
    def share(self) -> float:
        return self.counts["understood"] / self.counts["valued"] if self.counts["valued"] else 1.0

    def cells(self) -> list[str]:
        return [f"{self.share:.1%}" if c == "share" else str(self.counts[c]) for c in COLUMNS]


def expectation(value: Any) -> Any:
    if value == "refused" or isinstance(value, dict):
        return None  # refused, or a spelling slip offered back: nothing is stored at the first line
    return tuple(value) if isinstance(value, list) else value


def load(path: Path) -> list[Row]:
    with open(path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [Row(r["field"], r["text"], expectation(r["expect"])) for r in rows]


def time_rounds(rows: list[Row], rounds: int) -> list[float]:
    """Read every row `rounds` times; the readings of the first round are kept. Milliseconds per call."""
    clock = time.perf_counter_ns
    questions = [QUESTIONS_BY_FIELD[row.field] for row in rows]
    samples: list[float] = []
    for n in range(rounds):
        for row, question in zip(rows, questions, strict=True):
            start = clock()
            reading = read_line(question, row.text)
            samples.append((clock() - start) / 1e6)
            if n == 0:
                row.reading = reading
    return samples


def percentile(xs: list[float], p: int) -> float:
    return xs[0] if len(xs) < 2 else statistics.quantiles(xs, n=100, method="inclusive")[p - 1]


def cold_start(fld: str, text: str) -> dict[str, float]:
    argv = [sys.executable, "-c", COLD, fld, text]
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"cold start exited {done.returncode}: {done.stderr[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(rows: list[Row]) -> list[list[str]]:
    tallies: dict[str, Tally] = {}
    for fld in [f for f in QUESTIONS_BY_FIELD if any(r.field == f for r in rows)]:
        tallies[fld] = Tally()
    total = Tally()
    for row in rows:
        tallies[row.field].add(row)
        total.add(row)
    return [[fld, *t.cells()] for fld, t in tallies.items()] + [["total", *total.cells()]]


def print_table(lines: list[list[str]]) -> None:
    head = ["field", *COLUMNS]
    widths = [max(len(line[i]) for line in [head, *lines]) for i in range(len(head))]
    for n, line in enumerate([head, *lines]):
        if n in (1, len(lines)):
            print("  " + "  ".join("-" * w for w in widths))
        cells = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)]
        print("  " + "  ".join(cells))


def shown(value: Any) -> str:
    return json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False)


def report(path: Path, rounds: int, wrong: bool, missed: bool) -> bool:
    rows = load(path)
    samples = sorted(time_rounds(rows, rounds))
    name = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    print(f"\nCorpus {name}: {len(rows)} rows, {sum(r.expect is not None for r in rows)} with a value")
    print_table(table(rows))
    med = statistics.median(samples)
    p90, p99 = percentile(samples, 90), percentile(samples, 99)
    print(
        f"  per reading ({len(samples):,} calls, {rounds} rounds): median {med:.3f} ms, "
        f"p90 {p90:.3f} ms, p99 {p99:.3f} ms, max {samples[-1]:.3f} ms"
    )
    valued = [r for r in rows if r.expect is not None]
    understood = sum(r.kind == "understood" for r in valued)
    share = understood / len(valued) if valued else 1.0
    wrongs = [r for r in rows if r.kind == "WRONG"]
    goals = [
        (f"understood at the first line >= {UNDERSTOOD_GOAL:.0%}: {share:.1%}", share >= UNDERSTOOD_GOAL),
        (f"0 wrong: {len(wrongs)}", not wrongs),
        (f"median per reading <= {MEDIAN_GOAL_MS:g} ms: {med:.3f} ms", med <= MEDIAN_GOAL_MS),
    ]
    for label, ok in goals:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}")
    if wrong:
        print(f"  Wrong rows ({len(wrongs)}):")
        for r in wrongs:
            got = r.reading.value if r.reading else None
            print(f"    {r.field}: {r.text!r} got {shown(got)}, expected {shown(r.expect)}")
    if missed:
        misses = [r for r in valued if r.kind != "understood"]
        print(f"  Not understood ({len(misses)}):")
        for r in misses:
            assert r.reading is not None
            print(f"    {r.field}: {r.text!r} -> {r.reading.outcome}: {r.reading.message[:60]!r}")
    return all(ok for _, ok in goals)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--corpus", action="append", type=Path, help="JSON Lines file (repeatable)")
    parser.add_argument("--rounds", type=int, default=3, help="times each corpus is read (default 3)")
    parser.add_argument("--wrong", action="store_true", help="list every wrong row")
    parser.add_argument("--missed", action="store_true", help="list every row with a value not understood")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    corpora = [p.resolve() for p in args.corpus] if args.corpus else list(CORPORA)
    began = time.perf_counter()
    first = next(
        (r for p in corpora for r in load(p) if QUESTIONS_BY_FIELD[r.field].kind != "number"),
        Row("primary_condition", "spinal cord injury", None),
    )
    cold = cold_start(first.field, first.text)
    warm()
    print(f"Reader benchmark: python {sys.version.split()[0]}")
    print(
        f"Cold start (fresh process): import itb_screen.dialogue {cold['import'] / 1e6:.1f} ms, "
        f"warm() {cold['warm'] / 1e6:.1f} ms, first read_line {cold['first'] / 1e6:.2f} ms "
        f"({first.field}: {first.text!r}); warm() added {cold['rss'] / 2**20:.1f} MiB resident"
    )
    ok = all([report(path, args.rounds, args.wrong, args.missed) for path in corpora])
    print(f"\nGoals: {'all PASS' if ok else 'some FAIL'}; {time.perf_counter() - began:.1f} s in all")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
