"""The screening conversation as a finite-state machine, built from the criteria catalogue.

Knows nothing of Telegram or terminals: it takes text or a button code and returns `Prompt`s.
"""

from . import _messages as messages
from ._buttons import Press, generated_ref
from ._buttons import decode as decode_button
from ._buttons import encode as encode_button
from ._channel import FULL, TYPED, Capabilities
from ._commands import COMMANDS
from ._engine import Dialogue
from ._machine import CHOOSING, DONE, REVIEW, STATES, build_machine, transition_table
from ._parse import MAX_TEXT, Refusal, check_ref, parse_answer
from ._prompts import Button, Prompt, ReviewLine
from ._reminders import queue_reminders
from ._reports import Reports
from ._settings import SettingError, TeamSettings, parse_guidance, parse_settings
from ._team import Directory, Member
from ._turn import Identity, Shown, shown_by

__all__ = [
    "CHOOSING",
    "COMMANDS",
    "DONE",
    "MAX_TEXT",
    "REVIEW",
    "STATES",
    "FULL",
    "TYPED",
    "Button",
    "Capabilities",
    "Dialogue",
    "Directory",
    "Identity",
    "Member",
    "Press",
    "Prompt",
    "Refusal",
    "Shown",
    "Reports",
    "SettingError",
    "TeamSettings",
    "ReviewLine",
    "build_machine",
    "check_ref",
    "decode_button",
    "encode_button",
    "messages",
    "generated_ref",
    "parse_answer",
    "parse_guidance",
    "parse_settings",
    "queue_reminders",
    "shown_by",
    "transition_table",
]
