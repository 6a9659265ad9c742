"""The referral summary a coordinator pastes into a referral: one case, as text, Markdown or a printable page.

Pure formatting: it takes a `CaseView` of plain values (`bot/caseview.py` builds it from storage) and never touches the
database, so the command line, the chat and the tests render the same document. The wording of the result
is the criteria's own (`point_line`, `because_line`), so the summary never disagrees with the chat.

A summary is read by people outside the team: no internal codes (recommendation codes, status words,
field codes; those stay in JSON, CSV and FHIR), answers by their short labels, the source named once and
every statement it cites quoted at the end.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from ..dialogue import messages as _say
from ..criteria import (
    CRITERIA_VERSION,
    DISCLAIMER,
    RECOMMENDATIONS,
    REQUIRED_FIELDS,
    SEED_STATEMENTS,
    Result,
    Value,
    asked_questions,
    because_line,
    evaluate,
    missing_heading,
    point_line,
    recommendation_line,
    short_label,
    value_label,
)

__all__ = ["CITATION", "CaseEvent", "CaseView", "Format", "FORMATS", "TITLE",
           "cited_statements", "render_summary", "status_words"]

Format = Literal["text", "markdown", "html"]
FORMATS: tuple[str, ...] = ("text", "markdown", "html")

#: The heading of every summary.
TITLE = "ITB screening referral summary"

#: The source, named once in every summary (in the words of screening-spec.md).
CITATION = ('Saulino et al., "Best Practices for Intrathecal Baclofen Therapy: Patient Selection", '
            "Neuromodulation 2016;19(6):607-15, doi:10.1111/ner.12447")

#: What the answer list says for a question that is asked and has no answer.
NOT_ANSWERED = "not answered"


def status_words(status: str) -> str:
    """`done` -> `Finished`; a status this module does not know is shown as it is."""
    return _say.STATUS_WORDS.get(status, status)


@dataclass(frozen=True)
class CaseEvent:
    """An amendment or the voiding of a case: kind (`amend`, `void`), why, when and who."""

    kind: str
    reason: str
    at: str
    by: str


@dataclass(frozen=True)
class CaseView:
    """One case as plain values: what the summary and the exports need, and nothing of the database.

    `answers` are validated answers keyed by field code (see `validate_answers`); `result` is the latest
    stored result, None while the case is not finished. Times are ISO 8601 strings as storage writes
    them. `user` is the owner's display name; `events` its amendments and voiding, oldest first.
    """

    ref: str
    status: str
    created_at: str
    updated_at: str
    answers: dict[str, Value]
    result: Result | None
    result_at: str | None
    user: str = ""
    events: tuple[CaseEvent, ...] = ()


@dataclass(frozen=True)
class _Parts:
    """The summary's content once, before any format lays it out (so the three formats cannot drift)."""

    facts: tuple[tuple[str, str], ...]  # (label, value); values are user-supplied and must be escaped
    events: tuple[str, ...]  # "Amended DATE by WHO: reason", user-supplied text inside
    result: Result | None  # None when there is no recommendation to give (unfinished or void)
    state_note: str  # why there is no recommendation, or a warning that the result is stale
    missing_head: str
    missing: tuple[str, ...]
    answers: tuple[tuple[str, str], ...]  # (short label, answer in words), every asked question in order
    version: str
    sources: tuple[str, ...]  # the S-ids cited, in number order


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


def _voided(view: CaseView) -> CaseEvent | None:
    """The event that voided the case (the latest), if it is void."""
    if view.status != "void":
        return None
    return next((e for e in reversed(view.events) if e.kind == "void"), None)


def _event_line(event: CaseEvent) -> str:
    verb = {"amend": "Amended", "void": "Voided"}.get(event.kind, event.kind.capitalize())
    return f"{verb} {_when(event.at)} by {event.by or 'unknown'}: {event.reason}"


def _state_note(view: CaseView) -> str:
    """Say plainly when the summary holds no recommendation, or one that no longer fits the answers."""
    if view.status == "void":
        voided = _voided(view)
        said = f"{_event_line(voided)}. " if voided else ""
        return (f"{said}This case was opened by mistake: it gives no recommendation and must not be used "
                "for a referral.")
    result = view.result
    if result is None:
        if view.status == "cancelled":
            return "This screening was cancelled before it finished: there is no recommendation."
        return "This screening is not finished: there is no recommendation yet."
    if view.status == "open":  # confirmed once, then reopened to amend it
        return ("The case has been reopened to amend it and is not confirmed again yet: this is the "
                "recommendation made before.")
    if result.criteria_version != CRITERIA_VERSION:
        return (f"This result was made with criteria version {result.criteria_version}; the current "
                f"version is {CRITERIA_VERSION}: re-evaluate before referring.")
    if evaluate(view.answers).to_dict() != result.to_dict():
        return "The answers have changed since this result was made: re-evaluate before referring."
    return ""


def cited_statements(result: Result | None) -> tuple[str, ...]:
    """The seed statements a result cites (its recommendation and its points), in number order."""
    if result is None:
        return ()
    cited = {*result.recommendation_sources, *(p.source for p in result.discussion_points)}
    return tuple(sorted(cited, key=lambda s: int(s[1:])))


def _parts(view: CaseView) -> _Parts:
    facts = [("Case", view.ref), ("Status", status_words(view.status)), ("Started", _when(view.created_at)),
             ("Last updated", _when(view.updated_at))]
    # A void case gives no recommendation, not even the one it had before it was voided.
    result = None if view.status == "void" else view.result
    if result is not None and view.result_at:
        facts.append(("Result made", _when(view.result_at)))
    if view.user:
        facts.append(("Screened by", view.user))
    if result is not None:
        missing, head, version = result.missing_required, missing_heading(result.recommendation), \
            result.criteria_version
    else:
        missing = tuple(f for f in REQUIRED_FIELDS if f not in view.answers)
        head, version = missing_heading("incomplete"), CRITERIA_VERSION
    answers = tuple(
        (short_label(q.field),
         value_label(q.field, view.answers[q.field]) if q.field in view.answers else NOT_ANSWERED)
        for q in asked_questions(view.answers)
    )
    return _Parts(
        facts=tuple(facts),
        events=tuple(_event_line(e) for e in view.events if e.kind == "amend"),
        result=result,
        state_note=_state_note(view),
        missing_head=head,
        missing=tuple(short_label(f) for f in missing) if view.status != "void" else (),
        answers=answers,
        version=version,
        sources=cited_statements(result),
    )


def _sources_intro(p: _Parts) -> str:
    if p.sources:
        return f"Statements cited above, from {CITATION}:"
    return f"Criteria from {CITATION}. No statement is cited: there is no recommendation."


# --- plain text -------------------------------------------------------------------------------------


def _text(p: _Parts) -> str:
    lines = [TITLE, ""]
    lines += [f"{label}: {value}" for label, value in p.facts]
    if p.events:
        lines += ["", *p.events]
    lines.append("")
    if p.result is None:
        lines.append(f"Recommendation: none. {p.state_note}")
    else:
        rec = RECOMMENDATIONS[p.result.recommendation]
        lines += [f"Recommendation: {recommendation_line(p.result, code=False)}", rec.meaning]
        if because := because_line(p.result):
            lines.append(because)
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
    lines += ["", "Answers:"]
    lines += [f"- {label}: {a}" for label, a in p.answers] or ["- none yet"]
    lines += ["", f"Criteria version: {p.version}", DISCLAIMER]
    lines += ["", "Sources:", _sources_intro(p)]
    lines += [f'{s}: "{SEED_STATEMENTS[s]}"' for s in p.sources]
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
    for event in p.events:
        lines += ["", f"**{_md(event)}**"]
    lines += ["", "## Recommendation", ""]
    if p.result is None:
        lines.append(f"**None.** {_md(p.state_note)}")
    else:
        rec = RECOMMENDATIONS[p.result.recommendation]
        sources = ", ".join(p.result.recommendation_sources)
        lines += [f"**{_md(rec.title)}** \\[{sources}\\]", "", _md(rec.meaning)]
        if because := because_line(p.result):
            lines += ["", _md(because)]
        if p.state_note:
            lines += ["", f"**Warning:** {_md(p.state_note)}"]
    if p.missing:
        lines += ["", f"**{p.missing_head}:** " + ", ".join(_md(m) for m in p.missing)]
    if p.result is not None:
        lines += ["", "## Discussion points for the team", ""]
        points = p.result.discussion_points
        lines += [f"{i}. {_md(point_line(pt))}" for i, pt in enumerate(points, 1)] or ["None."]
    lines += ["", "## Answers", ""]
    lines += [f"- **{_md(label)}:** {_md(a)}" for label, a in p.answers] or ["None yet."]
    lines += ["", "---", "", f"Criteria version: {_md(p.version)}", "", f"*{_md(DISCLAIMER)}*"]
    lines += ["", "## Sources", "", _md(_sources_intro(p))]
    if p.sources:
        lines += ["", *(f'- **{s}:** "{_md(SEED_STATEMENTS[s])}"' for s in p.sources)]
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
th { font-weight: 600; width: 35%; }
.sources dt { font-weight: 600; }
.sources dd { margin: 0 0 .4rem 1.5rem; }
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
    out += ["</dl>"]
    out += [f'<p class="event"><strong>{_e(e)}</strong></p>' for e in p.events]
    out += ["</header>", "<section>", "<h2>Recommendation</h2>"]
    if p.result is None:
        out.append(f'<p class="recommendation warning"><strong>None.</strong> {_e(p.state_note)}</p>')
    else:
        rec = RECOMMENDATIONS[p.result.recommendation]
        sources = ", ".join(p.result.recommendation_sources)
        out += [f'<p class="recommendation"><strong>{_e(rec.title)}</strong> [{_e(sources)}]</p>',
                f"<p>{_e(rec.meaning)}</p>"]
        if because := because_line(p.result):
            out.append(f"<p>{_e(because)}</p>")
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
    out += ["<section>", "<h2>Answers</h2>"]
    if p.answers:
        out += ["<table>", "<tbody>"]
        out += [f'<tr><th scope="row">{_e(label)}</th><td>{_e(a)}</td></tr>' for label, a in p.answers]
        out += ["</tbody>", "</table>"]
    else:
        out.append("<p>None yet.</p>")
    out += [
        "</section>",
        "<footer>",
        f"<p>Criteria version: <code>{_e(p.version)}</code></p>",
        f'<p class="disclaimer">{_e(DISCLAIMER)}</p>',
        '<section class="sources">',
        "<h2>Sources</h2>",
        f"<p>{_e(_sources_intro(p))}</p>",
    ]
    if p.sources:
        quoted = (f"<dt>{s}</dt><dd><q>{_e(SEED_STATEMENTS[s])}</q></dd>" for s in p.sources)
        out += ["<dl>", *quoted, "</dl>"]
    out += ["</section>", "</footer>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


_RENDERERS = {"text": _text, "markdown": _markdown, "html": _html}


def render_summary(view: CaseView, fmt: Format) -> str:
    """The referral summary of one case in `fmt`, ready to paste (text, Markdown) or print (html).

    Case reference, status and dates in words, amendments (when, by whom, why), the recommendation's
    title, meaning and reasons as a sentence, the numbered discussion points with source and reasons,
    the missing required answers, every asked question's answer by its short label (or "not answered"),
    the criteria version, the disclaimer, and the Sources: the source named once and each statement
    cited quoted by its S-id. A void case says when, by whom and why it was voided, and gives no
    recommendation.
    """
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown summary format {fmt!r}; allowed: {', '.join(FORMATS)}") from None
    return renderer(_parts(view))
