"""The team review site: the database served read-only with Datasette (`itb-screen review`).

Needs the `review` extra (`pip install -e '.[review]'`); importing this module without Datasette raises
ImportError, which the command turns into one line.

Read-only, three ways over:

* the file is opened `?mode=ro` (what Datasette does for a file that may change) and every connection sets
  `PRAGMA query_only`; the database object refuses to open a write connection at all, so a write plugin
  or a write canned query fails. Not `immutable=1`: the bot writes while the site is up, and an immutable
  connection neither reads the WAL (recent answers would be missing) nor expects the file to change.
* the site answers only GET and HEAD; any other method is refused with 405 before Datasette sees it, so
  there is no form to post and nothing for a cross-site request to forge.
* only the plugins bundled with Datasette run: third-party Datasette plugins installed in the environment
  (datasette-write, datasette-insert and the like) are unregistered.

The canned queries are defined here with the table and column descriptions; the column lists come from
the schema the migrations create, so a new column shows up (undescribed, and tests fail) by itself.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import DEFAULT_PLUGINS, pm
from datasette.utils import escape_fts
from sqlite_utils import Database as SqliteUtilsDatabase

from ..criteria import DISCLAIMER, RECOMMENDATIONS
from ..dialogue import messages
from ..storage import ensure_schema

#: The database's name in the site's URLs: http://127.0.0.1:8001/itb-screen/open_cases
DATABASE = "itb-screen"
HOST = "127.0.0.1"
#: Templates overriding Datasette's (package data: see pyproject.toml).
TEMPLATES = Path(__file__).with_name("templates")
DEFAULT_PORT = 8001

TITLE = "ITB Screen review"
DESCRIPTION = (
    "ITB Screen pre-screens patients for referral to an intrathecal baclofen (ITB) screening test. "
    f"{DISCLAIMER} This site is read-only; it shows the screening database as the chatbot wrote it."
)

#: Placeholder for a column the schema has and this module does not describe (tests forbid it).
UNDESCRIBED = "(not described yet)"

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
            "name": "Display name (console --user, or the name in the Telegram access file).",
            "role": "Role from the Telegram access file (for example clinician or reviewer); empty on "
                    "the console.",
            "created_at": "First contact (UTC, ISO 8601).",
            "active_case_id": "The case the user has open in the chat now, if any.",
            "awaiting": "What the chat waits for from the user apart from an answer: 'ref' after /new "
                        "without a reference; empty otherwise.",
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
            "state": "Where the conversation is: a question's field code, review, done, or "
                     "choosing_case.",
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
                      "skip (left unanswered) or clear (an earlier answer cleared with 'unknown'; older "
                      "rows may record that as skip).",
            "user_id": "Who gave the answer.",
            "at": "When (UTC, ISO 8601).",
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
                      "missing required and unanswered fields, sources.",
            "kind": "confirm (the clinician confirmed the answers), amend (confirmed again after an "
                    "amendment) or reevaluate (recomputed under another criteria version).",
            "user_id": "Who confirmed; empty for a re-evaluation.",
            "at": "When (UTC, ISO 8601).",
            "reason": "Why the result was made again (the amendment's reason); empty for the first.",
        },
    },
    "case_events": {
        "title": "Amendments and voiding",
        "description": "What happened to a case after it was finished, each with who, when and why: "
                       "reopened to amend it (its new result is stored beside the old), or voided "
                       "(opened by mistake).",
        "sort_desc": "id",
        "columns": {
            "id": "Row id, in the order the events happened.",
            "case_id": "The case.",
            "kind": "amend (reopened at the review to correct it) or void (opened by mistake).",
            "reason": "Why, as the user typed it.",
            "user_id": "Who amended or voided the case.",
            "at": "When (UTC, ISO 8601).",
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
        },
    },
}

#: Bookkeeping tables nobody reviews: the migrations log and the ids of Telegram updates already
#: handled (FTS tables are found in the schema).
_HIDDEN_TABLES = ("_sqlite_migrations", "seen_inputs")

# The latest result of every case that is neither cancelled nor void (opened by mistake).
_LATEST_RESULTS = """latest AS (
  SELECT r.* FROM results r
  WHERE r.id IN (SELECT max(id) FROM results GROUP BY case_id)
    AND r.case_id IN (SELECT id FROM cases WHERE status NOT IN ('cancelled', 'void'))
)"""

# The current answer of every field of every case (value NULL = skipped).
_CURRENT_ANSWERS = """current AS (
  SELECT a.case_id, a.field, a.value FROM answers a
  WHERE a.id IN (SELECT max(id) FROM answers GROUP BY case_id, field)
)"""


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _review_prompt_sql() -> str:
    """SQL for the review prompt's first line of case `c`, from the wording the dialogue uses."""
    head, _, tail = messages.REVIEW_HEADING.partition("{ref}")
    return f"{_sql_text(head)} || c.ref || {_sql_text(tail)}"


def canned_queries() -> dict[str, dict[str, Any]]:
    """The canned queries of the review site, by URL name."""
    review_line = _review_prompt_sql()
    return {
        "open_cases": {
            "title": "Open cases",
            "description": "Cases still being screened (status open), most recently touched first, "
                           "with how many questions have an answer and how many were skipped.",
            "sql": f"""WITH {_CURRENT_ANSWERS}
SELECT
  c.ref,
  coalesce(u.name, u.external_id) AS owner,
  u.channel,
  c.state AS "where",
  (SELECT count(*) FROM current WHERE current.case_id = c.id AND current.value IS NOT NULL) AS answered,
  (SELECT count(*) FROM current WHERE current.case_id = c.id AND current.value IS NULL) AS skipped,
  c.created_at,
  c.updated_at
FROM cases c LEFT JOIN users u ON u.id = c.user_id
WHERE c.status = 'open'
ORDER BY c.updated_at DESC, c.id DESC""",
        },
        "results_by_recommendation": {
            "title": "Results by recommendation",
            "description": "How many cases have each recommendation, counting the latest result of "
                           "each case that is neither cancelled nor void.",
            "sql": f"""WITH {_LATEST_RESULTS}
SELECT
  recommendation,
  count(*) AS cases,
  group_concat(ref, ', ') AS refs
FROM (SELECT l.recommendation, c.ref FROM latest l JOIN cases c ON c.id = l.case_id ORDER BY c.ref)
GROUP BY recommendation
ORDER BY cases DESC, recommendation""",
        },
        "cases_needing_review": {
            "title": "Cases needing team review",
            "description": "Cases whose latest result is refer_after_review (relative items to "
                           "discuss) or incomplete (required answers missing); cancelled and void cases "
                           "left out.",
            "sql": f"""WITH {_LATEST_RESULTS}
SELECT
  c.ref,
  l.recommendation,
  CASE l.recommendation
    WHEN 'incomplete' THEN (SELECT group_concat(value, ', ') FROM json_each(l.result, '$.missing_required'))
    ELSE (SELECT group_concat(json_extract(value, '$.field') || ' = ' ||
                              coalesce(json_extract(value, '$.value'), ''), '; ')
          FROM json_each(l.result, '$.because'))
  END AS why,
  coalesce(u.name, u.external_id) AS owner,
  l.kind,
  l.criteria_version,
  l.at AS result_at
FROM latest l
JOIN cases c ON c.id = l.case_id
LEFT JOIN users u ON u.id = c.user_id
WHERE l.recommendation IN ('refer_after_review', 'incomplete')
ORDER BY l.at DESC""",
        },
        "answers_changed_after_review": {
            "title": "Answers changed after review",
            "description": "Answers revised after the case first reached the review screen (its first "
                           "review prompt in the transcript): rows with action change or clear (skip "
                           "in older rows) replacing an earlier answer. Corrections made with back "
                           "before the first review are left out, and so are void cases; see the Answer "
                           "history table for every change.",
            "sql": f"""WITH first_review AS (
  SELECT c.id AS case_id, min(m.at) AS at
  FROM cases c JOIN messages m ON m.case_id = c.id
  WHERE m.direction = 'out' AND instr(m.text, {review_line}) = 1
  GROUP BY c.id
)
SELECT
  c.ref,
  a.field,
  (SELECT p.value FROM answers p
   WHERE p.case_id = a.case_id AND p.field = a.field AND p.id < a.id
   ORDER BY p.id DESC LIMIT 1) AS previous_value,
  a.value AS new_value,
  a.action,
  coalesce(u.name, u.external_id) AS changed_by,
  a.at AS changed_at,
  f.at AS first_review_at,
  c.status
FROM answers a
JOIN first_review f ON f.case_id = a.case_id
JOIN cases c ON c.id = a.case_id
LEFT JOIN users u ON u.id = a.user_id
WHERE a.at > f.at
  AND c.status != 'void'
  AND a.action IN ('change', 'clear', 'skip')
  AND EXISTS (SELECT 1 FROM answers p WHERE p.case_id = a.case_id AND p.field = a.field AND p.id < a.id)
ORDER BY a.id""",
        },
        "transcript_search": {
            "title": "Search the transcript",
            "description": "Messages containing every word of q (full-text search with stemming: "
                           "'shunts' finds 'shunt'), oldest first, with the case reference; messages of "
                           "void cases left out.",
            "sql": """SELECT
  c.ref,
  m.at,
  m.direction,
  coalesce(u.name, u.external_id) AS "user",
  m.text
FROM messages_fts
JOIN messages m ON m.rowid = messages_fts.rowid
LEFT JOIN cases c ON c.id = m.case_id
LEFT JOIN users u ON u.id = m.user_id
WHERE fts_words(:q) IS NOT NULL AND messages_fts MATCH fts_words(:q)
  AND (c.id IS NULL OR c.status != 'void')
ORDER BY m.id""",
            "params": ["q"],
        },
        "void_cases": {
            "title": "Void cases",
            "description": "Cases voided because they were opened by mistake: kept for the record and "
                           "left out of every other query. When, by whom and why, with the last "
                           "recommendation made before (if any).",
            "sql": """SELECT
  c.ref,
  coalesce(u.name, u.external_id) AS owner,
  e.at AS voided_at,
  coalesce(v.name, v.external_id) AS voided_by,
  e.reason,
  (SELECT r.recommendation FROM results r WHERE r.case_id = c.id ORDER BY r.id DESC LIMIT 1)
    AS last_recommendation,
  c.created_at
FROM cases c
LEFT JOIN users u ON u.id = c.user_id
LEFT JOIN case_events e ON e.id = (
  SELECT max(id) FROM case_events WHERE case_id = c.id AND kind = 'void')
LEFT JOIN users v ON v.id = e.user_id
WHERE c.status = 'void'
ORDER BY e.at DESC, c.id DESC""",
        },
    }


def schema_columns() -> tuple[dict[str, list[str]], list[str]]:
    """The tables the migrations create and their columns, and the tables to hide (FTS, migrations)."""
    db = SqliteUtilsDatabase(memory=True)
    try:
        ensure_schema(db)
        hidden = set(_HIDDEN_TABLES)
        for fts in db.table_names(fts5=True) + db.table_names(fts4=True):
            hidden.add(fts)
            hidden.update(t for t in db.table_names() if t.startswith(f"{fts}_"))
        columns = {name: [c.name for c in db[name].columns]
                   for name in db.table_names() if name not in hidden}
        return columns, sorted(hidden & set(db.table_names()))
    finally:
        db.close()


def build_metadata() -> dict[str, Any]:
    """Datasette metadata: title, disclaimer, every table and column described, canned queries."""
    columns, hidden = schema_columns()
    tables: dict[str, dict[str, Any]] = {}
    for name, names in columns.items():
        known = TABLES.get(name, {})
        described = known.get("columns", {})
        tables[name] = {
            **{k: v for k, v in known.items() if k != "columns"},
            "title": known.get("title", name),
            "description": known.get("description", UNDESCRIBED),
            "columns": {column: described.get(column, UNDESCRIBED) for column in names},
        }
    for name in hidden:
        tables[name] = {"hidden": True}
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "databases": {
            DATABASE: {
                "title": "Screening database",
                "description": DESCRIPTION,
                "tables": tables,
                "queries": canned_queries(),
            }
        },
    }


#: Datasette settings: no file download, no caching of live data, no debug views.
SETTINGS = {
    "allow_download": False,
    "default_cache_ttl": 0,
    "template_debug": False,
    "trace_debug": False,
}


def fts_words(text: str | None) -> str | None:
    """The words of a search box as an FTS5 query of quoted words (all must match); None if no words.

    Quoting makes FTS5 operators and stray quotes plain words, so no input is a syntax error.
    """
    return escape_fts(text or "") or None


class ReadOnlyDatabase(Database):
    """A Datasette database that is opened `?mode=ro`, sets query_only, and never opens for writing."""

    def __init__(self, ds: Datasette, path: str) -> None:
        super().__init__(ds, path=path, is_mutable=True)

    def connect(self, write: bool = False) -> sqlite3.Connection:
        if write:
            raise PermissionError("the ITB Screen review site is read-only")
        # Datasette's own connect() would paste the path into the URI unescaped.
        uri = f"{Path(self.path).resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only = 1")
        # Deterministic, so SQLite tests `fts_words(:q) IS NOT NULL` once, before FTS5 parses the query.
        conn.create_function("fts_words", 1, fts_words, deterministic=True)
        self._all_file_connections.append(conn)
        return conn


ALLOWED_METHODS = ("GET", "HEAD")


def get_only(app: Callable) -> Callable:
    """ASGI middleware: HTTP requests other than GET and HEAD get 405, before the app sees them."""

    async def asgi(scope, receive, send):
        if scope["type"] == "http" and scope["method"] not in ALLOWED_METHODS:
            body = b"405 Method Not Allowed: the ITB Screen review site is read-only.\n"
            await send({"type": "http.response.start", "status": 405, "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"allow", ", ".join(ALLOWED_METHODS).encode()),
                (b"content-length", str(len(body)).encode()),
            ]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return asgi


class ReviewDatasette(Datasette):
    """Datasette whose ASGI app (also the one `ds.client` uses) answers only GET and HEAD."""

    def app(self) -> Callable:
        return get_only(super().app())


def bundled_plugins_only() -> list[str]:
    """Unregister every Datasette plugin not bundled with Datasette; the names unregistered."""
    removed = []
    for name, plugin in list(pm.list_name_plugin()):
        if name not in DEFAULT_PLUGINS:
            pm.unregister(plugin)
            removed.append(name)
    return removed


def check_database(db_path: str | os.PathLike) -> Path:
    """The file to serve, checked readable as SQLite without creating or changing it."""
    path = Path(db_path)
    if not path.is_file():
        raise FileNotFoundError(f"no database at {path}")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        conn.close()
    return path


def check_port(port: int) -> None:
    """Raise OSError if nothing can listen on 127.0.0.1:port (another server has it)."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is no obstacle
        probe.bind((HOST, port))


def build_datasette(db_path: str | os.PathLike) -> Datasette:
    """The review site over the database at `db_path`, read-only (see the module docstring)."""
    bundled_plugins_only()
    ds = ReviewDatasette(metadata=build_metadata(), settings=SETTINGS, cors=False,
                         template_dir=str(TEMPLATES))
    # With no files Datasette adds an in-memory database; the site serves one database only.
    if "_memory" in ds.databases:
        ds.remove_database("_memory")
    ds.add_database(ReadOnlyDatabase(ds, str(Path(db_path).resolve())), name=DATABASE)
    return ds


def serve(db_path: str | os.PathLike, port: int = DEFAULT_PORT) -> None:
    """Serve the review site on http://127.0.0.1:PORT/ until interrupted."""
    import uvicorn

    ds = build_datasette(check_database(db_path))
    print(f"ITB Screen review site (read-only) on http://{HOST}:{port}/{DATABASE} - Ctrl-C stops it",
          flush=True)
    uvicorn.run(ds.app(), host=HOST, port=port, log_level="warning")
