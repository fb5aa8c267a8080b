"""The running bot sends a reminder on its own, and the individual answers it with a button."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.models import Organisation, Role
from bot.models.meetings import Meeting
from bot.platform import events
from bot.platform.config import Settings
from tests import factories
from tests.conftest import RunningBot

ANNA = 1001
SARA = 2001
KARL = 2002


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"dispatch_interval": 0.2})


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Stockholm"))


async def booked(running_bot: RunningBot) -> tuple[int, str]:
    services, clock = running_bot.services, running_bot.clock
    async with services.db.transaction() as session:
        home = await factories.unit(session, clock)
        clinic = await factories.unit(
            session, clock, "Beroendemottagningen", Organisation.REGION, "010-111 22 33"
        )
        sara = await factories.staff(session, clock, SARA, {home: Role.STAFF}, language="en")
        karl = await factories.staff(session, clock, KARL, {clinic: Role.STAFF}, language="sv")
        anna = await factories.individual(session, clock, ANNA, [home, clinic], sara, language="sv")
        meeting = await factories.meeting(
            session,
            clock,
            individual=anna,
            requester=sara,
            units={clinic: karl},
            starts_at=local(2026, 3, 5, 10, 0),
        )
        meeting.requester_unit_id = home.id
        await events.emit(events.MEETING_CONFIRMED, session, clock, meeting_id=meeting.id)
        return meeting.id, anna.case_ref


async def test_a_reminder_arrives_by_itself_and_i_cant_come_reaches_the_organiser(
    running_bot: RunningBot,
) -> None:
    meeting_id, case_ref = await booked(running_bot)
    double, clock = running_bot.double, running_bot.clock
    anna = double.user(ANNA, language_code="sv")
    sara = double.user(SARA, language_code="en")
    clock.set(local(2026, 3, 4, 10, 0))
    await double.wait_until(lambda: any("Påminnelse" in m.text for m in anna.messages), timeout=5)
    reminder = next(m for m in anna.messages if "Påminnelse" in m.text)
    assert "torsdag 5 mars 10:00" in reminder.text
    assert "040-34 10 00" in reminder.text
    assert reminder.button_texts == ["Jag kommer", "Jag kan inte komma"]
    reply = await anna.click("Jag kan inte komma", message_id=reminder.message_id)
    assert reply is not None
    assert reply.message_id == reminder.message_id  # the reminder now shows the answer
    assert reply.text.startswith("Tack för att du säger till. Sådant händer.")
    await double.wait_until(
        lambda: any(f"{case_ref} cannot come" in m.text for m in sara.messages), timeout=5
    )
    async with running_bot.services.db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        assert meeting.individual_answer == "cannot_come"
    stale = await anna.click_data(reminder.buttons[0][0].callback_data or "", reminder.message_id)
    assert stale == "Den knappen har redan använts."
