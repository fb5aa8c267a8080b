"""Helpers for the survey tests: held meetings, sending what is due, answering in the chat."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

from PIL import Image
from sqlalchemy import select
from telegram import Bot

from bot.bot_api_double import BotApiDouble
from bot.bot_api_double.users import UserHandle
from bot.chat.turn import Services
from bot.models import Individual, Role, Staff, Unit
from bot.models.meetings import MeetingStatus, MeetingType
from bot.models.survey import SurveyInvitation
from bot.outbox.dispatcher import Dispatcher
from bot.platform import events
from bot.platform.clock import Clock
from bot.survey import invite as survey
from tests import factories

SOCIAL = "Socialtjänst Innerstaden, vuxen/missbruk"
ADDICTION = "Beroendemottagning Rådmannen"
FACES = ("😞", "🙁", "😐", "🙂", "😄")
HOUR = timedelta(hours=1, minutes=1)  # just past the default delay


@dataclass
class Team:
    unit: Unit
    other: Unit
    staff: Staff


async def team(services: Services, clock: Clock, staff_telegram_id: int = 2001) -> Team:
    """Two units; one staff member who distributes in the first."""
    async with services.db.transaction() as session:
        unit = await factories.unit(session, clock, SOCIAL, phone="040-34 10 00")
        other = await factories.unit(session, clock, ADDICTION, phone="040-33 70 00")
        staff = await factories.staff(
            session, clock, staff_telegram_id, {unit: Role.DISTRIBUTOR}, language="en"
        )
    return Team(unit, other, staff)


async def person(
    services: Services,
    clock: Clock,
    telegram_id: int,
    units: list[Unit],
    *,
    survey_consent: bool = True,
    language: str = "en",
) -> Individual:
    async with services.db.transaction() as session:
        return await factories.individual(
            session, clock, telegram_id, units, survey=survey_consent, language=language
        )


async def held(
    services: Services,
    clock: Clock,
    team: Team,
    individual: Individual | None,
    *,
    type: MeetingType = MeetingType.GFI,
    outcome: str = "held",
    units: list[Unit] | None = None,
) -> int:
    """A meeting that took place an hour ago, with its outcome recorded now."""
    targets = units or [team.unit, team.other]
    async with services.db.transaction() as session:
        meeting = await factories.meeting(
            session,
            clock,
            individual=individual,
            requester=team.staff,
            units=dict.fromkeys(targets, team.staff),
            starts_at=clock.now() - timedelta(hours=1),
            type=type,
            status=MeetingStatus.HELD if outcome == "held" else MeetingStatus.NO_SHOW,
        )
        meeting.requester_unit_id = targets[0].id
        await events.emit(
            events.MEETING_OUTCOME,
            session,
            clock,
            meeting_id=meeting.id,
            outcome=outcome,
            next_steps=[],
            referred_to_unit_id=None,
        )
        return meeting.id


async def invitation(services: Services, meeting_id: int) -> SurveyInvitation | None:
    async with services.db.transaction() as session:
        return await session.scalar(
            select(SurveyInvitation).where(SurveyInvitation.meeting_id == meeting_id)
        )


async def send_due(services: Services, double: BotApiDouble) -> int:
    """Plan invitations and send what the outbox holds due now, without waiting for ticks."""
    await survey.run(services)
    bot = Bot(double.token, base_url=double.base_url)
    await bot.initialize()
    try:
        return await Dispatcher(services, bot).tick()
    finally:
        await bot.shutdown()


async def answer(
    user: UserHandle,
    faces: list[int],
    *,
    start: str = "Answer the questions",
    comment: str | None = None,
    who: str = "I am answering myself",
) -> str:
    """Answer a survey in the chat; ``faces`` are steps 1..5, or 0 for "rather not answer"."""
    if start:
        await user.click(start)
    await user.click("Continue ▶")
    for step in faces:
        await user.click(FACES[step - 1] if step else "I'd rather not answer")
    if comment is None:
        await user.click("Skip")
    else:
        await user.say(comment)
    done = await user.click(who)
    assert done is not None
    return done.text


def png_text(picture: bytes) -> str:
    """What the chart says: the text it drew (from the PNG's description), on one line."""
    with Image.open(io.BytesIO(picture)) as image:
        assert image.format == "PNG"
        return " ".join(str(image.info.get("Description", "")).split())
