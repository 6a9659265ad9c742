"""The channels: the command line, the console chat and the Telegram bot.

Formatting, keyboards and access control live here. Kept light: importing this package does not import
python-telegram-bot, so commands that need no chat start fast.
"""
