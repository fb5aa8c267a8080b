"""SIP duties: when the prompt shows and the nudge goes, a record text with no sentence that was
not answered, never a SIP at a staff-only meeting, and a SIP closed at the closing meeting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.chat import buttons
from bot.chat.turn import Services
from bot.meetings import lifecycle, sip, sip_duties
from bot.meetings.outcomes_chat import steps_for
from bot.models import Individual, Organisation, OutboxMessage, Role, Staff, Unit
from bot.models.meetings import Meeting, MeetingStatus, MeetingType
from bot.models.process import SipPlan
from bot.outbox import queue as outbox
from bot.platform import events
from bot.platform.clock import ManualClock
from tests import factories
from tests.conftest import RunningBot
from tests.meetings.support import SARA, local

ANNA = 1001


async def _case(
    services: Services, clock: ManualClock, organisations: tuple[Organisation, ...]
) -> tuple[int, int, list[int]]:
    """Anna's consent covers one unit per organisation given; Sara works at the first."""
    async with services.db.transaction() as session:
        units = [
            await factories.unit(session, clock, f"Enhet {n}", organisation, f"040-00 00 0{n}")
            for n, organisation in enumerate(organisations)
        ]
        sara = await factories.staff(
            session, clock, SARA, {units[0]: Role.STAFF}, name="Sara", language="en"
        )
        anna = await factories.individual(session, clock, ANNA, units, sara, language="en")
        return anna.id, sara.id, [u.id for u in units]


async def _plan(
    services: Services,
    clock: ManualClock,
    *,
    mandate: bool,
    missing: list[int],
    note: str | None,
    meeting_type: MeetingType = MeetingType.GFI,
) -> str:
    anna_id, sara_id, unit_ids = await _case(
        services, clock, (Organisation.REGION, Organisation.MUNICIPALITY)
    )
    async with services.db.transaction() as session:
        sara = await session.get(Staff, sara_id)
        other = await session.get(Unit, unit_ids[1])
        anna = await session.get(Individual, anna_id)
        assert sara is not None and other is not None
        lars = await factories.staff(session, clock, 2002, {other: Role.STAFF}, name="Lars")
        meeting = await factories.meeting(
            session,
            clock,
            individual=anna,
            requester=sara,
            units={other: lars},
            starts_at=local(2026, 3, 2, 13),
            type=meeting_type,
            status=MeetingStatus.HELD,
        )
        meeting.requester_unit_id = unit_ids[0]
        loaded = await lifecycle.load(session, meeting.id)
        assert loaded is not None
        plan = SipPlan(
            individual_id=anna_id,
            meeting_id=meeting.id,
            unit_ids=lifecycle.unit_ids(loaded),
            established_at=local(2026, 3, 2, 13),
            mandate=mandate,
            missing_unit_ids=missing,
            main_staff_id=lars.id,
            followup_at=local(2026, 4, 14, 10),
            interruption_plan=["units_tell", "care_continues"],
            interruption_note=note,
        )
        session.add(plan)
        return await sip.record_text(session, plan, loaded)


async def test_with_a_mandate_at_a_gfi_the_record_says_no_separate_meeting_is_needed(
    services: Services, clock: ManualClock
) -> None:
    text = await _plan(services, clock, mandate=True, missing=[], note=None)
    assert text.splitlines() == [
        "SIP upprättad i samband med GFI den 2 mars 2026.",
        "Närvarande: den enskilde samt Enhet 0 och Enhet 1.",
        "De verksamheter vars insatser ska samordnas var företrädda med mandat att besluta.",
        "Huvudansvarig: Lars, Enhet 1.",
        "Uppföljning: tisdag 14 april 10:00.",
        "Plan vid avbrott: verksamheterna meddelar varandra samma arbetsdag; behandling och "
        "läkemedel fortsätter under avbrottet.",
        "Det behöver inte kallas till något separat möte för upprättande av SIP.",
    ]


async def test_without_a_mandate_the_record_names_who_was_missing_and_claims_no_mandate(
    services: Services, clock: ManualClock
) -> None:
    text = await _plan(services, clock, mandate=False, missing=[], note="Ring först")
    assert "mandat att besluta" not in text
    assert "separat möte" not in text
    assert text.splitlines()[2] == (
        "Alla verksamheter vars insatser ska samordnas var inte företrädda med mandat. "
        "Planen upprättades så långt det gick och slutförs vid uppföljningen."
    )
    assert text.splitlines()[-1] == "Anteckning om avbrott: Ring först"


async def test_at_a_sip_meeting_the_record_does_not_speak_of_a_gfi(
    services: Services, clock: ManualClock
) -> None:
    text = await _plan(
        services, clock, mandate=True, missing=[], note=None, meeting_type=MeetingType.SIP
    )
    assert text.startswith("SIP upprättad i samband med SIP-möte den 2 mars 2026.")
    assert "separat möte" not in text


def test_a_staff_only_meeting_never_offers_a_sip_and_closing_offers_closing_it() -> None:
    staff_only = Meeting(type=MeetingType.STAFF_ONLY, individual_id=1)
    assert list(steps_for(staff_only, sip_active=True)) == ["joint_assessment", "none"]
    gfi = Meeting(type=MeetingType.GFI, individual_id=1)
    assert "sip_established" in steps_for(gfi, sip_active=False)
    closing = Meeting(type=MeetingType.CLOSING, individual_id=1)
    assert list(steps_for(closing, sip_active=True)) == ["sip_closed", "referred", "none"]
    assert "sip_closed" not in steps_for(closing, sip_active=False)


async def test_the_duty_comes_with_both_organisations_and_goes_with_a_sip(
    services: Services, clock: ManualClock
) -> None:
    anna_id, sara_id, unit_ids = await _case(services, clock, (Organisation.MUNICIPALITY,))
    async with services.db.transaction() as session:
        assert not await sip.both_organisations(session, anna_id, clock.now())
        assert await sip_duties.bring_up_duties(session, clock) == 0
        # A meeting with a unit of the region makes it a case for both organisations.
        region = await factories.unit(session, clock, "Psykiatrin", Organisation.REGION)
        sara = await session.get(Staff, sara_id)
        anna = await session.get(Individual, anna_id)
        assert sara is not None
        meeting = await factories.meeting(
            session, clock, individual=anna, requester=sara, units={region: None}
        )
        meeting.requester_unit_id = unit_ids[0]
    async with services.db.transaction() as session:
        assert await sip.both_organisations(session, anna_id, clock.now())
        assert await sip_duties.bring_up_duties(session, clock) == 2
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [(r.kind, r.chat_id, r.due_at) for r in rows] == [
        (sip_duties.KIND_DUTY_STAFF, SARA, local(2026, 3, 3, 9)),
        (sip_duties.KIND_DUTY_PERSON, ANNA, local(2026, 3, 3, 10)),
    ]
    async with services.db.transaction() as session:  # a SIP before they go: they stay
        session.add(
            SipPlan(
                individual_id=anna_id,
                unit_ids=unit_ids,
                established_at=clock.now(),
                mandate=True,
                missing_unit_ids=[],
                followup_at=clock.now() + timedelta(weeks=4),
                interruption_plan=[],
            )
        )
    async with services.db.transaction() as session:
        for row in rows:
            fresh = await session.get(OutboxMessage, row.id)
            assert fresh is not None
            assert not await outbox.still_wanted(session, fresh, clock.now())


async def test_sip_closed_at_the_closing_meeting(services: Services, clock: ManualClock) -> None:
    anna_id, sara_id, unit_ids = await _case(
        services, clock, (Organisation.MUNICIPALITY, Organisation.REGION)
    )
    async with services.db.transaction() as session:
        session.add(
            SipPlan(
                individual_id=anna_id,
                unit_ids=unit_ids,
                established_at=clock.now(),
                mandate=True,
                missing_unit_ids=[],
                followup_at=clock.now() + timedelta(weeks=4),
                interruption_plan=[],
            )
        )
        sara = await session.get(Staff, sara_id)
        anna = await session.get(Individual, anna_id)
        other = await session.get(Unit, unit_ids[1])
        assert sara is not None and other is not None
        closing = await factories.meeting(
            session,
            clock,
            individual=anna,
            requester=sara,
            units={other: None},
            type=MeetingType.CLOSING,
            status=MeetingStatus.HELD,
        )
        closing.outcome_by_staff_id = sara.id
        await events.emit(
            events.MEETING_OUTCOME,
            session,
            clock,
            meeting_id=closing.id,
            outcome="held",
            next_steps=["sip_closed"],
            referred_to_unit_id=None,
        )
    async with services.db.transaction() as session:
        assert await sip.active(session, anna_id) is None
        plan = await session.scalar(select(SipPlan))
        assert plan is not None and plan.closed_by == sara_id


async def test_a_staff_only_meeting_is_recorded_without_a_sip_in_the_chat(
    running_bot: RunningBot,
) -> None:
    bot = running_bot
    anna_id, sara_id, unit_ids = await _case(
        bot.services, bot.clock, (Organisation.MUNICIPALITY, Organisation.REGION)
    )
    async with bot.services.db.transaction() as session:
        sara = await session.get(Staff, sara_id)
        anna = await session.get(Individual, anna_id)
        other = await session.get(Unit, unit_ids[1])
        assert sara is not None and other is not None
        meeting = await factories.meeting(
            session,
            bot.clock,
            individual=anna,
            requester=sara,
            units={other: None},
            type=MeetingType.STAFF_ONLY,
            starts_at=bot.clock.now() - timedelta(hours=2),
        )
        meeting.requester_unit_id = unit_ids[0]
        meeting_id = meeting.id
    user = bot.double.user(SARA, language_code="en")
    anchor = await user.say("/help")
    async with bot.services.db.transaction() as session:
        data = await buttons.issue(
            session, bot.clock, SARA, "mtg_outcome", {"meeting_id": meeting_id}
        )
    await user.click_data(data, anchor.message_id)
    asked = user.last
    assert asked is not None and asked.button_texts == ["It was held", "It did not happen"]
    steps = await user.click("It was held", message_id=asked.message_id)
    assert steps is not None
    assert steps.button_texts[:3] == ["Joint assessment planned", "Nothing further", "Done ✔"]


async def test_the_hourly_job_reaches_every_case_a_few_at_a_time(
    services: Services, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many cases are taken in short transactions, so the job never holds the database for all
    of them at once; none is left out between two batches and none is told twice."""
    monkeypatch.setattr(sip_duties, "BATCH", 2)
    async with services.db.transaction() as session:
        units = [
            await factories.unit(session, clock, "Socialtjänsten", Organisation.MUNICIPALITY),
            await factories.unit(session, clock, "Psykiatrin", Organisation.REGION),
        ]
        sara = await factories.staff(session, clock, SARA, {units[0]: Role.STAFF}, language="en")
        for n in range(5):
            await factories.individual(session, clock, 7_000 + n, units, sara, language="en")
    await sip_duties.duties_job(services)
    await sip_duties.duties_job(services)
    async with services.db.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    told = sorted(r.chat_id for r in rows if r.kind == sip_duties.KIND_DUTY_PERSON)
    assert told == [7_000 + n for n in range(5)]
    assert sum(r.kind == sip_duties.KIND_DUTY_STAFF for r in rows) == 5
