"""A site's settings, the [settings] table of its users file: when reminders of idle cases go out, and
which sources of other guidance (other-guidance.md) the site shows. A bad value is a SettingError naming
the key, the value as written and what is allowed, on one line, so that start-up stops with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..criteria import ALL_GROUPS, GUIDANCE_GROUPS, check_groups

#: The keys of a users file's [settings] table, with their defaults as written there.
DEFAULTS: dict[str, Any] = {
    "reminder_hours": 24,
    "quiet_hours": "21:00-07:00",
    "time_zone": "UTC",
    "guidance": list(GUIDANCE_GROUPS),
}
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class SettingError(ValueError):
    """A setting that cannot be used: the message names it and says what is expected."""


@dataclass(frozen=True)
class TeamSettings:
    """When reminders go out: after `idle` without activity, never within `quiet` (local start, end);
    and which sources of other guidance the site shows (`guidance`: other-guidance.md's groups)."""

    idle: timedelta = timedelta(hours=24)
    quiet: tuple[time, time] | None = (time(21), time(7))
    zone: tzinfo = UTC
    guidance: frozenset[str] = ALL_GROUPS

    def is_quiet(self, now: datetime) -> bool:
        """Whether `now` falls in the quiet hours, read in the site's time zone (a range may cross
        midnight: 21:00-07:00 is quiet from 21:00 to 06:59)."""
        if self.quiet is None:
            return False
        start, end = self.quiet
        local = now.astimezone(self.zone).time()
        return start <= local < end if start <= end else (local >= start or local < end)


def parse_settings(table: Mapping[str, Any] | None, source: str = "[settings]") -> TeamSettings:
    """A users file's [settings] table as TeamSettings; SettingError names the first bad setting."""
    table = dict(table or {})
    unknown = sorted(set(table) - set(DEFAULTS))
    if unknown:
        raise SettingError(f"{source}: unknown setting {unknown[0]!r} (only {', '.join(DEFAULTS)})")
    values = {**DEFAULTS, **table}
    hours = values["reminder_hours"]
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 24 * 365:
        raise SettingError(f"{source}: reminder_hours must be a number of hours above 0, like 24 or 0.5")
    return TeamSettings(
        timedelta(hours=hours),
        _quiet(values["quiet_hours"], source),
        _zone(values["time_zone"], source),
        parse_guidance(values["guidance"], source),
    )


def parse_guidance(value: object, source: str = "[settings]") -> frozenset[str]:
    """`guidance = ["label", "nice"]`: the groups of other guidance a site shows ([] shows none);
    SettingError names the key, the value as written and what is allowed, on one line."""
    if not isinstance(value, list):
        raise _bad_guidance(value, source, "it must be a list")
    odd = next((v for v in value if not isinstance(v, str)), None)
    if odd is not None:  # check_groups would name it by its Python repr (True), not as written (true)
        raise _bad_guidance(value, source, f"{_toml(odd)} is not a name in quotes")
    try:
        groups = check_groups(value)
    except ValueError as error:
        raise _bad_guidance(value, source, str(error).partition(";")[0]) from None  # the rest: below
    twice = next((g for i, g in enumerate(value) if g in value[:i]), None)
    if twice is not None:
        raise _bad_guidance(value, source, f"{_toml(twice)} is listed twice")
    return groups


def _bad_guidance(value: object, source: str, problem: str) -> SettingError:
    allowed = " and ".join(f'"{g}"' for g in GUIDANCE_GROUPS)
    return SettingError(
        f"{source}: guidance = {_toml(value)}: {problem}; allowed: a list of {allowed} "
        "(both by default), or [] for none"
    )


def _toml(value: object) -> str:
    """A setting's value as it was written in TOML, on one short line: ["label", 3], "nice", true."""
    if isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, str):
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    elif isinstance(value, list):
        text = "[" + ", ".join(_toml(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    else:
        text = repr(value)
    return "".join(c if c.isprintable() else " " for c in text)[:80]


def _quiet(text: object, source: str) -> tuple[time, time] | None:
    """ "21:00-07:00" as (start, end); "" or "off" for none."""
    if isinstance(text, str) and text.strip().casefold() in ("", "off", "none"):
        return None
    parts = text.split("-") if isinstance(text, str) else []
    clocks = [_CLOCK.match(p.strip()) for p in parts]
    if len(clocks) != 2 or not all(clocks) or parts[0].strip() == parts[1].strip():
        raise SettingError(f'{source}: quiet_hours must be two 24-hour times like "21:00-07:00" (or "off")')
    start, end = (time(int(m.group(1)), int(m.group(2))) for m in clocks if m)
    return start, end


def _zone(name: object, source: str) -> tzinfo:
    if not isinstance(name, str) or not name.strip():
        raise SettingError(f'{source}: time_zone must be an IANA name like "Europe/London"')
    if name.strip().upper() == "UTC":
        return UTC  # the default needs no time zone database
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingError(
            f'{source}: time_zone {name[:40]!r} is not an IANA time zone, like "Europe/London"'
        ) from None
