"""Agreement of the channels (issue 11, part 10): generated answer sets give identical results through
`itb-screen evaluate`, the console and the Telegram bot (in process).

Each answer set is generated from the question catalogue with a seeded `random.Random`, as the dialogue
asks it: questions skip logic does not ask are absent (the follow-ups of other-guidance.md included: each is
answered only when its condition holds, right after its question), and some asked questions are left
unanswered (absent, or "unknown") so that "incomplete" occurs. Most sets start from a public vignette's
answers, the guidance vignettes' among them (tests/data/guidance-*.jsonl), so the flags are raised. Then:

- evaluate, the reference: every set in one JSON Lines file through the real `itb-screen evaluate` command
  (click's CliRunner, in process);
- the console: the real console channel (`run_console`) fed each set's lines as a clinician types them
  (tests/drive.py: numbers, labels or codes), on a SQLite file, the result read back from the Store;
- Telegram: the real Application on the fake Bot API (tests/telegram_offline.py), each set played by presses
  (`Screening`: the age on the keypad, every answer tapped, Confirm) or, for half the sets, by typing the
  answers, on a SQLite file of its own, the result read back from the Store.

Compared per set, in two parts reported apart: the consensus result (the recommendation, the discussion
point codes in order, missing_required, unanswered and the criteria version) and the other guidance flags
(their codes in order and the guidance version). The channels' results are the ones they stored (the
result's JSON, flags included), not their shown text. Exit 1 on any disagreement.

    python benchmarks/agreement.py [--count 5000] [--seed 0]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# benchmarks/telegram.py lives beside this script: keep this directory off the path so `telegram` is PTB.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402

from itb_screen.bot.console import run_console  # noqa: E402
from itb_screen.bot.telegram import Member  # noqa: E402
from itb_screen.cli import cli  # noqa: E402
from itb_screen.criteria import QUESTIONS, QUESTIONS_BY_FIELD, UNKNOWN, Question  # noqa: E402
from itb_screen.storage import Store  # noqa: E402
from tests.conftest import DATA, VIGNETTES  # noqa: E402
from tests.drive import STYLES, typed, unanswered_asked  # noqa: E402
from tests.telegram_offline import Harness, Screening, control, field_of, is_review  # noqa: E402

#: What is compared between channels, as the evaluate object names it: the consensus result...
COMPARED = ("recommendation", "points", "missing_required", "unanswered", "criteria_version")
#: ...and the other guidance flags (codes in order), counted apart so a flag can't hide in the total.
FLAG_COMPARED = ("flags", "guidance_version")
CHANNELS = ("console", "telegram")
#: Disagreements kept in full; the count covers them all.
KEPT = 5
CONSOLE_USER = "agreement"
#: Telegram users taking the sets in turn (many cases each).
TELEGRAM_USERS = 8
FIRST_USER = 20_000


#: Set id -> the compared fields of the result a channel stored (None: no result).
Results = dict[str, dict[str, Any] | None]


class Disagreement(NamedTuple):
    set_id: str
    channel: str
    expected: dict[str, Any]
    got: dict[str, Any] | None
    #: Which parts differ: "consensus", "flags" (both for a missing result).
    parts: tuple[str, ...] = ("consensus", "flags")


@dataclass
class Agreement:
    count: int
    agreed: int
    disagreements: list[Disagreement] = field(default_factory=list)
    #: How many sets disagreed (`disagreements` keeps the first few).
    disagreeing: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    #: How many sets ended in each recommendation, by evaluate (the sets cover them all).
    outcomes: dict[str, int] = field(default_factory=dict)
    #: Sets whose consensus result, and whose flags, every channel gave as evaluate did.
    consensus_agreed: int = 0
    flags_agreed: int = 0
    #: How many sets raised any flag, and each flag, by evaluate.
    flagged: int = 0
    flags_raised: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerSet:
    id: str
    #: As evaluate is given them: asked questions only; an unanswered one absent or "unknown".
    answers: dict[str, Any]
    #: How the console types it (tests/drive.py), and whether Telegram types it rather than presses.
    style: str
    telegram_typed: bool


# Generating answer sets ----------------------------------------------------------------------------
def _age(question: Question, rng: random.Random) -> int:
    # Weighted to the skip logic's edge (17/18) and to children, where growth_complications is asked.
    lo, hi = question.minimum or 0, question.maximum or 120
    pick = rng.random()
    if pick < 0.2:
        return rng.choice((17, 18))
    if pick < 0.5:
        return rng.randint(lo, 17)
    return rng.randint(18, hi)


def _value(question: Question, rng: random.Random) -> Any:
    if question.kind == "number":
        return _age(question, rng)
    if question.kind == "one":
        return rng.choice(question.codes)
    exclusive = question.exclusive_code
    if exclusive and rng.random() < 0.15:
        return [exclusive]
    others = [c for c in question.codes if c != exclusive]
    return rng.sample(others, rng.randint(1, len(others)))


def answer_set(rng: random.Random, set_id: str, base: dict[str, Any] | None = None) -> AnswerSet:
    """One set as the dialogue would ask it, a share of its asked questions left unanswered.

    `base`: answers to start from (a vignette's), a few of them drawn again; else every answer is drawn.
    """
    gaps = rng.choice((0.0, 0.0, 0.0, 0.05, 0.15, 0.4))
    redraw = set(rng.sample([q.field for q in QUESTIONS], rng.randint(0, 3))) if base else set()
    start = known(base or {})
    answers: dict[str, Any] = {}
    for question in QUESTIONS:
        if not question.is_asked(known(answers)):
            continue  # not asked: absent, as the channels store it
        if rng.random() < gaps:
            if rng.random() < 0.5:
                answers[question.field] = UNKNOWN
            continue
        kept = start.get(question.field) if question.field not in redraw else None
        answers[question.field] = kept if kept is not None else _value(question, rng)
    return AnswerSet(set_id, answers, rng.choice(STYLES), rng.random() < 0.5)


def answer_sets(count: int, seed: int = 0) -> list[AnswerSet]:
    """`count` sets from `seed`: some drawn whole, most near a public vignette (uniform draws seldom reach
    "refer for screening", which needs every contraindication absent)."""
    rng = random.Random(seed)
    bases = [v["answers"] for v in VIGNETTES + GUIDANCE_VIGNETTES]
    return [
        answer_set(rng, f"S{seed}-{i}", rng.choice(bases) if rng.random() < 0.6 else None)
        for i in range(count)
    ]


def _guidance_vignettes() -> list[dict[str, Any]]:
    # The public guidance examples and ours: the follow-ups' answers are kept where still asked.
    files = sorted(DATA.glob("guidance-*.jsonl"))
    return [json.loads(line) for path in files for line in path.read_text().splitlines() if line.strip()]


GUIDANCE_VIGNETTES = _guidance_vignettes()


def known(answers: dict[str, Any]) -> dict[str, Any]:
    return {f: v for f, v in answers.items() if v not in (None, UNKNOWN)}


def reference(channel: str, index: int) -> str:
    # At most four digits in a row (`AGT-B-0042` for 10,042): five would be refused as a number.
    block, rest = divmod(index, 10_000)
    return f"AG{channel[0].upper()}-{chr(ord('A') + block)}-{rest:04d}"


def compared(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "recommendation": result["recommendation"],
        "points": [p["code"] for p in result["discussion_points"]],
        "missing_required": list(result["missing_required"]),
        "unanswered": list(result["unanswered"]),
        "criteria_version": result["criteria_version"],
        # A result without the keys (stored before the flags) gives None: a disagreement, not a crash.
        "flags": [f["code"] for f in result["other_guidance"]] if "other_guidance" in result else None,
        "guidance_version": result.get("guidance_version"),
    }


def parts_differing(want: dict[str, Any], got: dict[str, Any] | None) -> tuple[str, ...]:
    """Which parts of a channel's result differ from evaluate's: "consensus", "flags", or none."""
    if got is None:
        return ("consensus", "flags")
    parts = (("consensus", COMPARED), ("flags", FLAG_COMPARED))
    return tuple(name for name, keys in parts if any(got.get(k) != want.get(k) for k in keys))


# The three channels --------------------------------------------------------------------------------
def through_evaluate(sets: list[AnswerSet], workdir: Path) -> dict[str, dict[str, Any]]:
    """Every set through the real `itb-screen evaluate --jsonl FILE` command, in process."""
    path = workdir / "sets.jsonl"
    path.write_text("".join(json.dumps({"id": s.id, "answers": s.answers}) + "\n" for s in sets))
    run = CliRunner().invoke(cli, ["evaluate", "--jsonl", str(path)])
    if run.exit_code != 0:
        raise RuntimeError(f"itb-screen evaluate exited {run.exit_code}: {run.output}")
    results = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    return {r["id"]: compared(r) for r in results}


def console_lines(ref: str, answers: dict[str, Any], style: str) -> list[str]:
    """What a clinician types for one set: /new, one line per asked question, confirm (twice with gaps)."""
    have = known(answers)
    lines = [f"/new {ref}"]
    for fld in (q.field for q in QUESTIONS if q.is_asked(have)):
        value = answers.get(fld)
        # "unknown" typed where the set says unknown, "skip" where it is absent: both leave it unanswered.
        lines.append("unknown" if value == UNKNOWN else typed(QUESTIONS_BY_FIELD[fld], have.get(fld), style))
    return lines + (["confirm", "confirm"] if unanswered_asked(have) else ["confirm"])


def stored_results(store: Store, refs: Iterable[tuple[str, str]]) -> Results:
    """(set id, reference) -> the case's latest stored result, compared fields only (None: no result)."""
    out: Results = {}
    for set_id, ref in refs:
        case = store.case_by_ref(ref)
        latest = store.latest_result(case.id) if case is not None else None
        out[set_id] = compared(latest[0]) if latest is not None else None
    return out


def through_console(sets: list[AnswerSet], db_path: Path, first: int = 0) -> Results:
    """Each set fed to the real console channel as piped input, one run of it per set, on one database."""
    refs = [(s.id, reference("console", first + i)) for i, s in enumerate(sets)]
    with Store(db_path) as store:
        for one, (_, ref) in zip(sets, refs, strict=True):
            stdin = io.StringIO("\n".join(console_lines(ref, one.answers, one.style)) + "\n")
            stderr = io.StringIO()
            if run_console(store, CONSOLE_USER, stdin, io.StringIO(), stderr) != 0:
                raise RuntimeError(f"console: {one.id}: {stderr.getvalue().strip()}")
        return stored_results(store, refs)


async def _type_screening(h: Harness, user: int, one: AnswerSet, ref: str) -> None:
    """One set screened in Telegram by typing each answer (tests/drive.py's words), Confirm pressed.

    An answer the bot does not take twice leaves the case open: no result, which the comparison reports
    as a disagreement (a misreading is one), instead of ending the whole run."""
    have = known(one.answers)
    await h.send(user, f"/new {ref}")
    tries: dict[str, int] = {}
    for _ in range(3 * len(QUESTIONS)):
        message = h.question(user)
        labels = [text for text, _ in h.api.buttons(message)]
        if labels == ["Amend"]:
            return  # the result
        if "Confirm anyway" in labels:
            await h.tap_label(user, "Confirm anyway", message)
        elif is_review(message):
            await h.tap(user, message["message_id"], control(message, "f"))
        else:
            fld = field_of(message)
            if fld is None:
                raise AssertionError(f"neither a question nor the review: {message['text']!r}")
            tries[fld] = tries.get(fld, 0) + 1
            if tries[fld] > 2:
                return
            value = one.answers.get(fld)
            text = "unknown" if value == UNKNOWN else typed(QUESTIONS_BY_FIELD[fld], have.get(fld), one.style)
            await h.send(user, text)
    raise AssertionError(f"telegram: {one.id} did not finish")


async def _through_telegram(sets: list[AnswerSet], db_path: Path, first: int) -> Results:
    users = range(FIRST_USER, FIRST_USER + TELEGRAM_USERS)
    h = await Harness(db_path, {u: Member(u, f"Agreement {u}", "clinician") for u in users}).start()
    refs = [(s.id, reference("telegram", first + i)) for i, s in enumerate(sets)]
    try:
        for i, (one, (_, ref)) in enumerate(zip(sets, refs, strict=True)):
            user = FIRST_USER + i % TELEGRAM_USERS
            if one.telegram_typed:
                await _type_screening(h, user, one, ref)
                continue
            play = Screening(h.api, user, known(one.answers), ref)
            while (step := play.next_step()) is not None:
                await h.feed(step[1])
        assert h.store is not None
        return stored_results(h.store, refs)
    finally:
        await h.stop()


def through_telegram(sets: list[AnswerSet], db_path: Path, first: int = 0) -> Results:
    """Each set screened through the real Telegram Application, network replaced by the fake Bot API."""
    return asyncio.run(_through_telegram(sets, db_path, first))


def _channels(sets: list[AnswerSet], where: Path, first: int) -> tuple[Results, Results, float, float]:
    """One share of the sets through the console and Telegram, each on its own database in `where`."""
    where.mkdir()
    t0 = time.perf_counter()
    console = through_console(sets, where / "console.db", first)
    t1 = time.perf_counter()
    telegram = through_telegram(sets, where / "telegram.db", first)
    return console, telegram, t1 - t0, time.perf_counter() - t1


# The comparison ------------------------------------------------------------------------------------
def compare(
    sets: list[AnswerSet],
    expected: dict[str, dict[str, Any]],
    channels: dict[str, Results],
) -> Agreement:
    """Every channel's result of every set against evaluate's (the reference)."""
    agreement = Agreement(count=len(sets), agreed=0)
    for one in sets:
        want = expected.get(one.id)
        wrong = []
        for name, got in channels.items():
            parts = parts_differing(want, got.get(one.id)) if want else ("consensus", "flags")
            if parts:
                wrong.append(Disagreement(one.id, name, want or {}, got.get(one.id), parts))
        differing = {part for d in wrong for part in d.parts}
        agreement.consensus_agreed += "consensus" not in differing
        agreement.flags_agreed += "flags" not in differing
        if not wrong:
            agreement.agreed += 1
            continue
        agreement.disagreeing += 1
        agreement.disagreements.extend(wrong[: max(0, KEPT - len(agreement.disagreements))])
    return agreement


def measure(count: int, seed: int = 0, workdir: Path | None = None, jobs: int = 1) -> Agreement:
    """Generate `count` answer sets from `seed` and put each through evaluate, the console and Telegram.

    `jobs` > 1 splits the sets into that many shares, each through both channels in a process of its own
    (its own databases and Application); the channels' seconds are then summed over the processes.
    """
    sets = answer_sets(count, seed)
    size = -(-count // max(1, jobs))
    shares = [(sets[i : i + size], i) for i in range(0, count, size)]
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        where = Path(tmp)
        t0 = time.perf_counter()
        expected = through_evaluate(sets, where)
        t1 = time.perf_counter()
        if len(shares) == 1:
            done = [_channels(sets, where / "0", 0)]
        else:
            # fork: the children inherit this module as it is (it may be __main__), nothing to re-import.
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(len(shares), mp_context=context) as pool:
                futures = [
                    pool.submit(_channels, share, where / str(n), first)
                    for n, (share, first) in enumerate(shares)
                ]
                done = [f.result() for f in futures]
        t2 = time.perf_counter()
    console = {k: v for part in done for k, v in part[0].items()}
    telegram = {k: v for part in done for k, v in part[1].items()}
    agreement = compare(sets, expected, {"console": console, "telegram": telegram})
    agreement.seconds = {
        "evaluate": t1 - t0,
        "console": sum(part[2] for part in done),
        "telegram": sum(part[3] for part in done),
        "total": t2 - t0,
    }
    for result in expected.values():
        code = result["recommendation"]
        agreement.outcomes[code] = agreement.outcomes.get(code, 0) + 1
        agreement.flagged += bool(result["flags"])
        for flag in result["flags"]:
            agreement.flags_raised[flag] = agreement.flags_raised.get(flag, 0) + 1
    return agreement


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="processes")
    parser.add_argument("--dir", default=None, help="where the database files go (default: a temp dir)")
    args = parser.parse_args(argv)
    if not 0 < args.count < 100_000:
        parser.error("--count must be from 1 to 99999")
    result = measure(args.count, args.seed, Path(args.dir) if args.dir else None, args.jobs)
    s = result.seconds
    print(
        f"agreement: {result.agreed}/{result.count} answer sets gave identical results through evaluate, "
        f"console and Telegram (in-process) in {s['total']:.0f} s"
    )
    print(
        f"  evaluate {s['evaluate']:.1f} s; console {s['console']:.1f} s and telegram {s['telegram']:.1f} s "
        f"of work in {args.jobs} process(es); seed {args.seed}; python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"  recommendation and points: {result.consensus_agreed}/{result.count} agree; "
        f"other guidance flags: {result.flags_agreed}/{result.count} agree"
    )
    print("  by evaluate: " + ", ".join(f"{code} {n}" for code, n in sorted(result.outcomes.items())))
    raised = ", ".join(f"{c} {n}" for c, n in sorted(result.flags_raised.items()))
    print(f"  flags by evaluate: {result.flagged} sets with flags; {raised or 'none'}")
    for d in result.disagreements:
        parts = ", ".join(d.parts)
        print(f"  DISAGREE {d.set_id} via {d.channel} ({parts}): expected {d.expected}, got {d.got}")
    if result.disagreeing > len({d.set_id for d in result.disagreements}):
        print(f"  ... {result.disagreeing} sets disagreed in all")
    return 1 if result.disagreeing else 0


if __name__ == "__main__":
    sys.exit(main())
