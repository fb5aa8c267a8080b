"""Fixed texts the engine adds around every flow; translated like everything else."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.platform.i18n import N_, N_plural

if TYPE_CHECKING:
    from bot.platform.i18n import Translator

NOT_WATCHED = N_(
    "This chat is not watched all the time. In an emergency, call 112. For health advice, "
    "call 1177. If you are thinking about suicide, call Självmordslinjen on 90101."
)
# The short line that ends every message the bot sends an individual on its own: the unit to
# call, and where to turn in an emergency. Fixed text; never a guess about what someone wrote.
HUMAN_LINE = N_("📞 {unit} {phone} · Emergency: 112 · Självmordslinjen 90101 · /help")
CRISIS_LINE = N_("Emergency: 112 · Självmordslinjen 90101 · /help")
STEP_OF = N_("Step {n} of {total}")
BACK = N_("◀ Back")
SKIP = N_("Skip")
PAUSE = N_("⏸ Pause")
CANCEL = N_("✖ Cancel")
DONE = N_("Done ✔")
CONTINUE = N_("Continue ▶")
CHANGE = N_("Change: {title}")
SKIPPED = N_("(skipped)")
# Counts that sit inside longer messages, each in the plural form its number needs.
MINUTES = N_plural("{n} minute", "{n} minutes")
DAYS = N_plural("{n} day", "{n} days")
CHARACTERS = N_plural("{n} character", "{n} characters")
MAX_CHARS = N_("Write a short answer, at most {limit}.")
MAX_CHARS_OPTIONAL = N_("Write a short answer, at most {limit}. Writing is optional.")
TOO_LONG = N_("That is a bit long: {used}, at most {limit}. Please shorten it.")
USE_BUTTONS = N_("Please answer with the buttons under the question.")
PICK_ONE = N_("Pick at least one, then press Done.")
PICK_DATE = N_("Pick a day.")
PICK_TIME = N_("Pick a time on {day}.")
OTHER_DAY = N_("◀ Another day")
BAD_DATETIME = N_(
    "Please pick the day and time with the buttons, or write it like 2026-03-05 14:30."
)
PAUSED = N_("Paused. Your answers are saved. Send /resume when you want to go on.")
CANCEL_CONFIRM = N_("Do you want to stop? The answers you gave here will be deleted.")
CANCEL_YES = N_("Yes, stop")
CANCEL_NO = N_("No, go on")
CANCELLED = N_("Stopped. Nothing from this was kept.")
STALE = N_("That button belongs to an earlier question. Here is where you are now.")
ENDED = N_("That conversation has already ended.")
NOT_YOURS = N_("That button is not for you.")
RESUMED = N_("Welcome back. Here is where you left off.")


def human_line(tr: Translator, unit: str | None = None, phone: str | None = None) -> str:
    """The unit's phone number and the crisis numbers in one short line."""
    if unit and phone:
        return tr.gettext(HUMAN_LINE).format(unit=unit, phone=phone)
    return tr.gettext(CRISIS_LINE)
