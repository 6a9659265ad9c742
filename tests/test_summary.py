"""The referral summary: what a coordinator pastes must carry the whole result, in every format, safely."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from itb_screen.bot.summary import FORMATS, CaseView, render_summary
from itb_screen.criteria import point_line, reasons_text
from itb_screen.criteria import (
    CRITERIA_VERSION,
    DISCLAIMER,
    QUESTIONS,
    RECOMMENDATIONS,
    evaluate,
    field_label,
    validate_answers,
    value_label,
)

from .conftest import VIGNETTE_IDS, VIGNETTES

CREATED = "2025-03-04T09:15:00.000000+00:00"
UPDATED = "2025-03-04T09:31:12.345678+00:00"
VIGNETTE = {v["id"]: v for v in VIGNETTES}


def case_view(vignette: dict, *, ref: str | None = None, status: str = "done", finished: bool = True,
              **changes) -> CaseView:
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


@pytest.mark.parametrize(("vignette", "fmt"), CASES, ids=CASE_IDS)
def test_summary_carries_the_whole_result(vignette, fmt):
    view = case_view(vignette)
    result = view.result
    rec = RECOMMENDATIONS[result.recommendation]
    shown = seen(render_summary(view, fmt), fmt)
    assert view.ref in shown
    assert "2025-03-04" in shown
    assert rec.title in shown and rec.code in shown and rec.meaning in shown
    if result.recommendation != "incomplete":
        assert f"Because: {reasons_text(result.because)}" in shown
    for number, point in enumerate(result.discussion_points, 1):
        assert point_line(point) in shown
        assert f"({point.source}" in point_line(point)
        if point.because:
            assert "; because: " in point_line(point)
        if fmt != "html":  # html numbers its <ol> itself (checked below)
            assert f"{number}. {point_line(point)}" in shown
    for field in (*result.missing_required, *result.unanswered):
        assert field_label(field) in shown
    assert f"Criteria version: {CRITERIA_VERSION}" in shown
    assert DISCLAIMER in shown


@pytest.mark.parametrize(("vignette", "fmt"), CASES, ids=CASE_IDS)
def test_answers_in_the_questions_own_wording_in_catalogue_order(vignette, fmt):
    view = case_view(vignette)
    shown = seen(render_summary(view, fmt), fmt)
    start = shown.index("Answers")
    positions = []
    for q in QUESTIONS:
        if q.field in view.answers and q.is_asked(view.answers):
            line = f"{q.text} {value_label(q.field, view.answers[q.field])}"
            assert line in shown[start:], q.field
            positions.append(shown.index(line, start))
    assert positions == sorted(positions)


def test_recorded_allergy_point_reads_as_the_brief_says():
    view = case_view(VIGNETTE["P09"])
    text = render_summary(view, "text")
    assert "(S10; because: baclofen reaction = Recorded allergy, not confirmed)" in text


def test_html_numbers_every_point():
    view = case_view(VIGNETTE["P02"])
    page = render_summary(view, "html")
    items = re.findall(r"<li>(.*?)</li>", page)
    assert [html.unescape(i) for i in items] == [point_line(p) for p in view.result.discussion_points]


def test_incomplete_case_names_the_missing_answers():
    view = case_view(VIGNETTE["P08"])
    assert view.result.recommendation == "incomplete"
    text = render_summary(view, "text")
    assert "Needed before any recommendation: " in text
    for field in view.result.missing_required:
        assert field_label(field) in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_unfinished_case_says_so_and_still_lists_the_answers(fmt):
    view = case_view(VIGNETTE["P01"], status="open", finished=False, seizures=None, interference=None)
    shown = seen(render_summary(view, fmt), fmt)
    assert "not finished" in shown
    assert not any(r.title in shown for r in RECOMMENDATIONS.values())
    assert "Needed before any recommendation" in shown and "interference" in shown
    assert "Unanswered" in shown and "seizures" in shown
    age = QUESTIONS[0]
    assert f"{age.text} {value_label('age_years', view.answers['age_years'])}" in shown
    assert DISCLAIMER in shown


def test_cancelled_case_says_so():
    view = case_view(VIGNETTE["P01"], status="cancelled", finished=False)
    assert "cancelled" in render_summary(view, "text")


def test_answer_to_a_question_no_longer_asked_is_left_out():
    # P02 is a child with growth complications; at 30 the question is not asked and the answer ignored.
    view = case_view(VIGNETTE["P02"], age_years=30)
    assert "growth_complications" in view.answers
    growth = next(q for q in QUESTIONS if q.field == "growth_complications")
    for fmt in FORMATS:
        assert growth.text not in seen(render_summary(view, fmt), fmt)


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
