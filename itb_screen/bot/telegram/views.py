"""Read-only views of stored cases for the chat: the summary, every case (reviewers) and one case in full.

Synchronous functions of the store, run on the database thread; each returns plain text (the handler
escapes and splits it) and records the request and the reply in the transcript. The wording of a case and
of its summary is bot/caseview.py's, shared with the console and `itb-screen show`.
"""

from __future__ import annotations

from ...criteria import RECOMMENDATIONS
from ...dialogue import Identity
from ...storage import Case, Store
from ...dialogue import messages
from ...review.caseview import ref_refusal, show_text, summary_reply
from ...review.listing import case_records
from ...review.summary import status_words

REVIEWERS_ONLY = "Only reviewers can list every case or read other users' cases."
SHOW_USAGE = "Usage: /show REF (a case reference)."
NO_SUCH = "No case is called {ref}."
NO_CASES = "No cases yet."


def _user(store: Store, who: Identity):
    return store.user(who.channel, who.external_id, who.name, who.role)


def _record(store: Store, who: Identity, case_id: int | None, incoming: str, outgoing: str) -> None:
    user = _user(store, who)
    store.record_message(user.id, case_id, who.channel, "in", incoming[:4096])
    store.record_message(user.id, case_id, who.channel, "out", outgoing)


def _find(store: Store, who: Identity, ref: str, reviewer: bool) -> tuple[Case | None, str | None]:
    """The case a user may read by `ref` (own, or any for a reviewer), else the refusal to show."""
    user = _user(store, who)
    case = store.case_by_ref(ref)
    if case is None or (case.user_id != user.id and not reviewer):
        return None, (NO_SUCH if reviewer else messages.NO_SUCH_CASE).format(ref=ref)
    return case, None


def summary(store: Store, who: Identity, ref: str, reviewer: bool) -> str:
    """The referral summary of the open case or of REF (bot/caseview.py, shared with the console)."""
    return summary_reply(store, who.channel, who.external_id, ref or None, any_case=reviewer)


def all_cases(store: Store, who: Identity, incoming: str) -> str:
    """Every case of every user, one line each (reviewers)."""
    with store.transaction():
        records = case_records(store)
        if not records:
            text = NO_CASES
        else:
            lines = [f"All cases ({len(records)}): reference, user, status, answered/asked, recommendation"]
            for r in records:
                code = (r["result"] or {}).get("recommendation")
                outcome = RECOMMENDATIONS[code].title if code else "-"
                lines.append(f"- {r['ref']}: {r['user']}, {status_words(r['status'])}, "
                             f"{r['answered']}/{r['asked']}, {outcome}")
            lines.append("/show REF shows a case's answers, result and transcript.")
            text = "\n".join(lines)
        _record(store, who, None, incoming, text)
        store.audit(who.channel, who.external_id, "list_all_cases", "")
    return text


def show_case(store: Store, who: Identity, ref: str, reviewer: bool, incoming: str) -> str:
    """One case in full: answers, result and transcript (reviewers any case, others their own)."""
    with store.transaction():
        refusal = ref_refusal(ref) if ref else None
        if not ref:
            text = SHOW_USAGE
            case = None
        elif refusal is not None:  # it may identify a patient: neither kept nor repeated
            text, case, incoming = refusal, None, messages.REDACTED.format(command="/show ")
        else:
            case, refusal = _find(store, who, ref, reviewer)
            text = (refusal or SHOW_USAGE) if case is None else _show_text(store, case)
        _record(store, who, None, incoming, text)
        if case is not None:
            store.audit(who.channel, who.external_id, "show_case", case.ref)
    return text


def _show_text(store: Store, case: Case) -> str:
    return show_text(store, case, transcript=True)
