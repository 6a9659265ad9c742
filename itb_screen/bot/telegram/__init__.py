"""The Telegram channel (python-telegram-bot 22): renders the dialogue with inline keyboards and keeps
strangers out. Imported only by `itb-screen run` with a token, never by commands that need no chat."""

from .access import AccessFileError, AccessList, Member, parse_users
from .app import PerUserOrder, build_application, run_telegram

__all__ = [
    "AccessFileError",
    "AccessList",
    "Member",
    "PerUserOrder",
    "build_application",
    "parse_users",
    "run_telegram",
]
