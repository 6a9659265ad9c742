"""Re-evaluating stored results with the current criteria: what would change, and storing it on request."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..criteria import CRITERIA_VERSION, evaluate
from ..storage import Store


@dataclass(frozen=True)
class Change:
    ref: str
    old_recommendation: str
    new_recommendation: str
    old_points: tuple[str, ...]
    new_points: tuple[str, ...]
    old_version: str


@dataclass
class Report:
    checked: int = 0
    changes: list[Change] = field(default_factory=list)
    applied: bool = False

    def text(self) -> str:
        lines = [f"Re-evaluated {self.checked} stored results with criteria {CRITERIA_VERSION}."]
        if not self.changes:
            lines.append("No recommendation or discussion point would change.")
            return "\n".join(lines)
        for c in self.changes:
            lines.append(
                f"{c.ref}: {c.old_recommendation} -> {c.new_recommendation} (stored with {c.old_version})"
            )
            if c.old_points != c.new_points:
                old, new = ", ".join(c.old_points) or "-", ", ".join(c.new_points) or "-"
                lines.append(f"  points: {old} -> {new}")
        lines.append(
            f"{len(self.changes)} new results stored beside the old ones."
            if self.applied
            else f"{len(self.changes)} would change; nothing written (use --apply to store the new results)."
        )
        return "\n".join(lines)


def reevaluate_all(store: Store, apply: bool = False) -> Report:
    """Compare every case's latest stored result with the current criteria on its current answers.

    Void cases are skipped: opened by mistake, they must not gain a new result.
    """
    report = Report(applied=apply)
    with store.transaction():
        for case in store.all_cases():
            if case.status == "void":
                continue
            stored = store.latest_result(case.id)
            if stored is None:
                continue
            report.checked += 1
            old = stored[0]
            new = evaluate(store.answers(case.id)).to_dict()
            old_points = tuple(p["code"] for p in old["discussion_points"])
            new_points = tuple(p["code"] for p in new["discussion_points"])
            if (old["recommendation"], old_points) == (new["recommendation"], new_points):
                continue
            report.changes.append(
                Change(
                    case.ref,
                    old["recommendation"],
                    new["recommendation"],
                    old_points,
                    new_points,
                    old["criteria_version"],
                )
            )
            if apply:
                store.record_result(case.id, new, None, kind="reevaluate")
    return report
