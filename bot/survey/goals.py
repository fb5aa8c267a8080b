"""The figures the goals were written for, next to the survey results.

The goals of the IV project were that everyone with a SIP is offered the participation survey,
and that everyone with needs from both organisations has a SIP. With them come three signs of
the process between meetings: how long a GFI takes from request to meeting, how many people
did not come, and how many transitions are still open after two weeks.

Each figure is counted over a group (people, cases, meetings, transitions) and is left out,
count and all, when the group is smaller than the minimum group size: a figure about two
people would be about those two people.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access
from bot.models import Individual, OutboxMessage, OutboxStatus, Unit
from bot.models.meetings import Meeting, MeetingStatus, MeetingType, MeetingUnit
from bot.models.nudges import TransitionCheck
from bot.models.people import Organisation
from bot.models.process import SipPlan
from bot.models.survey import InvitationStatus, SurveyInvitation
from bot.platform.config import Settings

OPEN_AFTER_DAYS = 14
GROUPED = (MeetingStatus.HELD, MeetingStatus.NO_SHOW)


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole``; both zero when the group is too small (``shown`` False)."""

    part: int = 0
    whole: int = 0
    shown: bool = False

    @property
    def rate(self) -> float | None:
        return self.part / self.whole if self.shown and self.whole else None


@dataclass(frozen=True)
class Median:
    days: float | None = None
    n: int = 0
    shown: bool = False


@dataclass(frozen=True)
class Goals:
    sip_offered: Share = Share()  # people with a SIP who were offered the survey
    both_with_sip: Share = Share()  # cases with both organisations that have a SIP
    gfi_days: Median = Median()  # from the GFI request to the meeting
    no_shows: Share = Share()  # meetings with the person where they did not come
    open_transitions: Share = Share()  # transitions still open after 14 days


def _share(part: int, whole: int, floor: int) -> Share:
    return Share(part, whole, True) if whole >= floor else Share()


def bounds(first_month: str, last_month: str, settings: Settings) -> tuple[datetime, datetime]:
    """The period as moments: from the first day of the first month to the day after the last."""
    tz = settings.tz
    start = datetime(int(first_month[:4]), int(first_month[5:7]), 1, tzinfo=tz)
    year, month = int(last_month[:4]), int(last_month[5:7])
    after = date(year + month // 12, month % 12 + 1, 1)
    return start, datetime(after.year, after.month, 1, tzinfo=tz)


def _covers(wanted: frozenset[int], units: list[int] | set[int]) -> bool:
    return not wanted or bool(wanted.intersection(units))


async def build(
    session: AsyncSession,
    settings: Settings,
    now: datetime,
    first_month: str,
    last_month: str,
    unit_ids: frozenset[int],
    meeting_type: str | None,
    floor: int,
) -> Goals:
    start, end = bounds(first_month, last_month, settings)
    plans = [
        plan
        for plan in await session.scalars(select(SipPlan).where(SipPlan.established_at < end))
        if (plan.closed_at is None or plan.closed_at >= start) and _covers(unit_ids, plan.unit_ids)
    ]
    return Goals(
        sip_offered=await _sip_offered(session, plans, start, end, floor),
        both_with_sip=await _both_with_sip(session, plans, start, end, unit_ids, floor),
        gfi_days=await _gfi_days(session, start, end, unit_ids, floor),
        no_shows=await _no_shows(session, start, end, unit_ids, meeting_type, floor),
        open_transitions=await _open_transitions(session, now, start, end, unit_ids, floor),
    )


async def _sip_offered(
    session: AsyncSession, plans: list[SipPlan], start: datetime, end: datetime, floor: int
) -> Share:
    """Per person: of those with a SIP in the period, how many were offered the survey in it
    (in the chat, on paper or by phone)."""
    people = {plan.individual_id for plan in plans}
    if not people:
        return _share(0, 0, floor)
    rows = await session.execute(
        select(SurveyInvitation.individual_id, SurveyInvitation.offered_at, OutboxMessage.status)
        .outerjoin(OutboxMessage, OutboxMessage.id == SurveyInvitation.outbox_id)
        .where(
            SurveyInvitation.individual_id.in_(people),
            SurveyInvitation.status != InvitationStatus.CANCELLED,
            SurveyInvitation.meeting_at >= start,
            SurveyInvitation.meeting_at < end,
        )
    )
    offered = {
        person
        for person, offered_at, sent in rows.all()
        if offered_at is not None or sent == OutboxStatus.SENT
    }
    return _share(len(offered), len(people), floor)


async def _both_with_sip(
    session: AsyncSession,
    plans: list[SipPlan],
    start: datetime,
    end: datetime,
    unit_ids: frozenset[int],
    floor: int,
) -> Share:
    """Of the cases open in the period whose units belong to both organisations, how many had a
    SIP in it."""
    organisation = {
        unit_id: Organisation(kind)
        for unit_id, kind in (await session.execute(select(Unit.id, Unit.organisation))).all()
    }
    with_sip = {plan.individual_id for plan in plans}
    cases = await session.scalars(
        select(Individual).where(
            Individual.created_at < end,
            (Individual.closed_at.is_(None)) | (Individual.closed_at >= start),
        )
    )
    both: set[int] = set()
    for case in list(cases):
        units = await access.named_unit_ids(session, case.id)
        meetings = await session.scalars(
            select(Meeting).where(
                Meeting.individual_id == case.id, Meeting.status != MeetingStatus.CANCELLED
            )
        )
        for meeting in meetings:
            if meeting.requester_unit_id is not None:
                units.add(meeting.requester_unit_id)
        if not _covers(unit_ids, units):
            continue
        kinds = {organisation[u] for u in units if u in organisation}
        if {Organisation.MUNICIPALITY, Organisation.REGION} <= kinds:
            both.add(case.id)
    return _share(len(both & with_sip), len(both), floor)


async def _meeting_units(session: AsyncSession, meeting: Meeting) -> set[int]:
    found = set(
        await session.scalars(
            select(MeetingUnit.unit_id).where(MeetingUnit.meeting_id == meeting.id)
        )
    )
    if meeting.requester_unit_id is not None:
        found.add(meeting.requester_unit_id)
    return found


async def _gfi_days(
    session: AsyncSession, start: datetime, end: datetime, unit_ids: frozenset[int], floor: int
) -> Median:
    """Days from the first request to the GFI that was held, a new time after a no-show
    counted from the first request."""
    held = await session.scalars(
        select(Meeting).where(
            Meeting.type == MeetingType.GFI,
            Meeting.status == MeetingStatus.HELD,
            Meeting.starts_at >= start,
            Meeting.starts_at < end,
        )
    )
    days: list[float] = []
    for meeting in list(held):
        if meeting.starts_at is None or not _covers(
            unit_ids, await _meeting_units(session, meeting)
        ):
            continue
        first = meeting
        seen = {meeting.id}
        while first.previous_meeting_id is not None and first.previous_meeting_id not in seen:
            earlier = await session.get(Meeting, first.previous_meeting_id)
            if earlier is None:
                break
            seen.add(earlier.id)
            first = earlier
        days.append((meeting.starts_at - first.created_at) / timedelta(days=1))
    if len(days) < floor:
        return Median()
    return Median(statistics.median(days), len(days), True)


async def _no_shows(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    unit_ids: frozenset[int],
    meeting_type: str | None,
    floor: int,
) -> Share:
    statement = select(Meeting).where(
        Meeting.status.in_(GROUPED),
        Meeting.type != MeetingType.STAFF_ONLY,
        Meeting.individual_id.is_not(None),
        Meeting.starts_at >= start,
        Meeting.starts_at < end,
    )
    if meeting_type:
        statement = statement.where(Meeting.type == meeting_type)
    whole = missed = 0
    for meeting in list(await session.scalars(statement)):
        if not _covers(unit_ids, await _meeting_units(session, meeting)):
            continue
        whole += 1
        missed += meeting.status == MeetingStatus.NO_SHOW
    return _share(missed, whole, floor)


async def _open_transitions(
    session: AsyncSession,
    now: datetime,
    start: datetime,
    end: datetime,
    unit_ids: frozenset[int],
    floor: int,
) -> Share:
    """Of the referrals made in the period, those still open more than 14 days later."""
    checks = await session.scalars(
        select(TransitionCheck).where(
            TransitionCheck.referred_at >= start, TransitionCheck.referred_at < end
        )
    )
    whole = still_open = 0
    late = now - timedelta(days=OPEN_AFTER_DAYS)
    for check in list(checks):
        units = {check.unit_id, *([check.referring_unit_id] if check.referring_unit_id else [])}
        if not _covers(unit_ids, units):
            continue
        whole += 1
        still_open += check.closed_at is None and check.referred_at <= late
    return _share(still_open, whole, floor)
