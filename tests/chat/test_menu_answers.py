"""Every command in a person's menu answers something useful for everyone who sees that menu:
someone the bot does not know, a person with a consent, and a person who withdrew it."""

from __future__ import annotations

from bot.chat import command_menu
from bot.chat.onboarding import UNKNOWN_TEXT
from tests import factories
from tests.conftest import RunningBot

STRANGER = 4001
ANNA = 4002
BOB = 4003


async def test_every_command_of_the_persons_menu_answers_everyone(
    running_bot: RunningBot,
) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    async with services.db.transaction() as session:
        home = await factories.unit(session, clock)
        await factories.individual(session, clock, ANNA, [home], language="en")
        await factories.individual(session, clock, BOB, [home], language="en")
    stranger = double.user(STRANGER, language_code="en")
    await stranger.say("/start")
    await stranger.click("English")
    bob = double.user(BOB, language_code="en")
    await bob.say("/consent")
    await bob.click("Withdraw my consent")
    await bob.click("Yes, withdraw")

    commands = [name for name, _ in command_menu.MENUS[command_menu.INDIVIDUAL]]
    assert "ask" in commands and "meetings" in commands
    for user in (stranger, double.user(ANNA, language_code="en"), bob):
        for name in commands:
            reply = await user.say(f"/{name}")
            assert reply.text.strip(), f"/{name} answered {user} with nothing"
            assert UNKNOWN_TEXT not in reply.text, f"/{name} did not answer {user}: {reply.text}"

    meetings = await stranger.say("/meetings")
    assert meetings.text.startswith("I can show your meetings once a unit has connected you")
