"""The terminal demo: the cast seeded every start, /as to switch person, and a second and a
third run against the same database that answer like the first."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from bot.bot_api_double import BotApiDouble, UserHandle
from bot.chat import profiles
from bot.chat.turn import Services
from bot.demo import people as demo_people
from bot.demo.console import Words, render, run_console
from bot.demo.run import console_words, demo_bot, demo_settings
from bot.models import Individual, IndividualInvite, ProcessedUpdate, Staff, Unit
from bot.platform.config import Settings
from tests.conftest import RunningBot


async def count(services: Services, model: type) -> int:
    async with services.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_seeding_twice_keeps_one_of_everything(services: Services) -> None:
    first = await demo_people.seed_people(services)
    second = await demo_people.seed_people(services)
    assert first.invite_token != second.invite_token
    [line] = second.lines("sv", "Europe/Stockholm")
    assert re.fullmatch(r"Skriv så här för att gå med som enskild: /start i_[\w-]+", line)
    assert await count(services, Unit) == 2
    assert await count(services, Staff) == 3
    assert await count(services, IndividualInvite) == 1
    assert await count(services, Individual) == 1


async def test_anna_joins_with_the_seeded_link(running_bot: RunningBot) -> None:
    services = running_bot.services
    seeded = await demo_people.seed_people(services)
    anna = running_bot.double.user(demo_people.ANNA.telegram_id, language_code="sv")
    ask = await anna.say(f"/start {seeded.invite_token}")
    assert ask.button_texts == ["Ja", "Nej tack", "Berätta mer"]
    for choice in ("Ja", "Ja", "Ja", "Ja", "6 månader (förslag)"):
        await anna.click(choice)
    done = await anna.click("Ja, jag samtycker")
    assert done is not None and done.text.startswith("Tack! Ditt samtycke är sparat.")
    again = await demo_people.seed_people(services)
    assert again.invite_token is None
    [line] = again.lines("sv", "Europe/Stockholm")
    assert line.startswith("Du är redan ärende K-")
    help_text = (await anna.say("/help")).text
    assert "• Beroendemottagning Rådmannen: 040-33 10 00" in help_text


async def test_as_switches_person_and_shows_what_they_were_sent(
    running_bot: RunningBot,
) -> None:
    double = running_bot.double
    await demo_people.seed_people(running_bot.services)
    handles = {
        person.key: double.user(person.telegram_id, language_code="en")
        for person in demo_people.CAST
    }
    lines = iter(["/as sofia", "/help", "/as nobody", "/as anna", "/help", "/quit"])
    output: list[str] = []

    async def read_line() -> str | None:
        return next(lines, None)

    await run_console(
        double,
        handles["anna"],
        read_line=read_line,
        write=output.append,
        idle_wait=3.0,
        others=handles,
        switched=lambda key: f"You are now {demo_people.BY_KEY[key].name}.",
    )
    shown = "\n".join(output)
    sofia_part, anna_part = shown.split("You are now Anna.")
    assert "You are now Sofia Lind." in sofia_part
    assert "/gfi" in sofia_part.split("You are now Sofia Lind.")[1]  # Sofia is staff
    assert "(/as anna | sofia | rikard | admin)" in sofia_part
    assert "/prepare" in anna_part and "/gfi" not in anna_part


async def test_a_second_and_a_third_run_answer_like_the_first(tmp_path: Path) -> None:
    """The demo database remembers handled update ids; every new double numbers above them,
    so no message of a later run is taken for one already handled."""
    database = f"sqlite:///{tmp_path / 'demo.db'}"
    base = Settings(_env_file=None, data_dir=tmp_path / "data")
    handled: list[int] = []
    for run in range(3):
        with BotApiDouble() as double:
            settings = demo_settings(base, double, database)
            async with demo_bot(settings, double) as (services, _seeded):
                sofia = double.user(demo_people.SOFIA.telegram_id)
                for _ in range(2):
                    reply = await sofia.say("/start", timeout=15)
                    assert reply.text.startswith("Hej! Du arbetar på"), f"run {run + 1}"
                async with services.db.transaction() as session:
                    handled.append(
                        int(
                            await session.scalar(select(func.count(ProcessedUpdate.update_id))) or 0
                        )
                    )
    assert handled == [2, 4, 6]


async def test_the_consoles_own_markers_speak_the_persons_language(
    running_bot: RunningBot,
) -> None:
    """ "(no button 9)" and "(edited)" are the console's words, so they follow the language the
    person chose in the bot: Swedish for Anna, English for Sofia."""
    double = running_bot.double
    services = running_bot.services
    await demo_people.seed_people(services)
    anna = double.user(demo_people.ANNA.telegram_id, language_code="sv")
    sofia = double.user(demo_people.SOFIA.telegram_id)
    async with services.db.transaction() as session:  # Sofia chose English with /language
        await profiles.remember(session, running_bot.clock, sofia.user_id, "en")
    await anna.say("/help")
    lines = iter(["9", "/as sofia", "9", "/quit"])
    output: list[str] = []

    async def read_line() -> str | None:
        return next(lines, None)

    async def words(user: UserHandle) -> Words:
        return await console_words(services, user, services.settings)

    await run_console(
        double,
        anna,
        read_line=read_line,
        write=output.append,
        idle_wait=3.0,
        others={"anna": anna, "sofia": sofia},
        words=words,
    )
    assert "(ingen knapp 9)" in output, output
    assert "(no button 9)" in output, output
    swedish = await words(anna)
    message = anna.messages[-1]
    assert render(message, edited=True, words=swedish)[0].startswith("(redigerad) ")
