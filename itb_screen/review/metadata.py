"""What the review site says about the database: its title, every table and column described, and the
Datasette metadata that carries them with the canned queries (`review/queries.py`).

The column lists come from the schema the migrations create (`storage.schema_tables`), so a new column
shows up by itself, marked undescribed, and the tests fail until it is described here.
"""

from __future__ import annotations

from typing import Any

from ..criteria import DISCLAIMER, RECOMMENDATIONS
from ..storage import schema_tables
from .dashboard import RENDER_MARKDOWN, dashboard_config
from .queries import DASHBOARD_QUERIES, QUERIES

#: The database's name in the site's URLs: http://127.0.0.1:8001/itb-screen/open_cases
DATABASE = "itb-screen"

TITLE = "ITB Screen review"
DESCRIPTION = (
    "ITB Screen pre-screens patients for referral to an intrathecal baclofen (ITB) screening test. "
    f"{DISCLAIMER} This site is read-only; it shows the screening database as the chatbot wrote it."
)

#: Placeholder for a column the schema has and this module does not describe (tests forbid it).
UNDESCRIBED = "(not described yet)"

#: The old tamper-evidence columns of the append-only tables (storage/_legacy_chain.py).
_CHAIN = {
    "prev_hash": "The unkeyed chain of schemas 6 to 8 (one per case; the audit log one chain): the hash of "
    "the row before this one. Kept on rows stored before the keyed chain, empty since; itb-screen verify "
    "relies on the keyed chain, whose MAC covers this column too.",
    "hash": "The unkeyed chain of schemas 6 to 8: sha256 of prev_hash and this row's content. Kept on "
    "rows stored before the keyed chain, empty since.",
}

TABLES: dict[str, dict[str, Any]] = {
    "users": {
        "title": "Users",
        "description": "Everyone who has used the chatbot, one row per channel account.",
        "label_column": "name",
        "columns": {
            "id": "Row id.",
            "channel": "Where the user talks to the bot: console or telegram.",
            "external_id": "The user's id on that channel: the login name on the console, the numeric "
            "Telegram user id.",
            "name": "Display name (the name in the users file, else the console's --user).",
            "role": "Role from the users file (clinician, coordinator or reviewer); clinician for a "
            "console user it does not list (empty for one who has not used the console since).",
            "created_at": "First contact (UTC, ISO 8601).",
            "active_case_id": "The case the user has open in the chat now, if any.",
            "awaiting": "What the chat waits for from the user apart from an answer: 'ref' after /new "
            "without a reference; empty otherwise.",
            "reminders": "1 when the user gets a reminder of an idle open case (/remind on), 0 after "
            "/remind off.",
        },
    },
    "cases": {
        "title": "Cases",
        "description": "One row per screened patient, named by the reference the clinician chose "
        "(no names or record numbers are stored).",
        "label_column": "ref",
        "columns": {
            "id": "Row id.",
            "ref": "The case reference, unique across the team whatever its letter case.",
            "user_id": "The clinician who started the case.",
            "state": "Where the conversation is: a question's field code, review, done, or choosing_case.",
            "status": "open (being screened, or reopened to amend it), done (recommendation confirmed), "
            "cancelled, or void (opened by mistake: kept for the record, left out of the "
            "other queries; see Void cases).",
            "return_to_review": "1 while an answer is being changed from the review screen (the "
            "next answer or back returns there); 2 after stepping back from it "
            "(the next answer returns there, back goes further back).",
            "first_review_at": "When the case first reached the review screen (UTC, ISO 8601).",
            "pending": "Choices toggled but not yet submitted on a many-choice question (JSON list).",
            "created_at": "When the case was started (UTC, ISO 8601).",
            "updated_at": "When the case last changed (UTC, ISO 8601).",
        },
    },
    "answers": {
        "title": "Answer history",
        "description": "Every answer and every change, append-only: the latest row of a field is the "
        "case's current answer; value empty means skipped or unknown.",
        "sort_desc": "id",
        "columns": {
            "id": "Row id; later rows supersede earlier rows of the same case and field.",
            "case_id": "The case answered.",
            "field": "The question's field code (see itb-screen dictionary).",
            "value": "The answer as JSON: a code, a number, or a list of codes for many-choice "
            "questions; empty (NULL) when the question was skipped.",
            "action": "answer (first answer), change (a field answered before was answered again), "
            "skip (left unanswered), unknown (the clinician does not know: shown as Not known) or "
            "clear (an earlier answer cleared with 'unknown', Not known too; older rows may record "
            "'unknown' as skip).",
            "user_id": "Who gave the answer.",
            "at": "When (UTC, ISO 8601).",
            **_CHAIN,
            "note": 'What was typed after the answer and kept with it ("yes - well controlled on '
            'levetiracetam" keeps "well controlled on levetiracetam"), identifiers removed; empty when '
            "nothing was.",
            "icd10cm": "The ICD-10-CM code of the diagnosis the typed answer named (primary condition), "
            "e.g. G80.1 for spastic diplegia; empty when it named none.",
        },
    },
    "messages": {
        "title": "Transcript",
        "description": "Every message in and out of the chat, with its case when one was open. "
        "Full-text search (porter stemming) covers the text.",
        "sort_desc": "id",
        "columns": {
            "id": "Row id, in the order the messages were exchanged.",
            "case_id": "The case the message belongs to; empty before any case was opened.",
            "user_id": "The user the bot was talking to.",
            "channel": "console or telegram.",
            "direction": "in (typed or pressed by the user) or out (the bot's reply).",
            "text": "The message as typed, or the bot's reply as plain text.",
            "at": "When (UTC, ISO 8601).",
        },
    },
    "results": {
        "title": "Results",
        "description": "Every recommendation stored for a case, never overwritten: at confirmation, "
        "again when an amended case is confirmed, and when a case is re-evaluated under "
        "new criteria. The latest row of a case is its current result.",
        "sort_desc": "id",
        "columns": {
            "id": "Row id; the highest of a case is its current result.",
            "case_id": "The case.",
            "recommendation": "One of " + ", ".join(RECOMMENDATIONS) + ".",
            "criteria_version": "The version of the selection criteria that produced the result.",
            "result": "The full result as JSON: recommendation, reasons (because), discussion points, "
            "missing required and unanswered fields, sources, and the other guidance flags "
            "(other_guidance: the US label's and NICE's checks, each with its sources).",
            "kind": "confirm (the clinician confirmed the answers), amend (confirmed again after an "
            "amendment) or reevaluate (recomputed under another criteria or other guidance version).",
            "user_id": "Who confirmed; empty for a re-evaluation.",
            "at": "When (UTC, ISO 8601).",
            "reason": "Why the result was made again (the amendment's reason); empty for the first.",
            **_CHAIN,
            "guidance_version": "The version of the other guidance flags' rules that produced its flags; "
            "empty for a result stored before the flags existed (they were never computed for it).",
        },
    },
    "case_events": {
        "title": "Amendments, voiding and hand-offs",
        "description": "What happened to a case besides its answers, each with who and when: reopened "
        "to amend it (its new result is stored beside the old) or voided (opened by mistake), each with "
        "why; or handed to another member.",
        "sort_desc": "id",
        "columns": {
            "id": "Row id, in the order the events happened.",
            "case_id": "The case.",
            "kind": "amend (reopened at the review to correct it), void (opened by mistake) or handoff "
            "(given to another member).",
            "reason": "Why, as the user typed it (empty for a hand-off).",
            "user_id": "Who amended, voided or handed on the case.",
            "at": "When (UTC, ISO 8601).",
            "to_user_id": "A hand-off: the member the case was given to.",
            **_CHAIN,
        },
    },
    "notices": {
        "title": "Notices to members",
        "description": "Messages the bot sends a member unasked: a case handed to them, a reminder of an "
        "idle open case, a case for the team to review. One per member, case and event; marked sent "
        "before it is sent, so none goes out twice.",
        "sort_desc": "id",
        "columns": {
            "id": "Row id, in the order the notices were queued.",
            "user_id": "The member it is for.",
            "case_id": "The case it is about.",
            "event": "What it tells of, as a key: handoff:N, remind:WHEN (the idle period), result:N.",
            "text": "The notice as sent.",
            "button_code": "The button under it (Continue or Show the case), as the bot decodes it.",
            "button_label": "The button's label.",
            "created_at": "When it was queued (UTC, ISO 8601).",
            "sent_at": "When it was claimed for sending; empty while it waits.",
        },
    },
    "case_changes": {
        "title": "Changes of a case's reference, owner or status",
        "description": "Append-only, kept by triggers on the cases table: a row when a case is started "
        "and each time its reference, owner (a hand-off) or status changes, with its new values. "
        "itb-screen verify checks that each case is as its last row here says (the cases table itself "
        "changes as the dialogue moves on).",
        "sort_desc": "id",
        "columns": {
            "id": "Row id, in the order the changes happened.",
            "case_id": "The case.",
            "ref": "Its reference from then on.",
            "user_id": "Its owner from then on.",
            "status": "Its status from then on: open, done, cancelled or void.",
            "at": "When (UTC, ISO 8601; for cases stored before this table, when the table was made).",
        },
    },
    "audit": {
        "title": "Audit log",
        "description": "Access events such as refused users and reviewers reading other users' cases.",
        "sort_desc": "id",
        "columns": {
            "id": "Row id.",
            "at": "When (UTC, ISO 8601).",
            "channel": "The channel of the request.",
            "external_id": "The requester's id on that channel.",
            "event": "What happened, for example list_all_cases or show_case.",
            "detail": "More about the event, for example the case reference read.",
            **_CHAIN,
        },
    },
}

#: Bookkeeping tables nobody reviews: the migrations log, the ids of Telegram updates already handled
#: and the keyed chain's MACs (FTS tables are found in the schema).
_HIDDEN_TABLES = ("_sqlite_migrations", "seen_inputs", "chain")


def schema_columns() -> tuple[dict[str, list[str]], list[str]]:
    """The tables people read and their columns, and the tables to hide (full-text index, bookkeeping)."""
    columns, index = schema_tables()
    hidden = set(_HIDDEN_TABLES) | set(index)
    return (
        {name: names for name, names in columns.items() if name not in hidden},
        sorted(hidden & set(columns)),
    )


def _described(name: str, names: list[str]) -> dict[str, Any]:
    """One table's metadata: its title, description and options, and every column described."""
    known = TABLES.get(name, {})
    described = known.get("columns", {})
    return {
        **{k: v for k, v in known.items() if k != "columns"},
        "title": known.get("title", name),
        "description": known.get("description", UNDESCRIBED),
        "columns": {column: described.get(column, UNDESCRIBED) for column in names},
    }


def build_metadata() -> dict[str, Any]:
    """Datasette metadata: title, disclaimer, every table and column described, canned queries, and the
    dashboard's configuration (`review/dashboard.py`)."""
    columns, hidden = schema_columns()
    tables = {name: _described(name, names) for name, names in columns.items()}
    tables.update({name: {"hidden": True} for name in hidden})
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "databases": {
            DATABASE: {
                "title": "Screening database",
                "description": DESCRIPTION,
                "tables": tables,
                # SQL hidden unless asked for (Datasette's "show" link): the rows are what the team reads.
                "queries": {n: {**q, "hide_sql": True} for n, q in {**QUERIES, **DASHBOARD_QUERIES}.items()},
            }
        },
        "plugins": {
            "datasette-dashboards": dashboard_config(DATABASE),
            "datasette-render-markdown": RENDER_MARKDOWN,
        },
    }
