"""Someone assigned while times are proposed: they are asked about the times like the others,
with the same question in their chat, and their yes books the time as anyone's would."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.bot_api_double import BotApiDouble
from bot.chat import actions, buttons, profiles
from bot.chat.turn import Services, Turn
from bot.meetings import lifecycle as meetings
from bot.meetings import slots
from bot.models import Role, Staff, Unit
from bot.models.meetings import MeetingStatus
from bot.platform.clock import ManualClock
from flows.screens import Outcome
from tests import factories
from tests.meetings.support import DINA, FOLKE, LARS, SARA, booked, local, meeting_by_id, seed

IDA = 2010


@dataclass
class Proposal:
    meeting_id: int
    social_id: int
    lars_id: int
    ida_id: int


async def _proposed(services: Services) -> Proposal:
    """Sara asks for a GFI with social services, where Lars takes part and Ida works too;
    Sara has proposed one time, and nobody has answered yet."""
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
        lars = await session.scalar(select(Staff).where(Staff.telegram_id == LARS))
        sara = await session.scalar(select(Staff).where(Staff.telegram_id == SARA))
        meeting = await meetings.load(session, meeting_id)
        assert lars is not None and sara is not None and meeting is not None
        await slots.propose(
            session, clock, meeting, sara, [local(2026, 3, 12, 13)], 60, "video", None
        )
        return Proposal(meeting_id, social.id, lars.id, ida.id)


async def _run(services: Services, telegram_id: int, data: str) -> Outcome:
    async with services.db.transaction() as session:
        language = await profiles.language_of(session, telegram_id) or "en"
        turn = Turn(session, services, services.tr(language), telegram_id)
        return await actions.dispatch(turn, data)


async def _press(services: Services, telegram_id: int, action: str, **payload: object) -> Outcome:
    """A press on a button of ``action`` with ``payload``, as the bot would have issued it."""
    async with services.db.transaction() as session:
        data = await buttons.issue(session, services.clock, telegram_id, action, payload)
    return await _run(services, telegram_id, data)


async def _ida_answers_yes(services: Services, double: BotApiDouble) -> None:
    """Ida presses "Answer the times" on the question in her chat, then ✓ for the time."""
    [asked] = [m for m in double.messages_in(IDA) if "proposes times" in m.text]
    assert asked.text.startswith("Sara Sjuksköterska proposes times for the GFI")
    [[answer]] = asked.buttons
    assert answer.text == "Answer the times" and answer.callback_data is not None
    screen = (await _run(services, IDA, answer.callback_data)).screens[0]
    assert "Can you come?" in screen.text
    [[yes, _no]] = screen.buttons
    assert yes.text == "✓ 1"
    await _run(services, IDA, yes.data)


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
    await _press(
        services,
        DINA,
        "mtg_assign",
        meeting_id=proposal.meeting_id,
        unit_id=proposal.social_id,
        staff_id=proposal.ida_id,
    )
    await factories.deliver_due(services, double)
    assert [m for m in double.messages_in(IDA) if m.text.startswith("Dina Chef assigned you")]
    await _ida_answers_yes(services, double)
    await _booked_for_everyone(services, double, proposal.meeting_id)


async def test_someone_added_is_asked_and_the_time_waits_for_their_yes(
    services: Services, double: BotApiDouble
) -> None:
    proposal = await _proposed(services)
    await _press(
        services,
        DINA,
        "mtg_add",
        meeting_id=proposal.meeting_id,
        unit_id=proposal.social_id,
        staff_id=proposal.ida_id,
    )
    async with services.db.transaction() as session:
        meeting = await meetings.load(session, proposal.meeting_id)
        assert meeting is not None
        [slot] = meetings.open_slots(meeting)
    await _press(
        services, LARS, "mtg_slot", meeting_id=proposal.meeting_id, slot=slot.id, a=slots.YES
    )
    # Lars can come; the time now waits only for Ida, who has the question in her chat.
    assert (await meeting_by_id(services, proposal.meeting_id)).status == MeetingStatus.SCHEDULING
    await factories.deliver_due(services, double)
    assert [m for m in double.messages_in(IDA) if m.text.startswith("Dina Chef assigned you")]
    await _ida_answers_yes(services, double)
    await _booked_for_everyone(services, double, proposal.meeting_id)


async def test_someone_assigned_once_a_time_is_agreed_gets_no_question(
    services: Services, double: BotApiDouble
) -> None:
    proposal = await _proposed(services)
    async with services.db.transaction() as session:
        meeting = await meetings.load(session, proposal.meeting_id)
        assert meeting is not None
        [slot] = meetings.open_slots(meeting)
    await _press(
        services, LARS, "mtg_slot", meeting_id=proposal.meeting_id, slot=slot.id, a=slots.YES
    )
    await _press(
        services,
        DINA,
        "mtg_add",
        meeting_id=proposal.meeting_id,
        unit_id=proposal.social_id,
        staff_id=proposal.ida_id,
    )
    await factories.deliver_due(services, double)
    assert [m for m in double.messages_in(IDA) if m.text.startswith("Dina Chef assigned you")]
    assert [m for m in double.messages_in(IDA) if "proposes times" in m.text] == []
