"""What an evaluation returns: a recommendation, its reasons, and the points for the team."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ._answers import Value
from ._catalogue import value_label
from ._labels import short_label
from ._sources import GUIDANCE_GROUPS, source_group

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
class GuidanceFlag:
    """One flag raised for a case: its code, the words for the team, its sources, and the answers why."""

    code: str
    text: str
    sources: tuple[str, ...]
    because: tuple[Reason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "text": self.text,
            "sources": list(self.sources),
            "because": [r.to_dict() for r in self.because],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GuidanceFlag:
        return cls(data["code"], data["text"], tuple(data["sources"]), _reasons(data.get("because", [])))


def _reasons(items: list[dict[str, Any]]) -> tuple[Reason, ...]:
    return tuple(
        Reason(r["field"], tuple(r["value"]) if isinstance(r["value"], list) else r["value"]) for r in items
    )


def shown_flags(
    flags: tuple[GuidanceFlag, ...], groups: frozenset[str] = frozenset(GUIDANCE_GROUPS)
) -> tuple[GuidanceFlag, ...]:
    """The flags a site shows: those citing a source of one of its groups (`label`, `nice`)."""
    return tuple(f for f in flags if any(source_group(s) in groups for s in f.sources))


@dataclass(frozen=True)
class Result:
    recommendation: str
    recommendation_sources: tuple[str, ...]
    because: tuple[Reason, ...]
    discussion_points: tuple[DiscussionPoint, ...]
    missing_required: tuple[str, ...]
    unanswered: tuple[str, ...]
    criteria_version: str
    #: other-guidance.md's flags, apart from the points, and the version of their rules (None: a result
    #: stored before the flags existed).
    other_guidance: tuple[GuidanceFlag, ...] = ()
    guidance_version: str | None = None

    def showing(self, groups: frozenset[str]) -> Result:
        """This result as a site shows it: only the flags of the guidance groups it chose."""
        shown = shown_flags(self.other_guidance, groups)
        return self if shown == self.other_guidance else replace(self, other_guidance=shown)

    def to_dict(self) -> dict[str, Any]:
        """The `evaluate` contract of screening-spec.md, plus the reasons (`because`, `sources`)."""
        return {
            "recommendation": self.recommendation,
            "discussion_points": [p.to_dict() for p in self.discussion_points],
            "missing_required": list(self.missing_required),
            "unanswered": list(self.unanswered),
            "criteria_version": self.criteria_version,
            "other_guidance": [f.to_dict() for f in self.other_guidance],
            "guidance_version": self.guidance_version,
            "because": [r.to_dict() for r in self.because],
            "sources": list(self.recommendation_sources),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        """Rebuild a stored result (the inverse of `to_dict`)."""
        return cls(
            recommendation=data["recommendation"],
            recommendation_sources=tuple(data.get("sources", ())),
            because=_reasons(data.get("because", [])),
            discussion_points=tuple(
                DiscussionPoint(p["code"], p["text"], p["source"], _reasons(p.get("because", [])))
                for p in data["discussion_points"]
            ),
            missing_required=tuple(data["missing_required"]),
            unanswered=tuple(data["unanswered"]),
            criteria_version=data["criteria_version"],
            other_guidance=tuple(GuidanceFlag.from_dict(f) for f in data.get("other_guidance", ())),
            guidance_version=data.get("guidance_version"),
        )
