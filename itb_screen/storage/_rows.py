"""The rows the store hands out: users and cases as frozen values, answers as stored, the time stamp."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

STATUSES = ("open", "done", "cancelled", "void")

#: What can happen to a case besides answers: reopened to correct it or voided (each with a reason), or
#: handed to another member.
EVENT_KINDS = ("amend", "void", "handoff")


def now() -> str:
    """UTC time as ISO 8601 with microseconds: sorts as text and reads as a date."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


class RefInUse(Exception):
    """The case reference already names another case."""


class SearchQueryError(ValueError):
    """A raw full-text query FTS5 cannot run (unbalanced quotes, a stray operator, an unknown column)."""


@dataclass(frozen=True)
class User:
    id: int
    channel: str
    external_id: str
    name: str | None
    role: str | None
    active_case_id: int | None
    awaiting: str | None

    @property
    def shown_name(self) -> str:
        """The name to show: the stored one, else the channel's id (a console login, a Telegram id)."""
        return self.name or self.external_id


@dataclass(frozen=True)
class Case:
    id: int
    ref: str
    user_id: int
    state: str
    status: str
    return_to_review: int  # 0 no; 1 changing an answer from the review; 2 stepped back from it
    pending: tuple[str, ...] | None
    created_at: str
    updated_at: str
    #: When the case first reached the review screen (None until it does).
    first_review_at: str | None = None


def _user(row: tuple[Any, ...] | None) -> User:
    assert row is not None, "the user exists"
    return User(*row)


def _case(row: tuple[Any, ...]) -> Case:
    id_, ref, user_id, state, status, back, pending, created, updated, reviewed = row
    return Case(
        id_,
        ref,
        user_id,
        state,
        status,
        int(back or 0),
        None if pending is None else tuple(json.loads(pending)),
        created,
        updated,
        reviewed,
    )


_USER_COLS = "id, channel, external_id, name, role, active_case_id, awaiting"
_CASE_COLS = (
    "id, ref, user_id, state, status, return_to_review, pending, created_at, updated_at, first_review_at"
)
#: The same columns of `cases c`, for queries that join it.
_CASE_COLS_C = ", ".join(f"c.{name.strip()}" for name in _CASE_COLS.split(","))


def encode_value(value: Any) -> str | None:
    """An answer as stored: JSON text (many-choice as a list), NULL for unanswered."""
    if value is None:
        return None
    return json.dumps(list(value) if isinstance(value, tuple) else value)


def decode_value(text: str | None) -> Any:
    if text is None:
        return None
    value = json.loads(text)
    return tuple(value) if isinstance(value, list) else value
