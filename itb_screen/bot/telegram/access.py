"""Who may use the bot: numeric Telegram user ids, display names and roles from a TOML file.

The file is named by ``ITB_SCREEN_USERS``::

    [[users]]
    id = 123456789          # the numeric Telegram user id (the bot tells a stranger theirs)
    name = "Dr Lee"         # shown in the chat and stored as the case owner's name
    role = "clinician"      # clinician | coordinator | reviewer

The file is read again when it changes (its modification time), so an administrator adds a colleague
without restarting the bot; a file that no longer parses keeps the previous list and logs why.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ROLES = ("clinician", "coordinator", "reviewer")
KEYS = ("id", "name", "role")
#: Roles that may list every case and read any case (`/cases all`, `/show REF`).
REVIEWER_ROLES = frozenset({"reviewer"})
ENV = "ITB_SCREEN_USERS"


class AccessFileError(Exception):
    """The users file is missing or malformed: the message says where and how to fix it."""


@dataclass(frozen=True)
class Member:
    telegram_id: int
    name: str
    role: str

    @property
    def is_reviewer(self) -> bool:
        return self.role in REVIEWER_ROLES


def parse_users(text: str, source: str = "users file") -> dict[int, Member]:
    """The members listed in TOML `text`, keyed by Telegram user id."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise AccessFileError(f"{source}: not TOML: {error}") from None
    entries = data.get("users")
    if not isinstance(entries, list):
        raise AccessFileError(f"{source}: expected [[users]] tables with id, name and role")
    members: dict[int, Member] = {}
    for number, entry in enumerate(entries, 1):
        member = _member(entry, f"{source}: entry {number}")
        if member.telegram_id in members:
            raise AccessFileError(
                f"{source}: entry {number} (id {member.telegram_id}): id {member.telegram_id} is listed twice"
            )
        members[member.telegram_id] = member
    return members


def _member(entry: object, where: str) -> Member:
    """One [[users]] table as a Member; AccessFileError names the entry (and its id) on one line."""
    if not isinstance(entry, dict):
        raise AccessFileError(f"{where}: expected a table with id, name and role")
    user_id, name, role = entry.get("id"), entry.get("name"), entry.get("role")
    if "id" in entry:
        where = f"{where} (id {_shown(user_id)})"
    unknown = sorted(set(entry) - set(KEYS))
    if unknown:
        raise AccessFileError(f"{where}: unknown key {unknown[0]!r} (only id, name and role)")
    if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id <= 0:
        raise AccessFileError(f"{where}: id must be a positive whole number (the numeric Telegram user id)")
    if not isinstance(name, str) or not name.strip():
        raise AccessFileError(f"{where}: name must be a non-empty string")
    if role not in ROLES:
        raise AccessFileError(f"{where}: role must be one of {', '.join(ROLES)}, not {_shown(role)}")
    return Member(user_id, name.strip(), role)


def _shown(value: object) -> str:
    """A TOML value as it was written, on one short line: 12, "12", true, 1.5."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"')[:40].replace("\n", " ") + '"'
    if value is None:
        return "missing"
    return repr(value)[:40]


class AccessList:
    """The members of a users file, re-read when the file changes."""

    def __init__(
        self, path: str | os.PathLike | None = None, members: dict[int, Member] | None = None
    ) -> None:
        self.path = Path(path) if path is not None else None
        self._members: dict[int, Member] = dict(members or {})
        self._stamp: tuple[int, int] | None = None
        if self.path is not None:
            self._load(strict=True)

    @classmethod
    def from_env(cls) -> AccessList:
        path = os.environ.get(ENV)
        if not path:
            raise AccessFileError(
                f"{ENV} is not set: name a TOML file listing the Telegram users allowed to use the bot"
            )
        return cls(path)

    def _load(self, strict: bool) -> None:
        assert self.path is not None
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp == self._stamp:
                return
            members = parse_users(self.path.read_text(encoding="utf-8"), str(self.path))
        except (OSError, UnicodeDecodeError, AccessFileError) as error:
            if strict:
                if isinstance(error, AccessFileError):
                    raise
                raise AccessFileError(f"cannot read the users file {self.path}: {error}") from None
            log.error("users file not reloaded, keeping the previous list: %s", error)
            return
        self._members, self._stamp = members, stamp
        log.info("users file loaded: %d users", len(members))

    def get(self, telegram_id: int) -> Member | None:
        """The member with this Telegram user id, or None for a stranger."""
        if self.path is not None:
            self._load(strict=False)
        return self._members.get(telegram_id)

    def members(self) -> list[Member]:
        if self.path is not None:
            self._load(strict=False)
        return list(self._members.values())

    def __len__(self) -> int:
        return len(self._members)
