"""The results of a case: stored beside one another, never over (confirmations, amendments,
re-evaluations), each with the criteria version and, since migration 0011, the guidance version of the
other guidance flags it carries in its JSON (NULL: stored before the flags, which were never computed).
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from ._chain import append
from ._connection import immediate
from ._rows import now
from .identifiers import redact


class ResultRecords:
    """The Store's results (mixed into `Store`)."""

    db: Database

    def record_result(
        self,
        case_id: int,
        result: dict[str, Any],
        user_id: int | None,
        kind: str = "confirm",
        reason: str | None = None,
    ) -> None:
        """Store a result (the evaluate object) beside earlier ones, never over them; its
        `guidance_version` (None when the object has none) is kept in a column of its own too.

        `reason`: why it was made again (an amendment's reason); None for the first result.
        """
        row = (case_id, result["recommendation"], result["criteria_version"], json.dumps(result), kind)
        why = redact(reason) if reason else reason
        with immediate(self.db):
            append(self.db.conn, "results", (*row, user_id, now(), why, result.get("guidance_version")))

    def results(self, case_id: int) -> list[dict[str, Any]]:
        """Every stored result of a case, oldest first (confirmations, amendments, re-evaluations)."""
        rows = self.db.execute(
            "SELECT r.id, r.result, r.kind, r.at, r.reason, u.name, u.external_id FROM results r "
            "LEFT JOIN users u ON u.id = r.user_id WHERE r.case_id = ? ORDER BY r.id",
            (case_id,),
        ).fetchall()
        return [
            {
                "id": r[0],
                "result": json.loads(r[1]),
                "kind": r[2],
                "at": r[3],
                "reason": r[4],
                "by": r[5] or r[6],
            }
            for r in rows
        ]

    def latest_result(self, case_id: int) -> tuple[dict[str, Any], str] | None:
        """The newest stored result of a case and when it was stored."""
        row = self.db.execute(
            "SELECT result, at FROM results WHERE case_id = ? ORDER BY id DESC LIMIT 1", (case_id,)
        ).fetchone()
        return None if row is None else (json.loads(row[0]), row[1])
