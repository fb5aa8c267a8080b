"""Closing a case: after a closing meeting there is nothing to explain; without one the reason is
asked; open transitions are listed and closed with the case; the person is told, or staff are
told to tell them; the one-tap end of consent is the person's own."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.chat import buttons
from bot.chat.turn import Services
from bot.models import Individual, Organisation, Role, Staff, Unit
from bot.models.meetings import MeetingStatus, MeetingType
from bot.models.nudges import TransitionCheck
from bot.models.process import CaseClosure
from bot.nudges import closure
from bot.platform.clock import ManualClock
from tests import factories
from tests.conftest import RunningBot

ANNA, SARA, BO = 1001, 2001, 1002


async def _case(
    services: Services, clock: ManualClock, *, telegram: bool = True
) -> tuple[int, str]:
    async with services.db.transaction() as session:
        home = await factories.unit(session, clock, phone="040-34 10 00")
        clinic = await factories.unit(session, clock, "Beroendemottagningen", Organisation.REGION)
        sara = await factories.staff(session, clock, SARA, {home: Role.STAFF}, "Sara", "en")
        anna = await factories.individual(session, clock, ANNA, [home, clinic], sara, language="en")
        if not telegram:
            anna.telegram_id = None
        return anna.id, anna.case_ref


async def test_after_a_closing_meeting_the_case_closes_without_a_reason(
    running_bot: RunningBot,
) -> None:
    bot, services, clock = running_bot, running_bot.services, running_bot.clock
    anna_id, case = await _case(services, clock)
    async with services.db.transaction() as session:
        sara = await session.scalar(select(Staff).where(Staff.telegram_id == SARA))
        anna = await session.get(Individual, anna_id)
        clinic = await session.scalar(select(Unit).where(Unit.name == "Beroendemottagningen"))
        assert sara is not None and clinic is not None
        held = await factories.meeting(
            session,
            clock,
            individual=anna,
            requester=sara,
            units={clinic: None},
            type=MeetingType.CLOSING,
            status=MeetingStatus.HELD,
            starts_at=clock.now() - timedelta(days=1),
        )
        session.add(
            TransitionCheck(
                meeting_id=held.id,
                individual_id=anna_id,
                unit_id=clinic.id,
                referred_at=clock.now() - timedelta(days=1),
                ask_at=clock.now() + timedelta(days=13),
                created_at=clock.now(),
            )
        )
        held_id = held.id
    sara_chat = bot.double.user(SARA, language_code="en")
    opened = await sara_chat.say(f"/case {case}")
    assert "Open transitions:" in opened.text
    listing = await sara_chat.click("Close the case", message_id=opened.message_id)
    assert listing is not None
    assert "The closing meeting was held on 1 March 2026." in listing.text
    assert "• Beroendemottagningen: unit: not asked here; person: will be asked on" in listing.text
    assert listing.button_texts == ["Close the case", "Not now"]
    sure = await sara_chat.click("Close the case", message_id=listing.message_id)
    assert sure is not None and "Reason:" not in sure.text
    done = await sara_chat.click("Yes, close it", message_id=sure.message_id)
    assert done is not None and done.text == f"Case {case} is closed. The person has been told."
    async with services.db.transaction() as session:
        closed = await session.scalar(select(CaseClosure))
        check = await session.scalar(select(TransitionCheck))
    assert closed is not None and closed.closing_meeting_id == held_id and closed.reason is None
    assert check is not None and check.closed_reason == "case_closed"
    told = await bot.double.user(ANNA).wait_for_messages(1, since=0)
    assert told[0].text.startswith("Your case with the units is now closed.")
    assert "Call Socialtjänst Innerstaden, vuxen/missbruk on 040-34 10 00." in told[0].text


async def test_a_person_who_cannot_be_reached_is_left_for_staff_to_tell(
    services: Services, clock: ManualClock
) -> None:
    anna_id, _case_ref = await _case(services, clock, telegram=False)
    async with services.db.transaction() as session:
        sara = await session.scalar(select(Staff).where(Staff.telegram_id == SARA))
        anna = await session.get(Individual, anna_id)
        assert sara is not None and anna is not None
        told = await closure.close(
            session, clock, sara, anna, reason="unreachable", closing_meeting_id=None
        )
    assert told is False


async def test_only_the_person_can_end_their_consent_from_the_closing_notice(
    running_bot: RunningBot,
) -> None:
    bot, services, clock = running_bot, running_bot.services, running_bot.clock
    anna_id, _case_ref = await _case(services, clock)
    bo = bot.double.user(BO, language_code="en")
    anchor = await bo.say("/help")
    async with services.db.transaction() as session:
        data = await buttons.issue(
            session, clock, BO, closure.END_CONSENT_ACTION, {"individual_id": anna_id}
        )
    toast = await bo.click_data(data, anchor.message_id)
    assert toast == "You do not have access to that case."
