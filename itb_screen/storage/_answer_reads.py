"""Reading what the answer history says beyond the values: which questions the clinician said they do
not know, and what an answer kept beside its value.

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

    def answer_notes(self, case_id: int) -> dict[str, dict[str, str]]:
        """What the current answers of a case kept beside their values: {field: {"note", "icd10cm"}}, only
        for fields whose latest row kept something."""
        rows = self.db.execute(
            "SELECT field, note, icd10cm FROM answers WHERE id IN "
            "(SELECT max(id) FROM answers WHERE case_id = ? GROUP BY field) "
            "AND (note IS NOT NULL OR icd10cm IS NOT NULL)",
            (case_id,),
        ).fetchall()
        return {f: {k: v for k, v in (("note", n), ("icd10cm", c)) if v} for f, n, c in rows}
