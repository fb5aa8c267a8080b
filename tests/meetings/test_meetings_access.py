"""Only the people of a meeting's units see it: checked on the server for every press, and
every refusal is audited without a Telegram id."""

from __future__ import annotations

from sqlalchemy import select

from bot.chat import buttons
from bot.models import AuditEntry, Staff
from bot.models.meetings import MeetingUnit, UnitRequestStatus
from tests.conftest import RunningBot
from tests.meetings.support import DINA, LARS, OLLE, local, requested, seed, text_seen


async def _button(bot: RunningBot, telegram_id: int, action: str, payload: dict[str, int]) -> str:
    """Callback data made for this account, as a forged or guessed button would be."""
    async with bot.services.db.transaction() as session:
        return await buttons.issue(session, bot.clock, telegram_id, action, payload)


async def _staff_id(bot: RunningBot, telegram_id: int) -> int:
    async with bot.services.db.transaction() as session:
        found = await session.scalar(select(Staff.id).where(Staff.telegram_id == telegram_id))
    assert found is not None
    return found


async def test_staff_of_another_unit_cannot_see_or_act_on_a_request(
    running_bot: RunningBot,
) -> None:
    bot = running_bot
    bot.clock.set(local(2026, 3, 3, 10))
    people = await seed(bot.services)
    meeting_id = await requested(bot.services, people, local(2026, 3, 3, 9))
    olle = bot.double.user(OLLE, language_code="en")
    olle_id = await _staff_id(bot, OLLE)

    listing = await olle.say("/meetings")
    assert listing.text.startswith("You have no meetings right now.")
    assert (await olle.say("/gfi")).text.startswith("You have no cases with a valid consent yet.")

    for action, payload in [
        ("mtg_open", {"meeting_id": meeting_id}),
        (
            "mtg_assign",
            {"meeting_id": meeting_id, "unit_id": people.social_id, "staff_id": olle_id},
        ),
        ("mtg_cancel", {"meeting_id": meeting_id}),
        ("mtg_slots", {"meeting_id": meeting_id}),
    ]:
        mark = olle.mark()
        data = await _button(bot, OLLE, action, payload)
        await olle.click_data(data, listing.message_id)
        refusal = await olle.wait_for_messages(1, since=mark)
        assert refusal[-1].text == "You do not have access to this meeting.", action

    async with bot.services.db.transaction() as session:
        target = await session.scalar(select(MeetingUnit))
        refusals = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "refused"))
        )
    assert target is not None
    assert target.status == UnitRequestStatus.WAITING
    assert target.assigned_staff_id is None
    assert len(refusals) == 4
    assert {(r.actor, r.case_ref) for r in refusals} == {(f"staff:{olle_id}", people.case_ref)}
    assert all(str(OLLE) not in f"{r.actor} {r.detail}" for r in refusals)


async def test_only_a_distributor_of_the_unit_assigns(running_bot: RunningBot) -> None:
    bot = running_bot
    bot.clock.set(local(2026, 3, 3, 10))
    people = await seed(bot.services)
    meeting_id = await requested(bot.services, people, local(2026, 3, 3, 9))
    lars = bot.double.user(LARS, language_code="en")
    dina = bot.double.user(DINA, language_code="en")
    lars_id = await _staff_id(bot, LARS)

    card = await lars.say("/meetings")
    assert card.text.startswith("Your meetings")
    data = await _button(
        bot,
        LARS,
        "mtg_assign",
        {"meeting_id": meeting_id, "unit_id": people.social_id, "staff_id": lars_id},
    )
    toast = await lars.click_data(data, card.message_id)
    assert toast == "Only the unit's distributors can do that."

    data = await _button(bot, DINA, "mtg_open", {"meeting_id": meeting_id})
    listing = await dina.say("/meetings")
    await dina.click_data(data, listing.message_id)
    opened = await text_seen(bot, dina, "Status: waiting for every unit to assign someone")
    assert "Assign to me" in opened.button_texts
