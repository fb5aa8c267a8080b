"""``/mydata`` lists what is stored, the copy holds exactly that, and "delete everything"
leaves no row anywhere that contains the person's Telegram id."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import or_, select

from bot.chat.turn import Services
from bot.models import AuditEntry, ButtonToken, FlowState, OutboxMessage, Role
from bot.outbox import queue as outbox
from bot.platform import events
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from flows import preparation
from tests import factories
from tests.conftest import RunningBot

SARA = 2001
ANNA = 3_141_592

erased: list[dict[str, object]] = []


async def _remember_erased(event: events.Event) -> None:
    erased.append(dict(event.data))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"dispatch_interval": 60.0})


async def seed(services: Services, clock: ManualClock) -> tuple[int, str]:
    async with services.db.transaction() as session:
        social = await factories.unit(session, clock, "Socialtjänst Innerstaden")
        clinic = await factories.unit(session, clock, "Beroendemottagning Rådmannen")
        sara = await factories.staff(session, clock, SARA, {social: Role.STAFF}, language="en")
        anna = await factories.individual(
            session, clock, ANNA, [social, clinic], sara, sharing=False, language="en"
        )
        await outbox.enqueue(
            session,
            clock,
            chat_id=ANNA,
            individual_id=anna.id,
            kind="meeting_reminder",
            message="Reminder",
            dedupe_key="anna-reminder",
            due_at=clock.now() + timedelta(days=3),
        )
        return anna.id, anna.case_ref


async def test_mydata_lists_it_the_copy_holds_it_and_delete_erases_it(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    erased.clear()
    running_bot.services.wiring.add(events.KIND, events.INDIVIDUAL_ERASED, _remember_erased)
    services = running_bot.services
    anna_id, case_ref = await seed(services, clock)
    async with services.db.transaction() as session:
        await services.engine.start(session, ANNA, preparation.NAME, services.tr("en"))
        state = await session.scalar(select(FlowState).where(FlowState.telegram_id == ANNA))
        assert state is not None
        state.answers = {"note": "Bring my sister"}
    anna = running_bot.double.user(ANNA, language_code="en")

    listing = await anna.say("/mydata")
    lines = listing.text.splitlines()
    assert lines[:5] == [
        "This is everything I store about you:",
        f"• The number of your Telegram account: {ANNA}",
        "• Your language: English",
        f"• Your case number: {case_ref}. Staff use it instead of your name.",
        "• Your contact person: Sara Socialsekreterare",
    ]
    assert "   Who: Beroendemottagning Rådmannen and Socialtjänst Innerstaden" in lines
    assert (
        "   ✗ Sharing your answers before meetings with Beroendemottagning Rådmannen and "
        "Socialtjänst Innerstaden: no"
    ) in lines
    assert "• Conversations with me, with your answers in them: 1" in lines
    assert "• Messages I have sent you or will send you: 1" in lines
    assert lines[-1].startswith("Your answers to the question after meetings are anonymous.")
    assert listing.button_texts == ["Send me a copy", "Delete everything"]

    await anna.click("Send me a copy")
    document = anna.last
    assert document is not None and document.kind == "document"
    assert document.filename == "my-data.json" and document.document is not None
    copy = json.loads(document.document)
    assert copy["telegram_user_id"] == ANNA
    assert copy["language"] == "en"
    assert copy["case"]["case_ref"] == case_ref
    assert copy["case"]["contact_person"] == "Sara Socialsekreterare"
    [given] = copy["consents"]
    assert (given["reminders"], given["sharing"], given["survey"]) == (True, False, True)
    assert given["units"] == ["Beroendemottagning Rådmannen", "Socialtjänst Innerstaden"]
    assert given["valid_until"] == "2026-08-29T09:00:00+00:00"
    async with services.db.transaction() as session:
        flows = list(await session.scalars(select(FlowState).where(FlowState.telegram_id == ANNA)))
        tokens = list(
            await session.scalars(select(ButtonToken).where(ButtonToken.telegram_id == ANNA))
        )
        messages = list(
            await session.scalars(
                select(OutboxMessage).where(
                    or_(OutboxMessage.chat_id == ANNA, OutboxMessage.individual_id == anna_id)
                )
            )
        )
    records = copy["records"]
    assert [row["id"] for row in records["flow_states"]] == [f.id for f in flows]
    assert records["flow_states"][0]["answers"] == flows[0].answers
    assert sorted(row["token"] for row in records["button_tokens"]) == sorted(
        t.token for t in tokens
    )
    assert [row["id"] for row in records["outbox"]] == [m.id for m in messages]
    assert set(records) == {"flow_states", "button_tokens", "outbox"}

    await anna.click("Delete everything")
    done = await anna.click("Yes, delete everything")
    assert done is not None
    assert done.text.startswith("Everything I stored about you is deleted.")
    assert done.text.endswith(
        "Questions? Call Beroendemottagning Rådmannen 040-34 10 00 or "
        "Socialtjänst Innerstaden 040-34 10 00."
    )
    assert await factories.rows_mentioning(services, [ANNA]) == []
    assert erased == [{"individual_id": anna_id, "case_ref": case_ref, "telegram_id": ANNA}]
    async with services.db.transaction() as session:
        kept = [
            (e.action, e.actor)
            for e in await session.scalars(
                select(AuditEntry).where(AuditEntry.case_ref == case_ref).order_by(AuditEntry.id)
            )
        ]
    assert kept == [
        ("copy_sent", case_ref),
        ("consent_withdrawn", case_ref),
        ("data_erased", case_ref),
    ]
    sara = running_bot.double.user(SARA)
    mark = sara.mark()
    await factories.deliver_due(services, running_bot.double)
    [told] = [m.text for m in sara.inbox_since(mark)]
    assert told.startswith(f"Consent was withdrawn for case {case_ref}. Please offer them")
    assert (await anna.say("/mydata")).text.splitlines()[1:] == [
        f"• The number of your Telegram account: {ANNA}",
        "Nothing else.",
    ]


async def test_someone_without_a_role_sees_only_their_language(
    running_bot: RunningBot,
) -> None:
    ola = running_bot.double.user(5_550_123, language_code="en")
    await ola.say("/start")
    await ola.click("English")
    listing = await ola.say("/mydata")
    assert listing.text.splitlines() == [
        "This is everything I store about you:",
        "• The number of your Telegram account: 5550123",
        "• Your language: English",
    ]
    await ola.click("Delete everything")
    await ola.click("Yes, delete everything")
    assert await factories.rows_mentioning(running_bot.services, [5_550_123]) == []


async def test_staff_see_their_profile_and_cannot_delete_themselves(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    await seed(running_bot.services, clock)
    sara = running_bot.double.user(SARA, language_code="en")
    listing = await sara.say("/mydata")
    assert (
        "• Your name and phone number, which colleagues see: Sara Socialsekreterare, 040-11 22 33"
        in listing.text
    )
    assert "• Your units and roles: Socialtjänst Innerstaden (Staff)" in listing.text
    assert listing.text.endswith("To stop being staff, ask an admin to remove you.")
    assert listing.button_texts == ["Send me a copy"]
