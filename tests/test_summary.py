"""The referral summary: what a coordinator pastes must carry the whole result, in every format, safely,
in words anyone can read (no internal codes), with its sources quoted."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from itb_screen.criteria import (
    CRITERIA_VERSION,
    DISCLAIMER,
    FIELDS,
    QUESTIONS,
    RECOMMENDATIONS,
    SEED_STATEMENTS,
    asked_fields,
    evaluate,
    point_line,
    short_label,
    validate_answers,
)
from itb_screen.review.summary import CITATION, FORMATS, CaseEvent, CaseView, render_summary

from .conftest import SPEC_FILE, VIGNETTE_IDS, VIGNETTES, spec_point_order
from .test_guidance import CONTRACT_FLAGS, contract_flags

CREATED = "2025-03-04T09:15:00.000000+00:00"
UPDATED = "2025-03-04T09:31:12.345678+00:00"
VIGNETTE = {v["id"]: v for v in VIGNETTES}


def case_view(
    vignette: dict, *, ref: str | None = None, status: str = "done", finished: bool = True, **changes
) -> CaseView:
    """A CaseView of a public vignette, as storage would hand it over."""
    answers = validate_answers({**vignette["answers"], **changes})
    return CaseView(
        ref=ref or f"{vignette['id']}-case",
        status=status,
        created_at=CREATED,
        updated_at=UPDATED,
        answers=answers,
        result=evaluate(answers) if finished else None,
        result_at=UPDATED if finished else None,
    )


def seen(document: str, fmt: str) -> str:
    """What a reader sees: Markdown emphasis, code marks and escapes undone; HTML tags made spaces."""
    if fmt == "markdown":
        return re.sub(r"\\(.)", r"\1", re.sub(r"(?<!\\)[*`]", "", document))
    if fmt == "html":
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", document)).split())
    return document


CASES = [(v, fmt) for v in VIGNETTES for fmt in FORMATS]
CASE_IDS = [f"{v['id']}-{fmt}" for v, fmt in CASES]


def _spec_tables() -> tuple[dict[str, list[str]], dict[str, str], dict[str, str]]:
    """From the spec's own tables: each recommendation's sources, each point's text and its source."""
    spec = SPEC_FILE.read_text()
    rules = {
        code: [s.strip() for s in sources.split(",")]
        for code, sources in re.findall(r"^\| \d \| .* \| `(\w+)` \| (S[\d, S]+) \|$", spec, re.M)
    }
    rows = re.findall(r"^\| `(\w+)` \| (?:always|candidate) \| .* \| ([^|]+) \| (S\d+) \|$", spec, re.M)
    return rules, {code: text for code, text, _ in rows}, {code: source for code, _, source in rows}


RULE_SOURCES, POINT_TEXTS, POINT_SOURCES = _spec_tables()


def test_the_spec_tables_were_read():
    assert RULE_SOURCES["refer_after_review"] == ["S10", "S11"] and len(RULE_SOURCES) == 6
    assert POINT_SOURCES["goal_setting"] == "S8" and list(POINT_SOURCES) == spec_point_order()
    assert POINT_TEXTS["seizure_history"] == "Discuss the seizure history before the screening test."


def labelled(label: str, value: str, fmt: str) -> str:
    """`Label: value` as a reader sees it (an HTML table or list shows the label in its own cell)."""
    return f"{label} {value}" if fmt == "html" else f"{label}: {value}"


@pytest.mark.parametrize(("vignette", "fmt"), CASES, ids=CASE_IDS)
def test_summary_carries_the_whole_result(vignette, fmt):
    view = case_view(vignette)
    expected = vignette["expected"]
    rec = RECOMMENDATIONS[expected["recommendation"]]
    shown = seen(render_summary(view, fmt), fmt)
    assert view.ref in shown
    assert "2025-03-04 09:15 UTC" in shown
    assert rec.title in shown and rec.meaning in shown
    assert f"[{', '.join(RULE_SOURCES[rec.code])}]" in shown
    if rec.code != "incomplete":
        assert re.search(r"^Because [a-z].*\.$", shown, re.M) or fmt == "html"
        assert re.search(r" Because [a-z][^.]*\. ", shown) or fmt != "html"
    for number, code in enumerate(expected["discussion_points"], 1):
        assert f"{POINT_TEXTS[code]} ({POINT_SOURCES[code]}" in shown
        if fmt != "html":  # html numbers its <ol> itself (checked below)
            assert f"{number}. {POINT_TEXTS[code]}" in shown
    assert f"Criteria version: {CRITERIA_VERSION}" in shown
    assert DISCLAIMER in shown


#: Every underscore code of the project: recommendation codes, field codes, option codes.
_CODE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


def _views_of_every_kind():
    p07 = VIGNETTE["P07"]
    yield "finished", case_view(p07)
    yield "incomplete", case_view(VIGNETTE["P08"])
    yield "open", case_view(p07, status="open", finished=False, seizures=None)
    yield "cancelled", case_view(p07, status="cancelled", finished=False)
    yield "void", replace(case_view(p07, status="void"), events=(VOIDED,))
    yield "amended", replace(case_view(p07), events=(AMENDED,))


VOIDED = CaseEvent("void", "opened for the wrong patient", "2025-03-06T08:00:00.000000+00:00", "Carol")
AMENDED = CaseEvent("amend", "age was typed wrong", "2025-03-05T10:00:00.000000+00:00", "Dr Lee")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("kind", "view"), list(_views_of_every_kind()), ids=[k for k, _ in _views_of_every_kind()]
)
def test_no_internal_codes(kind, view, fmt):
    shown = seen(render_summary(view, fmt), fmt)
    assert _CODE.findall(shown) == []
    for word in ("done", "open", "void", "cancelled"):
        assert f"Status: {word}" not in shown
    assert not re.search(r"\bdone\b", shown)
    assert "growth_complications" not in shown and "age_years" not in shown


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("open", "In progress"),
        ("done", "Finished"),
        ("cancelled", "Cancelled"),
        ("void", "Void (opened by mistake)"),
    ],
)
def test_status_in_words(status, words):
    view = case_view(VIGNETTE["P01"], status=status, finished=status == "done")
    for fmt in FORMATS:
        assert labelled("Status", words, fmt) in seen(render_summary(view, fmt), fmt)


P01_ANSWERS = [
    "Age: 34 years",
    "Condition: Spinal cord injury",
    # other-guidance.md: the level question follows the condition for a spinal cord injury; P01 (written
    # before it) leaves it unanswered.
    "Injury at T6 or above: not answered",
    "Course: Stable",
    "Interference: Comfort, Mobility",
    "Walks (ambulatory): No",
    "Prior treatments: Oral antispasticity medication, Rehabilitation",
    "Cognition impaired: No",
    "Baclofen reaction: No reaction",
    "Active infection: No",
    "Goals: Improve transfers, Improve sleep",
    "Goals realistic: Yes",
    "Mental health: None",
    "Psychosocial concerns: No",
    "Financial burden: No",
    "Hydrocephalus shunt: No",
    "Seizures: No",
    "Abdominal/pelvic surgery: No",
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_answers_by_short_labels_in_catalogue_order(fmt):
    shown = seen(render_summary(case_view(VIGNETTE["P01"]), fmt), fmt)
    start = shown.index("Answers")
    positions = [shown.index(labelled(*line.split(": ", 1), fmt), start) for line in P01_ANSWERS]
    assert positions == sorted(positions)
    for q in QUESTIONS:  # no question sentence stands in for a label
        assert q.text not in shown


def test_answers_in_text_are_a_list_of_short_labels():
    text = render_summary(case_view(VIGNETTE["P01"]), "text")
    block = text[text.index("Answers:\n") + len("Answers:\n") :].split("\n\n")[0]
    assert block.splitlines() == [f"- {line}" for line in P01_ANSWERS]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unanswered_asked_questions_are_listed_as_such(fmt):
    # A child (the growth question is asked) with growth and seizures unanswered.
    view = case_view(VIGNETTE["P02"], growth_complications=None, seizures=None)
    shown = seen(render_summary(view, fmt), fmt)
    assert labelled("Growth problems", "not answered", fmt) in shown
    assert labelled("Seizures", "not answered", fmt) in shown
    adult = seen(render_summary(case_view(VIGNETTE["P01"], seizures=None), fmt), fmt)
    assert "Growth problems" not in adult  # not asked of an adult


@pytest.mark.parametrize("vignette", VIGNETTES, ids=VIGNETTE_IDS)
def test_sources_name_the_source_once_and_quote_each_statement_cited(vignette):
    expected = vignette["expected"]
    cited = {
        *RULE_SOURCES[expected["recommendation"]],
        *(POINT_SOURCES[c] for c in expected["discussion_points"]),
        # other-guidance.md: a flag may cite a statement too (the label's reservation cites S3)
        *(s for code in contract_flags(vignette["answers"]) for s in CONTRACT_FLAGS[code][1] if s[0] == "S"),
    }
    for fmt in FORMATS:
        shown = seen(render_summary(case_view(vignette), fmt), fmt)
        for part in ("Saulino et al.", "Neuromodulation 2016;19(6):607-15", "doi:10.1111/ner.12447"):
            assert shown.count(part) == 1, (fmt, part)
        sources = shown[shown.rindex("Sources") :]
        assert DISCLAIMER not in sources and "Answers" not in sources  # the last section
        for sid, statement in SEED_STATEMENTS.items():
            quoted = f'{sid}: "{statement}"' if fmt != "html" else f"{sid} {statement}"
            assert (quoted in sources) == (sid in cited), (fmt, sid)


def test_the_citation_is_the_specs():
    assert CITATION in " ".join(SPEC_FILE.read_text().split())


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_summary_without_a_result_cites_nothing_but_names_the_source(fmt):
    shown = seen(render_summary(case_view(VIGNETTE["P01"], status="open", finished=False), fmt), fmt)
    sources = shown[shown.rindex("Sources") :]
    assert "Saulino et al." in sources and "No statement is cited" in sources
    assert not any(statement in shown for statement in SEED_STATEMENTS.values())


def test_recorded_allergy_point_reads_as_a_sentence():
    text = render_summary(case_view(VIGNETTE["P09"]), "text")
    assert "Because a baclofen allergy is recorded but not confirmed.\n" in text
    assert (
        "1. Check whether the recorded allergy was a true hypersensitivity or an adverse reaction to "
        "oral baclofen; the latter may benefit from ITB. (S10; because a baclofen allergy is recorded "
        "but not confirmed)"
    ) in text
    assert "Recommendation: Refer after team review [S10, S11]\n" in text


def test_html_numbers_every_point():
    view = case_view(VIGNETTE["P02"])
    page = render_summary(view, "html")
    items = re.findall(r"<li>(.*?)</li>", page)
    assert [html.unescape(i) for i in items] == [point_line(p) for p in view.result.discussion_points]


def test_incomplete_case_names_the_missing_answers():
    view = case_view(VIGNETTE["P08"])
    assert view.result.recommendation == "incomplete"
    text = render_summary(view, "text")
    assert "Needed before any recommendation: Baclofen reaction, Active infection\n" in text
    assert "Because" not in text.split("Discussion points")[0]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unfinished_case_says_so_and_still_lists_the_answers(fmt):
    view = case_view(VIGNETTE["P01"], status="open", finished=False, seizures=None, interference=None)
    shown = seen(render_summary(view, fmt), fmt)
    assert "not finished" in shown
    assert not any(r.title in shown for r in RECOMMENDATIONS.values())
    assert "Needed before any recommendation: Interference" in shown
    assert labelled("Seizures", "not answered", fmt) in shown
    assert labelled("Interference", "not answered", fmt) in shown
    assert labelled("Age", "34 years", fmt) in shown
    assert DISCLAIMER in shown


def test_cancelled_case_says_so():
    view = case_view(VIGNETTE["P01"], status="cancelled", finished=False)
    text = render_summary(view, "text")
    assert "Status: Cancelled\n" in text and "cancelled before it finished" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_amended_case_says_when_by_whom_and_why_and_gives_the_latest_result(fmt):
    view = replace(case_view(VIGNETTE["P09"]), events=(AMENDED,))
    shown = seen(render_summary(view, fmt), fmt)
    assert "Amended 2025-03-05 10:00 UTC by Dr Lee: age was typed wrong" in shown
    assert RECOMMENDATIONS["refer_after_review"].title in shown


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_void_case_says_so_and_gives_no_recommendation(fmt):
    view = replace(case_view(VIGNETTE["P01"], status="void"), events=(AMENDED, VOIDED))
    assert view.result is not None  # it had one before it was voided
    shown = seen(render_summary(view, fmt), fmt)
    assert labelled("Status", "Void (opened by mistake)", fmt) in shown
    assert "Voided 2025-03-06 08:00 UTC by Carol: opened for the wrong patient" in shown
    assert "must not be used for a referral" in shown
    assert not any(r.title in shown for r in RECOMMENDATIONS.values())
    assert "Discussion points" not in shown and "Because" not in shown and "Result made" not in shown
    assert "Amended 2025-03-05 10:00 UTC by Dr Lee" in shown


def test_a_reopened_case_says_its_result_is_the_one_before():
    view = replace(case_view(VIGNETTE["P01"], status="open"), events=(AMENDED,))
    text = render_summary(view, "text")
    assert "Status: In progress" in text
    assert "reopened to amend it and is not confirmed again yet" in text


def test_answer_to_a_question_no_longer_asked_is_left_out():
    # P02 is a child with growth complications; at 30 the question is not asked and the answer ignored.
    view = case_view(VIGNETTE["P02"], age_years=30)
    assert "growth_complications" in view.answers
    for fmt in FORMATS:
        shown = seen(render_summary(view, fmt), fmt)
        assert "Growth problems" not in shown and "Joint dislocation" not in shown


def test_a_result_that_no_longer_fits_the_answers_is_flagged():
    view = case_view(VIGNETTE["P01"])
    changed = replace(view, answers={**view.answers, "active_infection": "yes"})
    assert "The answers have changed since this result" in render_summary(changed, "text")
    assert "changed" not in render_summary(view, "text")


def test_a_result_of_an_older_criteria_version_is_flagged():
    view = case_view(VIGNETTE["P01"])
    old = replace(view, result=replace(view.result, criteria_version="itb-selection-2015.0"))
    text = render_summary(old, "text")
    assert "itb-selection-2015.0" in text and f"current version is {CRITERIA_VERSION}" in text


def test_user_is_shown_when_known():
    view = replace(case_view(VIGNETTE["P01"]), user="Dr Example")
    assert "Screened by: Dr Example" in render_summary(view, "text")


#: Every follow-up of other-guidance.md asked of a child who walks, with seizures: the brain injury's
#: year, or the spinal cord injury's level, by the condition (the two cannot both be asked).
FOLLOW_UPS = {"relies_on_spasticity": "no", "child_surgical_risks": ["none"], "seizures_controlled": "yes"}
BY_CONDITION = {
    "acquired_brain_injury": ("tbi_within_year", "no"),
    "spinal_cord_injury": ("sci_level_t6_or_above", "no"),
}


@pytest.mark.parametrize("condition", BY_CONDITION)
def test_every_field_has_a_short_label_in_a_full_summary(condition):
    # A child with every question asked answered: each short label listed once; between the two
    # conditions every field of the catalogue is asked.
    field, answer = BY_CONDITION[condition]
    changes = {"primary_condition": condition, "ambulatory": "yes", "seizures": "yes", field: answer}
    view = case_view(VIGNETTE["P02"], **changes, **FOLLOW_UPS)
    text = render_summary(view, "text")
    other = next(f for f, _ in BY_CONDITION.values() if f != field)
    assert list(asked_fields(view.answers)) == [f for f in FIELDS if f != other]
    assert set(view.answers) == set(FIELDS) - {other}
    assert text.count("\n- ") == len(FIELDS) - 1
    for shown in set(FIELDS) - {other}:
        assert text.count(f"\n- {short_label(shown)}: ") == 1, shown


class _Checker(HTMLParser):
    """Records start and end tags, to check that every opened element is closed in order."""

    VOID = {"meta", "br", "hr", "img", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


HOSTILE = "<script>alert(1)</script>"


def test_html_is_a_complete_self_contained_page():
    page = render_summary(case_view(VIGNETTE["P07"]), "html")
    assert page.startswith("<!doctype html>")
    assert '<meta charset="utf-8">' in page
    assert re.search(r"<title>[^<]+</title>", page)
    assert "@media print" in page
    assert page.rstrip().endswith("</html>")
    for external in ("http://", "https://", "src=", "<link", "@import", "url("):
        assert external not in page
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    assert checker.tags.count("html") == checker.tags.count("body") == 1


def test_html_escapes_a_hostile_ref_and_user():
    view = replace(case_view(VIGNETTE["P07"], ref=HOSTILE), user='"><img src=x onerror=1>')
    page = render_summary(view, "html")
    assert "<script" not in page and "<img" not in page
    assert html.escape(HOSTILE) in page
    checker = _Checker()
    checker.feed(page)
    assert "script" not in checker.tags and "img" not in checker.tags


def test_markdown_escapes_the_case_ref():
    view = case_view(VIGNETTE["P01"], ref="P01_a*b*[x](https://e.test)")
    md = render_summary(view, "markdown")
    assert r"P01\_a\*b\*\[x\](https://e.test)" in md
    assert "P01_a" not in md
    assert seen(md, "markdown").count("P01_a*b*[x](https://e.test)") == 1


def test_text_shows_the_ref_as_typed():
    assert "Case: P01_a" in render_summary(case_view(VIGNETTE["P01"], ref="P01_a"), "text")


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown summary format 'pdf'"):
        render_summary(case_view(VIGNETTE["P01"]), "pdf")  # type: ignore[arg-type]


@pytest.mark.parametrize("vignette", VIGNETTES, ids=VIGNETTE_IDS)
def test_every_format_states_the_disclaimer_once(vignette):
    view = case_view(vignette)
    for fmt in FORMATS:
        assert seen(render_summary(view, fmt), fmt).count(DISCLAIMER) == 1
