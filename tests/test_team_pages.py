"""The team meeting's pages of the review site (issue 18): the home page, a case page, the agenda, the
canned queries in words, and the referral summary as a PDF.

One small database, made through the dialogue with storage's clock set by the test: REV-9 (P09's answers,
the condition typed "spastic diplegia" and the seizures "yes - <note>") screened by Alice, handed to Bob,
amended by Bob (age 15 -> 16, with a reason) and confirmed again; INC-8 (P08, incomplete) and FIN-1 (P01)
by Bob; OLD-1 (P10) confirmed 30 days back; OPEN-3 left at question 3; VOID-2 (P07) voided. Times are
read in Asia/Kolkata (UTC+05:30 all year), so a page that gave UTC would show.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

if importlib.util.find_spec("datasette") is None and not os.environ.get("CI"):
    pytest.skip("Datasette is not installed: pip install -e '.[test]'", allow_module_level=True)

from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.criteria import QUESTIONS_BY_FIELD
from itb_screen.dialogue import Dialogue, Identity
from itb_screen.review.metadata import DATABASE
from itb_screen.review.site import build_datasette
from itb_screen.storage import Store

from .conftest import VIGNETTES
from .drive import screen, typed
from .storage_clock import set_storage_clock
from .test_review_site import _confirm, served

ALICE, BOB = Identity("console", "alice", "Alice"), Identity("console", "bob", "Bob")
ANSWERS = {v["id"]: v["answers"] for v in VIGNETTES}
ZONE, OFFSET = "Asia/Kolkata", timedelta(hours=5, minutes=30)
NOTE = "well controlled on levetiracetam"
REASON = "age misread <b>from the letter</b>"
VOID_REASON = "opened for the wrong patient"
#: Typed at REV-9's first question (refused, kept in the transcript as typed).
TYPED_WORD = "zygomatic"
#: When REV-9 was first confirmed (UTC): yesterday 09:00, so within the last seven days.
T0 = (datetime.now(UTC) - timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
OLD = T0 - timedelta(days=30)


class Clock:
    """Storage's time stamps, set by the test."""

    def __init__(self) -> None:
        self.at = OLD

    def __call__(self) -> str:
        return self.at.isoformat(timespec="microseconds")


def local(moment: datetime) -> str:
    """A UTC moment as the pages should show it: to the minute, in Asia/Kolkata."""
    return f"{moment + OFFSET:%Y-%m-%d %H:%M} IST"


def _screen_rev9(dialogue: Dialogue) -> None:
    """P09 typed as a clinician writes: the condition and the seizures in words, a stray word first."""
    words = {
        "primary_condition": "spastic diplegia",
        "seizures": f"yes - {NOTE}",
        "seizures_controlled": "no",
    }
    prompts = dialogue.handle(ALICE, "/new REV-9")
    assert dialogue.handle(ALICE, TYPED_WORD)[0].kind == "refusal"
    while prompts[-1].kind == "question":
        field = prompts[-1].field
        answer = words.get(field) or typed(QUESTIONS_BY_FIELD[field], ANSWERS["P09"].get(field), "numbers")
        prompts = dialogue.handle(ALICE, answer)
        assert prompts[0].kind != "refusal", prompts[0].text
    assert _confirm(dialogue, ALICE)[-1].result.recommendation == "refer_after_review"


def _build(dialogue: Dialogue, store: Store, clock: Clock) -> None:
    assert screen(dialogue, ALICE, "OLD-1", ANSWERS["P10"])[-1].result.recommendation == "refer_after_review"
    clock.at = T0
    _screen_rev9(dialogue)
    clock.at = T0 + timedelta(minutes=10)
    assert screen(dialogue, BOB, "INC-8", ANSWERS["P08"])[-1].result.recommendation == "incomplete"
    fin1 = {**ANSWERS["P01"], "sci_level_t6_or_above": "yes"}  # the label's withdrawal flag (L4)
    assert screen(dialogue, BOB, "FIN-1", fin1)[-1].result.recommendation == "refer_for_screening"
    clock.at = T0 + timedelta(minutes=20)
    rev9 = store.case_by_ref("REV-9")
    store.hand_off(rev9.id, store.user("console", "alice").id, store.user("console", "bob").id)
    clock.at = T0 + timedelta(minutes=30)
    dialogue.handle(BOB, "/amend REV-9")
    assert dialogue.handle(BOB, REASON)[-1].kind == "review"
    assert dialogue.handle(BOB, "1")[-1].field == "age_years"
    assert dialogue.handle(BOB, "16")[-1].kind == "review"
    assert _confirm(dialogue, BOB)[-1].result.recommendation == "refer_after_review"
    clock.at = T0 + timedelta(minutes=40)
    assert screen(dialogue, ALICE, "VOID-2", ANSWERS["P07"])[-1].kind == "result"
    dialogue.handle(ALICE, f"/void VOID-2 {VOID_REASON}")
    clock.at = T0 + timedelta(minutes=50)
    dialogue.handle(ALICE, "/new OPEN-3")
    dialogue.handle(ALICE, "40")
    assert dialogue.handle(ALICE, "1")[-1].field == "disease_course"  # waits at question 3
    assert store.case_by_ref("VOID-2").status == "void"
    assert store.case_by_ref("OPEN-3").status == "open"


@pytest.fixture(scope="module")
def team_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("team") / "itb.db"
    clock = Clock()
    with pytest.MonkeyPatch.context() as patch, Store(path) as store:
        set_storage_clock(patch, clock)
        _build(Dialogue(store), store, clock)
    return path


@pytest.fixture
def ds(team_db):
    ds = build_datasette(team_db, ZONE)
    yield ds
    ds.get_database(DATABASE).close()
    ds.executor.shutdown(wait=False)


def text_of(page: str) -> str:
    """What a reader sees of a page's body: tags made spaces, entities undone, spaces squeezed."""
    body = page.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def section(page: str, heading_id: str) -> str:
    """The text of the page's section whose heading has this id."""
    match = re.search(rf'<h2 id="{heading_id}".*?</section>', page, re.S)
    assert match, heading_id
    return text_of(match.group(0))


async def get(ds, path: str, status: int = 200, **params) -> str:
    response = await ds.client.get(path, params=params)
    assert response.status_code == status, (path, response.text[-2000:])
    return response.text


#: Codes a clinician must not read: recommendation, field and option codes (void cases' words too).
CODES = ("refer_after_review", "recorded_allergy", "baclofen_reaction", "age_years", "prev_hash", '"\\"')


@pytest.mark.asyncio
async def test_the_home_page_is_the_team_s(ds):
    page = await get(ds, "/")
    review = section(page, "review-heading")
    assert [ref for ref in re.findall(r"\b(REV-9|INC-8|OLD-1|FIN-1|VOID-2|OPEN-3)\b", review)] == [
        "REV-9",
        "INC-8",
        "OLD-1",
    ]  # newest first; the finished, open and void cases are not waiting for the team
    assert "Refer after team review" in review and "Incomplete: more answers needed" in review
    assert "Missing: Baclofen reaction, Active infection" in review
    assert local(T0 + timedelta(minutes=30)) in review  # REV-9's amended result, in Asia/Kolkata
    open_ = section(page, "open-heading")
    assert "OPEN-3" in open_ and "question 3 of 18" in open_ and "VOID-2" not in open_
    assert re.search(r"OPEN-3 Alice \d+ (hours?|days?) question 3 of 18", open_), open_
    week = section(page, "week-heading")
    assert "3 cases finished" in week and "OLD-1" not in week
    assert "Refer for the ITB screening test: FIN-1" in week and "Refer after team review: REV-9" in week
    for ref in ("REV-9", "INC-8", "OLD-1", "OPEN-3", "FIN-1"):
        assert f'href="/case/{ref}"' in page, ref
    assert not [code for code in CODES if code in text_of(page.split('id="data-heading"')[0])]
    assert "Custom SQL query" not in page and "prev_hash" not in page
    below = section(page, "data-heading")  # the tables and the canned queries, for analysts
    assert "Cases needing team review" in below and "Audit log" in below
    assert f'href="/{DATABASE}/transcript_search"' in page and f'href="/{DATABASE}/answers"' in page


@pytest.mark.asyncio
async def test_a_case_page_shows_the_summary_s_parts_the_history_and_the_transcript(ds, team_db):
    page = await get(ds, "/case/REV-9")
    shown = text_of(page)
    # The same parts as the HTML summary the command line writes: its sections appear here as they are.
    summary = run_cli("summary", "REV-9", "--format", "html", "--db", str(team_db))
    for part in re.findall(r"<section>\n<h2>(?:Recommendation|Answers)</h2>.*?</section>", summary, re.S):
        assert part in page
    assert re.search(r'<section class="sources">.*?</section>', summary, re.S).group(0) in page
    assert "Pre-screened by Alice, completed by Bob" in shown
    assert (
        "Decision support only: this does not replace the ITB screening test or clinical judgement." in shown
    )
    # Each point with the answers that triggered it and its statement quoted (S13 from the seed abstract).
    assert "Discuss the seizure history before the screening test. (S13; because" in shown
    assert re.search(r'<blockquote class="statement">S13: <q>Seizures or prior abdominal', page)
    assert f"Yes (note: {NOTE})" in shown and "Cerebral palsy (ICD-10-CM G80.1" in shown
    # other-guidance.md's flag for the uncontrolled seizures, after the points, its source in words.
    flag = "Other guidance to check Uncontrolled epilepsy is a potential contraindication."
    flag += " (NICE CG145, under 19s N2"
    assert flag in shown and shown.index("Discuss the seizure history") < shown.index(flag)
    history = section(page, "history-heading")
    for said in (
        f"{local(T0)} Alice Confirmed: Refer after team review",
        f"{local(T0 + timedelta(minutes=20))} Alice Handed on to Bob",
        f"Bob Reopened to amend it: {REASON}",
        "Bob Changed 1. Age: 15 years → 16 years",
        f"{local(T0 + timedelta(minutes=30))} Bob Amended: Refer after team review",
    ):
        assert said in history, said
    assert "&lt;b&gt;from the letter&lt;/b&gt;" in page and "<b>from the letter" not in page
    typed_lines = re.findall(r'<li class="typed">(.*?)</li>', page, re.S)
    bot_lines = re.findall(r'<li class="bot">(.*?)</li>', page, re.S)
    assert any(TYPED_WORD in line for line in typed_lines) and bot_lines
    assert not any("How old is the patient" in line for line in typed_lines)
    assert 'href="/case/REV-9.pdf"' in page
    assert not [code for code in CODES if code in shown.split("Transcript")[0]]


@pytest.mark.asyncio
async def test_a_void_case_says_so_and_an_unknown_one_is_not_found(ds):
    void = text_of(await get(ds, "/case/VOID-2"))
    assert VOID_REASON in void and "must not be used for a referral" in void
    assert "No case NONE-1" in await get(ds, "/case/NONE-1", status=404)


@pytest.mark.asyncio
async def test_the_agenda_lists_the_cases_needing_review_since_a_day(ds):
    page = await get(ds, "/agenda")
    shown = text_of(page)
    assert re.findall(r"(REV-9|INC-8|OLD-1) : ", shown) == ["REV-9", "INC-8"]  # seven days back: not OLD-1
    assert "Check whether the recorded allergy was a true hypersensitivity" in shown  # REV-9's first point
    assert "Needed before any recommendation: Baclofen reaction, Active infection" in shown  # INC-8
    assert "@page { size: A4" in page and "@media print" in page
    since = (OLD - timedelta(days=1)).date().isoformat()
    older = text_of(await get(ds, "/agenda", since=since))
    assert re.findall(r"(REV-9|INC-8|OLD-1) : ", older) == ["REV-9", "INC-8", "OLD-1"]
    assert "Unmanageable mental health issues are a relative contraindication. (S11" in older
    assert "since must be a day" in await get(ds, "/agenda", status=400, since="last week")


@pytest.mark.asyncio
async def test_the_canned_queries_read_in_words_and_their_data_keeps_the_codes(ds):
    page = await get(ds, f"/{DATABASE}/answers_changed_after_review")
    row = text_of(page)
    assert "REV-9 1. Age 15 years 16 years changed Bob" in row
    assert '<a href="/case/REV-9">REV-9</a>' in page
    data = await get(ds, f"/{DATABASE}/answers_changed_after_review.json", _shape="array")
    assert '"field": "age_years"' in data and '"previous_value": "15"' in data
    review = text_of(await get(ds, f"/{DATABASE}/cases_needing_review"))
    assert "Refer after team review" in review and "refer_after_review" not in review.split("left out.")[1]
    assert local(T0 + timedelta(minutes=30)) in review
    # Where an open case waits: its question by the spec's number and label (the chat's "question N of M"
    # counts the follow-ups asked for the case's answers, which a query's row does not hold).
    waiting = text_of(await get(ds, f"/{DATABASE}/open_cases"))
    assert re.search(r"OPEN-3 Alice \S+ 3\. Course ", waiting) and " of 18" not in waiting, waiting
    typed = text_of(await get(ds, f"/{DATABASE}/transcript_search", q=TYPED_WORD))
    assert "REV-9" in typed and " typed " in f" {typed} " and "ITB Screen" not in typed.split("Powered")[0]


def run_cli(*args: str) -> str:
    """The real command line, in this process; its standard output (exit 0 required)."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _pdf_text(pdf: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"),
    reason="pdftotext is not installed (apt-get install poppler-utils); CI runs this test",
)


@needs_pdftotext
@pytest.mark.asyncio
async def test_the_referral_summary_as_a_pdf(ds, team_db, tmp_path):
    out = tmp_path / "REV-9.pdf"
    assert run_cli("summary", "REV-9", "--format", "pdf", "--out", str(out), "--db", str(team_db)) == ""
    text = _pdf_text(out)
    assert "ITB screening referral summary" in text and "REV-9" in text
    assert "Pre-screened by Alice, completed by Bob" in text
    assert "Refer after team review [S10, S11]" in text
    assert (
        "Discuss the seizure history before the screening test. (S13; because the patient has a history"
        in text
    )
    assert (
        "Decision support only: this does not replace the ITB screening test or clinical judgement." in text
    )
    assert re.search(r"S13 .?Seizures or prior abdominal or pelvic surgery should be discussed", text)
    pages = re.findall(r"Page (\d) of (\d)", text)
    assert pages and pages[-1][1] in ("1", "2"), pages
    served = await ds.client.get("/case/REV-9.pdf")
    assert served.status_code == 200 and served.headers["content-type"] == "application/pdf"
    assert served.content.startswith(b"%PDF-")


# In a browser ------------------------------------------------------------------------------------------
CHROMIUM = Path("/usr/bin/chromium")
needs_browser = pytest.mark.skipif(
    (not CHROMIUM.exists() or importlib.util.find_spec("axe_playwright_python") is None)
    and not os.environ.get("CI"),
    reason="Playwright, axe-playwright-python or Debian's chromium missing; CI runs these tests",
)
#: The team's pages and the dashboard, each with what shows it has drawn.
PAGES = {
    "home": ("/", "#review-heading"),
    "case": ("/case/REV-9", "#transcript-heading"),
    "agenda": ("/agenda", "article.agenda-case"),
    "dashboard": ("/-/dashboards/screening", "#card-cases_per_week svg"),
}


@pytest.fixture(scope="module")
def browser(team_db, tmp_path_factory):
    """`itb-screen review` (the real command, the users file giving Asia/Kolkata) and one headless
    Chromium driven by Playwright, shared by the browser tests; screenshots go to the run's tmp folder."""
    from playwright.sync_api import sync_playwright

    users = tmp_path_factory.mktemp("users") / "users.toml"
    users.write_text(f'[settings]\ntime_zone = "{ZONE}"\nguidance = ["nice"]\n')  # NICE's flags alone
    shots = tmp_path_factory.mktemp("screenshots")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ITB_SCREEN_USERS", str(users))
        with served(team_db, "/") as base, sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            try:
                yield chromium, base, shots
            finally:
                chromium.close()


@needs_browser
@pytest.mark.parametrize("name", PAGES)
def test_each_page_in_a_browser_has_no_console_error_and_no_serious_accessibility_violation(browser, name):
    from axe_playwright_python.sync_playwright import Axe

    chromium, base, shots = browser
    path, drawn = PAGES[name]
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(base + path, wait_until="networkidle")
        page.wait_for_selector(drawn, timeout=15000)
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        violations = Axe().run(page).response["violations"]
    finally:
        page.close()
    assert not errors, errors
    serious = [
        (v["id"], v["impact"], len(v["nodes"])) for v in violations if v["impact"] in ("serious", "critical")
    ]
    assert not serious, serious
    assert (shots / f"{name}.png").stat().st_size > 10_000


@needs_browser
def test_a_clinician_goes_from_home_to_a_case_and_prints_the_agenda(browser):
    chromium, base, shots = browser
    page = chromium.new_page()
    try:
        page.goto(base + "/")
        page.locator("#review-heading").locator("xpath=..").get_by_role("link", name="REV-9").click()
        page.wait_for_url(base + "/case/REV-9")
        assert page.locator("h1").inner_text() == "Case REV-9"
        assert local(T0) in page.locator("dl.facts").inner_text()  # the users file's time zone
        typed_line = page.locator("li.typed", has_text=TYPED_WORD)
        assert typed_line.count() == 1 and "Alice typed" in typed_line.inner_text()
        assert "NICE CG145, under 19s N2" in page.locator("section.guidance").inner_text()
        page.goto(base + "/case/FIN-1")  # its label flag (L4) is not among the users file's sources
        assert page.locator("section.guidance").count() == 0  # (the transcript keeps what the chat said)
        page.goto(base + "/agenda")
        page.emulate_media(media="print")
        assert page.locator("header nav").is_hidden() and page.locator("form.since").is_hidden()
        pdf = page.pdf(format="A4")
        (shots / "agenda-print.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF-")
    finally:
        page.close()
