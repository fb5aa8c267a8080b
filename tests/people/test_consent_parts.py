"""Consent in one meaning, changed by part: ``/consent`` changes one part in two taps and
leaves the rest; the last part leads to the withdrawal question; a withdrawal asks the
responsible staff member to offer a conversation and the other participants of the person's
meetings to decide about each meeting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.models import AuditEntry, Consent, Individual, Role
from bot.models.meetings import Meeting, MeetingStatus, MeetingType
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from tests import factories
from tests.conftest import RunningBot
from tests.meetings import support
from tests.meetings.support import FOLKE, LARS, SARA

ANNA = 3_141_592
STAFF = 2001


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Outbox rows wait for the test to send them."""
    return settings.model_copy(update={"dispatch_interval": 60.0})


async def _anna(bot: RunningBot, clock: ManualClock) -> Individual:
    async with bot.services.db.transaction() as session:
        social = await factories.unit(session, clock, "Socialtjänst Innerstaden")
        sara = await factories.staff(session, clock, STAFF, {social: Role.STAFF}, language="en")
        return await factories.individual(
            session, clock, ANNA, [social], sara, sharing=False, language="en"
        )


async def _consent(bot: RunningBot, individual_id: int) -> Consent:
    async with bot.services.db.transaction() as session:
        record = await session.scalar(select(Consent).where(Consent.individual_id == individual_id))
    assert record is not None
    return record


async def test_one_part_changes_in_two_taps_and_the_rest_stays(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    case = await _anna(running_bot, clock)
    anna = running_bot.double.user(ANNA, language_code="en")
    shown = await anna.say("/consent")
    assert "To change one part, tap it below. Everything else stays as it is." in shown.text

    ask = await anna.click("Stop reminders in the chat")
    assert ask is not None
    assert ask.text == "Stop reminders in the chat? Everything else in your consent stays as it is."
    assert ask.button_texts == ["Yes, stop", "No, leave it as it is"]
    done = await anna.click("Yes, stop")
    assert done is not None
    assert done.text.startswith(
        "Reminders in the chat: no\nDone. Everything else in your consent is as before."
    )
    assert "✗ Reminders in the chat: no" in done.text
    assert "✗ Sharing your answers before meetings with Socialtjänst Innerstaden: no" in done.text
    assert "✓ Getting the question after meetings: yes" in done.text
    assert done.button_texts[:3] == [
        "Start reminders in the chat",
        "Start sharing your answers before meetings",
        "Stop the question after meetings",
    ]
    record = await _consent(running_bot, case.id)
    assert (record.reminders, record.sharing, record.survey) == (False, False, True)
    assert record.withdrawn_at is None and record.active_at(clock.now())

    await anna.click("Start sharing your answers before meetings", message_id=done.message_id)
    started = await anna.click("Yes, start")
    assert started is not None
    assert "✓ Sharing your answers before meetings with Socialtjänst Innerstaden: yes" in (
        started.text
    )
    record = await _consent(running_bot, case.id)
    assert (record.reminders, record.sharing, record.survey) == (False, True, True)

    async with running_bot.services.db.transaction() as session:
        changes = list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "consent_changed")
                .order_by(AuditEntry.id)
            )
        )
    assert [(e.actor, e.detail["part"], e.detail["given"]) for e in changes] == [
        (case.case_ref, "reminders", False),
        (case.case_ref, "sharing", True),
    ]
    sara = running_bot.double.user(STAFF)
    mark = sara.mark()
    await factories.deliver_due(running_bot.services, running_bot.double)
    assert [m.text for m in sara.inbox_since(mark)] == [
        f"Case {case.case_ref} changed one part of their consent.\nReminders in the chat: no",
        f"Case {case.case_ref} changed one part of their consent.\nSharing of the preparation: yes",
    ]


async def test_leaving_it_as_it_is_changes_nothing(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    case = await _anna(running_bot, clock)
    anna = running_bot.double.user(ANNA, language_code="en")
    await anna.say("/consent")
    await anna.click("Stop the question after meetings")
    kept = await anna.click("No, leave it as it is")
    assert kept is not None and kept.text == "Good. Your consent stays as it is."
    record = await _consent(running_bot, case.id)
    assert (record.reminders, record.sharing, record.survey) == (True, False, True)


async def test_stopping_the_last_part_asks_to_withdraw_the_whole_consent(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    case = await _anna(running_bot, clock)
    anna = running_bot.double.user(ANNA, language_code="en")
    await anna.say("/consent")
    await anna.click("Stop reminders in the chat")
    shown = await anna.click("Yes, stop")
    assert shown is not None
    last = await anna.click("Stop the question after meetings", message_id=shown.message_id)
    assert last is not None and last.text.startswith(
        "That is the last part you said yes to. Stopping it means withdrawing your whole consent."
    )
    assert last.button_texts == ["Yes, withdraw", "No, keep it"]
    await anna.click("Yes, withdraw")
    record = await _consent(running_bot, case.id)
    assert record.withdrawn_at == clock.now()


async def test_withdrawal_asks_for_a_conversation_and_a_decision_on_each_meeting(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    services = running_bot.services
    people = await support.seed(services)
    meeting_id = await support.booked(
        services, people, clock.now() + timedelta(days=7), type=MeetingType.SIP
    )
    folke = running_bot.double.user(FOLKE, language_code="en")
    await folke.say("/consent")
    await folke.click("Withdraw my consent")
    await folke.click("Yes, withdraw")

    sara = running_bot.double.user(SARA, language_code="en")
    lars = running_bot.double.user(LARS, language_code="en")
    sara_mark, lars_mark = sara.mark(), lars.mark()
    await factories.deliver_due(services, running_bot.double)
    decision = (
        f"{people.case_ref} has withdrawn their consent. The SIP meeting on Monday 9 March 10:00 "
        "needs a decision: go on as a meeting for staff only, without them, or cancel it."
    )
    told_sara = [m.text for m in sara.inbox_since(sara_mark)]
    assert told_sara[0].startswith(
        f"Consent was withdrawn for case {people.case_ref}. Please offer them a conversation"
    )
    assert told_sara[1:] == [decision]
    [notice] = lars.inbox_since(lars_mark)
    assert notice.text == decision
    assert notice.button_texts == ["Keep as staff-only", "Cancel meeting…"]

    kept = await support.press(lars, notice, "Keep as staff-only")
    assert kept is not None and kept.text.startswith(
        "The meeting goes on for staff only. The others have been told."
    )
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        assert (meeting.type, meeting.status, meeting.individual_id) == (
            MeetingType.STAFF_ONLY,
            MeetingStatus.CONFIRMED,
            None,
        )
    sara_mark = sara.mark()
    await factories.deliver_due(services, running_bot.double)
    assert [m.text for m in sara.inbox_since(sara_mark)] == [
        f"Lars Larsson keeps the SIP meeting for {people.case_ref} as a meeting for staff only."
    ]
    sara_decision = next(m for m in sara.messages if m.text == decision)
    keep = next(b for row in sara_decision.buttons for b in row if b.text == "Keep as staff-only")
    assert keep.callback_data is not None
    toast = await sara.click_data(keep.callback_data, sara_decision.message_id)
    assert toast == "That meeting has already been decided on."
