"""Benchmark: a registry's size. Every command and every page of the review site on databases of 1,000,
10,000 and 100,000 confirmed cases, with time, peak memory and the growth from one size to the next.

Run from the repository root (a script that prints figures, not a test):

    .venv/bin/python benchmarks/scale.py                        # 1,000 / 10,000 / 100,000 cases
    .venv/bin/python benchmarks/scale.py --sizes 1000,10000     # a quicker run
    .venv/bin/python benchmarks/scale.py --keep /tmp/scale      # keep the databases (and reuse them)

The database is built once and grown from one size to the next:

1. Templates: the public vignettes screened through the real dialogue (`Dialogue.handle`, typed as a
   clinician types, confirmed), one of them then amended (reason, an answer changed at the review,
   confirmed again) and one handed to another member, so that the history has what the queries look for.
2. Copies: each new case is a template's rows (case, answers, results, case events, transcript) inserted
   again with a new reference, another owner from a pool, and times moved to its own start (7 minutes
   after the previous case's; its screening stretched to 4-60 minutes, one in twenty left for days). The
   rows go in through ordinary INSERTs on a writer's connection (storage's, with the chain's key), so the
   triggers chain every row as the bot would: `itb-screen verify` passes on the built file. Batched, a
   thousand cases a transaction.

Then, per size:

* every command in a child process (`python -m itb_screen ...`, started by a small launcher so that its
  peak memory is its own): wall time, CPU time (user + system), peak memory (max RSS, from os.wait4) and
  its exit status; `evaluate --jsonl` on as many lines as the size has cases, beside its floor (a child
  that only parses each line and prints it back);
* every page of the review site and every canned query (Datasette in process through its test client,
  its time limit left at the default, 1 s; one child process for the whole site): each page asked for
  once to warm the caches, then three times, the fastest shown; its status (a query over the time limit
  is an HTTP 400 "took too long") and the site process's peak memory after it (VmHWM).

Growth is the figure at one size over the figure at the size before it (x10 cases: linear is x10), of
CPU time for a command and of time for a page, then of peak memory.
Standard library plus the project (and Datasette, for the site) only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from itb_screen.criteria import QUESTIONS_BY_FIELD, asked_fields  # noqa: E402
from itb_screen.dialogue import Dialogue, Identity, Member  # noqa: E402
from itb_screen.storage import Store, immediate  # noqa: E402

VIGNETTES = next(
    p
    for p in (REPO.parent / "shared" / "vignettes" / "public.jsonl", REPO / "tests" / "data" / "public.jsonl")
    if p.exists()
)
DEFAULT_SIZES = (1_000, 10_000, 100_000)
BATCH = 1_000  # cases per transaction while copying
OWNERS = 24  # console users the copies are spread over
SPACING = timedelta(minutes=7)  # between two cases' starts
BASE = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)  # a Monday
AMEND_REASON = "age was mistyped"
SEARCH_WORD = "allergy"
#: What the site's canned queries with parameters are given: the search word, and a week before the last
#: case (`{since}`, filled in per size).
PARAMS = {"q": SEARCH_WORD, "since": "{since}"}


# Building ----------------------------------------------------------------------------------------
#: Answers typed in words rather than by number (so that the typed-text search has lines to find).
IN_WORDS = {("baclofen_reaction", "recorded_allergy"): "allergy not confirmed"}


def typed_answer(fieldname: str, answers: dict) -> str:
    """What a clinician types for the question `fieldname`: option numbers, the age, or skip."""
    value, question = answers.get(fieldname), QUESTIONS_BY_FIELD[fieldname]
    if value is None or value == "unknown":
        return "skip"
    if isinstance(value, str) and (fieldname, value) in IN_WORDS:
        return IN_WORDS[fieldname, value]
    if question.kind == "number":
        return str(value)
    values = [value] if question.kind == "one" else list(value)
    return ", ".join(str(question.codes.index(v) + 1) for v in values)


def _say(dialogue: Dialogue, who: Identity, text: str) -> list:
    prompts = dialogue.handle(who, text=text)
    refused = [p.text for p in prompts if p.kind == "refusal"]
    if refused:
        raise RuntimeError(f"{who.external_id} typed {text!r}: refused: {refused[0]!r}")
    return prompts


def screen(dialogue: Dialogue, who: Identity, ref: str, answers: dict) -> None:
    """One case screened through the dialogue and confirmed (twice where questions were left)."""
    prompts = _say(dialogue, who, f"/new {ref}")
    while prompts[-1].kind == "question":
        prompts = _say(dialogue, who, typed_answer(prompts[-1].field, answers))
    if prompts[-1].kind != "review":
        raise RuntimeError(f"{ref}: expected the review, got {prompts[-1].kind}")
    known = {f: v for f, v in answers.items() if v not in (None, "unknown")}
    prompts = _say(dialogue, who, "confirm")
    if prompts[-1].kind != "result" and any(f not in known for f in asked_fields(known)):
        prompts = _say(dialogue, who, "confirm")
    if prompts[-1].kind != "result":
        raise RuntimeError(f"{ref}: not confirmed ({prompts[-1].kind})")


class _Team:
    """Who a case can be handed to: the template's two console users (as the console's own team)."""

    def __init__(self, *members: Identity) -> None:
        self._members = [Member(who) for who in members]

    def members(self) -> list[Member]:
        return self._members


def build_templates(path: Path) -> None:
    """The public vignettes screened through the dialogue; T01 amended (age changed), T02 handed on."""
    vignettes = [json.loads(line) for line in VIGNETTES.read_text().splitlines() if line.strip()]
    alice, bob = Identity("console", "alice", "Alice"), Identity("console", "bob", "Bob")
    with Store(path) as store:
        dialogue = Dialogue(store, team=_Team(alice, bob))
        _say(dialogue, bob, "/help")  # Bob has used the console: he can be handed a case
        for n, vignette in enumerate(vignettes, 1):
            screen(dialogue, alice, f"T{n:02d}", vignette["answers"])
        _say(dialogue, alice, "/amend T01")
        _say(dialogue, alice, AMEND_REASON)
        _say(dialogue, alice, str(QUESTIONS_BY_FIELD["age_years"].number))
        _say(dialogue, alice, str(vignettes[0]["answers"]["age_years"] + 1))
        prompts = _say(dialogue, alice, "confirm")
        if prompts[-1].kind == "notice":  # asked and unanswered (P01 leaves its injury's level): again
            prompts = _say(dialogue, alice, "confirm")
        if prompts[-1].kind != "result":
            raise RuntimeError(f"T01: the amendment was not confirmed ({prompts[-1].kind})")
        _say(dialogue, alice, "/handoff T02 bob")


@dataclass
class Template:
    """One template case's rows, as stored, with its times as offsets from its start."""

    case: tuple
    answers: list[tuple]
    results: list[tuple]
    events: list[tuple]
    messages: list[tuple]


_COLUMNS = {
    "answers": ("field", "value", "action", "user_id", "at", "note", "icd10cm"),
    "results": (
        "recommendation",
        "criteria_version",
        "result",
        "kind",
        "user_id",
        "at",
        "reason",
        "guidance_version",
    ),
    "case_events": ("kind", "reason", "user_id", "at", "to_user_id"),
    "messages": ("user_id", "channel", "direction", "text", "at"),
}


def load_templates(conn, count: int) -> list[Template]:
    """The first `count` cases of the database (the templates) with every row of theirs."""
    out = []
    query = "SELECT id, ref, user_id, created_at, updated_at, first_review_at FROM cases ORDER BY id LIMIT ?"
    for case in conn.execute(query, (count,)).fetchall():
        rows = {
            table: conn.execute(
                f"SELECT {', '.join(columns)} FROM {table} WHERE case_id = ? ORDER BY id", (case[0],)
            ).fetchall()
            for table, columns in _COLUMNS.items()
        }
        out.append(Template(case, rows["answers"], rows["results"], rows["case_events"], rows["messages"]))
    return out


def _moved(stamp: str | None, start: datetime, origin: datetime, stretch: float) -> str | None:
    """A template's time stamp moved to a copy's start, its distance from the case's start stretched."""
    if stamp is None:
        return None
    seconds = (datetime.fromisoformat(stamp) - origin).total_seconds() * stretch
    return (start + timedelta(seconds=seconds)).isoformat(timespec="microseconds")


def _stretch(template: Template, rng: random.Random) -> float:
    """How much a copy's screening is slowed down from the template's (which took milliseconds): to 4-60
    minutes from start to first confirmation, or, one case in twenty, to 1-5 days."""
    origin = datetime.fromisoformat(template.case[3])
    confirmed = min(datetime.fromisoformat(r[5]) for r in template.results)
    took = max((confirmed - origin).total_seconds(), 1e-3)
    minutes = rng.uniform(1440, 7200) if rng.random() < 0.05 else rng.uniform(4, 60)
    return minutes * 60 / took


def _copy_rows(template: Template, case_id: int, ref: str, owner: int, start: datetime, stretch: float):
    """The rows of one copy: (case row, {table: rows})."""
    old_ref, old_owner = template.case[1], template.case[2]
    origin = datetime.fromisoformat(template.case[3])

    def user(user_id):
        return owner if user_id == old_owner else user_id

    def moved(stamp):
        return _moved(stamp, start, origin, stretch)

    case = (case_id, ref, owner, "done", "done", 0, None, moved(template.case[3]), moved(template.case[4]))
    case += (moved(template.case[5]),)
    answers = [(case_id, f, v, a, user(u), moved(at), n, c) for f, v, a, u, at, n, c in template.answers]
    results = [
        (case_id, r, cv, j, k, user(u), moved(at), why, gv)
        for r, cv, j, k, u, at, why, gv in template.results
    ]
    events = [(case_id, k, why, user(u), moved(at), user(to)) for k, why, u, at, to in template.events]
    messages = [
        (case_id, user(u), ch, d, text.replace(old_ref, ref), moved(at))
        for u, ch, d, text, at in template.messages
    ]
    return case, {"answers": answers, "results": results, "case_events": events, "messages": messages}


_INSERT = {
    "cases": "INSERT INTO cases (id, ref, user_id, state, status, return_to_review, pending, created_at, "
    "updated_at, first_review_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    **{
        table: f"INSERT INTO {table} (case_id, {', '.join(columns)}) VALUES (?{', ?' * len(columns)})"
        for table, columns in _COLUMNS.items()
    },
}


def grow(path: Path, target: int) -> float:
    """Copy template cases into the database at `path` until it has `target` cases; the seconds taken."""
    began = time.perf_counter()
    with Store(path) as store:
        conn = store.db.conn
        templates = load_templates(conn, len(VIGNETTES.read_text().splitlines()))
        owners = [store.user("console", f"clinician-{n:02d}", f"Clinician {n:02d}").id for n in range(OWNERS)]
        have, last_id = conn.execute("SELECT count(*), max(id) FROM cases").fetchone()
        if have > target:
            raise SystemExit(f"{path} has {have:,} cases already, more than {target:,}: use another --keep")
        rng = random.Random(have)
        while have < target:
            count = min(BATCH, target - have)
            with immediate(store.db):
                rows: dict[str, list] = {table: [] for table in _INSERT}
                for k in range(have, have + count):
                    last_id += 1
                    template = templates[k % len(templates)]
                    case, copied = _copy_rows(
                        template,
                        last_id,
                        f"SC-{k:06d}",
                        owners[k % OWNERS],
                        BASE + k * SPACING,
                        _stretch(template, rng),
                    )
                    rows["cases"].append(case)
                    for table, table_rows in copied.items():
                        rows[table] += table_rows
                for table, sql in _INSERT.items():  # cases first: the others refer to them
                    conn.executemany(sql, rows[table])
            have += count
    return time.perf_counter() - began


# Measuring ---------------------------------------------------------------------------------------
@dataclass
class Run:
    """One measured child process: wall and CPU seconds, peak memory (KiB), exit status."""

    wall: float
    cpu: float
    rss_kib: int
    status: int
    note: str = ""


#: Starts one command and reports its rusage: a small process of its own, because a child's max RSS
#: counts the memory of the process it was spawned from (Linux carries the high-water mark over exec),
#: and this script holds the dialogue's reader and the templates' store.
LAUNCHER = (
    "import json, os, sys\n"
    "pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "cpu = usage.ru_utime + usage.ru_stime\n"
    "with open(sys.argv[1], 'w') as out:\n"
    "    json.dump([os.waitstatus_to_exitcode(status), cpu, usage.ru_maxrss], out)\n"
)


def run_child(argv: list[str], env: dict[str, str], work: Path) -> Run:
    """Run `argv` through the launcher, its output thrown away and its last error line kept."""
    report = work / "rusage.json"
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(report), *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - began
    status, cpu, rss = json.loads(report.read_text())
    report.unlink()
    note = done.stderr.decode(errors="replace").strip().splitlines()[-1][:100] if status else ""
    return Run(wall, cpu, rss, status, note)


FLOOR = (
    "import json, sys\n"
    "lines = [json.dumps(json.loads(line)) for line in open(sys.argv[1], encoding='utf-8') if line.strip()]\n"
    "sys.stdout.write('\\n'.join(lines) + '\\n')\n"
)


def evaluate_input(directory: Path, lines: int) -> Path:
    """`lines` cases as JSON Lines, the public vignettes cycled (each with an id)."""
    vignettes = [json.loads(line) for line in VIGNETTES.read_text().splitlines() if line.strip()]
    path = directory / f"evaluate-{lines}.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for n in range(lines):
            vignette = vignettes[n % len(vignettes)]
            out.write(json.dumps({"id": f"{vignette['id']}-{n}", "answers": vignette["answers"]}) + "\n")
    return path


def commands(db: Path, size: int, work: Path) -> dict[str, list[str]]:
    """Every command measured, by name: its arguments after `python -m itb_screen`, and its input."""
    ref = f"SC-{size // 2 // 10 * 10:06d}"  # a copy of T01: amended, so with a history
    out = work / "out"
    on = ["--db", str(db)]
    jsonl = evaluate_input(work, size)
    found = {
        "cases": ["cases", *on],
        "cases --json": ["cases", "--json", *on],
        "show --history --transcript": ["show", ref, "--history", "--transcript", *on],
        "summary": ["summary", ref, *on],
        f"search {SEARCH_WORD}": ["search", SEARCH_WORD, *on],
    }
    for fmt in ("csv", "json", "fhir", "redcap"):
        found[f"export --format {fmt}"] = ["export", "--format", fmt, "--out", str(out), *on]
    found[EVALUATE] = ["evaluate", "--jsonl", str(jsonl)]
    found["verify"] = ["verify", *on]
    found["backup"] = ["backup", str(work / "backup.db"), *on]
    return found


EVALUATE = "evaluate --jsonl (a line per case)"
FLOOR_NAME = "floor: parse and print the lines"


def measure_commands(db: Path, size: int, work: Path, env: dict[str, str]) -> dict[str, Run]:
    """Every command once; then `evaluate --jsonl` and its floor (a child of its own) in turn, ROUNDS
    times each, the run of least CPU time of each kept: the two share the machine's load of the moment,
    so their ratio does not follow it. Leaves nothing behind in `work`."""
    runs, found = {}, commands(db, size, work)
    for name, args in found.items():
        runs[name] = run_child([sys.executable, "-m", "itb_screen", *args], env, work)
        for leftover in ("out", "backup.db", "itb-screen-heads.log"):
            (work / leftover).unlink(missing_ok=True)
        print(f"  {name}: {runs[name].wall:.2f} s", file=sys.stderr, flush=True)
    jsonl = work / f"evaluate-{size}.jsonl"
    evaluate = [sys.executable, "-m", "itb_screen", *found[EVALUATE]]
    floor = [sys.executable, "-c", FLOOR, str(jsonl)]
    for _ in range(ROUNDS):
        for name, argv in ((EVALUATE, evaluate), (FLOOR_NAME, floor)):
            run = run_child(argv, env, work)
            runs[name] = min(runs.get(name, run), run, key=lambda r: r.cpu)
    jsonl.unlink()
    return runs


# The review site -----------------------------------------------------------------------------------
#: Pages beyond Datasette's own and the canned queries, tried in order; one answering 404 is left out
#: (a site without it). `{ref}` is a case's reference.
PAGES = (
    "/",
    "/case/{ref}",
    "/case/{ref}.pdf",
    "/agenda?since={since}",
    "/agenda",
    "/{database}",
    "/-/dashboards",
    "/-/dashboards/screening",
)


#: Each page is asked for once to warm the caches, then this many times: the fastest is shown (the
#: figure least disturbed by whatever else the machine runs).
ROUNDS = 3


def site_pages(ref: str, since: str) -> list[tuple[str, str]]:
    """Every page the worker times, as (name, address): the team's pages, the database and dashboard
    pages, every table, every canned query and each again as .json. Names stand for what varies with the
    size (`REF`, a case's reference; `SINCE`, a week before the last case), so each is one row."""
    from itb_screen.review.metadata import DATABASE, build_metadata
    from itb_screen.storage import schema_tables

    database = build_metadata()["databases"][DATABASE]
    pages = [(page.format(database=DATABASE, ref="REF", since="SINCE"), page) for page in PAGES]
    columns, index = schema_tables()
    pages += [(f"/{DATABASE}/{table}", f"/{DATABASE}/{table}") for table in columns if table not in index]
    for name, query in database["queries"].items():
        search = "&".join(f"{p}={PARAMS.get(p, SEARCH_WORD)}" for p in query.get("params", ()))
        for address in (f"/{DATABASE}/{name}", f"/{DATABASE}/{name}.json"):
            pages.append((f"{address}?{search}" if search else address,) * 2)
    named = [(name.replace("{since}", "SINCE"), address) for name, address in pages]
    return [(name, address.format(database=DATABASE, ref=ref, since=since)) for name, address in named]


MARK = "@page "


def _high_water_kib() -> int:
    """This process's peak RSS since it started (VmHWM: unlike ru_maxrss, not its parent's before exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


async def _time_pages(db: Path, ref: str, since: str) -> None:
    from itb_screen.review.site import build_datasette

    ds = build_datasette(db)
    await ds.invoke_startup()
    await ds.client.get("/-/versions.json")  # Datasette's start-up, out of the first page's time
    for name, page in site_pages(ref, since):
        times, status, text = [], 0, ""
        for _ in range(1 + ROUNDS):  # the first warms the caches; then the fastest of ROUNDS
            began = time.perf_counter()
            response = await ds.client.get(page)
            times.append(time.perf_counter() - began)
            status, text = response.status_code, response.text
        limit = "took too long" in text or "interrupted" in text
        peak = _high_water_kib()
        row = {"page": name, "seconds": min(times[1:]), "status": status, "limit": limit, "rss": peak}
        print(MARK + json.dumps(row), flush=True)  # marked: Datasette prints failed queries on stdout


def measure_site(db: Path, size: int, env: dict[str, str]) -> dict[str, Run]:
    """The site's pages, timed in one child process (this script with --site-worker)."""
    ref = f"SC-{size // 2 // 10 * 10:06d}"
    since = (BASE + (size - 1) * SPACING - timedelta(days=7)).date().isoformat()
    argv = [sys.executable, __file__, "--site-worker", str(db), "--ref", ref, "--since", since]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"the site worker failed:\n{done.stderr[-2000:]}")
    runs = {}
    for line in done.stdout.splitlines():
        if not line.startswith(MARK):
            continue
        row = json.loads(line[len(MARK) :])
        note = "" if row["status"] == 200 and not row["limit"] else f"HTTP {row['status']}"
        note += " (time limit hit)" if row["limit"] else ""
        if row["status"] == 404:
            continue
        runs[row["page"]] = Run(row["seconds"], row["seconds"], row["rss"], 0 if not note else 1, note)
    return runs


# Reporting ---------------------------------------------------------------------------------------
def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def _growth(now: float, before: float | None) -> str:
    return "" if before is None or before <= 0 else f"x{now / before:.1f}"


def table(title: str, by_size: dict[int, dict[str, Run]], site: bool = False) -> str:
    """A Markdown table: per row, each size's time and memory, and the growth from the size before (of
    CPU time for a command, of time for a page; then of peak memory)."""
    sizes = list(by_size)
    names = list(dict.fromkeys(name for runs in by_size.values() for name in runs))
    head = [title]
    for n, size in enumerate(sizes):
        head += ([f"{size:,}: time"] if site else [f"{size:,}: wall (CPU)"]) + ["peak RSS"]
        head += ["growth"] if n else []
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        cells = [f"`{name}`"]
        for n, size in enumerate(sizes):
            run, before = by_size[size].get(name), by_size[sizes[n - 1]].get(name) if n else None
            if run is None:
                cells += ["-", "-"] + ([""] if n else [])
                continue
            shown = f"{run.wall:.3f} s" if site else f"{run.wall:.2f} s ({run.cpu:.2f})"
            cells += [shown + (f" {run.note}" if run.note else ""), _mib(run.rss_kib)]
            if n:
                cells.append(
                    f"{_growth(run.cpu, before.cpu)}, {_growth(run.rss_kib, before.rss_kib)}"
                    if before
                    else ""
                )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _machine() -> str:
    import sqlite3

    return (
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.node() or 'this machine'}: {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, load {os.getloadavg()[0]:.2f}"
    )


def report(built: dict[int, tuple[float, int]], runs: dict, site: dict) -> None:
    """Everything measured, as Markdown tables (pasted into the README's Performance section)."""
    print(f"ITB Screen scale benchmark, {_machine()}")
    for size, (seconds, size_bytes) in built.items():
        print(f"- {size:,} cases: database {size_bytes / 2**20:,.0f} MiB (grown to it in {seconds:.0f} s)")
    print()
    print(table("command", runs))
    print()
    for size, by_name in runs.items():
        ratio = by_name[EVALUATE].cpu / by_name[FLOOR_NAME].cpu
        print(
            f"- evaluate --jsonl at {size:,} lines: {ratio:.1f}x its floor (CPU time, least of {ROUNDS} each)"
        )
    print()
    print(table(f"page (Datasette in process, warm, the fastest of {ROUNDS})", site, site=True))


def _sizes(text: str) -> list[int]:
    return sorted({int(part.replace("_", "").replace(",", "")) for part in text.split(",") if part.strip()})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES), help="e.g. 1000,10000")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the database in this directory")
    parser.add_argument("--no-site", action="store_true", help="only the commands")
    parser.add_argument("--build-only", action="store_true", help="build the databases, measure nothing")
    parser.add_argument("--site-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ref", help=argparse.SUPPRESS)
    parser.add_argument("--since", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.site_worker:
        asyncio.run(_time_pages(args.site_worker, args.ref, args.since))
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="itb-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "scale.db"
    os.environ["ITB_SCREEN_KEY_FILE"] = str(work / "itb-screen.key")  # the builder's key, and the children's
    env = {k: v for k, v in os.environ.items() if k not in ("ITB_SCREEN_USERS", "ITB_SCREEN_DB")}
    try:
        if not db.exists():
            build_templates(db)
        built, runs, site = {}, {}, {}
        for size in args.sizes:
            print(f"{size:,} cases: building", file=sys.stderr, flush=True)
            built[size] = (grow(db, size), db.stat().st_size)
            if args.build_only:
                continue
            runs[size] = measure_commands(db, size, work, env)
            site[size] = {} if args.no_site else measure_site(db, size, env)
        if not args.build_only:
            report(built, runs, site)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
