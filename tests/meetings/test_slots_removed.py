"""A participant taken out of a meeting while times are proposed: the proposal stops waiting
for them, so the others' yes books the time, and the question about the times is not sent to
them any more."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.bot_api_double import BotApiDouble
from bot.chat.turn import Services
from bot.meetings import lifecycle as meetings
from bot.meetings import slots
from bot.models import Role, Staff, StaffMembership, Unit
from bot.models.meetings import MeetingStatus, MeetingUnit, MeetingUnitStaff, UnitRequestStatus
from bot.people import staff as staff_service
from tests import factories
from tests.meetings.support import (
    FOLKE,
    IDA,
    LARS,
    OLLE,
    SARA,
    People,
    local,
    meeting_by_id,
    only_slot,
    press_action,
    scheduling_with_ida,
)


@dataclass
class Proposal:
    people: People
    meeting_id: int
    lars_id: int
    ida_id: int


async def _proposed(
    services: Services, *, lars_also_at_clinic: bool = False, with_vaster: bool = False
) -> Proposal:
    """Sara asks for a GFI with social services, where Lars and Ida both take part; Sara has
    proposed one time. ``lars_also_at_clinic``: Lars works at Sara's clinic too;
    ``with_vaster``: Olle takes part for Socialtjänst Väster as well."""
    clock = services.clock
    scheduling = await scheduling_with_ida(services)
    people, meeting_id = scheduling.people, scheduling.meeting_id
    async with services.db.transaction() as session:
        ida = await session.get(Staff, scheduling.ida_id)
        assert ida is not None
        lars = await session.scalar(select(Staff).where(Staff.telegram_id == LARS))
        sara = await session.scalar(select(Staff).where(Staff.telegram_id == SARA))
        assert lars is not None and sara is not None
        if lars_also_at_clinic:
            session.add(
                StaffMembership(staff_id=lars.id, unit_id=people.clinic_id, role=Role.STAFF)
            )
        session.add(
            MeetingUnitStaff(
                meeting_id=meeting_id,
                unit_id=people.social_id,
                staff_id=ida.id,
                assigned_at=clock.now(),
            )
        )
        if with_vaster:
            vaster = await session.scalar(select(Unit).where(Unit.name == "Socialtjänst Väster"))
            olle = await session.scalar(select(Staff).where(Staff.telegram_id == OLLE))
            assert vaster is not None and olle is not None
            session.add(
                MeetingUnit(
                    meeting_id=meeting_id,
                    unit_id=vaster.id,
                    status=UnitRequestStatus.ASSIGNED,
                    assigned_staff_id=olle.id,
                    assigned_at=clock.now(),
                    queued_at=clock.now(),
                )
            )
        await session.flush()
        meeting = await meetings.load(session, meeting_id)
        assert meeting is not None
        await slots.propose(
            session, clock, meeting, sara, [local(2026, 3, 12, 13)], 60, "video", None
        )
        return Proposal(people, meeting_id, lars.id, ida.id)


async def _remove_lars_from_social(services: Services, proposal: Proposal) -> None:
    async with services.db.transaction() as session:
        lars = await session.get(Staff, proposal.lars_id)
        social = await session.get(Unit, proposal.people.social_id)
        assert lars is not None and social is not None
        await staff_service.remove(session, services.clock, lars, unit=social, actor="admin")


async def _ida_can_come(services: Services, proposal: Proposal) -> None:
    """Ida answers yes to the one proposed time."""
    slot = await only_slot(services, proposal.meeting_id)
    await press_action(
        services, IDA, "mtg_slot", meeting_id=proposal.meeting_id, slot=slot.id, a=slots.YES
    )


async def test_the_others_yes_books_the_time_once_a_participant_is_removed(
    services: Services, double: BotApiDouble
) -> None:
    proposal = await _proposed(services)
    await factories.deliver_due(services, double)
    [asked] = [m for m in double.messages_in(IDA) if "proposes times" in m.text]
    # Ida can come; Lars has not answered when he is taken out of social services.
    await _ida_can_come(services, proposal)
    assert (await meeting_by_id(services, proposal.meeting_id)).status == MeetingStatus.SCHEDULING
    await _remove_lars_from_social(services, proposal)

    assert (await meeting_by_id(services, proposal.meeting_id)).status == MeetingStatus.INVITED
    await factories.deliver_due(services, double)
    assert [m.text for m in double.messages_in(FOLKE) if "invited to a meeting" in m.text]
    assert [m for m in double.messages_in(SARA) if m.text.startswith("Everyone can come on")]
    assert asked.button_texts == ["Answer the times"]


async def test_a_removed_participant_is_not_asked_about_the_times(
    services: Services, double: BotApiDouble
) -> None:
    """Lars still works at the clinic and may see the case, but no longer takes part."""
    proposal = await _proposed(services, lars_also_at_clinic=True)
    await _remove_lars_from_social(services, proposal)
    await factories.deliver_due(services, double)
    assert [m.text for m in double.messages_in(IDA) if "proposes times" in m.text]
    assert [m.text for m in double.messages_in(LARS) if "proposes times" in m.text] == []
    # He still sees the meeting from the clinic; the button to answer the times says why not.
    old = await press_action(services, LARS, meetings.ANSWER_SLOTS, meeting_id=proposal.meeting_id)
    assert old.toast == "You no longer take part in this meeting, so your answer is not needed."
    card = await press_action(services, SARA, meetings.OPEN_CARD, meeting_id=proposal.meeting_id)
    assert "(1 of 2 can come)" in card.screens[0].text  # Sara and Ida; Lars is not counted
    # Nor is the proposal waiting for him: Ida's yes is the last one it needs.
    await _ida_can_come(services, proposal)
    assert (await meeting_by_id(services, proposal.meeting_id)).status == MeetingStatus.INVITED


async def test_a_unit_that_returns_the_request_is_not_waited_for(
    services: Services, double: BotApiDouble
) -> None:
    proposal = await _proposed(services, with_vaster=True)
    async with services.db.transaction() as session:
        meeting = await meetings.load(session, proposal.meeting_id)
        vaster = await session.scalar(select(Unit).where(Unit.name == "Socialtjänst Väster"))
        assert meeting is not None and vaster is not None
        [slot] = meetings.open_slots(meeting)
    for person in (LARS, IDA):
        await press_action(
            services, person, "mtg_slot", meeting_id=proposal.meeting_id, slot=slot.id, a=slots.YES
        )
    assert (await meeting_by_id(services, proposal.meeting_id)).status == MeetingStatus.SCHEDULING
    # Olle has not answered; Väster returns the request instead.
    await press_action(
        services,
        OLLE,
        "mtg_returned",
        meeting_id=proposal.meeting_id,
        unit_id=vaster.id,
        reason="not_our_unit",
    )
    assert (await meeting_by_id(services, proposal.meeting_id)).status == MeetingStatus.INVITED
