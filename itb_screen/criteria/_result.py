"""What an evaluation returns: a recommendation, its reasons, and the points for the team."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._answers import Value
from ._catalogue import value_label
from ._labels import short_label

#: One line shown with every result (screening-spec.md: decision support only).
DISCLAIMER = "Decision support only: this does not replace the ITB screening test or clinical judgement."


@dataclass(frozen=True)
class Reason:
    """An answer that made a rule or a point hold; value None means the question is unanswered."""

    field: str
    value: Value | None

    def to_dict(self) -> dict[str, Any]:
        value = self.value  # to_json_value's rule, inline: made for every reason of every result
        return {"field": self.field, "value": list(value) if isinstance(value, tuple) else value}

    def describe(self) -> str:
        """`Baclofen reaction: Recorded allergy, not confirmed` (the field by its short label)."""
        return f"{short_label(self.field)}: {value_label(self.field, self.value)}"


@dataclass(frozen=True)
class Recommendation:
    """One of the six recommendations, in the words of screening-spec.md."""

    code: str
    title: str
    meaning: str


@dataclass(frozen=True)
class DiscussionPoint:
    code: str
    text: str
    source: str
    because: tuple[Reason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "text": self.text,
            "source": self.source,
            "because": [r.to_dict() for r in self.because],
        }


@dataclass(frozen=True)
class Result:
    recommendation: str
    recommendation_sources: tuple[str, ...]
    because: tuple[Reason, ...]
    discussion_points: tuple[DiscussionPoint, ...]
    missing_required: tuple[str, ...]
    unanswered: tuple[str, ...]
    criteria_version: str

    def to_dict(self) -> dict[str, Any]:
        """The `evaluate` contract of screening-spec.md, plus the reasons (`because`, `sources`)."""
        return {
            "recommendation": self.recommendation,
            "discussion_points": [p.to_dict() for p in self.discussion_points],
            "missing_required": list(self.missing_required),
            "unanswered": list(self.unanswered),
            "criteria_version": self.criteria_version,
            "because": [r.to_dict() for r in self.because],
            "sources": list(self.recommendation_sources),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        """Rebuild a stored result (the inverse of `to_dict`)."""

        def reasons(items: list[dict[str, Any]]) -> tuple[Reason, ...]:
            return tuple(
                Reason(r["field"], tuple(r["value"]) if isinstance(r["value"], list) else r["value"])
                for r in items
            )

        return cls(
            recommendation=data["recommendation"],
            recommendation_sources=tuple(data.get("sources", ())),
            because=reasons(data.get("because", [])),
            discussion_points=tuple(
                DiscussionPoint(p["code"], p["text"], p["source"], reasons(p.get("because", [])))
                for p in data["discussion_points"]
            ),
            missing_required=tuple(data["missing_required"]),
            unanswered=tuple(data["unanswered"]),
            criteria_version=data["criteria_version"],
        )
