"""Shared set-up for the booking tests: two units, a requester, a distributor, an assigned
staff member and an individual, and small helpers to wait for what a user sees."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.bot_api_double.records import SentMessage
from bot.bot_api_double.users import UserHandle
from bot.chat import actions, buttons, profiles
from bot.chat.turn import Services, Turn
from bot.meetings import lifecycle as meetings
from bot.models import Individual, Organisation, Role, Staff, Unit
from bot.models.meetings import Meeting, MeetingSlot, MeetingStatus, MeetingType, MeetingUnit
from bot.platform.clock import ManualClock
from flows.screens import Outcome
from tests import factories
from tests.conftest import RunningBot

SARA, DINA, LARS, FOLKE, OLLE = 2001, 2002, 2003, 3001, 2009
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass
class People:
    case_ref: str
    individual_id: int
    clinic_id: int
    social_id: int


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


async def seed(
    services: Services, *, language: str = "en", individual_language: str = "en"
) -> People:
    """Sara (clinic) requests; Dina distributes for social services; Lars works there;
    Folke's consent covers both units; Olle works at a third unit and sees nothing."""
    clock = services.clock
    async with services.db.transaction() as session:
        clinic = await factories.unit(
            session, clock, "Beroendemottagningen Rådmannen", Organisation.REGION, "040-33 00 00"
        )
        social = await factories.unit(session, clock, "Socialtjänst Innerstaden")
        elsewhere = await factories.unit(session, clock, "Socialtjänst Väster")
        sara = await factories.staff(
            session, clock, SARA, {clinic: Role.STAFF}, name="Sara Sjuksköterska", language=language
        )
        await factories.staff(
            session, clock, DINA, {social: Role.DISTRIBUTOR}, name="Dina Chef", language=language
        )
        await factories.staff(
            session, clock, LARS, {social: Role.STAFF}, name="Lars Larsson", language=language
        )
        await factories.staff(
            session, clock, OLLE, {elsewhere: Role.DISTRIBUTOR}, name="Olle", language=language
        )
        folke = await factories.individual(
            session, clock, FOLKE, [clinic, social], sara, language=individual_language
        )
        return People(folke.case_ref, folke.id, clinic.id, social.id)


async def newest_meeting(services: Services) -> Meeting:
    async with services.db.transaction() as session:
        meeting = await session.scalar(select(Meeting).order_by(Meeting.id.desc()).limit(1))
    assert meeting is not None
    return meeting


async def seen(
    bot: RunningBot,
    user: UserHandle,
    predicate: Callable[[SentMessage], bool],
    what: str,
    within: float = 10.0,
) -> SentMessage:
    """The newest message in the user's chat that satisfies ``predicate``, once there is one."""

    def find() -> SentMessage | None:
        return next((m for m in reversed(user.messages) if predicate(m)), None)

    await bot.double.wait_until(lambda: find() is not None, timeout=within, what=what)
    found = find()
    assert found is not None
    return found


async def text_seen(
    bot: RunningBot, user: UserHandle, needle: str, within: float = 10.0
) -> SentMessage:
    return await seen(bot, user, lambda m: needle in m.text, f"{needle!r} for {user}", within)


async def press(user: UserHandle, message: SentMessage, label: str) -> SentMessage | None:
    """Press a button on one particular message (other features may send buttons too)."""
    return await user.click(label, message_id=message.message_id, timeout=10.0)


async def booked(
    services: Services,
    people: People,
    starts_at: datetime,
    *,
    status: MeetingStatus = MeetingStatus.CONFIRMED,
    type: MeetingType = MeetingType.GFI,
    with_individual: bool = True,
) -> int:
    """A meeting Sara requested with Lars assigned for social services, at the clinic."""
    clock = services.clock
    async with services.db.transaction() as session:
        sara = await session.scalar(select(Staff).where(Staff.telegram_id == SARA))
        lars = await session.scalar(select(Staff).where(Staff.telegram_id == LARS))
        social = await session.get(Unit, people.social_id)
        person = await session.get(Individual, people.individual_id)
        assert sara is not None and lars is not None and social is not None
        meeting = await factories.meeting(
            session,
            clock,
            individual=person if with_individual else None,
            requester=sara,
            units={social: lars},
            starts_at=starts_at,
            status=status,
            type=type,
        )
        meeting.requester_unit_id = people.clinic_id
        meeting.place_text = "Beroendemottagningen Rådmannen, Storgatan 1"
        meeting.confirmed_at = clock.now() if status == MeetingStatus.CONFIRMED else None
        return meeting.id


async def meeting_by_id(services: Services, meeting_id: int) -> Meeting:
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
    assert meeting is not None
    return meeting


async def requested(services: Services, people: People, queued_at: datetime) -> int:
    """A GFI request from Sara waiting in social services' queue since ``queued_at``."""
    clock = services.clock
    async with services.db.transaction() as session:
        sara = await session.scalar(select(Staff).where(Staff.telegram_id == SARA))
        social = await session.get(Unit, people.social_id)
        person = await session.get(Individual, people.individual_id)
        assert sara is not None and social is not None
        meeting = await factories.meeting(
            session,
            clock,
            individual=person,
            requester=sara,
            units={social: None},
            status=MeetingStatus.REQUESTED,
        )
        meeting.requester_unit_id = people.clinic_id
        meeting.starts_at = None
        for target in await session.scalars(
            select(MeetingUnit).where(MeetingUnit.meeting_id == meeting.id)
        ):
            target.queued_at = queued_at
        return meeting.id


IDA = 2010


@dataclass
class Scheduling:
    """Sara's GFI with social services while times are found, and Ida of social services."""

    people: People
    meeting_id: int
    ida_id: int


async def scheduling_with_ida(services: Services) -> Scheduling:
    """Sara has asked for a GFI with social services, where Lars takes part; Ida works at social
    services too (in English). No time is proposed yet."""
    clock = services.clock
    assert isinstance(clock, ManualClock)
    clock.set(local(2026, 3, 3, 10))
    people = await seed(services)
    meeting_id = await booked(
        services, people, local(2026, 3, 10, 10), status=MeetingStatus.SCHEDULING
    )
    async with services.db.transaction() as session:
        social = await session.get(Unit, people.social_id)
        assert social is not None
        ida = await factories.staff(
            session, clock, IDA, {social: Role.STAFF}, name="Ida Isaksson", language="en"
        )
        return Scheduling(people, meeting_id, ida.id)


async def only_slot(services: Services, meeting_id: int) -> MeetingSlot:
    """The one time proposed for the meeting."""
    async with services.db.transaction() as session:
        meeting = await meetings.load(session, meeting_id)
        assert meeting is not None
        [slot] = meetings.open_slots(meeting)
        return slot


async def run_press(services: Services, telegram_id: int, data: str) -> Outcome:
    """The press of a button with ``data``, by ``telegram_id``, in their own language."""
    async with services.db.transaction() as session:
        language = await profiles.language_of(session, telegram_id) or "en"
        turn = Turn(session, services, services.tr(language), telegram_id)
        return await actions.dispatch(turn, data)


async def press_action(
    services: Services, telegram_id: int, action: str, **payload: object
) -> Outcome:
    """A press on a button of ``action`` with ``payload``, as the bot would have issued it."""
    async with services.db.transaction() as session:
        data = await buttons.issue(session, services.clock, telegram_id, action, payload)
    return await run_press(services, telegram_id, data)
