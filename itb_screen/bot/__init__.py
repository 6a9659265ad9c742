"""The channels only: the console chat (`console.py`) and the Telegram bot (`telegram/`).

Formatting, keyboards and access control live here; what serves the team after a screening is in
`itb_screen.review`. Kept light: importing this package does not import python-telegram-bot.
"""
