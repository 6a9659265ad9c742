"""One case read back from storage: the view summaries and exports render, and `itb-screen show`."""

from __future__ import annotations

from ..criteria import QUESTIONS, QUESTIONS_BY_FIELD, Result, result_text, value_label
from ..dialogue import Refusal, check_ref, messages
from ..storage import Case, Store
from .summary import CaseView


def case_view(store: Store, case: Case) -> CaseView:
    """The plain values of a case: answers, latest result, owner and times."""
    stored = store.latest_result(case.id)
    owner = store.user_by_id(case.user_id)
    return CaseView(
        ref=case.ref, status=case.status, created_at=case.created_at, updated_at=case.updated_at,
        answers=store.answers(case.id), result=Result.from_dict(stored[0]) if stored else None,
        result_at=stored[1] if stored else None, user=owner.name or owner.external_id,
    )


NO_OPEN_CASE_SUMMARY = "No case is open: /summary REF names one, /cases lists yours."


def ref_refusal(ref: str) -> str | None:
    """Why a typed case reference is refused (it may identify a patient: never stored), or None."""
    try:
        check_ref(ref)
    except Refusal as refusal:
        return str(refusal)
    return None


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


def show_text(store: Store, case: Case, transcript: bool = False, history: bool = False) -> str:
    """A case for a reader: answers in the questions' words, the result with reasons, changes, transcript."""
    view = case_view(store, case)
    lines = [f"Case {case.ref} ({case.status}), owner {view.user}",
             f"Created {_when(case.created_at)}, updated {_when(case.updated_at)}", "", "Answers:"]
    for question in QUESTIONS:
        if question.is_asked(view.answers):
            lines.append(f"{question.number}. {question.text} {value_label(question.field, view.answers.get(question.field))}")
    lines.append("")
    if view.result is None:
        lines.append("No recommendation yet: the case has not been confirmed.")
    else:
        lines += [f"Result of {_when(view.result_at)}:", result_text(view.result)]
    rows = changes(store.history(case.id))
    edits = [r for r in rows if r["action"] == "change"]
    if history or edits:
        lines += ["", "Changes of answers:" if not history else "Answer history:"]
        for row in rows if history else edits:
            old = value_label(row["field"], row["old"]) if row["old"] is not None else "-"
            new = value_label(row["field"], row["new"])
            label = QUESTIONS_BY_FIELD[row["field"]].number
            lines.append(f"{_when(row['at'])}  {row['user']}  {row['action']:<6} Q{label} {row['field']}: {old} -> {new}")
    if transcript:
        lines += ["", "Transcript:"]
        for message in store.transcript(case.id):
            arrow = ">>" if message["direction"] == "in" else "<<"
            body = message["text"].replace("\n", "\n" + " " * 26)
            lines.append(f"{_when(message['at'])} {arrow} {body}")
    return "\n".join(lines)


def summary_reply(store: Store, channel: str, external_id: str, ref: str | None, any_case: bool = False) -> str:
    """The text referral summary a chat user asked for with /summary [REF], recorded in the transcript.

    Without REF: the user's open case. Only the user's own cases, unless `any_case` (reviewers).
    """
    from .summary import render_summary

    incoming = f"/summary {ref or ''}".strip()
    with store.transaction():
        user = store.user(channel, external_id)
        case = store.case_by_ref(ref) if ref else (store.case(user.active_case_id) if user.active_case_id else None)
        refusal = ref_refusal(ref) if ref else None
        if refusal is not None:
            reply, case_id, incoming = refusal, None, messages.REDACTED.format(command="/summary ")
        elif case is None or (case.user_id != user.id and not any_case):
            reply = messages.NO_SUCH_CASE.format(ref=ref) if ref else NO_OPEN_CASE_SUMMARY
            case_id = None
        elif case.status != "done":
            reply = f"Case {case.ref} is not finished: confirm it at the review first, then /summary."
            case_id = case.id
        else:
            reply = render_summary(case_view(store, case), "text")
            case_id = case.id
            if case.user_id != user.id:  # a reviewer reading another's case: audited like /show
                store.audit(channel, external_id, "read_case", f"summary {case.ref}")
        store.record_message(user.id, case_id, channel, "in", incoming)
        store.record_message(user.id, case_id, channel, "out", reply)
    return reply
