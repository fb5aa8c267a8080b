"""``/consent`` shows and withdraws in two taps; a withdrawal stops every waiting message at
once; consent runs out on its own; nobody can press another person's buttons."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.chat.turn import Services
from bot.models import AuditEntry, Consent, Individual, OutboxMessage, OutboxStatus, Role
from bot.outbox import queue as outbox
from bot.people import consent
from bot.platform import events
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from tests import factories
from tests.conftest import RunningBot

SARA = 2001
LARS = 2002
ANNA = 3_141_592
BOB = 2_718_281

withdrawn: list[dict[str, object]] = []


async def _remember_withdrawn(event: events.Event) -> None:
    withdrawn.append(dict(event.data))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"dispatch_interval": 60.0})


async def seed(services: Services, clock: ManualClock) -> tuple[Individual, Individual]:
    """Anna and Bob, both with consent, Sara responsible for both."""
    async with services.db.transaction() as session:
        social = await factories.unit(session, clock, "Socialtjänst Innerstaden")
        sara = await factories.staff(session, clock, SARA, {social: Role.STAFF}, language="en")
        anna = await factories.individual(
            session, clock, ANNA, [social], sara, sharing=False, language="en"
        )
        bob = await factories.individual(session, clock, BOB, [social], sara, language="en")
    return anna, bob


async def test_withdrawal_cancels_even_a_reminder_that_is_already_due(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    withdrawn.clear()
    running_bot.services.wiring.add(events.KIND, events.CONSENT_WITHDRAWN, _remember_withdrawn)
    services = running_bot.services
    anna_case, _ = await seed(services, clock)
    async with services.db.transaction() as session:
        reminder = await outbox.enqueue(
            session,
            clock,
            chat_id=ANNA,
            individual_id=anna_case.id,
            kind="meeting_reminder",
            message="Reminder: your meeting is tomorrow.",
            dedupe_key="test-reminder",
            due_at=clock.now() - timedelta(minutes=1),
        )
    assert reminder is not None

    anna = running_bot.double.user(ANNA, language_code="en")
    shown = await anna.say("/consent")
    assert shown.text.splitlines()[:7] == [
        "Your consent (samtycke):",
        "Consent (samtycke) is your yes to what the units may do together with you here: which "
        "parts, with which units, and for how long. You can change a part or take it all back "
        "at any time.",
        "",
        "Given 2 March 2026. Applies until 29 August 2026.",
        "Who: Socialtjänst Innerstaden",
        "✓ Reminders in the chat: yes",
        "✗ Sharing your answers before meetings with Socialtjänst Innerstaden: no",
    ]
    assert "✓ Getting the question after meetings: yes" in shown.text
    assert shown.text.endswith("Questions? Call Socialtjänst Innerstaden 040-34 10 00.")
    assert shown.button_texts == [
        "Stop reminders in the chat",
        "Start sharing your answers before meetings",
        "Stop the question after meetings",
        "Withdraw my consent",
    ]
    confirm = await anna.click("Withdraw my consent")
    assert confirm is not None and confirm.text.startswith("Do you want to withdraw your consent?")
    assert confirm.button_texts == ["Yes, withdraw", "No, keep it"]
    done = await anna.click("Yes, withdraw")
    assert done is not None
    assert done.text.startswith("Your consent is withdrawn. I will not write to you")

    async with services.db.transaction() as session:
        row = await session.get(OutboxMessage, reminder.id)
        assert row is not None and row.status == OutboxStatus.CANCELLED
        record = await session.scalar(select(Consent).where(Consent.individual_id == anna_case.id))
        assert record is not None and record.withdrawn_at == clock.now()
        case = await session.get(Individual, anna_case.id)
        assert case is not None and case.erase_after == clock.now() + timedelta(days=30)
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "consent_withdrawn")
        )
        assert entry is not None
        assert (entry.actor, entry.case_ref) == (anna_case.case_ref, anna_case.case_ref)
    assert withdrawn == [{"individual_id": anna_case.id}]

    anna_mark = anna.mark()
    sara = running_bot.double.user(SARA)
    sara_mark = sara.mark()
    await factories.deliver_due(services, running_bot.double)
    assert anna.inbox_since(anna_mark) == []
    assert [m.text for m in sara.inbox_since(sara_mark)] == [
        f"Consent was withdrawn for case {anna_case.case_ref}. Please offer them a "
        "conversation, by phone or in person, about what they want now and what it means for "
        "their support."
    ]

    after = await anna.say("/consent")
    assert "\n".join(after.text.splitlines()[3:7]) == (
        "Given 2 March 2026 for: reminders in the chat, the question after meetings.\n"
        "Who: Socialtjänst Innerstaden\n"
        "You withdrew it on 2 March 2026.\n"
        "None of it applies any more."
    )
    assert "✓" not in after.text and "✗" not in after.text
    assert after.button_texts == ["Give consent again"]
    again = await anna.click("Give consent again")
    assert again is not None and again.text.startswith(
        "Socialtjänst Innerstaden want to work together with you."
    )


async def test_keeping_consent_changes_nothing(running_bot: RunningBot, clock: ManualClock) -> None:
    anna_case, _ = await seed(running_bot.services, clock)
    anna = running_bot.double.user(ANNA, language_code="en")
    await anna.say("/consent")
    await anna.click("Withdraw my consent")
    kept = await anna.click("No, keep it")
    assert kept is not None and kept.text == "Good. Your consent stays as it is."
    async with running_bot.services.db.transaction() as session:
        assert await consent.active(session, anna_case.id, clock.now())


async def test_forged_button_for_another_persons_case_is_refused_and_audited(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    anna_case, bob_case = await seed(running_bot.services, clock)
    anna = running_bot.double.user(ANNA, language_code="en")
    shown = await anna.say("/consent")
    forged = shown.buttons[-1][0].callback_data
    assert forged is not None
    bob = running_bot.double.user(BOB, language_code="en")
    own = await bob.say("/consent")
    toast = await bob.click_data(forged, own.message_id)
    assert toast == "That button is not for you."
    async with running_bot.services.db.transaction() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "button_refused")
        )
        assert entry is not None
        assert (entry.actor, entry.case_ref) == (bob_case.case_ref, anna_case.case_ref)
        assert await consent.active(session, anna_case.id, clock.now())
    assert await anna.click("Withdraw my consent") is not None  # still Anna's to press


async def test_staff_cannot_open_a_case_outside_their_units(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    services = running_bot.services
    anna_case, _ = await seed(services, clock)
    async with services.db.transaction() as session:
        elsewhere = await factories.unit(session, clock, "Socialtjänst Väster")
        await factories.staff(session, clock, LARS, {elsewhere: Role.ADMIN}, "Lars", language="en")
    sara = running_bot.double.user(SARA, language_code="en")
    listing = await sara.say("/cases")
    assert anna_case.case_ref in listing.button_texts
    opened = await sara.click(anna_case.case_ref)
    assert opened is not None and opened.text.startswith(f"Case {anna_case.case_ref}")
    # The staff view in staff wording, not the person's "Sharing your answers … with …".
    assert "Sharing of the preparation: no" in opened.text.splitlines()
    assert "Sharing your answers" not in opened.text
    case_button = next(
        b.callback_data for row in listing.buttons for b in row if b.text == anna_case.case_ref
    )
    assert case_button is not None

    lars = running_bot.double.user(LARS, language_code="en")
    refused = await lars.say(f"/case {anna_case.case_ref}")
    assert refused.text == "You do not have access to that case."
    nothing = await lars.say("/case K-ZZZZ")
    assert nothing.text == "You do not have access to that case."
    toast = await lars.click_data(case_button, nothing.message_id)
    assert toast == "That button is not for you."
    async with services.db.transaction() as session:
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    lars_actor = next(e.actor for e in entries if e.action == "refused")
    assert lars_actor.startswith("staff:")
    assert [(e.action, e.case_ref) for e in entries if e.actor == lars_actor] == [
        ("refused", anna_case.case_ref),
        ("refused", None),
        ("button_refused", anna_case.case_ref),
    ]
    assert any(e.action == "case_opened" and e.case_ref == anna_case.case_ref for e in entries)


async def test_staff_close_a_case_and_the_person_is_no_longer_written_to(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    services = running_bot.services
    anna_case, _ = await seed(services, clock)
    sara = running_bot.double.user(SARA, language_code="en")
    opened = await sara.say(f"/case {anna_case.case_ref}")
    assert opened.button_texts == ["Close the case"]
    await sara.click("Close the case")
    await sara.click("Close without a closing meeting…")
    await sara.click("The person has moved, or gets their support elsewhere")
    closed = await sara.click("Yes, close it")
    assert closed is not None
    assert closed.text == f"Case {anna_case.case_ref} is closed. The person has been told."
    async with services.db.transaction() as session:
        case = await session.get(Individual, anna_case.id)
        assert case is not None and case.closed_at == clock.now()
        assert case.erase_after == clock.now() + timedelta(days=30)
    alias = await sara.say(f"/alias {anna_case.case_ref} 19800101-1234")
    assert alias.text == "That looks like a personal identity number. It cannot be stored."
    alias = await sara.say(f"/alias {anna_case.case_ref} Anna S")
    assert alias.text.startswith(f"The alias for case {anna_case.case_ref} is saved.")


async def test_consent_runs_out_on_its_own(services: Services, clock: ManualClock) -> None:
    anna_case, _ = await seed(services, clock)
    async with services.db.transaction() as session:
        await outbox.enqueue(
            session,
            clock,
            chat_id=ANNA,
            individual_id=anna_case.id,
            kind="meeting_reminder",
            message="Reminder",
            dedupe_key="later-reminder",
            due_at=clock.now() + timedelta(days=200),
        )
    clock.advance(timedelta(days=179))
    await consent.expiry_job(services)
    async with services.db.transaction() as session:
        assert await consent.active(session, anna_case.id, clock.now())
    clock.advance(timedelta(days=2))
    await consent.expiry_job(services)
    async with services.db.transaction() as session:
        records = list(await session.scalars(select(Consent)))
        assert all(r.expired_at == clock.now() for r in records)
        case = await session.get(Individual, anna_case.id)
        assert case is not None and case.erase_after == clock.now() + timedelta(days=30)
        kinds = {(row.kind, row.status) for row in await session.scalars(select(OutboxMessage))}
        assert ("meeting_reminder", OutboxStatus.CANCELLED) in kinds
        assert ("consent_expired", OutboxStatus.PENDING) in kinds
