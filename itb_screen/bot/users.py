"""The users file: the team's members in each channel, their roles, and the team's [settings].

Named by ``--users`` or ``ITB_SCREEN_USERS`` and read by both channels::

    [settings]                    # optional; these are the defaults
    reminder_hours = 24           # an open case idle this long gets one reminder (fractions allowed)
    quiet_hours = "21:00-07:00"   # no reminders then, in the site's time zone ("off": none)
    time_zone = "UTC"             # an IANA name, such as "Europe/London"
    guidance = ["label", "nice"]  # the other guidance shown: the US label's, NICE CG145's ([]: none)

    [[users]]                     # a member in Telegram
    id = 123456789                # the numeric Telegram user id (the bot tells a stranger theirs)
    name = "Dr Lee"               # shown in the chat and stored as the case owner's name
    role = "clinician"            # clinician | coordinator | reviewer
    notify = true                 # optional: told of cases for team review and of amendments

    [[console]]                   # a member at the console
    user = "alice"                # the console user: --user, else ITB_SCREEN_USER, else the login name
    name = "Dr Alice Ng"          # optional: shown in the chat (the user name when left out)
    role = "reviewer"
    notify = true                 # optional

The file is read again when it changes (its modification time), so an administrator adds a colleague
without restarting; a file that no longer parses keeps the previous list and logs why. Importing this
module does not import python-telegram-bot (the console reads the file too).
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..dialogue import Identity, SettingError, TeamSettings, parse_settings
from ..dialogue import Member as TeamMember

log = logging.getLogger(__name__)

#: The channels' names in the database (users.channel) and in the dialogue's identities.
TELEGRAM, CONSOLE = "telegram", "console"
ROLES = ("clinician", "coordinator", "reviewer")
KEYS = ("id", "name", "role", "notify")
CONSOLE_KEYS = ("user", "name", "role", "notify")
#: Roles that may list every case and read any case (`/cases all`, `/show REF`).
REVIEWER_ROLES = frozenset({"reviewer"})
ENV = "ITB_SCREEN_USERS"
#: A console user as a login name is written: letters, digits, '.', '_', '-', '@', with at least one
#: letter, so that it can never be taken for a numeric Telegram id (both are matched by /handoff).
_CONSOLE_USER = re.compile(r"[\w.@-]{1,64}")
#: A role given to a console user the file does not list: stored, so a role taken away is taken away.
UNLISTED_ROLE = "clinician"


class AccessFileError(Exception):
    """The users file is missing or malformed: the message says where and how to fix it."""


@dataclass(frozen=True)
class Member:
    """A member in Telegram."""

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
        return Identity(TELEGRAM, str(self.telegram_id), self.name, self.role)


@dataclass(frozen=True)
class ConsoleMember:
    """A member at the console, known by the user name the console runs as."""

    user: str
    name: str
    role: str
    notify: bool = False

    @property
    def is_reviewer(self) -> bool:
        return self.role in REVIEWER_ROLES

    @property
    def identity(self) -> Identity:
        return Identity(CONSOLE, self.user, self.name, self.role)


@dataclass(frozen=True)
class Roster:
    """Everything a users file says: the members of each channel and the team's settings."""

    telegram: dict[int, Member] = field(default_factory=dict)
    console: dict[str, ConsoleMember] = field(default_factory=dict)
    settings: TeamSettings = field(default_factory=TeamSettings)


def parse_users(text: str, source: str = "users file") -> dict[int, Member]:
    """The Telegram members listed in TOML `text`, keyed by Telegram user id."""
    return parse_roster(text, source).telegram


def parse_roster(text: str, source: str = "users file") -> Roster:
    """Everything TOML `text` lists; AccessFileError names the first bad entry or setting on one line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise AccessFileError(f"{source}: not TOML: {error}") from None
    extra = sorted(set(data) - {"users", "console", "settings"})
    if extra:
        raise AccessFileError(
            f"{source}: unknown table {extra[0]!r} (only [settings], [[users]] and [[console]])"
        )
    table = data.get("settings")
    if table is not None and not isinstance(table, dict):
        raise AccessFileError(f"{source}: settings must be a table: [settings]")
    try:
        settings = parse_settings(table, f"{source}: [settings]")
    except SettingError as error:
        raise AccessFileError(str(error)) from None
    # A file of console members only lists nobody in Telegram; a file of neither is a mistake.
    telegram = _members(data, source) if "users" in data or "console" not in data else {}
    return Roster(telegram, _console_members(data.get("console", []), source), settings)


def _members(data: dict[str, object], source: str) -> dict[int, Member]:
    entries = data.get("users")
    if not isinstance(entries, list):
        raise AccessFileError(
            f"{source}: expected [[users]] tables with id, name and role (or [[console]] with user and role)"
        )
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
    user_id, name = entry.get("id"), entry.get("name")
    if "id" in entry:
        where = f"{where} (id {_shown(user_id)})"
    unknown = sorted(set(entry) - set(KEYS))
    if unknown:
        raise AccessFileError(f"{where}: unknown key {unknown[0]!r} (only id, name, role and notify)")
    if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id <= 0:
        raise AccessFileError(f"{where}: id must be a positive whole number (the numeric Telegram user id)")
    if not isinstance(name, str) or not name.strip():
        raise AccessFileError(f"{where}: name must be a non-empty string")
    return Member(user_id, name.strip(), *_role_and_notify(entry, where))


def _console_members(entries: object, source: str) -> dict[str, ConsoleMember]:
    if not isinstance(entries, list):
        raise AccessFileError(f"{source}: expected [[console]] tables with user and role")
    members: dict[str, ConsoleMember] = {}
    for number, entry in enumerate(entries, 1):
        member = _console_member(entry, f"{source}: console entry {number}")
        if member.user in members:
            raise AccessFileError(
                f"{source}: console entry {number} (user {_shown(member.user)}): "
                f"user {_shown(member.user)} is listed twice"
            )
        members[member.user] = member
    return members


def _console_member(entry: object, where: str) -> ConsoleMember:
    """One [[console]] table as a ConsoleMember; AccessFileError names the entry (and its user)."""
    if not isinstance(entry, dict):
        raise AccessFileError(f"{where}: expected a table with user and role")
    user, name = entry.get("user"), entry.get("name")
    if "user" in entry:
        where = f"{where} (user {_shown(user)})"
    unknown = sorted(set(entry) - set(CONSOLE_KEYS))
    if unknown:
        raise AccessFileError(f"{where}: unknown key {unknown[0]!r} (only user, name, role and notify)")
    if not isinstance(user, str) or not _CONSOLE_USER.fullmatch(user) or not re.search(r"[^\W\d_]", user):
        raise AccessFileError(
            f"{where}: user must be the console user name (--user or the login name): 1 to 64 letters, "
            "digits, '.', '_', '-' or '@', with at least one letter"
        )
    if name is not None and (not isinstance(name, str) or not name.strip() or not name.isprintable()):
        raise AccessFileError(f"{where}: name must be a non-empty string when given")
    return ConsoleMember(user, (name or user).strip(), *_role_and_notify(entry, where))


def _role_and_notify(entry: dict[str, object], where: str) -> tuple[str, bool]:
    role = entry.get("role")
    if not isinstance(role, str) or role not in ROLES:
        raise AccessFileError(f"{where}: role must be one of {', '.join(ROLES)}, not {_shown(role)}")
    notify = entry.get("notify", False)
    if not isinstance(notify, bool):
        raise AccessFileError(f"{where}: notify must be true or false, not {_shown(notify)}")
    return role, notify


def _shown(value: object) -> str:
    """A TOML value as it was written, on one short line: 12, "12", true, 1.5."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')[:40]
        return '"' + "".join(c if c.isprintable() else " " for c in quoted) + '"'
    if value is None:
        return "missing"
    return repr(value)[:40]


class AccessList:
    """The members of a users file, re-read when the file changes."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        members: dict[int, Member] | None = None,
        console: dict[str, ConsoleMember] | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self._roster = Roster(dict(members or {}), dict(console or {}))
        self._stamp: tuple[int, int] | None = None
        if self.path is not None:
            self._load(strict=True)

    @classmethod
    def from_env(cls, path: str | None = None) -> AccessList:
        """The file `path` names, else ITB_SCREEN_USERS; AccessFileError when neither is given."""
        path = path or os.environ.get(ENV)
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
            roster = parse_roster(self.path.read_text(encoding="utf-8"), str(self.path))
        except (OSError, UnicodeDecodeError, AccessFileError) as error:
            if strict:
                if isinstance(error, AccessFileError):
                    raise
                raise AccessFileError(f"cannot read the users file {self.path}: {error}") from None
            log.error("users file not reloaded, keeping the previous list: %s", error)
            return
        self._roster, self._stamp = roster, stamp
        log.info("users file loaded: %d users, %d at the console", len(roster.telegram), len(roster.console))

    @property
    def roster(self) -> Roster:
        """Everything the file says, as of its last good reading."""
        if self.path is not None:
            self._load(strict=False)
        return self._roster

    def get(self, telegram_id: int) -> Member | None:
        """The member with this Telegram user id, or None for a stranger."""
        return self.roster.telegram.get(telegram_id)

    def members(self) -> list[Member]:
        """The members in Telegram."""
        return list(self.roster.telegram.values())

    def console_member(self, user: str) -> ConsoleMember | None:
        """The console member running as `user`, or None when the file does not list them."""
        return self.roster.console.get(user)

    def console_members(self) -> list[ConsoleMember]:
        return list(self.roster.console.values())

    @property
    def settings(self) -> TeamSettings:
        """The team's [settings] (reminders, quiet hours, the other guidance shown), as of the file's
        last good reading."""
        return self.roster.settings

    def __len__(self) -> int:
        return len(self._roster.telegram)


def team_of(access: AccessList) -> list[TeamMember]:
    """The file's members as the dialogue's team lists them: those in Telegram, then those at the console
    (each channel shows its own members' notices)."""
    telegram = [TeamMember(m.identity, notify=m.notify) for m in access.members()]
    return telegram + [TeamMember(m.identity, notify=m.notify) for m in access.console_members()]
