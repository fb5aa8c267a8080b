"""Someone assigned while times are proposed: they are asked about the times like the others,
with the same question in their chat, and their yes books the time as anyone's would."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.bot_api_double import BotApiDouble
from bot.chat.turn import Services
from bot.meetings import lifecycle as meetings
from bot.meetings import slots
from bot.models import Staff
from bot.models.meetings import MeetingStatus
from tests import factories
from tests.meetings.support import (
    DINA,
    FOLKE,
    IDA,
    LARS,
    SARA,
    local,
    meeting_by_id,
    only_slot,
    press_action,
    run_press,
    scheduling_with_ida,
)


@dataclass
class Proposal:
    meeting_id: int
    social_id: int
    lars_id: int
    ida_id: int


async def _proposed(services: Services) -> Proposal:
    """Sara asks for a GFI with social services, where Lars takes part and Ida works too;
    Sara has proposed one time, and nobody has answered yet."""
    scheduling = await scheduling_with_ida(services)
    async with services.db.transaction() as session:
        lars = await session.scalar(select(Staff).where(Staff.telegram_id == LARS))
        sara = await session.scalar(select(Staff).where(Staff.telegram_id == SARA))
        meeting = await meetings.load(session, scheduling.meeting_id)
        assert lars is not None and sara is not None and meeting is not None
        await slots.propose(
            session, services.clock, meeting, sara, [local(2026, 3, 12, 13)], 60, "video", None
        )
    people = scheduling.people
    return Proposal(scheduling.meeting_id, people.social_id, lars.id, scheduling.ida_id)


async def _lars_can_come(services: Services, meeting_id: int) -> None:
    slot = await only_slot(services, meeting_id)
    await press_action(services, LARS, "mtg_slot", meeting_id=meeting_id, slot=slot.id, a=slots.YES)


async def _dina_brings_in_ida(services: Services, proposal: Proposal, action: str) -> None:
    """Dina, social services' distributor, assigns Ida instead (``mtg_assign``) or adds her
    (``mtg_add``)."""
    await press_action(
        services,
        DINA,
        action,
        meeting_id=proposal.meeting_id,
        unit_id=proposal.social_id,
        staff_id=proposal.ida_id,
    )


async def _ida_answers_yes(services: Services, double: BotApiDouble) -> None:
    """Ida presses "Answer the times" on the question in her chat, then ✓ for the time."""
    [asked] = [m for m in double.messages_in(IDA) if "proposes times" in m.text]
    assert asked.text.startswith("Sara Sjuksköterska proposes times for the GFI")
    [[answer]] = asked.buttons
    assert answer.text == "Answer the times" and answer.callback_data is not None
    screen = (await run_press(services, IDA, answer.callback_data)).screens[0]
    assert "Can you come?" in screen.text
    [[yes, _no]] = screen.buttons
    assert yes.text == "✓ 1"
    await run_press(services, IDA, yes.data)


async def _ida_hears_and_her_yes_books_the_time(
    services: Services, double: BotApiDouble, meeting_id: int
) -> None:
    """Ida is told she was assigned, answers the question about the times, and the time is
    booked for everyone."""
    await factories.deliver_due(services, double)
    assert [m for m in double.messages_in(IDA) if m.text.startswith("Dina Chef assigned you")]
    await _ida_answers_yes(services, double)
    await _booked_for_everyone(services, double, meeting_id)


async def _booked_for_everyone(services: Services, double: BotApiDouble, meeting_id: int) -> None:
    assert (await meeting_by_id(services, meeting_id)).status == MeetingStatus.INVITED
    await factories.deliver_due(services, double)
    assert [m for m in double.messages_in(FOLKE) if "invited to a meeting" in m.text]
    assert [m for m in double.messages_in(SARA) if m.text.startswith("Everyone can come on")]


async def test_someone_assigned_instead_is_asked_and_their_yes_books_the_time(
    services: Services, double: BotApiDouble
) -> None:
    proposal = await _proposed(services)
    await factories.deliver_due(services, double)
    # Before Lars answers, Dina gives the meeting to Ida instead.
    await _dina_brings_in_ida(services, proposal, "mtg_assign")
    await _ida_hears_and_her_yes_books_the_time(services, double, proposal.meeting_id)


async def test_someone_added_is_asked_and_the_time_waits_for_their_yes(
    services: Services, double: BotApiDouble
) -> None:
    proposal = await _proposed(services)
    await _dina_brings_in_ida(services, proposal, "mtg_add")
    await _lars_can_come(services, proposal.meeting_id)
    # Lars can come; the time now waits only for Ida, who has the question in her chat.
    assert (await meeting_by_id(services, proposal.meeting_id)).status == MeetingStatus.SCHEDULING
    await _ida_hears_and_her_yes_books_the_time(services, double, proposal.meeting_id)


async def test_someone_assigned_once_a_time_is_agreed_gets_no_question(
    services: Services, double: BotApiDouble
) -> None:
    proposal = await _proposed(services)
    await _lars_can_come(services, proposal.meeting_id)
    await _dina_brings_in_ida(services, proposal, "mtg_add")
    await factories.deliver_due(services, double)
    assert [m for m in double.messages_in(IDA) if m.text.startswith("Dina Chef assigned you")]
    assert [m for m in double.messages_in(IDA) if "proposes times" in m.text] == []
