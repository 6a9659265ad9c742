"""The referral summary as a printable, self-contained HTML page (no script, no external resource).

Every value is escaped: case references, names and reasons are typed by users.
"""

from __future__ import annotations

import html

from ..criteria import DISCLAIMER, RECOMMENDATIONS, SEED_STATEMENTS, because_line, point_line
from ._summary_parts import TITLE, Parts, sources_intro

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


def _head(p: Parts) -> list[str]:
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
    if p.who:
        out.append(f'<p class="handoffs">{_e(p.who)}</p>')
    out += [f'<p class="event"><strong>{_e(e)}</strong></p>' for e in p.events]
    return out + ["</header>"]


def _recommendation(p: Parts) -> list[str]:
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


def _points_and_answers(p: Parts) -> list[str]:
    out = []
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
    return out + ["</section>"]


def _footer(p: Parts) -> list[str]:
    out = [
        "<footer>",
        f"<p>Criteria version: <code>{_e(p.version)}</code></p>",
        f'<p class="disclaimer">{_e(DISCLAIMER)}</p>',
        '<section class="sources">',
        "<h2>Sources</h2>",
        f"<p>{_e(sources_intro(p))}</p>",
    ]
    if p.sources:
        quoted = (f"<dt>{s}</dt><dd><q>{_e(SEED_STATEMENTS[s])}</q></dd>" for s in p.sources)
        out += ["<dl>", *quoted, "</dl>"]
    return out + ["</section>", "</footer>"]


def html_page(p: Parts) -> str:
    """The summary as a complete HTML page: facts, recommendation, points, answers, sources."""
    out = [*_head(p), *_recommendation(p), *_points_and_answers(p), *_footer(p), "</body>", "</html>"]
    return "\n".join(out) + "\n"
