"""The referral summary a coordinator pastes into a referral: one case, as text, Markdown or a printable page.

Pure formatting: it takes a `CaseView` of plain values (`review/caseview.py` builds it from storage) and
never touches the database, so the command line, the chat and the tests render the same document. The
wording of the result is the criteria's own (`point_line`, `because_line`), so the summary never
disagrees with the chat. What it shows is gathered once (`_summary_parts.py`); this module lays it out as
text or Markdown, `_summary_html.py` as a page.

A summary is read by people outside the team: no internal codes (recommendation codes, status words,
field codes; those stay in JSON, CSV and FHIR), answers by their short labels, the source named once and
every statement it cites quoted at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal, get_args

from ..criteria import (
    ALL_GROUPS,
    CRITERIA_VERSION,
    DISCLAIMER,
    FOLLOW_UP_FIELDS,
    ICD10CM_DESCRIPTIONS,
    POINTS_HEADING,
    RECOMMENDATIONS,
    REQUIRED_FIELDS,
    SEED_STATEMENTS,
    Result,
    Value,
    asked_questions,
    because_line,
    evaluate,
    flag_lines,
    missing_heading,
    point_line,
    recommendation_line,
    short_label,
)
from ..dialogue import messages as _say
from ._summary_html import html_page
from ._summary_markdown import markdown_page
from ._summary_parts import (
    CITATION,
    GUIDANCE_INTRO,
    TITLE,
    Parts,
    answer_words,
    guidance_cited,
    guidance_source_words,
    sources_intro,
    versions_words,
)

__all__ = [
    "CITATION",
    "CaseEvent",
    "CaseView",
    "Format",
    "FORMATS",
    "SUMMARY_FORMATS",
    "TITLE",
    "cited_statements",
    "handoff_line",
    "render_summary",
    "status_words",
    "summary_parts",
    "when_words",
]

Format = Literal["text", "markdown", "html"]
FORMATS: tuple[str, ...] = get_args(Format)
#: Every format `itb-screen summary` writes: these, and the HTML page printed as a PDF (`review/pdf.py`).
SUMMARY_FORMATS: tuple[str, ...] = (*FORMATS, "pdf")


def status_words(status: str) -> str:
    """`done` -> `Finished`; a status this module does not know is shown as it is."""
    return _say.STATUS_WORDS.get(status, status)


@dataclass(frozen=True)
class CaseEvent:
    """An amendment, the voiding or a hand-off of a case: kind (`amend`, `void`, `handoff`), why, when
    and who (a hand-off: `by` who gave the case, `to` who received it)."""

    kind: str
    reason: str
    at: str
    by: str
    to: str = ""


@dataclass(frozen=True)
class CaseView:
    """One case as plain values: what the summary and the exports need, and nothing of the database.

    `answers` are validated answers keyed by field code (see `validate_answers`); `result` is the latest
    stored result, None while the case is not finished. Times are ISO 8601 strings as storage writes
    them. `user` is the owner's display name; `events` its amendments, voiding and hand-offs, oldest
    first; `confirmed_by` who confirmed (or amended) the latest result, at `confirmed_at`.
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
    confirmed_by: str = ""
    confirmed_at: str = ""
    #: What answers kept beside their values: {field: {"note": ..., "icd10cm": ...}} (issue 16).
    notes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: The asked questions the clinician answered `unknown` ("Not known"; unanswered to the rules).
    not_known: frozenset[str] = frozenset()
    #: Every stored result, oldest first, as storage gives them (`id`, `result`, `kind`, `at`, `reason`,
    #: `by` as people know them): the FHIR export makes a ClinicalImpression of each.
    results: tuple[Mapping[str, Any], ...] = ()
    #: The reader's time zone (the review site's `time_zone`); None: times as stored (UTC).
    zone: tzinfo | None = None
    #: The groups of other guidance the reader's site shows (its users file's [settings] guidance): the
    #: flags of the others are left out of every layout (the stored result keeps them).
    guidance: frozenset[str] = ALL_GROUPS


def kept_words(kept: Mapping[str, str] | None) -> str:
    """What an answer kept, said after it: ` (note: well controlled; ICD-10-CM G35.D Multiple sclerosis,
    unspecified)`, or "" when it kept nothing."""
    if not kept:
        return ""
    parts = [f"note: {kept['note']}"] if kept.get("note") else []
    if kept.get("icd10cm"):
        code = kept["icd10cm"]
        parts.append(f"ICD-10-CM {code} {ICD10CM_DESCRIPTIONS.get(code, '')}".rstrip())
    return f" ({'; '.join(parts)})"


def when_words(stamp: str | None, zone: tzinfo | None = None) -> str:
    """`2025-03-04 09:15 UTC` from an ISO 8601 stamp, to the minute, in `zone` when given (`2025-07-04
    10:15 BST` in Europe/London), else in the stamp's own offset; anything else is shown as it is."""
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
    if zone is not None:
        local = moment.astimezone(zone)
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
    if moment.utcoffset() == UTC.utcoffset(None):
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC%z")


def _voided(view: CaseView) -> CaseEvent | None:
    """The event that voided the case (the latest), if it is void."""
    if view.status != "void":
        return None
    return next((e for e in reversed(view.events) if e.kind == "void"), None)


_when = when_words


def _event_line(event: CaseEvent, zone: tzinfo | None = None) -> str:
    verb = {"amend": "Amended", "void": "Voided"}.get(event.kind, event.kind.capitalize())
    return f"{verb} {_when(event.at, zone)} by {event.by or 'unknown'}: {event.reason}"


def handoff_line(view: CaseView) -> str:
    """Who screened a case handed on, and the hand-offs with their dates; "" for a case never handed on.

    `Pre-screened by A, completed by B; handed from A to B on DATE.` (more hand-offs: `..., from B to C on
    DATE`); `, now with C` when no one has confirmed it since the last hand-off (`Screened by A` when it was
    confirmed before it was first handed on).
    """
    handoffs = [e for e in view.events if e.kind == "handoff"]
    if not handoffs:
        return ""
    trail = ", ".join(f"from {e.by} to {e.to} on {_when(e.at, view.zone)}" for e in handoffs)
    done = bool(view.confirmed_by)
    after_first = done and view.confirmed_at >= handoffs[0].at
    head = f"{'Screened' if done and not after_first else 'Pre-screened'} by {handoffs[0].by}"
    if after_first:
        head += f", completed by {view.confirmed_by}"
    if not (done and view.confirmed_at >= handoffs[-1].at):
        head += f", now with {view.user or handoffs[-1].to}"
    return f"{head}; handed {trail}."


def _state_note(view: CaseView) -> str:
    """Say plainly when the summary holds no recommendation, or one that no longer fits the answers."""
    if view.status == "void":
        voided = _voided(view)
        said = f"{_event_line(voided, view.zone)}. " if voided else ""
        return (
            f"{said}This case was opened by mistake: it gives no recommendation and must not be used "
            "for a referral."
        )
    result = view.result
    if result is None:
        if view.status == "cancelled":
            return "This screening was cancelled before it finished: there is no recommendation."
        return "This screening is not finished: there is no recommendation yet."
    if view.status == "open":  # confirmed once, then reopened to amend it
        return (
            "The case has been reopened to amend it and is not confirmed again yet: this is the "
            "recommendation made before."
        )
    if result.criteria_version != CRITERIA_VERSION:
        return (
            f"This result was made with criteria version {result.criteria_version}; the current "
            f"version is {CRITERIA_VERSION}: re-evaluate before referring."
        )
    if _consensus(evaluate(view.answers)) != _consensus(result):
        return "The answers have changed since this result was made: re-evaluate before referring."
    return ""


def _consensus(result: Result) -> dict[str, Any]:
    """What the consensus rules made: a result stored before the flags existed is not stale for that, nor
    one stored before the follow-up questions (it never listed them in `unanswered`; it does today)."""
    made = {k: v for k, v in result.to_dict().items() if k not in ("other_guidance", "guidance_version")}
    made["unanswered"] = [f for f in made["unanswered"] if f not in FOLLOW_UP_FIELDS]
    return made


def cited_statements(result: Result | None) -> tuple[str, ...]:
    """The seed statements a result cites (its recommendation, its points and its flags: L3 cites S3),
    in number order."""
    if result is None:
        return ()
    cited = {*result.recommendation_sources, *(p.source for p in result.discussion_points)}
    cited.update(s for f in result.other_guidance for s in f.sources if s in SEED_STATEMENTS)
    return tuple(sorted(cited, key=lambda s: int(s[1:])))


def _facts(view: CaseView, result: Result | None, who: str) -> tuple[tuple[str, str], ...]:
    """The labelled facts at the top; `Screened by` and `Confirmed by` only for a case never handed on
    (`who` says it)."""
    facts = [
        ("Case", view.ref),
        ("Status", status_words(view.status)),
        ("Started", _when(view.created_at, view.zone)),
        ("Last updated", _when(view.updated_at, view.zone)),
    ]
    if result is not None and view.result_at:
        facts.append(("Result made", _when(view.result_at, view.zone)))
    if view.user and not who:
        facts.append(("Screened by", view.user))
    if result is not None and view.confirmed_by and not who:
        facts.append(("Confirmed by", view.confirmed_by))
    return tuple(facts)


def _parts(view: CaseView) -> Parts:
    # A void case gives no recommendation, not even the one it had before it was voided; the flags shown
    # are those of the groups the reader's site chose.
    result = None if view.status == "void" or view.result is None else view.result.showing(view.guidance)
    who = handoff_line(view)
    if result is not None:
        missing, head, version = (
            result.missing_required,
            missing_heading(result.recommendation),
            result.criteria_version,
        )
    else:
        missing = tuple(f for f in REQUIRED_FIELDS if f not in view.answers)
        head, version = missing_heading("incomplete"), CRITERIA_VERSION
    answers = tuple(
        (
            short_label(q.field),
            answer_words(q.field, view.answers, view.not_known, kept_words(view.notes.get(q.field))),
        )
        for q in asked_questions(view.answers)
    )
    return Parts(
        facts=_facts(view, result, who),
        who=who,
        events=tuple(_event_line(e, view.zone) for e in view.events if e.kind == "amend"),
        result=result,
        state_note=_state_note(view),
        missing_head=head,
        missing=tuple(short_label(f) for f in missing) if view.status != "void" else (),
        answers=answers,
        version=version,
        sources=cited_statements(result),
        guidance_sources=guidance_cited(result),
        guidance_version=result.guidance_version if result else None,
    )


#: What every layout shows, gathered from a case: the review site's case page lays out the same parts.
summary_parts = _parts


# --- plain text -------------------------------------------------------------------------------------


def _text(p: Parts) -> str:
    lines = [TITLE, ""]
    lines += [f"{label}: {value}" for label, value in p.facts]
    if p.who:
        lines += ["", p.who]
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
            lines.append(f"{POINTS_HEADING}:")
            lines += [f"{i}. {point_line(pt)}" for i, pt in enumerate(p.result.discussion_points, 1)]
        else:
            lines.append(f"{POINTS_HEADING}: none.")
        if flags := flag_lines(p.result):
            lines += ["", *flags]
    lines += ["", "Answers:"]
    lines += [f"- {label}: {a}" for label, a in p.answers] or ["- none yet"]
    lines += ["", versions_words(p), DISCLAIMER]
    lines += ["", "Sources:", sources_intro(p)]
    lines += [f'{s}: "{SEED_STATEMENTS[s]}"' for s in p.sources]
    if p.guidance_sources:
        lines += ["", GUIDANCE_INTRO]
        lines += ['{}: "{}" ({})'.format(s, *guidance_source_words(s)) for s in p.guidance_sources]
    return "\n".join(lines) + "\n"


_RENDERERS = {"text": _text, "markdown": markdown_page, "html": html_page}


def render_summary(view: CaseView, fmt: Format) -> str:
    """The referral summary of one case in `fmt`, ready to paste (text, Markdown) or print (html).

    Case reference, status and dates in words, amendments (when, by whom, why), the recommendation's
    title, meaning and reasons as a sentence, the numbered discussion points with source and reasons,
    the missing required answers, every asked question's answer by its short label ("Not known" or "not
    answered" without one), the criteria version, the disclaimer, and the Sources: the source named
    once and each statement cited quoted by its S-id. A void case says when, by whom and why it was
    voided, and gives no recommendation.
    """
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown summary format {fmt!r}; allowed: {', '.join(FORMATS)}") from None
    return renderer(_parts(view))
