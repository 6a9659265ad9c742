"""Re-evaluating stored results with the current criteria and other guidance: what would change, and
storing it on request.

Recommendations and discussion points are reported apart from the other guidance flags, which never change
them: a case whose recommendation and points stay but whose flags change is listed under the flags only.
A result stored before the flags existed (no `guidance_version`) never had them computed: it is counted
as such, with the flags it would raise now, not as a change of every flag. Flags are compared by code and
text: one kept but worded otherwise is reported as reworded, and kept flags in another order as such, so
`--apply` stores today's wording and order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..criteria import CRITERIA_VERSION, GUIDANCE_VERSION, evaluate
from ..storage import Store


@dataclass(frozen=True)
class Change:
    """A recommendation or its discussion points would change."""

    ref: str
    old_recommendation: str
    new_recommendation: str
    old_points: tuple[str, ...]
    new_points: tuple[str, ...]
    old_version: str


@dataclass(frozen=True)
class FlagChange:
    """Other guidance flags would be raised, cleared or reworded (codes in the contract's order), or the
    flags kept would come in another order."""

    ref: str
    raised: tuple[str, ...]
    cleared: tuple[str, ...]
    old_version: str
    reworded: tuple[str, ...] = ()
    reordered: bool = False


@dataclass(frozen=True)
class NeverComputed:
    """A result stored before the flags existed, and the flags the current guidance raises for it."""

    ref: str
    flags: tuple[str, ...]


@dataclass
class Report:
    checked: int = 0
    changes: list[Change] = field(default_factory=list)
    flag_changes: list[FlagChange] = field(default_factory=list)
    never_computed: list[NeverComputed] = field(default_factory=list)
    #: The cases given a new result (with --apply) or that would be: a recommendation, points or flags
    #: that change, or flags never computed that the current guidance raises.
    stored: int = 0
    applied: bool = False

    def text(self) -> str:
        lines = [
            f"Re-evaluated {self.checked} stored results with criteria {CRITERIA_VERSION} and other "
            f"guidance {GUIDANCE_VERSION}."
        ]
        lines += self._recommendation_lines()
        lines += self._flag_lines()
        if not self.stored:
            return "\n".join(lines)
        lines.append(
            f"{self.stored} new results stored beside the old ones."
            if self.applied
            else f"{self.stored} would change; nothing written (use --apply to store the new results)."
        )
        return "\n".join(lines)

    def _recommendation_lines(self) -> list[str]:
        if not self.changes:
            return ["No recommendation or discussion point would change."]
        lines = ["Recommendations and discussion points:"]
        for c in self.changes:
            lines.append(
                f"{c.ref}: {c.old_recommendation} -> {c.new_recommendation} (stored with {c.old_version})"
            )
            if c.old_points != c.new_points:
                old, new = ", ".join(c.old_points) or "-", ", ".join(c.new_points) or "-"
                lines.append(f"  points: {old} -> {new}")
        return lines

    def _flag_lines(self) -> list[str]:
        lines = ["Other guidance flags:"] if self.flag_changes else ["No other guidance flag would change."]
        for c in self.flag_changes:
            moves = [
                f"{word} {', '.join(codes)}"
                for word, codes in (("raised", c.raised), ("cleared", c.cleared), ("reworded", c.reworded))
                if codes
            ]
            if c.reordered:
                moves.append("order changed")
            lines.append(f"{c.ref}: {'; '.join(moves)} (stored with {c.old_version})")
        if self.never_computed:
            raising = [n for n in self.never_computed if n.flags]
            lines.append(
                f"Flags never computed: {len(self.never_computed)} results stored before the other guidance "
                f"flags; {len(raising)} would raise flags now."
            )
            lines += [f"{n.ref}: would raise {', '.join(n.flags)}" for n in raising]
        return lines


def _codes(items: Any) -> tuple[str, ...]:
    return tuple(item["code"] for item in items)


def _compare(report: Report, ref: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Note what would change between a stored result and a new one; whether a new one is worth storing."""
    old_points, new_points = _codes(old["discussion_points"]), _codes(new["discussion_points"])
    changed = (old["recommendation"], old_points) != (new["recommendation"], new_points)
    if changed:
        report.changes.append(
            Change(
                ref,
                old["recommendation"],
                new["recommendation"],
                old_points,
                new_points,
                old["criteria_version"],
            )
        )
    flags = _codes(new["other_guidance"])
    if old.get("guidance_version") is None:
        report.never_computed.append(NeverComputed(ref, flags))
        return changed or bool(flags)
    was_texts = {item["code"]: item.get("text") for item in old.get("other_guidance", ())}
    texts = {item["code"]: item["text"] for item in new["other_guidance"]}
    was = tuple(was_texts)
    if was == flags and was_texts == texts:
        return changed
    raised = tuple(c for c in flags if c not in was_texts)
    cleared = tuple(c for c in was if c not in texts)
    reworded = tuple(c for c in flags if c in was_texts and was_texts[c] != texts[c])
    reordered = [c for c in was if c in texts] != [c for c in flags if c in was_texts]
    report.flag_changes.append(FlagChange(ref, raised, cleared, old["guidance_version"], reworded, reordered))
    return True


def reevaluate_all(store: Store, apply: bool = False) -> Report:
    """Compare every case's latest stored result with the current criteria and guidance on its current
    answers; with `apply`, store a new result beside the old for each case that would change.

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
            new = evaluate(store.answers(case.id)).to_dict()
            if not _compare(report, case.ref, stored[0], new):
                continue
            report.stored += 1
            if apply:
                store.record_result(case.id, new, None, kind="reevaluate")
    return report
