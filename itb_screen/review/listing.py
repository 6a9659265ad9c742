"""Cases as records (for --json and exports) and as an aligned table a person reads in a terminal."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TextIO

from ..criteria import QUESTIONS, UNKNOWN, Value, applicable, asked_fields, progress, to_json_value
from ..storage import Case, Store, User

#: The users file of the Telegram channel (bot/telegram/access.py reads it for the bot).
USERS_FILE_ENV = "ITB_SCREEN_USERS"


def display_names(path: str | os.PathLike | None = None) -> dict[str, str]:
    """Telegram user id (as stored, a string) -> display name, from the users file if there is one.

    Read leniently and without python-telegram-bot: a summary must not fail because the file is
    missing or malformed (the bot itself reports that). Names kept in the database are the fallback.
    """
    import tomllib

    path = path or os.environ.get(USERS_FILE_ENV)
    if not path:
        return {}
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    entries = data.get("users")
    names = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            user_id, name = entry.get("id"), entry.get("name")
            if (
                isinstance(user_id, int)
                and not isinstance(user_id, bool)
                and isinstance(name, str)
                and name.strip()
            ):
                names[str(user_id)] = name.strip()
    return names


def display_name(user: User, names: Mapping[str, str] | None = None) -> str:
    """The name people know a user by: the users file's (Telegram), else the stored name, else the id."""
    if names and user.channel == "telegram" and user.external_id in names:
        return names[user.external_id]
    return user.shown_name


def _record(
    store: Store, case: Case, owner: User, stored: tuple[dict, str] | None, names: Mapping[str, str] | None
) -> dict:
    """One case as a record: the answers the rules see (see `case_records`) and the latest result."""
    answers = applicable(store.answers(case.id))
    answered, asked = progress(answers)
    not_known = asked_not_known(store.not_known(case.id), answers)
    return {
        "ref": case.ref,
        "user": display_name(owner, names),
        "channel": owner.channel,
        "status": case.status,
        "state": case.state,
        "answered": answered,
        "asked": asked,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "answers": record_answers(answers, not_known),
        "result": stored[0] if stored else None,
        "result_at": stored[1] if stored else None,
        "handoffs": store.handoffs(case.id),
        "notes": answer_notes(store, case.id, answers),
        **corrections(store.events(case.id), case.status),
    }


def asked_not_known(not_known: Iterable[str], answers: Mapping[str, object]) -> frozenset[str]:
    """The fields answered `unknown` that skip logic still asks (and that have no answer since)."""
    asked = asked_fields(answers)
    return frozenset(f for f in not_known if f in asked and f not in answers)


def record_answers(answers: Mapping[str, Value], not_known: Iterable[str] = ()) -> dict[str, object]:
    """A record's answers in catalogue order: those the rules see as JSON values, and `"unknown"` (the
    spec's word, which `evaluate` reads as unanswered) for each question the clinician does not know; a
    question skipped or never reached is absent."""
    unknown = set(not_known)
    return {
        q.field: to_json_value(answers[q.field]) if q.field in answers else UNKNOWN
        for q in QUESTIONS
        if q.field in answers or q.field in unknown
    }


def corrections(events: Iterable[Mapping], status: str) -> dict[str, object]:
    """What the team corrected, from a case's events (oldest first): `amended` and the latest amendment's
    `amendment_reason` and `amended_at`; `void` and its `void_reason` (None where there is none)."""
    amends = [e for e in events if e["kind"] == "amend"]
    voids = [e for e in events if e["kind"] == "void"] if status == "void" else []
    return {
        "amended": bool(amends),
        "amendment_reason": amends[-1]["reason"] if amends else None,
        "amended_at": amends[-1]["at"] if amends else None,
        "void": status == "void",
        "void_reason": voids[-1]["reason"] if voids else None,
    }


def answer_notes(store: Store, case_id: int, answers: Mapping[str, object]) -> dict[str, dict[str, str]]:
    """What the answers the rules see kept beside their values: the note typed with them, a diagnosis's
    ICD-10-CM code (`{field: {"note": ..., "icd10cm": ...}}`)."""
    return {f: dict(kept) for f, kept in store.answer_notes(case_id).items() if f in answers}


def _listed(case: Case, status: str | None, since: str | None, include_void: bool) -> bool:
    """Whether the filters on the case itself keep it: its status, void or not, and when it changed."""
    if status is not None and case.status != status:
        return False
    if case.status == "void" and not include_void and status != "void":
        return False
    return since is None or case.updated_at[: len(since)] >= since


def case_records(
    store: Store,
    user: str | None = None,
    status: str | None = None,
    recommendation: str | None = None,
    since: str | None = None,
    include_void: bool = False,
    names: Mapping[str, str] | None = None,
) -> list[dict]:
    """One dict per case: ref, user (the owner now), status, answers (field -> value), result (evaluate
    object or null), handoffs (`at`, `from`, `to`, oldest first).

    Void cases (opened by mistake) are left out unless `include_void`, or `status` asks for them. The
    answers are those the rules see: an answer to a question skip logic no longer asks (growth problems
    of a case whose age became adult) is left out, as the rules leave it; the history keeps it.
    """
    return list(iter_case_records(store, user, status, recommendation, since, include_void, names))


def iter_case_records(
    store: Store,
    user: str | None = None,
    status: str | None = None,
    recommendation: str | None = None,
    since: str | None = None,
    include_void: bool = False,
    names: Mapping[str, str] | None = None,
) -> Iterator[dict]:
    """`case_records`, one at a time as each case is read: an export writes a record before it reads the
    next, so its memory does not grow with the number of cases."""
    for case, owner, stored in listed_cases(store, user, status, recommendation, since, include_void):
        yield _record(store, case, owner, stored, names)


def listed_cases(
    store: Store,
    user: str | None = None,
    status: str | None = None,
    recommendation: str | None = None,
    since: str | None = None,
    include_void: bool = False,
) -> Iterator[tuple[Case, User, tuple[dict, str] | None]]:
    """The cases the filters of `case_records` keep, oldest first, each with its owner and its latest
    stored result (and when it was stored), read one at a time."""
    users: dict[int, User] = {}
    for case in store.each_case():
        owner = users.get(case.user_id) or users.setdefault(case.user_id, store.user_by_id(case.user_id))
        if (user is not None and user not in (owner.name, owner.external_id)) or not _listed(
            case, status, since, include_void
        ):
            continue
        stored = store.latest_result(case.id)
        latest = stored[0]["recommendation"] if stored else None
        if recommendation is None or latest == recommendation:
            yield case, owner, stored


#: The columns of `cases_table`.
TABLE_HEADER = ("REF", "USER", "STATUS", "PROGRESS", "RECOMMENDATION", "UPDATED")


def table_row(r: Mapping) -> tuple[str, ...]:
    """One record's cells in `cases_table` (a few short strings: what the table keeps of each case)."""
    return (
        r["ref"],
        owner_cell(r),
        r["status"],
        f"{r['answered']}/{r['asked']}",
        (r["result"] or {}).get("recommendation", "-"),
        r["updated_at"][:16].replace("T", " "),
    )


def cases_table(records: Iterable[Mapping]) -> str:
    """An aligned plain-text table of cases (only each record's cells are kept, to align them)."""
    rows = [TABLE_HEADER, *(table_row(r) for r in records)]
    if len(rows) == 1:
        return "No cases."
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def _flat_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(value)
    return str(value)


def owner_cell(record: Mapping) -> str:
    """Who has the case, and from whom they had it when it was handed on: `Bob (from Alice)`."""
    handoffs = record.get("handoffs")
    return str(record["user"]) + (f" (from {handoffs[-1]['from']})" if handoffs else "")


def handoffs_cell(handoffs: Iterable[Mapping], when: Callable[[str], str] = str) -> str:
    """A case's hand-offs in one cell, oldest first: `A -> B (2026-11-29T04:41:55...); B -> C (...)`,
    each time as `when` writes it."""
    return "; ".join(f"{h['from']} -> {h['to']} ({when(h['at'])})" for h in handoffs)


def notes_cell(notes: Mapping[str, Mapping[str, str]]) -> str:
    """The notes typed with a case's answers in one cell, in the catalogue's order: `seizures: well
    controlled on levetiracetam; goals: wants to swim again`."""
    return "; ".join(
        f"{q.field}: {notes[q.field]['note']}" for q in QUESTIONS if notes.get(q.field, {}).get("note")
    )


def csv_columns() -> list[str]:
    """The flat export's columns: case, one per field code (REDCap style; the follow-ups of the other
    guidance too), then the result (its other guidance flags as codes and their version beside the
    criteria's), the hand-offs (`handoffs_cell`), the primary condition's ICD-10-CM code, the notes
    (`notes_cell`) and the corrections (`corrections`: amended 0/1, the latest amendment's reason and time,
    void 0/1, its reason)."""
    return [
        "ref",
        "user",
        "channel",
        "status",
        "created_at",
        "updated_at",
        *(q.field for q in QUESTIONS),
        "recommendation",
        "discussion_points",
        "criteria_version",
        "other_guidance",
        "guidance_version",
        "result_at",
        "handoffs",
        "icd10cm",
        "notes",
        "amended",
        "amendment_reason",
        "amended_at",
        "void",
        "void_reason",
    ]


def cases_csv(records: Iterable[Mapping]) -> str:
    """One row per case, one column per field code (many-choice as `code|code`), then the result."""
    out = io.StringIO()
    write_cases_csv(records, out)
    return out.getvalue()


def write_cases_csv(records: Iterable[Mapping], out: TextIO) -> int:
    """`cases_csv` written to `out` row by row, as each record is read; how many rows."""
    writer = csv.DictWriter(out, fieldnames=csv_columns(), lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(csv_row(record))
        count += 1
    return count


def csv_row(r: Mapping) -> dict[str, object]:
    """One record as a row of `csv_columns()`: an answer not known is the cell `unknown`, one skipped or
    never asked is empty; flags `code|code` (every flag stored, whatever a site shows), and an empty
    guidance version for a result stored before the flags."""
    result = r["result"] or {}
    return {
        **{k: r[k] for k in ("ref", "user", "channel", "status", "created_at", "updated_at")},
        **{q.field: _flat_value(r["answers"].get(q.field)) for q in QUESTIONS},
        "recommendation": result.get("recommendation", ""),
        "discussion_points": "|".join(p["code"] for p in result.get("discussion_points", [])),
        "criteria_version": result.get("criteria_version", ""),
        "other_guidance": "|".join(f["code"] for f in result.get("other_guidance", [])),
        "guidance_version": result.get("guidance_version") or "",
        "result_at": r["result_at"] or "",
        "handoffs": handoffs_cell(r.get("handoffs") or []),
        "icd10cm": (r.get("notes") or {}).get("primary_condition", {}).get("icd10cm", ""),
        "notes": notes_cell(r.get("notes") or {}),
        "amended": int(bool(r.get("amended"))),
        "amendment_reason": r.get("amendment_reason") or "",
        "amended_at": r.get("amended_at") or "",
        "void": int(bool(r.get("void"))),
        "void_reason": r.get("void_reason") or "",
    }


def full_export(store: Store, records: Iterable[dict]) -> list[dict]:
    """Everything of each case: answers, result, every result (when, by whom, why), the hand-offs (`at`,
    `from`, `to`), amendments, voiding and hand-offs as events (`by`, `to`), the answer history (answers
    no longer asked included) and the transcript."""
    return list(iter_full_export(store, records))


def iter_full_export(store: Store, records: Iterable[dict]) -> Iterator[dict]:
    """`full_export`, one case at a time as its record comes."""
    for record in records:
        case = store.case_by_ref(record["ref"])
        assert case is not None, "records are read from the cases"
        yield {
            **record,
            "results": store.results(case.id),
            "events": store.events(case.id),
            "history": store.history(case.id),
            "transcript": store.transcript(case.id),
        }
