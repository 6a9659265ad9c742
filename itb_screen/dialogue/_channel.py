"""What a channel can do: the dialogue offers only the commands it serves and words each step for it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capabilities:
    """A channel's abilities, as the dialogue needs to know them.

    `buttons`: it draws the prompts' buttons and sends presses back (Telegram); without them everything is
    typed (the console), and no sentence says "tap". `reminders`: its members are shown the reminders of
    their idle cases (Telegram by a timer; the console at the member's next line); without them /remind is
    neither offered nor accepted.
    """

    buttons: bool = True
    reminders: bool = True


#: Telegram's, and the default: everything.
FULL = Capabilities()
#: The console: typed lines only; reminders shown at the next line.
TYPED = Capabilities(buttons=False, reminders=True)
