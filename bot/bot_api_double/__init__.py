"""A local imitation of the Telegram Bot API, for tests and the offline demo.

The bot under test talks real HTTP to it (``base_url``), while tests act as Telegram
users through :class:`UserHandle`.
"""

from bot.bot_api_double.records import ApiCall, ApiError, Button, Fault, SentMessage, UserLine
from bot.bot_api_double.server import BotApiDouble
from bot.bot_api_double.users import UserHandle

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiDouble",
    "Button",
    "Fault",
    "SentMessage",
    "UserHandle",
    "UserLine",
]
