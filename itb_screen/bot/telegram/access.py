"""Who may use the bot: numeric Telegram user ids, display names and roles from a TOML file.

The file is named by ``ITB_SCREEN_USERS``::

    [settings]                    # optional; these are the defaults
    reminder_hours = 24           # an open case idle this long gets one reminder (fractions allowed)
    quiet_hours = "21:00-07:00"   # no reminders then, in the site's time zone ("off": none)
    time_zone = "UTC"             # an IANA name, such as "Europe/London"

    [[users]]
    id = 123456789          # the numeric Telegram user id (the bot tells a stranger theirs)
    name = "Dr Lee"         # shown in the chat and stored as the case owner's name
    role = "clinician"      # clinician | coordinator | reviewer
    notify = true           # optional: told of cases for team review and of amendments

The file is read again when it changes (its modification time), so an administrator adds a colleague
without restarting the bot; a file that no longer parses keeps the previous list and logs why.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ...dialogue import Identity, SettingError, TeamSettings, parse_settings

log = logging.getLogger(__name__)

#: The channel's name in the database (users.channel) and in the dialogue's identities.
CHANNEL = "telegram"
ROLES = ("clinician", "coordinator", "reviewer")
KEYS = ("id", "name", "role", "notify")
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
    notify: bool = False

    @property
    def is_reviewer(self) -> bool:
        return self.role in REVIEWER_ROLES

    @property
    def identity(self) -> Identity:
        """Who this member is to the dialogue."""
        return Identity(CHANNEL, str(self.telegram_id), self.name, self.role)


def parse_users(text: str, source: str = "users file") -> dict[int, Member]:
    """The members listed in TOML `text`, keyed by Telegram user id."""
    return parse_file(text, source)[0]


def parse_file(text: str, source: str = "users file") -> tuple[dict[int, Member], TeamSettings]:
    """The members listed in TOML `text`, keyed by Telegram user id, and the team's [settings]."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise AccessFileError(f"{source}: not TOML: {error}") from None
    extra = sorted(set(data) - {"users", "settings"})
    if extra:
        raise AccessFileError(f"{source}: unknown table {extra[0]!r} (only [settings] and [[users]])")
    table = data.get("settings")
    if table is not None and not isinstance(table, dict):
        raise AccessFileError(f"{source}: settings must be a table: [settings]")
    try:
        settings = parse_settings(table, f"{source}: [settings]")
    except SettingError as error:
        raise AccessFileError(str(error)) from None
    return _members(data, source), settings


def _members(data: dict[str, object], source: str) -> dict[int, Member]:
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
        raise AccessFileError(f"{where}: unknown key {unknown[0]!r} (only id, name, role and notify)")
    if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id <= 0:
        raise AccessFileError(f"{where}: id must be a positive whole number (the numeric Telegram user id)")
    if not isinstance(name, str) or not name.strip():
        raise AccessFileError(f"{where}: name must be a non-empty string")
    if role not in ROLES:
        raise AccessFileError(f"{where}: role must be one of {', '.join(ROLES)}, not {_shown(role)}")
    notify = entry.get("notify", False)
    if not isinstance(notify, bool):
        raise AccessFileError(f"{where}: notify must be true or false, not {_shown(notify)}")
    return Member(user_id, name.strip(), role, notify)


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
        self._settings = TeamSettings()
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
            members, settings = parse_file(self.path.read_text(encoding="utf-8"), str(self.path))
        except (OSError, UnicodeDecodeError, AccessFileError) as error:
            if strict:
                if isinstance(error, AccessFileError):
                    raise
                raise AccessFileError(f"cannot read the users file {self.path}: {error}") from None
            log.error("users file not reloaded, keeping the previous list: %s", error)
            return
        self._members, self._settings, self._stamp = members, settings, stamp
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

    @property
    def settings(self) -> TeamSettings:
        """The team's [settings] (reminders and quiet hours), as of the file's last good reading."""
        if self.path is not None:
            self._load(strict=False)
        return self._settings

    def __len__(self) -> int:
        return len(self._members)
