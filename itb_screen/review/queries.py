"""The review site's canned queries, as data: each its title, its description and its SQL.

Datasette runs them on a read-only connection (`storage.connect_readonly`), so a query can read and never
write. `fts_words(:q)` is a function the site registers on that connection (see `review/site.py`).
Void cases (opened by mistake) are left out of every query but `void_cases`.
"""

from __future__ import annotations

from typing import Any

from ..criteria import QUESTIONS, short_label
from ..storage import TYPED_FTS

# The latest result of every case that is neither cancelled nor void (opened by mistake): each case's
# newest result id, grouped once along the index on results (case_id, id), then that row and its case by
# their keys. (An `id IN (SELECT max(id) ... GROUP BY case_id)` test, which this replaced, was worked out
# again for every row of a join: the cases per week took 11 to 16 s at 10,000 cases here.)
_LATEST_RESULTS = """latest AS (
  SELECT r.* FROM (SELECT max(id) AS id FROM results GROUP BY case_id) m
  JOIN results r ON r.id = m.id
  JOIN cases c ON c.id = r.case_id
  WHERE c.status NOT IN ('cancelled', 'void')
)"""


def _current_count(value: str) -> str:
    """How many current answers of case `c` (the latest row of each field) have a value (`value` IS NOT
    NULL) or none (IS NULL: skipped or not known), read along the index on answers (case_id, field, id)."""
    return f"""(SELECT count(*) FROM answers a WHERE a.id IN (
    SELECT max(id) FROM answers WHERE case_id = c.id GROUP BY field) AND a.value {value})"""


# Transcript lines matching every word of :q in the full-text index {fts}: messages_fts (every line) or
# messages_typed_fts (only what users typed, the default search: filtering every line by direction went
# through all the bot's lines with the words too, 1.4 million at 100,000 cases for a word of a question).
# Oldest first by the index's own rowid (the message's id), in which FTS5 returns its matches: the first
# page comes without sorting every match first.
_TRANSCRIPT_SEARCH = """SELECT
  c.ref,
  m.at,
  m.direction,
  coalesce(u.name, u.external_id) AS "user",
  m.text
FROM {fts}
JOIN messages m ON m.rowid = {fts}.rowid
LEFT JOIN cases c ON c.id = m.case_id
LEFT JOIN users u ON u.id = m.user_id
WHERE fts_words(:q) IS NOT NULL AND {fts} MATCH fts_words(:q)
  AND (c.id IS NULL OR c.status != 'void')
ORDER BY {fts}.rowid"""

#: How many references `results_by_recommendation` lists per recommendation (the newest results').
_REFS_LISTED = 100

#: The canned queries of the review site, by URL name: http://127.0.0.1:8001/itb-screen/open_cases
QUERIES: dict[str, dict[str, Any]] = {
    "open_cases": {
        "title": "Open cases",
        "description": "Cases still being screened (status open), most recently touched first, "
        "with how many questions have an answer and how many were skipped.",
        "sql": f"""SELECT
  c.ref,
  coalesce(u.name, u.external_id) AS owner,
  u.channel,
  c.state AS "where",
  {_current_count("IS NOT NULL")} AS answered,
  {_current_count("IS NULL")} AS skipped,
  c.created_at,
  c.updated_at
FROM cases c LEFT JOIN users u ON u.id = c.user_id
WHERE c.status = 'open'
ORDER BY c.updated_at DESC, c.id DESC""",
    },
    "results_by_recommendation": {
        "title": "Results by recommendation",
        "description": "How many cases have each recommendation, counting the latest result of "
        f"each case that is neither cancelled nor void, with the references of the {_REFS_LISTED} "
        "whose result is newest (newest first).",
        # At most _REFS_LISTED references a row: a cell of every one was 60,000 links at 100,000 cases.
        "sql": f"""WITH {_LATEST_RESULTS},
ranked AS (
  SELECT l.recommendation, c.ref,
    row_number() OVER (PARTITION BY l.recommendation ORDER BY l.at DESC, c.ref) AS n,
    count(*) OVER (PARTITION BY l.recommendation) AS cases
  FROM latest l JOIN cases c ON c.id = l.case_id
)
SELECT
  recommendation,
  cases,
  group_concat(ref, ', ') AS refs
FROM (SELECT * FROM ranked WHERE n <= {_REFS_LISTED} ORDER BY recommendation, n)
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
        "description": "Answers revised after the case first reached the review screen (cases."
        "first_review_at): rows with action change or clear (skip in older rows) "
        "replacing an earlier answer. Corrections made with back before the first review "
        "are left out, and so are void cases; see the Answer history table for every "
        "change.",
        "sql": """SELECT
  c.ref,
  a.field,
  (SELECT p.value FROM answers p
   WHERE p.case_id = a.case_id AND p.field = a.field AND p.id < a.id
   ORDER BY p.id DESC LIMIT 1) AS previous_value,
  a.value AS new_value,
  a.action,
  coalesce(u.name, u.external_id) AS changed_by,
  a.at AS changed_at,
  c.first_review_at,
  c.status
FROM answers a
JOIN cases c ON c.id = a.case_id
LEFT JOIN users u ON u.id = a.user_id
WHERE a.at > c.first_review_at
  AND c.status != 'void'
  AND a.action IN ('change', 'clear', 'skip', 'unknown')
  AND EXISTS (SELECT 1 FROM answers p WHERE p.case_id = a.case_id AND p.field = a.field AND p.id < a.id)
ORDER BY a.id""",
    },
    "transcript_search": {
        "title": "Search what was typed",
        "description": "What users typed containing every word of q (full-text search with stemming: "
        "'shunts' finds 'shunt'), oldest first, with the case reference; the bot's own messages "
        "(which repeat the questions' words in every case) are in Search the whole transcript; "
        "messages of void cases left out.",
        "sql": _TRANSCRIPT_SEARCH.format(fts=TYPED_FTS),
        "params": ["q"],
    },
    "transcript_search_all": {
        "title": "Search the whole transcript",
        "description": "Messages in and out containing every word of q, the bot's questions and "
        "replies too, oldest first, with the case reference; messages of void cases left out.",
        "sql": _TRANSCRIPT_SEARCH.format(fts="messages_fts"),
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
    # The team's pages (review/pages.py) read these two with `since` seven days back.
    "results_since": {
        "title": "Results since a date",
        "description": "Finished cases whose latest result was made on or after since (YYYY-MM-DD, "
        "UTC), by recommendation: how many and which; cancelled and void cases left out.",
        "sql": f"""WITH {_LATEST_RESULTS}
SELECT
  recommendation,
  count(*) AS cases,
  group_concat(ref, ', ') AS refs
FROM (
  SELECT l.recommendation, c.ref FROM latest l JOIN cases c ON c.id = l.case_id
  WHERE c.status = 'done' AND l.at >= :since ORDER BY c.ref
)
GROUP BY recommendation
ORDER BY cases DESC, recommendation""",
        "params": ["since"],
    },
    "agenda": {
        "title": "Agenda: cases needing review since a date",
        "description": "The cases needing team review whose latest result was made on or after since "
        "(YYYY-MM-DD, UTC), newest first: what the weekly meeting goes through.",
        "sql": f"""WITH {_LATEST_RESULTS}
SELECT
  c.ref,
  l.recommendation,
  coalesce(u.name, u.external_id) AS owner,
  l.kind,
  l.at AS result_at
FROM latest l
JOIN cases c ON c.id = l.case_id
LEFT JOIN users u ON u.id = c.user_id
WHERE l.recommendation IN ('refer_after_review', 'incomplete') AND l.at >= :since
ORDER BY l.at DESC""",
        "params": ["since"],
    },
}

# The dashboard's charts (review/dashboard.py): each chart's data is one of these canned queries.


def _catalogue_steps() -> str:
    """The questions in catalogue order, then the review screen, as an SQL `steps` table (one source:
    criteria's catalogue): position, field (the value cases.state holds there) and a short label."""
    steps = [(n, q.field, short_label(q.field)) for n, q in enumerate(QUESTIONS, 1)]
    steps.append((len(steps) + 1, "review", "Review screen"))
    rows = ",\n  ".join(f"({n}, {_quoted(field)}, {_quoted(label)})" for n, field, label in steps)
    return f"steps(position, field, step) AS (VALUES\n  {rows}\n)"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# The Monday that starts the week of a time stamp (UTC), as YYYY-MM-DD.
_WEEK = "date({}, 'weekday 0', '-6 days')"

# When each case neither cancelled nor void was first confirmed, with when it was started: the results
# grouped by case along their index, then each case by its key.
_FIRST_CONFIRMED = """first_confirmed AS (
  SELECT c.id AS case_id, c.created_at, f.confirmed_at
  FROM (SELECT case_id, min(at) AS confirmed_at FROM results WHERE kind = 'confirm' GROUP BY case_id) f
  JOIN cases c ON c.id = f.case_id
  WHERE c.status NOT IN ('cancelled', 'void')
)"""

DASHBOARD_QUERIES: dict[str, dict[str, Any]] = {
    "cases_per_week": {
        "title": "Cases per week by recommendation",
        "description": "Cases first confirmed in each week (weeks start on Monday, UTC), by the "
        "recommendation of their latest result; cancelled and void cases left out.",
        "sql": f"""WITH {_LATEST_RESULTS}, {_FIRST_CONFIRMED}
SELECT
  {_WEEK.format("f.confirmed_at")} AS week,
  l.recommendation,
  count(*) AS cases
FROM first_confirmed f JOIN latest l ON l.case_id = f.case_id
GROUP BY week, l.recommendation
ORDER BY week, l.recommendation""",
    },
    "time_to_confirm": {
        "title": "Time from /new to confirm",
        "description": "Minutes from a case's start (/new) to its first confirmed result, per week of "
        "confirmation: how many cases, the fastest, the lower quartile, the median, the "
        "upper quartile and the slowest (quartiles by nearest rank; the median of an even "
        "count is the mean of the middle two). Cancelled and void cases left out.",
        "sql": f"""WITH {_FIRST_CONFIRMED},
timed AS (
  SELECT {_WEEK.format("confirmed_at")} AS week,
    round((julianday(confirmed_at) - julianday(created_at)) * 1440, 1) AS minutes
  FROM first_confirmed
),
ranked AS (
  SELECT week, minutes,
    row_number() OVER (PARTITION BY week ORDER BY minutes) AS k,
    count(*) OVER (PARTITION BY week) AS n
  FROM timed
)
SELECT
  week,
  n AS cases,
  min(minutes) AS fastest,
  max(CASE WHEN k = (n + 3) / 4 THEN minutes END) AS lower_quartile,
  round(avg(CASE WHEN k IN ((n + 1) / 2, (n + 2) / 2) THEN minutes END), 1) AS median,
  max(CASE WHEN k = (3 * n + 3) / 4 THEN minutes END) AS upper_quartile,
  max(minutes) AS slowest
FROM ranked
GROUP BY week
ORDER BY week""",
    },
    "where_cases_stopped": {
        "title": "Where open and cancelled cases stopped",
        "description": "For each question in the order it is asked, then the review screen: how many "
        "open cases wait there, and how many cancelled cases were left there. A case "
        "reopened to amend it waits at the review screen; void cases are left out.",
        "sql": f"""WITH {_catalogue_steps()},
stopped AS (
  SELECT state, sum(status = 'open') AS open, sum(status = 'cancelled') AS cancelled
  FROM cases WHERE status IN ('open', 'cancelled') GROUP BY state
)
SELECT
  s.position,
  s.step,
  s.field,
  coalesce(t.open, 0) AS open,
  coalesce(t.cancelled, 0) AS cancelled
FROM steps s LEFT JOIN stopped t ON t.state = s.field
ORDER BY s.position""",
    },
    "handoffs_and_amendments": {
        "title": "Hand-offs and amendments per month",
        "description": "Per month (UTC) with any: how many cases were handed to another member "
        "(case events of kind handoff) and how many finished cases were reopened to amend "
        "them (kind amend); void cases left out.",
        "sql": """SELECT
  strftime('%Y-%m', e.at) AS month,
  sum(e.kind = 'handoff') AS handoffs,
  sum(e.kind = 'amend') AS amendments
FROM case_events e JOIN cases c ON c.id = e.case_id
WHERE e.kind IN ('handoff', 'amend') AND c.status != 'void'
GROUP BY month
ORDER BY month""",
    },
}
