"""Reading what the answer history says beyond the values: which questions the clinician said they do
not know.

`unknown` leaves a question unanswered (value NULL, as a skip does), so the rules never see it; the row's
action keeps the difference: `unknown` when nothing was answered before, `clear` when it cleared an
answer. A skipped question (`skip`) and one never reached (no row) are not "not known".
"""

from __future__ import annotations

from sqlite_utils import Database

#: The actions of an answers row that say "the clinician does not know" (its value is NULL).
NOT_KNOWN_ACTIONS = ("clear", "unknown")


class AnswerReads:
    """The Store's reads of the answer history that go beyond the current values."""

    db: Database

    def not_known(self, case_id: int) -> frozenset[str]:
        """The fields whose current answer is "not known": the latest row of the field has no value and
        says `unknown` (or `clear`, an answer cleared with `unknown`)."""
        rows = self.db.execute(
            "SELECT field FROM answers WHERE id IN "
            "(SELECT max(id) FROM answers WHERE case_id = ? GROUP BY field) "
            "AND value IS NULL AND action IN (?, ?)",
            (case_id, *NOT_KNOWN_ACTIONS),
        ).fetchall()
        return frozenset(field for (field,) in rows)
