"""A press Telegram delivered twice can be answered by the second delivery (in another
process) before the first finishes: the first then shows its screen without an error."""

from __future__ import annotations

from bot.bot_api_double import Fault
from bot.bot_api_double.state import QUERY_INVALID
from tests.conftest import RunningBot


async def test_a_press_answered_elsewhere_first_shows_its_screen_and_no_error(
    running_bot: RunningBot,
) -> None:
    double = running_bot.double
    person = double.user(1001, language_code="en")
    await person.say("/start")
    double.inject(Fault(method="answerCallbackQuery", status=400, description=QUERY_INVALID))
    person.press("English")
    await double.wait_until(
        lambda: any("I will write in English" in m.text for m in person.messages), timeout=10
    )
    await double.wait_until(lambda: bool(double.calls_of("answerCallbackQuery")), timeout=10)
    texts = [m.text for m in person.messages]
    assert not any("Something went wrong" in t for t in texts), texts
