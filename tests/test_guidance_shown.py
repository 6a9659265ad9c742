"""The other guidance flags wherever a result is shown (issue 19): after the discussion points, under
"Other guidance to check", each with its source in words, and only the flags of the sources the site
chose in its users file (`[settings] guidance`, both by default, `[]` for none).

One case raises a label flag and two NICE flags: PG01 of the guidance vignettes (a child of 3, too small
for a pump, seizures not controlled), made a case for the team's review by the cost (the spec's rule 5,
S11), so the reviewers hear of it. It is screened through the real console with `guidance = ["nice"]`;
then the console, `itb-screen show`, `summary` (text, Markdown, HTML, PDF), the case page and the agenda
read it under each setting, the Telegram bot shows its result and notice, and a result stored before the
flags existed shows no section. The expected flags and words come from other-guidance.md.
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from itb_screen.bot.telegram import AccessList, build_application
from itb_screen.bot.telegram.render import MAX_MESSAGE, render
from itb_screen.cli import cli
from itb_screen.criteria import QUESTIONS_BY_FIELD, asked_fields, evaluate, result_text, validate_answers
from itb_screen.dialogue import Prompt
from itb_screen.review.metadata import DATABASE
from itb_screen.review.site import build_datasette
from itb_screen.storage import Store

from .drive import typed
from .telegram_offline import Harness, Screening
from .test_guidance import CONTRACT_FLAGS, GUIDANCE_VIGNETTES
from .test_team_pages import needs_pdftotext, text_of

PG01 = next(v for v in GUIDANCE_VIGNETTES if v["id"] == "PG01")
ANSWERS = {**PG01["answers"], "financial_burden": "yes"}  # the spec's rule 5 (S11): the team reviews it
RAISED = ("under_label_age", "pump_size", "uncontrolled_epilepsy")
assert PG01["expected"]["other_guidance"] == list(RAISED)
#: Each flag's source in words, as other-guidance.md names the documents (the US label; NICE CG145).
WORDS = {
    "under_label_age": "US label L1",
    "pump_size": "NICE CG145, under 19s N1",
    "uncontrolled_epilepsy": "NICE CG145, under 19s N2",
}
assert all(WORDS[code].endswith(CONTRACT_FLAGS[code][1][0]) for code in RAISED)
HEADING = "Other guidance to check"
#: The last of G-1's points in the spec's order (goal_setting, S8): the flags come after it.
LAST_POINT = "Set goals and expectations in the framework of pathology, impairment and disability."
#: What each setting shows of the three flags, in the contract's order.
SHOWN = {"nice": ("pump_size", "uncontrolled_epilepsy"), "both": RAISED, "none": ()}
SETTINGS = {"nice": 'guidance = ["nice"]\n', "both": "", "none": "guidance = []\n"}
TEAM = (
    '[[console]]\nuser = "cora"\nrole = "clinician"\n\n'
    '[[console]]\nuser = "rita"\nname = "Rita Reviewer"\nrole = "reviewer"\nnotify = true\n'
)


def squeezed(text: str) -> str:
    return " ".join(text.split())


def assert_flags(text: str, codes: tuple[str, ...]) -> None:
    """`codes`' flags under the heading, right after the points, in order, each with its source in words; the
    other raised flags nowhere; no heading when none is shown."""
    text = squeezed(text)
    hidden = [c for c in RAISED if c not in codes]
    assert not [c for c in hidden if CONTRACT_FLAGS[c][0] in text], hidden
    if not codes:
        assert HEADING not in text
        return
    assert text.count(HEADING) == 1 and text.index(LAST_POINT) < text.index(HEADING)
    between = text[text.index(LAST_POINT) : text.index(HEADING)]  # right after the points
    assert not [w for w in ("Answers", "Criteria version", "Sources", "Unanswered") if w in between], between
    at = [text.find(f"{CONTRACT_FLAGS[c][0]} ({WORDS[c]}") for c in codes]
    assert -1 not in at and at == sorted(at) and at[0] > text.index(HEADING), (codes, at, text)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict[str, Path]:
    """The database (`db`) with G-1 screened and confirmed at the console under `guidance = ["nice"]`,
    OPEN-S waiting at the injury's level, OLD-1 whose latest result was stored before the flags; and a
    users file per setting."""
    root = tmp_path_factory.mktemp("guidance")
    paths = {"db": root / "itb.db"}
    for name, setting in SETTINGS.items():
        paths[name] = root / f"{name}.toml"
        paths[name].write_text((f"[settings]\n{setting}\n" if setting else "") + TEAM, encoding="utf-8")
    lines = [typed(QUESTIONS_BY_FIELD[f], ANSWERS[f], "numbers") for f in asked_fields(ANSWERS)]
    script = ["/new G-1", *lines, "confirm", "/new OLD-1", *lines, "confirm", "/new OPEN-S", "40", "3"]
    paths["cora"] = root / "cora.txt"
    paths["cora"].write_text(console(paths, "cora", "nice", *script))
    with Store(paths["db"]) as store:  # a result as stored before the flags: no other_guidance, no version
        case = store.case_by_ref("OLD-1")
        made = evaluate(validate_answers(ANSWERS)).to_dict()
        old = {k: v for k, v in made.items() if k not in ("other_guidance", "guidance_version")}
        store.record_result(case.id, old, case.user_id, kind="reevaluate")
    return paths


def console(paths: dict[str, Path], user: str, setting: str, *lines: str) -> str:
    args = ["console", "--db", str(paths["db"]), "--user", user, "--users", str(paths[setting])]
    done = CliRunner().invoke(cli, args, input="".join(f"{line}\n" for line in lines))
    assert done.exit_code == 0 and done.stderr == "", done.output
    return done.stdout


def replies(stdout: str) -> list[str]:
    """What the console printed before the first input line, then after each echoed one (`> LINE`)."""
    return re.split(r"^> .*$", stdout, flags=re.MULTILINE)


# The console ----------------------------------------------------------------------------------------
def test_the_console_result_notice_show_and_summary_show_the_site_s_sources(site) -> None:
    result = replies(site["cora"].read_text())[len(asked_fields(ANSWERS)) + 2]
    assert result.lstrip().startswith("Case G-1: Refer after team review")
    assert_flags(result, SHOWN["nice"])
    start, shown, summary = replies(console(site, "rita", "nice", "/show G-1", "/summary G-1"))
    shown = shown.split("Transcript:")[0]  # what the chat said then, as it said it
    notice = start[start.index("Notice: Case G-1") : start.index("Type /show G-1")]
    assert_flags(notice, SHOWN["nice"])
    assert_flags(shown, SHOWN["nice"])
    assert_flags(summary, SHOWN["nice"])
    for setting in ("both", "none"):  # the file is read as it is now: what /show and /summary show
        _, shown, summary = replies(console(site, "rita", setting, "/show G-1", "/summary G-1"))
        assert_flags(shown.split("Transcript:")[0], SHOWN[setting])
        assert_flags(summary, SHOWN[setting])


def test_the_digest_says_where_a_case_waits_as_the_chat_does(site) -> None:
    # The level question follows the condition for a spinal cord injury: question 3 of 19 (18 + 1).
    assert "Case OPEN-S - question 3 of 19" in site["cora"].read_text()
    [_, digest] = replies(console(site, "rita", "nice", "/digest"))
    assert re.search(r"- OPEN-S \(cora\): waiting .* at question 3 of 19", digest), digest


# The command line ------------------------------------------------------------------------------------
@pytest.mark.parametrize("setting", SETTINGS)
def test_show_and_summary_show_the_flags_of_the_users_file_s_sources(site, setting) -> None:
    runner = CliRunner(env={"ITB_SCREEN_USERS": str(site[setting])})
    db = ["--db", str(site["db"])]
    out = {fmt: runner.invoke(cli, ["summary", "G-1", "--format", fmt, *db]) for fmt in ("text", "markdown")}
    out["html"] = runner.invoke(cli, ["summary", "G-1", "--format", "html", *db])
    out["show"] = runner.invoke(cli, ["show", "G-1", *db])
    assert all(r.exit_code == 0 for r in out.values()), {k: r.output for k, r in out.items()}
    assert_flags(out["show"].stdout, SHOWN[setting])
    assert_flags(out["text"].stdout, SHOWN[setting])
    assert_flags(out["markdown"].stdout.replace("## Other", "Other"), SHOWN[setting])
    assert_flags(text_of(out["html"].stdout), SHOWN[setting])
    assert (f"## {HEADING}" in out["markdown"].stdout) == bool(SHOWN[setting])
    assert (f"<h2>{HEADING}</h2>" in out["html"].stdout) == bool(SHOWN[setting])


@pytest.mark.parametrize("setting", ["nice", "none"])
def test_show_and_summary_take_the_users_file_as_an_option_too(site, setting) -> None:
    # --users FILE, as `review` and the channels take it; it wins over ITB_SCREEN_USERS.
    runner = CliRunner(env={"ITB_SCREEN_USERS": str(site["both"])})
    args = ["--db", str(site["db"]), "--users", str(site[setting])]
    shown = runner.invoke(cli, ["show", "G-1", *args])
    summary = runner.invoke(cli, ["summary", "G-1", *args])
    assert shown.exit_code == 0 and summary.exit_code == 0, (shown.output, summary.output)
    assert_flags(shown.stdout, SHOWN[setting])
    assert_flags(summary.stdout, SHOWN[setting])


@needs_pdftotext
def test_the_pdf_summary_shows_the_site_s_sources(site, tmp_path) -> None:
    pdf = tmp_path / "G-1.pdf"
    args = ["summary", "G-1", "--format", "pdf", "--out", str(pdf), "--db", str(site["db"])]
    done = CliRunner(env={"ITB_SCREEN_USERS": str(site["nice"])}).invoke(cli, args)
    assert done.exit_code == 0, done.output
    read = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert_flags(read, SHOWN["nice"])


def test_a_result_stored_before_the_flags_shows_no_section_and_no_error(site) -> None:
    runner = CliRunner(env={"ITB_SCREEN_USERS": str(site["both"])})
    db = ["--db", str(site["db"])]
    for args in (
        ["show", "OLD-1"],
        *(["summary", "OLD-1", "--format", f] for f in ("text", "markdown", "html")),
    ):
        done = runner.invoke(cli, [*args, *db])
        assert done.exit_code == 0 and done.stderr == "", done.output
        assert "Refer after team review" in done.stdout and "guidance version" not in done.stdout
        assert_flags(text_of(done.stdout) if "html" in args else done.stdout, ())


# The review site -------------------------------------------------------------------------------------
@pytest.mark.asyncio
@pytest.mark.parametrize("setting", ["nice", "both"])
async def test_the_case_page_and_the_agenda_show_the_site_s_sources(site, setting) -> None:
    groups = {"nice": ["nice"], "both": ["label", "nice"]}[setting]
    ds = build_datasette(site["db"], "UTC", groups)
    try:
        page = await ds.client.get("/case/G-1")
        agenda = await ds.client.get("/agenda")
        old = await ds.client.get("/case/OLD-1")
        home = await ds.client.get("/")
    finally:
        ds.get_database(DATABASE).close()
        ds.executor.shutdown(wait=False)
    assert page.status_code == agenda.status_code == old.status_code == home.status_code == 200
    summary = text_of(page.text).split(" History ")[0]  # the transcript keeps what the chat said then
    assert_flags(summary, SHOWN[setting])
    g1 = text_of(agenda.text).split("G-1", 1)[1]
    assert_flags(g1[: g1.find("OLD-1")] if "OLD-1" in g1 else g1, SHOWN[setting])
    assert_flags(text_of(old.text).split(" History ")[0], ())
    assert re.search(r"OPEN-S cora [\w ]+ question 3 of 19 2\b", text_of(home.text)), text_of(home.text)


# Telegram --------------------------------------------------------------------------------------------
LEE, REVIEWER = 601, 602
TELEGRAM_TEAM = (
    f'[[users]]\nid = {LEE}\nname = "Dr Lee"\nrole = "clinician"\n\n'
    f'[[users]]\nid = {REVIEWER}\nname = "Rhea Reviewer"\nrole = "reviewer"\nnotify = true\n'
)


class SiteHarness(Harness):
    """The harness's bot with a users file, so its [settings] count."""

    def __init__(self, db_path: Path, users: Path) -> None:
        super().__init__(db_path, {})
        self.users = users

    async def start(self) -> SiteHarness:
        self.store = Store(self.db_path)
        self.app = build_application(
            self.api.token,
            self.store,
            AccessList(self.users),
            rate_limit=False,
            request=self.api.request(),
            get_updates_request=self.api.request(),
            retry_delay=0,
        )
        await self.app.initialize()
        return self


@pytest.mark.asyncio
async def test_telegram_s_result_and_notice_show_the_site_s_sources(tmp_path) -> None:
    from itb_screen.bot.telegram.team import deliver

    users = tmp_path / "users.toml"
    users.write_text(f"[settings]\n{SETTINGS['nice']}\n{TELEGRAM_TEAM}", encoding="utf-8")
    async with SiteHarness(tmp_path / "itb.db", users) as bot:
        await bot.send(REVIEWER, "/start")
        screening = Screening(bot.api, LEE, ANSWERS, "TG-1")
        while (step := screening.next_step()) is not None:
            await bot.feed(step[1])
        result = bot.api.last(LEE)
        assert result["text"].startswith("Case TG-1: Refer after team review")
        assert_flags(result["text"], SHOWN["nice"])
        assert f"\n<b>{HEADING}:</b>\n" in result["html"]  # a heading of its own, in bold
        assert "\n<b>Discussion points for the team:</b>\n" in result["html"]  # as the points' is
        await deliver(bot.app)  # sent after the confirming update already; nothing left to send
        [notice] = [m["text"] for m in bot.api.sent(REVIEWER) if "TG-1" in m["text"]]
        assert notice.startswith("Case TG-1 was confirmed by Dr Lee")
        assert_flags(notice, SHOWN["nice"])


def test_a_result_too_long_for_one_message_starts_the_flags_in_a_message_of_their_own() -> None:
    result = evaluate(validate_answers(ANSWERS))
    long = replace(result, discussion_points=result.discussion_points * 12)  # past Telegram's 4,096
    text = f"Case LONG-1: Refer after team review\n{result_text(long)}"
    parts = [m.text for m in render(Prompt("result", text, case_ref="LONG-1", title="Case LONG-1"))]
    assert len(parts) >= 2 and all(len(p) <= MAX_MESSAGE for p in parts)
    [flags] = [p for p in parts if HEADING in p]
    assert flags.startswith(f"<b>{HEADING}:</b>") and "Discuss the financial burden" not in flags
    assert_flags(html.unescape(re.sub(r"<[^>]+>", "", "\n".join(parts))), RAISED)
