"""The referral summary as a printable, self-contained HTML page (no script, no external resource).

Laid out in fragments (the facts, the recommendation, the points, the answers, the footer with the
sources) that the review site's case page shows too, and the PDF is printed from this page: one layout of
the same `Parts` everywhere. Every value is escaped: case references, names and reasons are typed by
users.
"""

from __future__ import annotations

import html

from ..criteria import (
    DISCLAIMER,
    GUIDANCE_HEADING,
    POINTS_HEADING,
    RECOMMENDATIONS,
    SEED_STATEMENTS,
    DiscussionPoint,
    because_line,
    flag_line,
    point_line,
)
from ._summary_parts import GUIDANCE_INTRO, TITLE, Parts, guidance_source_words, sources_intro

CSS = """\
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
blockquote.statement { margin: .2rem 0 .6rem 1rem; color: #333; }
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


def facts_html(p: Parts) -> list[str]:
    """The labelled facts, who screened a case handed on, and its amendments."""
    out = ['<dl class="facts">']
    out += [f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>" for label, value in p.facts]
    out += ["</dl>"]
    if p.who:
        out.append(f'<p class="handoffs">{_e(p.who)}</p>')
    return out + [f'<p class="event"><strong>{_e(e)}</strong></p>' for e in p.events]


def _head(p: Parts) -> list[str]:
    ref = next(value for label, value in p.facts if label == "Case")
    return [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(TITLE)}: {_e(ref)}</title>",
        f"<style>\n{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(TITLE)}</h1>",
        *facts_html(p),
        "</header>",
    ]


def recommendation_html(p: Parts) -> list[str]:
    """The recommendation in words, its meaning and reasons, any warning, the missing answers."""
    out = ["<section>", "<h2>Recommendation</h2>"]
    if p.result is None:
        out.append(f'<p class="recommendation warning"><strong>None.</strong> {_e(p.state_note)}</p>')
    else:
        rec = RECOMMENDATIONS[p.result.recommendation]
        sources = ", ".join(p.result.recommendation_sources)
        out += [
            f'<p class="recommendation"><strong>{_e(rec.title)}</strong> [{_e(sources)}]</p>',
            f"<p>{_e(rec.meaning)}</p>",
        ]
        if because := because_line(p.result):
            out.append(f"<p>{_e(because)}</p>")
        if p.state_note:
            out.append(f'<p class="warning"><strong>Warning:</strong> {_e(p.state_note)}</p>')
    if p.missing:
        out.append(f"<p><strong>{_e(p.missing_head)}:</strong> {_e(', '.join(p.missing))}</p>")
    return out + ["</section>"]


def _point(point: DiscussionPoint, quote: bool) -> str:
    """One point with its source and the answers that triggered it; `quote`: its statement under it."""
    if not quote:
        return f"<li>{_e(point_line(point))}</li>"
    said = f"{point.source}: <q>{_e(SEED_STATEMENTS[point.source])}</q>"
    return f'<li><p>{_e(point_line(point))}</p><blockquote class="statement">{said}</blockquote></li>'


def points_html(p: Parts, quote: bool = False) -> list[str]:
    """The numbered discussion points (none without a result); `quote`: each with its statement quoted."""
    if p.result is None:
        return []
    out = ["<section>", f"<h2>{POINTS_HEADING}</h2>"]
    if p.result.discussion_points:
        out += ["<ol>", *(_point(pt, quote) for pt in p.result.discussion_points), "</ol>"]
    else:
        out.append("<p>None.</p>")
    return out + ["</section>"]


def flags_html(p: Parts) -> list[str]:
    """The other guidance flags shown, numbered, each with its sources in words, apart from the points;
    nothing when none is shown (or the result is from before the flags)."""
    if p.result is None or not p.result.other_guidance:
        return []
    flags = (f"<li>{_e(flag_line(f))}</li>" for f in p.result.other_guidance)
    return [
        '<section class="guidance">',
        f"<h2>{_e(GUIDANCE_HEADING)}</h2>",
        "<ol>",
        *flags,
        "</ol>",
        "</section>",
    ]


def answers_html(p: Parts) -> list[str]:
    """Every asked question's answer in words, by its short label."""
    out = ["<section>", "<h2>Answers</h2>"]
    if p.answers:
        out += ["<table>", "<tbody>"]
        out += [f'<tr><th scope="row">{_e(label)}</th><td>{_e(a)}</td></tr>' for label, a in p.answers]
        out += ["</tbody>", "</table>"]
    else:
        out.append("<p>None yet.</p>")
    return out + ["</section>"]


def sources_html(sources: tuple[str, ...], intro: str, guidance: tuple[str, ...] = ()) -> list[str]:
    """The statements cited (S-ids in number order), each quoted, after a line naming the source; then
    the other guidance the flags cite (`guidance`: L1..N4), each paraphrased with where it says it."""
    out = ['<section class="sources">', "<h2>Sources</h2>", f"<p>{_e(intro)}</p>"]
    if sources:
        quoted = (f"<dt>{s}</dt><dd><q>{_e(SEED_STATEMENTS[s])}</q></dd>" for s in sources)
        out += ["<dl>", *quoted, "</dl>"]
    if guidance:
        said = ((s, *guidance_source_words(s)) for s in guidance)
        out += [f"<p>{_e(GUIDANCE_INTRO)}</p>", "<dl>"]
        out += [f"<dt>{s}</dt><dd><q>{_e(says)}</q> ({_e(where)})</dd>" for s, says, where in said]
        out.append("</dl>")
    return out + ["</section>"]


def _guidance_version(p: Parts) -> str:
    return f"; guidance version: <code>{_e(p.guidance_version)}</code>" if p.guidance_version else ""


def footer_html(p: Parts) -> list[str]:
    """The criteria version, the disclaimer, and the statements cited, quoted."""
    return [
        "<footer>",
        f"<p>Criteria version: <code>{_e(p.version)}</code>{_guidance_version(p)}</p>",
        f'<p class="disclaimer">{_e(DISCLAIMER)}</p>',
        *sources_html(p.sources, sources_intro(p), p.guidance_sources),
        "</footer>",
    ]


def html_page(p: Parts) -> str:
    """The summary as a complete HTML page: facts, recommendation, points, answers, sources."""
    body = [*recommendation_html(p), *points_html(p), *flags_html(p), *answers_html(p), *footer_html(p)]
    out = [*_head(p), *body, "</body>", "</html>"]
    return "\n".join(out) + "\n"
