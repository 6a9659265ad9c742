"""The team review site (itb-screen review): Datasette over a database built by driving the vignettes.

The site is checked with Datasette's own test client, and once in headless Chromium against a real
`itb-screen review` process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

if importlib.util.find_spec("datasette") is None and not os.environ.get("CI"):
    pytest.skip("Datasette is not installed: pip install -e '.[test]'", allow_module_level=True)

from markupsafe import escape

from itb_screen.criteria import QUESTIONS_BY_FIELD, asked_fields, validate_answers
from itb_screen.dialogue import Dialogue, Identity
from itb_screen.review.metadata import DATABASE, DESCRIPTION, TITLE, UNDESCRIBED, build_metadata
from itb_screen.review.site import build_datasette
from itb_screen.storage import Store

from .conftest import ROOT, VIGNETTES
from .drive import screen, typed

CHROMIUM = Path("/usr/bin/chromium")
ALICE = Identity("console", "alice", "Alice")
BOB = Identity("console", "bob", "Bob")
CAROL = Identity("console", "carol", "Carol")
DAVE = Identity("console", "dave", "Dave")
#: Typed by Dave in the case he then voided: its messages are left out of the transcript search.
VOID_WORD, VOID_REASON = "quokka", "opened for the wrong patient <b>"
P01 = VIGNETTES[0]["answers"]
NEEDS_REVIEW = ("refer_after_review", "incomplete")
#: Typed by Bob once, at a question (refused, but kept in the transcript); never typed: NEVER.
TYPED_WORD, NEVER = "zygomatic", "xylophone"


def _answer_to_review(dialogue: Dialogue, who: Identity, prompts, answers: dict):
    while prompts[-1].kind == "question":
        question = QUESTIONS_BY_FIELD[prompts[-1].field]
        prompts = dialogue.handle(who, typed(question, answers.get(question.field), "numbers"))
    assert prompts[-1].kind == "review"
    return prompts


def _confirm(dialogue: Dialogue, who: Identity):
    """Confirm at the review, once more if the dialogue asks to confirm leaving questions unanswered."""
    prompts = dialogue.handle(who, "confirm")
    if prompts[-1].kind != "result":
        prompts = dialogue.handle(who, "confirm")
    return prompts


@pytest.fixture(scope="module")
def site_db(tmp_path_factory) -> Path:
    """Every public vignette confirmed by Alice (case ref = vignette id), plus Bob's and Carol's cases.

    CHG-1 (Bob): age corrected with back before review (34), then at review age changed to 35 and
    seizures cleared, then confirmed. OPEN-1 (Bob): left at review. GONE-1 (Carol): cancelled.
    OPEN-2 (Carol): two questions answered. VOID-1 (Dave): P09's answers (refer after review), age
    changed at review, confirmed, then voided by Carol (through the Store API, as the dialogue's
    /void stores it).
    """
    path = tmp_path_factory.mktemp("review") / "itb.db"
    with Store(path) as store:
        dialogue = Dialogue(store)
        for vignette in VIGNETTES:
            assert screen(dialogue, ALICE, vignette["id"], vignette["answers"])[-1].kind == "result"
        dialogue.handle(BOB, "/new CHG-1")
        dialogue.handle(BOB, "40")
        dialogue.handle(BOB, "back")
        prompts = dialogue.handle(BOB, "34")
        prompts = dialogue.handle(BOB, TYPED_WORD)
        assert prompts[0].kind == "refusal"
        _answer_to_review(dialogue, BOB, prompts, P01)
        assert dialogue.handle(BOB, "1")[-1].field == "age_years"
        assert dialogue.handle(BOB, "35")[-1].kind == "review"
        assert dialogue.handle(BOB, "seizures")[-1].field == "seizures"
        assert dialogue.handle(BOB, "unknown")[-1].kind == "review"  # clears it ('skip' may keep it)
        assert _confirm(dialogue, BOB)[-1].result.recommendation == "refer_for_screening"
        assert screen(dialogue, BOB, "OPEN-1", P01, confirm=False)[-1].kind == "review"
        dialogue.handle(CAROL, "/new GONE-1")
        dialogue.handle(CAROL, "50")
        dialogue.handle(CAROL, "/cancel")
        dialogue.handle(CAROL, "/new OPEN-2")
        dialogue.handle(CAROL, "60")
        dialogue.handle(CAROL, "1")
        assert store.case_by_ref("GONE-1").status == "cancelled"
        p09 = next(v["answers"] for v in VIGNETTES if v["id"] == "P09")
        dialogue.handle(DAVE, "/new VOID-1")
        prompts = dialogue.handle(DAVE, VOID_WORD)
        assert prompts[0].kind == "refusal"
        _answer_to_review(dialogue, DAVE, prompts, p09)
        assert dialogue.handle(DAVE, "1")[-1].field == "age_years"  # a change after review, too
        assert dialogue.handle(DAVE, "16")[-1].kind == "review"
        assert _confirm(dialogue, DAVE)[-1].result.recommendation == "refer_after_review"
        void = store.case_by_ref("VOID-1")
        with store.transaction():
            store.save_case(void.id, state=void.state, status="void", return_to_review=False, pending=None)
            store.record_event(void.id, "void", VOID_REASON, store.user("console", "carol").id)
    return path


def datasette_on(path: Path) -> Iterator:
    """The review site on `path` for Datasette's test client, closed after the test (a fixture's body)."""
    ds = build_datasette(path)
    yield ds
    ds.get_database(DATABASE).close()
    ds.executor.shutdown(wait=False)


@pytest.fixture
def ds(site_db):
    yield from datasette_on(site_db)


async def rows(ds, query: str, **params) -> list[dict]:
    response = await ds.client.get(f"/{DATABASE}/{query}.json", params={"_shape": "array", **params})
    assert response.status_code == 200, response.text
    return response.json()


def fingerprint(path: Path) -> tuple[str, dict]:
    """The file's bytes (hashed) and every table's row count, read without changing anything."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return digest, {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


# Metadata ----------------------------------------------------------------------------------------
def test_every_column_of_every_table_is_described(site_db):
    conn = sqlite3.connect(site_db)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        columns = {t: [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')] for t in tables}
    finally:
        conn.close()
    described = build_metadata()["databases"][DATABASE]["tables"]
    hidden = {t for t, meta in described.items() if meta.get("hidden")}
    assert hidden == {
        "_sqlite_migrations",
        "seen_inputs",
        "chain",
        "messages_fts",
        "messages_fts_config",
        "messages_fts_data",
        "messages_fts_docsize",
        "messages_fts_idx",
        "messages_typed_fts",
        "messages_typed_fts_config",
        "messages_typed_fts_data",
        "messages_typed_fts_docsize",
        "messages_typed_fts_idx",
    }
    assert set(described) == set(tables)
    for table in set(tables) - hidden:
        meta = described[table]
        assert meta["title"] and meta["description"] not in ("", UNDESCRIBED), table
        assert list(meta["columns"]) == columns[table], table
        for column, text in meta["columns"].items():
            assert text and text != UNDESCRIBED, f"{table}.{column} has no description"


@pytest.mark.asyncio
async def test_tables_are_listed_with_their_descriptions(ds):
    home = await ds.client.get("/")
    assert home.status_code == 200
    assert f"<title>{TITLE}" in home.text and str(escape(DESCRIPTION)) in home.text
    database = (await ds.client.get(f"/{DATABASE}")).text
    linked = set(re.findall(rf'href="/{DATABASE}/([a-z_]+)"', database))
    described = build_metadata()["databases"][DATABASE]["tables"]
    tables = {t: m for t, m in described.items() if not m.get("hidden")}
    assert set(tables) == {
        "users",
        "cases",
        "answers",
        "messages",
        "results",
        "audit",
        "case_events",
        "case_changes",
        "notices",
    }
    assert set(tables) <= linked
    assert not {"messages_fts", "messages_fts_data", "_sqlite_migrations"} & linked
    for table, meta in tables.items():
        page = await ds.client.get(f"/{DATABASE}/{table}")
        assert page.status_code == 200
        assert str(escape(meta["description"])) in page.text, table
        for column, text in meta["columns"].items():
            assert f"<dt>{column}</dt><dd>{escape(text)}</dd>" in page.text, f"{table}.{column}"


# Canned queries ----------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_open_cases(ds):
    found = await rows(ds, "open_cases")
    p01 = validate_answers(P01)
    answered = len([f for f in asked_fields(p01) if f in p01])  # OPEN-1 holds P01's answers
    assert [(r["ref"], r["owner"], r["answered"]) for r in found] == [
        ("OPEN-2", "Carol", 2),
        ("OPEN-1", "Bob", answered),
    ]
    assert found[1]["where"] == "review"


@pytest.mark.asyncio
async def test_results_by_recommendation_counts_the_latest_result_of_each_case(ds):
    expected = Counter(v["expected"]["recommendation"] for v in VIGNETTES) + Counter(["refer_for_screening"])
    found = await rows(ds, "results_by_recommendation")
    assert {r["recommendation"]: r["cases"] for r in found} == dict(expected)
    refs = {r["recommendation"]: r["refs"].split(", ") for r in found}
    assert "CHG-1" in refs["refer_for_screening"]


@pytest.mark.asyncio
async def test_cases_needing_review_are_the_vignettes_expecting_it(ds):
    expected = {
        v["id"]: v["expected"]["recommendation"]
        for v in VIGNETTES
        if v["expected"]["recommendation"] in NEEDS_REVIEW
    }
    assert expected  # the public vignettes have some of each
    found = await rows(ds, "cases_needing_review")
    assert {r["ref"]: r["recommendation"] for r in found} == expected
    incomplete = next(r for r in found if r["recommendation"] == "incomplete")
    assert incomplete["why"] == "baclofen_reaction, active_infection"


@pytest.mark.asyncio
async def test_results_since_and_the_agenda_keep_to_their_date(ds):
    """Every case of the module's database was confirmed today: since 2000 they are all there, since
    tomorrow's year none is."""
    expected = Counter(v["expected"]["recommendation"] for v in VIGNETTES) + Counter(["refer_for_screening"])
    found = await rows(ds, "results_since", since="2000-01-01")
    assert {r["recommendation"]: r["cases"] for r in found} == dict(expected)
    assert await rows(ds, "results_since", since="9999-01-01") == []
    needing = {v["id"] for v in VIGNETTES if v["expected"]["recommendation"] in NEEDS_REVIEW}
    agenda = await rows(ds, "agenda", since="2000-01-01")
    assert {r["ref"] for r in agenda} == needing
    assert [r["result_at"] for r in agenda] == sorted((r["result_at"] for r in agenda), reverse=True)
    assert await rows(ds, "agenda", since="9999-01-01") == []


@pytest.mark.asyncio
async def test_a_query_page_hides_its_sql_unless_asked(ds):
    page = (await ds.client.get(f"/{DATABASE}/open_cases")).text
    assert "FROM cases c" not in page and "_show_sql=1" in page
    shown = (await ds.client.get(f"/{DATABASE}/open_cases", params={"_show_sql": "1"})).text
    assert "FROM cases c" in shown


@pytest.mark.asyncio
async def test_answers_changed_after_review_leave_out_corrections_before_review(ds):
    found = await rows(ds, "answers_changed_after_review")
    assert [
        (r["ref"], r["field"], r["previous_value"], r["new_value"], r["action"], r["changed_by"])
        for r in found
    ] == [
        ("CHG-1", "age_years", "34", "35", "change", "Bob"),
        ("CHG-1", "seizures", '"no"', None, "clear", "Bob"),
    ]
    assert all(r["changed_at"] > r["first_review_at"] for r in found)


@pytest.mark.asyncio
async def test_the_first_review_is_read_from_the_case_not_from_the_transcript(site_db, tmp_path):
    """Rewording the bot's messages (or losing the transcript) must not move "changed after review"."""
    copy = tmp_path / "reworded.db"
    source, target = sqlite3.connect(site_db), sqlite3.connect(copy)
    source.backup(target)
    target.execute("UPDATE messages SET text = 'reworded' WHERE direction = 'out'")
    target.commit()
    source.close()
    target.close()
    ds = build_datasette(copy)
    try:
        found = await rows(ds, "answers_changed_after_review")
    finally:
        ds.get_database(DATABASE).close()
        ds.executor.shutdown(wait=False)
    assert [(r["ref"], r["field"], r["action"]) for r in found] == [
        ("CHG-1", "age_years", "change"),
        ("CHG-1", "seizures", "clear"),
    ]


@pytest.mark.asyncio
async def test_transcript_search(ds):
    found = await rows(ds, "transcript_search", q=TYPED_WORD)
    assert [(r["ref"], r["direction"], r["user"], r["text"]) for r in found] == [
        ("CHG-1", "in", "Bob", TYPED_WORD)
    ]
    everything = await rows(ds, "transcript_search_all", q=TYPED_WORD)
    assert {r["ref"] for r in everything} == {"CHG-1"}  # the bot's reply may quote the word back
    for query in ("transcript_search", "transcript_search_all"):
        assert await rows(ds, query, q=NEVER) == []
        assert await rows(ds, query, q=f"{TYPED_WORD} {NEVER}") == []  # every word must match
        assert await rows(ds, query, q=VOID_WORD) == []  # typed in a void case
        for nothing in ("", " ", '"', "OR -"):  # no words, or FTS5 syntax: no rows and no error
            response = await ds.client.get(f"/{DATABASE}/{query}", params={"q": nothing})
            assert response.status_code == 200 and "fts5" not in response.text
    shunts = await rows(ds, "transcript_search_all", q="SHUNTS")  # stemmed, any case
    assert shunts and all("shunt" in r["text"].lower() for r in shunts)
    # The question's own words ("shunt" is in question 16's wording) are the bot's: by default, what was
    # typed only, and here nobody typed it.
    assert {r["direction"] for r in shunts} == {"out"}
    assert await rows(ds, "transcript_search", q="SHUNTS") == []


@pytest.mark.asyncio
async def test_void_cases_are_left_out_of_the_queries_and_listed_in_their_own(ds):
    # VOID-1's result (refer_after_review) is counted nowhere; the vignette counts above stay exact.
    for query in (
        "open_cases",
        "results_by_recommendation",
        "cases_needing_review",
        "answers_changed_after_review",
    ):
        assert "VOID-1" not in str(await rows(ds, query)), query
    found = await rows(ds, "void_cases")
    assert [(r["ref"], r["owner"], r["voided_by"], r["reason"], r["last_recommendation"]) for r in found] == [
        ("VOID-1", "Dave", "Carol", VOID_REASON, "refer_after_review")
    ]
    assert found[0]["voided_at"] > found[0]["created_at"]
    page = (await ds.client.get(f"/{DATABASE}/void_cases")).text
    assert str(escape(VOID_REASON)) in page and VOID_REASON not in page


# Read-only ---------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_the_site_serves_only_get_and_writes_nothing(ds, site_db):
    before = fingerprint(site_db)
    token = (await ds.client.get(f"/{DATABASE}/open_cases")).cookies.get("ds_csrftoken")
    for method, path, kwargs in [
        ("post", f"/{DATABASE}/open_cases", {"data": {"csrftoken": token or ""}}),
        ("post", f"/{DATABASE}/transcript_search", {"data": {"q": TYPED_WORD}}),
        ("post", f"/{DATABASE}/cases/-/insert", {"json": {"row": {"ref": "X", "user_id": 1}}}),
        ("post", f"/{DATABASE}/-/create", {"json": {"table": "x", "columns": [{"name": "a"}]}}),
        ("post", f"/{DATABASE}/cases/1/-/delete", {}),
        ("put", f"/{DATABASE}/cases", {"json": {}}),
        ("delete", f"/{DATABASE}/cases/1", {}),
        ("post", "/-/logout", {}),
    ]:
        response = await getattr(ds.client, method)(path, cookies={"ds_csrftoken": token or ""}, **kwargs)
        assert response.status_code == 405, (method, path, response.status_code)
        assert response.headers["allow"] == "GET, HEAD"
    # Arbitrary SQL is read-only too, and the database refuses to open for writing at all.
    response = await ds.client.get(f"/{DATABASE}.json", params={"sql": "DELETE FROM cases"})
    assert response.status_code == 400
    db = ds.get_database(DATABASE)
    with pytest.raises(PermissionError):
        await db.execute_write("INSERT INTO audit (at, event) VALUES ('now', 'x')")
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
        await db.execute("INSERT INTO audit (at, event) VALUES ('now', 'x')")
    assert fingerprint(site_db) == before


def test_only_the_plugins_bundled_with_datasette_run(site_db):
    from datasette.plugins import pm

    class WritePlugin:  # stands for datasette-write and the like, installed in the environment
        pass

    pm.register(WritePlugin(), "datasette-write-stand-in")
    try:
        build_datasette(site_db)
        assert "datasette-write-stand-in" not in dict(pm.list_name_plugin())
    finally:
        if pm.has_plugin("datasette-write-stand-in"):
            pm.unregister(name="datasette-write-stand-in")


def test_without_the_extra_the_command_prints_how_to_install_it(site_db):
    blocked = (
        "import sys; sys.modules['datasette'] = None; from itb_screen.cli import main; "
        f"sys.argv = ['itb-screen', 'review', '--db', {str(site_db)!r}]; main()"
    )
    done = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "pip install -e '.[review]'" in done.stderr


def test_a_missing_database_is_one_line_not_a_new_file(tmp_path):
    from click.testing import CliRunner

    from itb_screen.cli import cli

    missing = tmp_path / "none.db"
    result = CliRunner().invoke(cli, ["review", "--db", str(missing)])
    assert result.exit_code == 2
    assert result.output == f"Error: no database at {missing}: --db or ITB_SCREEN_DB names the file\n"
    assert not missing.exists()
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    other = CliRunner().invoke(cli, ["review", "--db", str(text)])  # there, but not a database
    assert other.exit_code == 1 and "cannot open the database" in other.output


def test_a_port_in_use_is_one_line(site_db):
    from click.testing import CliRunner

    from itb_screen.cli import cli

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["review", "--db", str(site_db), "--port", str(port)])
    assert result.exit_code == 1 and f"cannot serve on 127.0.0.1:{port}" in result.output


# In a browser --------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"itb-screen review exited: {process.communicate()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {seconds} s")


needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="headless Chromium is not installed (apt-get install chromium); CI runs this test",
)


@contextmanager
def served(db: Path, ready_path: str) -> Iterator[str]:
    """`itb-screen review` on `db` at a free port, once `ready_path` answers: yields the site's address.
    Stopped on leaving; it must not have printed a traceback nor changed the database."""
    assert CHROMIUM.exists(), "CI must have /usr/bin/chromium: .ci/run installs it"
    before = fingerprint(db)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "itb_screen", "review", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + ready_path, server)
        yield base
    finally:
        server.terminate()
        out, err = server.communicate(timeout=20)
    assert f"{base}/{DATABASE}" in out
    assert "Traceback" not in err
    assert fingerprint(db) == before


def headless(url: str, *flags: str) -> subprocess.CompletedProcess:
    """The page's DOM as headless Chromium renders it (with `flags` added), in a fresh profile."""
    common = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run")
    quiet = ("--disable-background-networking", "--disable-component-update", "--disable-sync")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [str(CHROMIUM), *common, *quiet, *flags, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=60,
        )


@needs_chromium
def test_a_browser_shows_the_open_cases(site_db, tmp_path):
    with served(site_db, f"/{DATABASE}/open_cases.json") as base:
        browser = headless(f"{base}/{DATABASE}/open_cases")
    assert browser.returncode == 0, browser.stderr[-2000:]
    dom = browser.stdout
    assert "<title>Open cases - ITB Screen review</title>" in dom
    assert re.search(r"<h1[^>]*>Open cases</h1>", dom)
    cells = re.findall(r'<td class="col-ref[^"]*"><a href="/case/[^"]+">([^<]*)</a></td>', dom)
    assert cells == ["OPEN-2", "OPEN-1"], cells
    assert "GONE-1" not in dom and "CHG-1" not in dom
