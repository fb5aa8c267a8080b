"""Everything the playground page itself says, for the catalogs (Swedish and English)."""

from __future__ import annotations

from bot.demo.playground.moves import Move
from bot.platform.i18n import N_

TITLE = N_("Samordna playground")
INTRO = N_(
    "Four phones and one bot, as in Telegram. Everything here is made up and stays on "
    "this computer."
)
BOT_TIME = N_("The bot's time")
MOVES = {
    Move.HOUR: N_("+1 hour"),
    Move.TOMORROW: N_("Tomorrow 09:00"),
    Move.MEETING_END: N_("To the meeting's end"),
    Move.DISTRIBUTION: N_("Next distribution day"),
}
MOVED = N_("The clock is now at {when}.")
NO_MEETING = N_("There is no booked meeting yet, so the clock stays where it is.")
GUIDE = N_("The guided path")
GUIDE_INTRO = N_("Do it in the phones; each step is ticked when it has happened.")
ALL_DONE = N_("All done. Try anything else: /help in any phone shows what it can do.")
MADE_UP = N_(
    "The earlier survey answers behind the results chart are made up, so that the chart has "
    "something to show."
)
RESET = N_("Start over")
RESET_CONFIRM = N_("Start over with a fresh database? Everything in the phones is lost.")
PAGE_LANGUAGE = N_("Page language")
PHONE_LANGUAGE = N_("Language in this phone")
MESSAGE = N_("Message")
SEND = N_("Send")
EDITED = N_("edited")
DOWNLOAD = N_("Download")
NO_MESSAGES = N_("No messages yet.")
LINK_FROM_SOFIA = N_("Sofia has sent Anna a link by text message.")
OPEN_LINK = N_("Open the link")
STARTING = N_("Starting over…")
UNAVAILABLE = N_("The playground is starting; try again in a moment.")
