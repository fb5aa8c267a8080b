"""The offline demo seeds two units, a staff member and a link for the demo user, every start."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.chat.turn import Services
from bot.demo import people as demo_people
from bot.models import Individual, IndividualInvite, Staff, Unit
from tests.conftest import RunningBot


async def count(services: Services, model: type) -> int:
    async with services.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_seeding_twice_keeps_one_of_everything(services: Services) -> None:
    first = await demo_people.seed_people(services, 1001)
    second = await demo_people.seed_people(services, 1001)
    assert first != second
    assert re.fullmatch(r"Skriv så här för att gå med som enskild: /start i_[\w-]+", second[0])
    assert await count(services, Unit) == 2
    assert await count(services, Staff) == 1
    assert await count(services, IndividualInvite) == 1
    assert await count(services, Individual) == 1


async def test_the_demo_user_joins_with_the_seeded_link(running_bot: RunningBot) -> None:
    services = running_bot.services
    [line] = await demo_people.seed_people(services, 1001)
    token = line.rsplit(" ", 1)[-1]
    demo = running_bot.double.user(1001, language_code="sv")
    ask = await demo.say(f"/start {token}")
    assert ask.button_texts == ["Ja", "Nej tack", "Berätta mer"]
    for choice in ("Ja", "Ja", "Nej tack", "Ja", "6 månader (förslag)"):
        await demo.click(choice)
    done = await demo.click("Ja, jag samtycker")
    assert done is not None and done.text.startswith("Tack! Ditt samtycke är sparat.")
    [again] = await demo_people.seed_people(services, 1001)
    assert again.startswith("Du är redan ärende K-")
    help_text = (await demo.say("/help")).text
    assert "• Beroendemottagning Rådmannen: 040-33 10 00" in help_text
    assert "Självmordslinjen" in help_text
