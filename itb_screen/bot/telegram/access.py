"""Who may use the bot in Telegram: the [[users]] of the users file (`itb_screen.bot.users`, which the
console reads too), by numeric Telegram user id."""

from __future__ import annotations

from ..users import (
    ENV,
    KEYS,
    REVIEWER_ROLES,
    ROLES,
    TELEGRAM,
    AccessFileError,
    AccessList,
    Member,
    parse_users,
)

#: The channel's name in the database (users.channel) and in the dialogue's identities.
CHANNEL = TELEGRAM

__all__ = [
    "CHANNEL",
    "ENV",
    "KEYS",
    "REVIEWER_ROLES",
    "ROLES",
    "AccessFileError",
    "AccessList",
    "Member",
    "parse_users",
]
