"""One case read back from storage: the view summaries and exports render, and `itb-screen show`."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..criteria import (
    ALL_GROUPS,
    QUESTIONS_BY_FIELD,
    RECOMMENDATIONS,
    Result,
    applicable,
    asked_questions,
    progress,
    result_text,
    short_label,
    to_json_value,
    value_label,
)
from ..storage import Case, Store
from ._summary_parts import NOT_KNOWN, answer_words
from .listing import answer_notes, asked_not_known, display_name, record_answers
from .summary import CaseEvent, CaseView, kept_words, status_words


def _known_as(store: Store, names: Mapping[str, str] | None) -> Callable[[str | None], str]:
    """Stored names (events, results) as people know them: the users file's name of a Telegram user."""
    table: dict[str, str] = {}
    for _, external_id, name in store.users_of("telegram") if names else ():
        table.setdefault(name or external_id, (names or {}).get(external_id, name or external_id))
    return lambda stored: table.get(stored or "", stored or "")


def _events(store: Store, case: Case, known: Callable[[str | None], str]) -> tuple[CaseEvent, ...]:
    """The case's amendments, voiding and hand-offs (`by` the giver, `to` the receiver), oldest first."""
    return tuple(
        CaseEvent(e["kind"], e["reason"], e["at"], known(e["by"]), known(e.get("to")))
        for e in store.events(case.id)
    )


def case_view(
    store: Store,
    case: Case,
    names: Mapping[str, str] | None = None,
    guidance: frozenset[str] = ALL_GROUPS,
) -> CaseView:
    """The plain values of a case: answers, latest result (and who made it), owner, times, amendments,
    voiding and hand-offs; `guidance`: the groups of other guidance whose flags the reader's site shows."""
    results = store.results(case.id)  # oldest first: the last is the latest, whoever made it
    latest = results[-1] if results else None
    made = [r for r in results if r["kind"] != "reevaluate" and r["by"]]
    known = _known_as(store, names)
    answers = store.answers(case.id)
    return CaseView(
        ref=case.ref,
        status=case.status,
        created_at=case.created_at,
        updated_at=case.updated_at,
        answers=answers,
        result=Result.from_dict(latest["result"]) if latest else None,
        result_at=latest["at"] if latest else None,
        user=display_name(store.user_by_id(case.user_id), names),
        events=_events(store, case, known),
        confirmed_by=known(made[-1]["by"]) if made else "",
        confirmed_at=made[-1]["at"] if made else "",
        notes=store.answer_notes(case.id),
        not_known=asked_not_known(store.not_known(case.id), answers),
        results=tuple({**r, "by": known(r["by"])} for r in results),
        guidance=guidance,
    )


def changes(history: list[dict]) -> list[dict]:
    """Each answer row with the value it replaced: field, old, new, action, who, when."""
    last: dict[str, object] = {}
    out = []
    for row in history:
        out.append({**row, "old": last.get(row["field"]), "new": row["value"]})
        last[row["field"]] = row["value"]
    return out


def _when(stamp: str) -> str:
    return stamp[:19].replace("T", " ") + " UTC"


def _event_line(event: CaseEvent) -> str:
    if event.kind == "handoff":
        return f"Handed from {event.by or 'unknown'} to {event.to or 'unknown'} on {_when(event.at)}"
    verb = "Voided" if event.kind == "void" else "Amended"
    return f"{verb} {_when(event.at)} by {event.by or 'unknown'}: {event.reason}"


#: How a stored result came to be made (results.kind), in words.
_HOW = {"confirm": "confirmed", "amend": "amended", "reevaluate": "re-evaluated"}


def _result_line(row: dict) -> str:
    """One stored result in the history: when, what, and how it came to be made."""
    title = RECOMMENDATIONS[row["result"]["recommendation"]].title
    how = _HOW.get(row["kind"], row["kind"])
    by = f" by {row['by']}" if row["by"] else ""
    why = f": {row['reason']}" if row["reason"] else ""
    return f"- {_when(row['at'])}  {title} ({row['result']['criteria_version']}), {how}{by}{why}"


def _results_lines(case: Case, view: CaseView, results: list[dict]) -> list[str]:
    """The result with its reasons (none for a void case), and every result when there are several."""
    lines = [""]
    if case.status == "void":
        lines.append(
            "This case is void (opened by mistake): it gives no recommendation; its results are "
            "kept for the record."
        )
    if view.result is None:
        lines.append("No recommendation yet: the case has not been confirmed.")
    elif case.status != "void":
        by = f" by {results[-1]['by']}" if results and results[-1]["by"] else ""
        shown = view.result.showing(view.guidance)  # the flags of the groups the site chose
        lines += [f"Result of {_when(view.result_at or '')}{by}:", result_text(shown)]
    if len(results) > 1 or (case.status == "void" and results):
        lines += ["", "Results, oldest first:", *(_result_line(r) for r in results)]
    return lines


def _changes_lines(history_rows: list[dict], every_answer: bool) -> list[str]:
    """The changes of answers (every answer given, with `every_answer`); nothing if there were none."""
    rows = changes(history_rows)
    edits = [r for r in rows if r["action"] == "change"]
    if not every_answer and not edits:
        return []
    lines = ["", "Answer history:" if every_answer else "Changes of answers:"]
    for row in rows if every_answer else edits:
        old = value_label(row["field"], row["old"]) if row["old"] is not None else "-"
        new = NOT_KNOWN if row["action"] in ("unknown", "clear") else value_label(row["field"], row["new"])
        number = QUESTIONS_BY_FIELD[row["field"]].tag
        lines.append(
            f"{_when(row['at'])}  {row['user']}  {row['action']:<6} "
            f"Q{number} {short_label(row['field'])}: {old} -> {new}"
        )
    return lines


def _transcript_lines(messages_: list[dict]) -> list[str]:
    lines = ["", "Transcript:"]
    for message in messages_:
        arrow = ">>" if message["direction"] == "in" else "<<"
        body = message["text"].replace("\n", "\n" + " " * 26)  # continuation lines under the first
        lines.append(f"{_when(message['at'])} {arrow} {body}")
    return lines


def show_text(
    store: Store,
    case: Case,
    transcript: bool = False,
    history: bool = False,
    names: Mapping[str, str] | None = None,
    guidance: frozenset[str] = ALL_GROUPS,
) -> str:
    """A case for a reader: answers by short label, the result with reasons and the flags of the
    `guidance` groups, amendments, every result, changes of answers, the transcript."""
    view = case_view(store, case, names, guidance)
    lines = [
        f"Case {case.ref}: {status_words(case.status)}, owner {view.user}",
        f"Created {_when(case.created_at)}, updated {_when(case.updated_at)}",
    ]
    lines += [_event_line(e) for e in view.events]
    lines += ["", "Answers:"]
    for question in asked_questions(view.answers):
        kept = kept_words(view.notes.get(question.field))
        shown = answer_words(question.field, view.answers, view.not_known, kept)
        lines.append(f"{question.tag}. {short_label(question.field)}: {shown}")
    lines += _results_lines(case, view, store.results(case.id))
    lines += _changes_lines(store.history(case.id), history)
    if transcript:
        lines += _transcript_lines(store.transcript(case.id))
    return "\n".join(lines)


def show_json(
    store: Store, case: Case, transcript: bool = False, names: Mapping[str, str] | None = None
) -> dict:
    """A case as one JSON object: codes, not words (`itb-screen show REF --json`).

    `answers` are the current answers the rules see (an answer to a question skip logic no longer asks
    is left out; `history` keeps it), and `"unknown"` for a question the clinician does not know;
    `results` every stored result, oldest first, each with when, by whom and why it was made (`reason`
    null for the first); `events` the amendments, voiding and hand-offs (`by` who gave the case, `to`
    who received it); `handoffs` the hand-offs alone, oldest first: `at`, `from`, `to`.
    """
    owner = store.user_by_id(case.user_id)
    answers = applicable(store.answers(case.id))
    answered, asked = progress(answers)
    not_known = asked_not_known(store.not_known(case.id), answers)
    out: dict = {
        "ref": case.ref,
        "status": case.status,
        "user": display_name(owner, names),
        "channel": owner.channel,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "answered": answered,
        "asked": asked,
        "answers": record_answers(answers, not_known),
        "notes": answer_notes(store, case.id, answers),
        "results": [
            {**r["result"], "kind": r["kind"], "at": r["at"], "by": r["by"], "reason": r["reason"]}
            for r in store.results(case.id)
        ],
        "events": [{k: e[k] for k in ("kind", "reason", "at", "by", "to")} for e in store.events(case.id)],
        "handoffs": store.handoffs(case.id),
        "history": [
            {**row, "value": None if row["value"] is None else to_json_value(row["value"])}
            for row in store.history(case.id)
        ],
    }
    if transcript:
        out["transcript"] = store.transcript(case.id)
    return out
