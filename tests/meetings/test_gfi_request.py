"""The request form: too few units are refused with an explanation, and a unit outside the
consent is only reached after the individual says yes to adding it."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bot.meetings import consent_request
from bot.meetings import request as gfi_request
from bot.models import AuditEntry, Consent
from bot.models.meetings import Meeting, MeetingStatus, MeetingUnit, UnitRequestStatus
from bot.platform.i18n import translator
from flows import gfi_request as request_flow
from tests.conftest import RunningBot
from tests.meetings.support import FOLKE, OLLE, SARA, local, newest_meeting, press, seed, text_seen


async def _fill_until_units(bot: RunningBot, case_ref: str) -> None:
    sara = bot.double.user(SARA, language_code="en")
    picker = await sara.say("/gfi")
    await press(sara, picker, case_ref)
    form = await text_seen(bot, sara, "What is it about?")
    await press(sara, form, "Mental health")
    await press(sara, form, "Done ✔")
    note = await text_seen(bot, sara, "A short note for the units")
    assert "Do not write names, personal identity numbers, diagnoses" in note.text
    await press(sara, note, "Skip")


async def _count_meetings(bot: RunningBot) -> int:
    async with bot.services.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Meeting)) or 0)


async def test_a_request_with_only_one_unit_is_refused_with_an_explanation(
    running_bot: RunningBot,
) -> None:
    bot = running_bot
    bot.clock.set(local(2026, 3, 3, 10))
    people = await seed(bot.services)
    sara = bot.double.user(SARA, language_code="en")
    await _fill_until_units(bot, people.case_ref)
    units = await text_seen(bot, sara, "Which units should take part?")
    await press(sara, units, "Beroendemottagningen Rådmannen (your unit)")
    await press(sara, units, "Done ✔")
    refused = await text_seen(bot, sara, "A GFI needs at least three")
    assert "the person and at least two units" in refused.text
    assert "Your own unit counts as one" in refused.text
    assert await _count_meetings(bot) == 0

    await press(sara, refused, "Continue ▶")
    again = await text_seen(bot, sara, "Which units should take part?")
    await press(sara, again, "Beroendemottagningen Rådmannen (your unit)")
    await press(sara, again, "Socialtjänst Innerstaden")
    await press(sara, again, "Done ✔")
    windows = await text_seen(bot, sara, "Which times would suit?")
    await press(sara, windows, "Any time")
    await press(sara, windows, "Done ✔")
    review = await text_seen(bot, sara, "Here is your request.")
    await press(sara, review, "Send request")
    await text_seen(bot, sara, "Sent. The GFI request")
    meeting = await newest_meeting(bot.services)
    async with bot.services.db.transaction() as session:
        targets = list(await session.scalars(select(MeetingUnit.unit_id)))
    assert targets == [people.social_id]
    assert meeting.requester_unit_id == people.clinic_id


def test_the_rule_holds_on_the_server_whatever_the_chat_sent() -> None:
    assert gfi_request.problems(1, [1]) == ["too_few_units"]
    assert gfi_request.problems(1, []) == ["too_few_units"]
    assert gfi_request.problems(1, [2]) == []
    own_only = {"units": [request_flow.unit_code(request_flow.UnitChoice(1, True, True))]}
    assert request_flow.route_units(own_only) == "too_few"
    other = request_flow.unit_code(request_flow.UnitChoice(2, False, False))
    assert request_flow.route_units({"units": [other]}) == "consent"
    assert request_flow.route_consent({"units": [other], "consent": "leave_out"}) == "too_few"
    assert request_flow.parse_unit_code("12x") is None


async def test_a_unit_outside_the_consent_is_asked_for_and_added(running_bot: RunningBot) -> None:
    bot = running_bot
    bot.clock.set(local(2026, 3, 3, 10))
    people = await seed(bot.services)
    sara = bot.double.user(SARA, language_code="en")
    folke = bot.double.user(FOLKE, language_code="en")
    olle = bot.double.user(OLLE, language_code="en")
    await _fill_until_units(bot, people.case_ref)
    units = await text_seen(bot, sara, "Which units should take part?")
    await press(sara, units, "Socialtjänst Väster (not in the consent yet)")
    await press(sara, units, "Done ✔")
    offer = await text_seen(bot, sara, "does not cover every unit you chose")
    await press(sara, offer, "Yes, ask the person")
    windows = await text_seen(bot, sara, "Which times would suit?")
    await press(sara, windows, "As soon as possible")
    await press(sara, windows, "Done ✔")
    review = await text_seen(bot, sara, "Here is your request.")
    await press(sara, review, "Send request")
    told = await text_seen(bot, sara, "is asked whether Socialtjänst Väster may be added")
    assert people.case_ref in told.text
    meeting = await newest_meeting(bot.services)
    async with bot.services.db.transaction() as session:
        statuses = list(await session.scalars(select(MeetingUnit.status)))
    assert statuses == [UnitRequestStatus.CONSENT_WAIT]
    assert not any("New GFI request" in m.text for m in olle.messages)

    question = await text_seen(bot, folke, "wants to invite Socialtjänst Väster to a meeting")
    assert "Consent (samtycke) is your yes to what the units may do" in question.text
    assert "/consent shows your consent." in question.text
    assert question.button_texts == ["Yes, add them", "No, thank you"]
    await press(folke, question, "Yes, add them")
    await text_seen(bot, folke, "Socialtjänst Väster is now part of your consent.")

    await text_seen(bot, olle, "New GFI request for Socialtjänst Väster")
    await text_seen(bot, sara, "agreed to add Socialtjänst Väster to the consent")
    async with bot.services.db.transaction() as session:
        consents = list(
            await session.scalars(
                select(Consent).order_by(Consent.id).options(selectinload(Consent.units))
            )
        )
        given = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "consent_given"))
        )
    assert len(consents) == 2
    first, newest = consents
    assert {u.name for u in newest.units} == {
        "Beroendemottagningen Rådmannen",
        "Socialtjänst Innerstaden",
        "Socialtjänst Väster",
    }
    assert newest.valid_until == first.valid_until
    assert (newest.reminders, newest.sharing, newest.survey) == (
        first.reminders,
        first.sharing,
        first.survey,
    )
    assert newest.text_version == consent_request.TEXT_VERSION
    shown = translator("en").gettext(consent_request.ASK)
    assert newest.text_hash == hashlib.sha256(shown.encode()).hexdigest()
    assert [entry.case_ref for entry in given] == [people.case_ref]
    assert meeting.status == MeetingStatus.REQUESTED


async def test_a_no_to_the_consent_question_closes_a_request_left_with_too_few_units(
    running_bot: RunningBot,
) -> None:
    bot = running_bot
    bot.clock.set(local(2026, 3, 3, 10))
    people = await seed(bot.services)
    sara = bot.double.user(SARA, language_code="en")
    folke = bot.double.user(FOLKE, language_code="en")
    await _fill_until_units(bot, people.case_ref)
    units = await text_seen(bot, sara, "Which units should take part?")
    await press(sara, units, "Socialtjänst Väster (not in the consent yet)")
    await press(sara, units, "Done ✔")
    offer = await text_seen(bot, sara, "does not cover every unit you chose")
    await press(sara, offer, "Yes, ask the person")
    windows = await text_seen(bot, sara, "Which times would suit?")
    await press(sara, windows, "Afternoons")
    await press(sara, windows, "Done ✔")
    await press(sara, await text_seen(bot, sara, "Here is your request."), "Send request")
    question = await text_seen(bot, folke, "wants to invite Socialtjänst Väster")
    await press(folke, question, "No, thank you")
    await text_seen(bot, folke, "OK, nothing changes.")
    closed = await text_seen(bot, sara, "did not want to add Socialtjänst Väster")
    assert "the request is closed" in closed.text
    assert (await newest_meeting(bot.services)).status == MeetingStatus.CANCELLED
    async with bot.services.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Consent)) == 1


async def test_only_staff_can_request(running_bot: RunningBot) -> None:
    bot = running_bot
    await seed(bot.services)
    folke = bot.double.user(FOLKE, language_code="en")
    reply = await folke.say("/gfi")
    assert reply.text == "That is only for staff at a unit."
    assert await _count_meetings(bot) == 0
