"""The referral summary in Markdown (`summary --format markdown`): the same `Parts` as the text and the
HTML page, every value made inert (case references, names and reasons are typed by users)."""

from __future__ import annotations

import re

from ..criteria import (
    DISCLAIMER,
    GUIDANCE_HEADING,
    POINTS_HEADING,
    RECOMMENDATIONS,
    SEED_STATEMENTS,
    because_line,
    flag_line,
    point_line,
)
from ._summary_parts import GUIDANCE_INTRO, TITLE, Parts, guidance_source_words, sources_intro, versions_words

# The characters that start inline markup wherever they stand (`*`, `_`, code, links, HTML, tables,
# strikethrough, entities). Every value sits after a label or list marker, never at a line start, so
# block markers (`#`, `-`, `1.`) cannot take effect and are left alone to keep the text readable.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def _md(text: str) -> str:
    """Text made inert in Markdown (CommonMark backslash escapes): `P01_a` must not start emphasis."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.splitlines()))


def markdown_page(p: Parts) -> str:
    """The summary in Markdown: every value escaped, the same parts as the text and the page."""
    lines = [f"# {TITLE}", ""]
    lines += [f"- **{label}:** {_md(value)}" for label, value in p.facts]
    if p.who:
        lines += ["", _md(p.who)]
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
        lines += ["", f"## {POINTS_HEADING}", ""]
        points = p.result.discussion_points
        lines += [f"{i}. {_md(point_line(pt))}" for i, pt in enumerate(points, 1)] or ["None."]
        if p.result.other_guidance:
            lines += ["", f"## {GUIDANCE_HEADING}", ""]
            lines += [f"{i}. {_md(flag_line(f))}" for i, f in enumerate(p.result.other_guidance, 1)]
    lines += ["", "## Answers", ""]
    lines += [f"- **{_md(label)}:** {_md(a)}" for label, a in p.answers] or ["None yet."]
    lines += ["", "---", "", _md(versions_words(p)), "", f"*{_md(DISCLAIMER)}*"]
    lines += ["", "## Sources", "", _md(sources_intro(p))]
    if p.sources:
        lines += ["", *(f'- **{s}:** "{_md(SEED_STATEMENTS[s])}"' for s in p.sources)]
    if p.guidance_sources:
        lines += ["", _md(GUIDANCE_INTRO), ""]
        for s in p.guidance_sources:
            says, where = guidance_source_words(s)
            lines.append(f'- **{s}:** "{_md(says)}" ({_md(where)})')
    return "\n".join(lines) + "\n"
