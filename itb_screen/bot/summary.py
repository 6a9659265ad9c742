"""The referral summary a coordinator pastes into a referral: one case, as text, Markdown or a printable page.

Pure formatting: it takes a `CaseView` of plain values (`bot/caseview.py` builds it from storage) and never touches the
database, so the command line, the chat and the tests render the same document. The wording of the result
is the criteria's own (`point_line`, `reasons_text`), so the summary never disagrees with the chat.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from ..criteria import (
    missing_heading,
    point_line,
    reasons_text,
    recommendation_line,
    CRITERIA_VERSION,
    DISCLAIMER,
    QUESTIONS,
    RECOMMENDATIONS,
    REQUIRED_FIELDS,
    Result,
    Value,
    evaluate,
    field_label,
    unanswered,
    value_label,
)

__all__ = ["CaseView", "Format", "FORMATS", "TITLE", "render_summary"]

Format = Literal["text", "markdown", "html"]
FORMATS: tuple[str, ...] = ("text", "markdown", "html")

#: The heading of every summary.
TITLE = "ITB screening referral summary"


@dataclass(frozen=True)
class CaseView:
    """One case as plain values: what the summary and the exports need, and nothing of the database.

    `answers` are validated answers keyed by field code (see `validate_answers`); `result` is the stored
    result, None while the case is not finished. Times are ISO 8601 strings as storage writes them.
    """

    ref: str
    status: str
    created_at: str
    updated_at: str
    answers: dict[str, Value]
    result: Result | None
    result_at: str | None
    user: str = ""


@dataclass(frozen=True)
class _Parts:
    """The summary's content once, before any format lays it out (so the three formats cannot drift)."""

    facts: tuple[tuple[str, str], ...]  # (label, value); values are user-supplied and must be escaped
    result: Result | None
    state_note: str  # why there is no recommendation, or a warning that the result is stale
    missing_head: str
    missing: tuple[str, ...]
    unanswered: tuple[str, ...]
    answers: tuple[tuple[str, str], ...]  # (question text, answer in words), catalogue order
    version: str


def _when(stamp: str | None) -> str:
    """`2025-03-04 09:15 UTC` from an ISO 8601 stamp; anything else is shown as it is."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if len(stamp) == 10:  # a bare date
        return stamp
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    if moment.utcoffset() == timezone.utc.utcoffset(None):
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC%z")


def _state_note(view: CaseView) -> str:
    """Say plainly when the summary holds no recommendation, or one that no longer fits the answers."""
    result = view.result
    if result is None:
        if view.status == "cancelled":
            return "This screening was cancelled before it finished: there is no recommendation."
        return "This screening is not finished: there is no recommendation yet."
    if result.criteria_version != CRITERIA_VERSION:
        return (f"This result was made with criteria version {result.criteria_version}; the current "
                f"version is {CRITERIA_VERSION}: re-evaluate before referring.")
    if evaluate(view.answers).to_dict() != result.to_dict():
        return "The answers have changed since this result was made: re-evaluate before referring."
    return ""


def _parts(view: CaseView) -> _Parts:
    facts = [("Case", view.ref), ("Status", view.status), ("Started", _when(view.created_at)),
             ("Last updated", _when(view.updated_at))]
    if view.result_at:
        facts.append(("Result made", _when(view.result_at)))
    if view.user:
        facts.append(("Screened by", view.user))
    result = view.result
    if result is not None:
        missing, left = result.missing_required, result.unanswered
        head = missing_heading(result.recommendation)
        version = result.criteria_version
    else:
        missing = tuple(f for f in REQUIRED_FIELDS if f not in view.answers)
        left, head, version = unanswered(view.answers), missing_heading("incomplete"), CRITERIA_VERSION
    answers = tuple(
        (q.text, value_label(q.field, view.answers[q.field]))
        for q in QUESTIONS
        if q.is_asked(view.answers) and q.field in view.answers
    )
    return _Parts(
        facts=tuple(facts),
        result=result,
        state_note=_state_note(view),
        missing_head=head,
        missing=tuple(field_label(f) for f in missing),
        unanswered=tuple(field_label(f) for f in left),
        answers=answers,
        version=version,
    )


def _because(result: Result) -> str:
    """The reasons of the recommendation; for `incomplete` they are the missing answers, listed apart."""
    if result.because and result.recommendation != "incomplete":
        return reasons_text(result.because)
    return ""


# --- plain text -------------------------------------------------------------------------------------


def _text(p: _Parts) -> str:
    lines = [TITLE, ""]
    lines += [f"{label}: {value}" for label, value in p.facts]
    lines.append("")
    if p.result is None:
        lines.append(f"Recommendation: none. {p.state_note}")
    else:
        rec = RECOMMENDATIONS[p.result.recommendation]
        lines += [f"Recommendation: {recommendation_line(p.result)}",
                  rec.meaning]
        if because := _because(p.result):
            lines.append(f"Because: {because}")
        if p.state_note:
            lines.append(f"Warning: {p.state_note}")
    if p.missing:
        lines.append(f"{p.missing_head}: " + ", ".join(p.missing))
    if p.result is not None:
        lines.append("")
        if p.result.discussion_points:
            lines.append("Discussion points for the team:")
            lines += [f"{i}. {point_line(pt)}" for i, pt in enumerate(p.result.discussion_points, 1)]
        else:
            lines.append("Discussion points for the team: none.")
    if p.unanswered:
        lines += ["", "Unanswered: " + ", ".join(p.unanswered)]
    lines += ["", "Answers:"]
    lines += [f"- {q} {a}" for q, a in p.answers] or ["- none yet"]
    lines += ["", f"Criteria version: {p.version}", DISCLAIMER]
    return "\n".join(lines) + "\n"


# --- Markdown ---------------------------------------------------------------------------------------

# The characters that start inline markup wherever they stand (`*`, `_`, code, links, HTML, tables,
# strikethrough, entities). Every value sits after a label or list marker, never at a line start, so
# block markers (`#`, `-`, `1.`) cannot take effect and are left alone to keep the text readable.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def _md(text: str) -> str:
    """Text made inert in Markdown (CommonMark backslash escapes): `P01_a` must not start emphasis."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.splitlines()))


def _markdown(p: _Parts) -> str:
    lines = [f"# {TITLE}", ""]
    lines += [f"- **{label}:** {_md(value)}" for label, value in p.facts]
    lines += ["", "## Recommendation", ""]
    if p.result is None:
        lines.append(f"**None.** {_md(p.state_note)}")
    else:
        rec = RECOMMENDATIONS[p.result.recommendation]
        sources = ", ".join(p.result.recommendation_sources)
        lines += [f"**{_md(rec.title)}** (`{rec.code}`) \\[{sources}\\]", "", _md(rec.meaning)]
        if because := _because(p.result):
            lines += ["", f"Because: {_md(because)}"]
        if p.state_note:
            lines += ["", f"**Warning:** {_md(p.state_note)}"]
    if p.missing:
        lines += ["", f"**{p.missing_head}:** " + ", ".join(_md(m) for m in p.missing)]
    if p.result is not None:
        lines += ["", "## Discussion points for the team", ""]
        points = p.result.discussion_points
        lines += [f"{i}. {_md(point_line(pt))}" for i, pt in enumerate(points, 1)] or ["None."]
    if p.unanswered:
        lines += ["", "## Unanswered", "", ", ".join(_md(u) for u in p.unanswered)]
    lines += ["", "## Answers", ""]
    lines += [f"- **{_md(q)}** {_md(a)}" for q, a in p.answers] or ["None yet."]
    lines += ["", "---", "", f"Criteria version: {_md(p.version)}", "", f"*{_md(DISCLAIMER)}*"]
    return "\n".join(lines) + "\n"


# --- HTML -------------------------------------------------------------------------------------------

_CSS = """\
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #111;
       max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .5rem; }
h2 { font-size: 1.1rem; border-bottom: 1px solid #bbb; margin-top: 1.5rem; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .1rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.recommendation { font-size: 1.15rem; }
.warning { border-left: 4px solid #b00; padding-left: .6rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .25rem .5rem; border-bottom: 1px solid #ddd; }
th { font-weight: normal; width: 60%; }
.disclaimer { font-weight: 600; }
footer { margin-top: 2rem; font-size: .9rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  section, tr, li { break-inside: avoid; }
  .warning { border-left-color: #000; }
}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _html(p: _Parts) -> str:
    ref = next(value for label, value in p.facts if label == "Case")
    out = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(TITLE)}: {_e(ref)}</title>",
        f"<style>\n{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(TITLE)}</h1>",
        '<dl class="facts">',
    ]
    out += [f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>" for label, value in p.facts]
    out += ["</dl>", "</header>", "<section>", "<h2>Recommendation</h2>"]
    if p.result is None:
        out.append(f'<p class="recommendation warning"><strong>None.</strong> {_e(p.state_note)}</p>')
    else:
        rec = RECOMMENDATIONS[p.result.recommendation]
        sources = ", ".join(p.result.recommendation_sources)
        out += [f'<p class="recommendation"><strong>{_e(rec.title)}</strong> '
                f"(<code>{_e(rec.code)}</code>) [{_e(sources)}]</p>",
                f"<p>{_e(rec.meaning)}</p>"]
        if because := _because(p.result):
            out.append(f"<p>Because: {_e(because)}</p>")
        if p.state_note:
            out.append(f'<p class="warning"><strong>Warning:</strong> {_e(p.state_note)}</p>')
    if p.missing:
        out.append(f"<p><strong>{_e(p.missing_head)}:</strong> {_e(', '.join(p.missing))}</p>")
    out.append("</section>")
    if p.result is not None:
        out += ["<section>", "<h2>Discussion points for the team</h2>"]
        if p.result.discussion_points:
            out += ["<ol>", *(f"<li>{_e(point_line(pt))}</li>" for pt in p.result.discussion_points), "</ol>"]
        else:
            out.append("<p>None.</p>")
        out.append("</section>")
    if p.unanswered:
        out += ["<section>", "<h2>Unanswered</h2>", f"<p>{_e(', '.join(p.unanswered))}</p>", "</section>"]
    out += ["<section>", "<h2>Answers</h2>"]
    if p.answers:
        out += ["<table>", "<tbody>"]
        out += [f'<tr><th scope="row">{_e(q)}</th><td>{_e(a)}</td></tr>' for q, a in p.answers]
        out += ["</tbody>", "</table>"]
    else:
        out.append("<p>None yet.</p>")
    out += [
        "</section>",
        "<footer>",
        f"<p>Criteria version: <code>{_e(p.version)}</code></p>",
        f'<p class="disclaimer">{_e(DISCLAIMER)}</p>',
        "</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


_RENDERERS = {"text": _text, "markdown": _markdown, "html": _html}


def render_summary(view: CaseView, fmt: Format) -> str:
    """The referral summary of one case in `fmt`, ready to paste (text, Markdown) or print (html).

    Case reference, dates, the recommendation in words with its code, meaning and reasons, the numbered
    discussion points with source and reasons, missing and unanswered questions, every asked question's
    answer in the question's own wording, the criteria version and the disclaimer.
    """
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown summary format {fmt!r}; allowed: {', '.join(FORMATS)}") from None
    return renderer(_parts(view))
