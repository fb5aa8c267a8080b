"""The individual's answer, in the chat, to adding units to their consent."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access, actions
from bot.chat.turn import Turn
from bot.meetings import distribution
from bot.meetings import lifecycle as meetings
from bot.meetings.consent_request import ASK, TEXT_VERSION, text_hash
from bot.models import Individual, Staff
from bot.models.meetings import Meeting, UnitRequestStatus
from bot.outbox import queue as outbox
from bot.people import consent
from bot.platform.clock import Clock
from bot.platform.i18n import N_
from flows.screens import Outcome, Screen

ADDED = N_("Thank you. {units} is now part of your consent. /consent shows all of it.")


NOT_ADDED = N_("OK, nothing changes. {name} will hear that you said no.")


NO_CONSENT = N_(
    "There is no valid consent to add to, so nothing was changed. Please call {unit} on {phone}."
)


ALREADY = N_("That question has already been answered.")


NOT_YOURS = N_("That question is not for you.")


STAFF_YES = N_("{case} agreed to add {units} to the consent. The request is now in their queue.")


STAFF_NO = N_("{case} did not want to add {units} to the consent, so they are left out.")


STAFF_NO_CLOSED = N_(
    "{case} did not want to add {units} to the consent. Fewer than two units are left, so the "
    "request is closed."
)


@actions.action(meetings.CONSENT_ANSWER)
async def answered(turn: Turn, payload: dict[str, Any]) -> Outcome:
    session, clock, tr = turn.session, turn.clock, turn.tr
    person = await access.individual_by_telegram(session, turn.telegram_id)
    meeting = await meetings.load(session, payload.get("meeting_id"))
    if person is None or meeting is None or meeting.individual_id != person.id:
        return await access.refuse(turn, "consent_request", NOT_YOURS, toast=True)
    asked = {u for u in payload.get("units", []) if isinstance(u, int)}
    waiting = [
        t
        for t in meeting.units
        if t.unit_id in asked and t.status == UnitRequestStatus.CONSENT_WAIT
    ]
    if not waiting or meeting.status not in meetings.OPEN:
        return Outcome([Screen(tr.gettext(ALREADY))])
    home = await meetings.contact_unit(session, meeting)
    contact = {"unit": home.name if home else "–", "phone": home.phone if home else "–"}
    ids = [t.unit_id for t in waiting]
    name_list = await meetings.unit_name_list(session, ids)
    names = tr.join(name_list)
    requester = await session.get(Staff, meeting.requester_staff_id or 0)
    if payload.get("a") != "yes":
        return await _declined(turn, person, meeting, ids, names, requester)
    current = await access.active_consent(session, person.id, clock.now())
    if current is None:
        return Outcome([Screen(tr.gettext(NO_CONSENT).format(**contact))])
    await _extend(session, clock, person, current, ids, tr.gettext(ASK), tr.locale)
    now = clock.now()
    for target in waiting:
        target.status = UnitRequestStatus.WAITING
        target.queued_at = now
    meeting.updated_at = now
    await distribution.announce(session, clock, meeting, ids)
    await meetings.tell_staff(
        session,
        clock,
        meeting,
        f"consent_yes:{'.'.join(str(u) for u in ids)}",
        STAFF_YES,
        {"units": outbox.list_param(name_list)},
        to=[requester] if requester else None,
    )
    return Outcome([Screen(tr.gettext(ADDED).format(units=names))])


async def _extend(
    session: AsyncSession,
    clock: Clock,
    person: Individual,
    current: Any,
    unit_ids: list[int],
    shown: str,
    locale: str,
) -> None:
    units = list(current.units)
    units += [u for u in (await meetings.units_by_id(session, unit_ids)).values() if u not in units]
    months = current.period_months or max(1, (current.valid_until - current.given_at).days // 30)
    await consent.give(
        session,
        clock,
        person,
        unit_list=sorted(units, key=lambda u: u.id),
        reminders=current.reminders,
        sharing=current.sharing,
        survey=current.survey,
        months=months,
        valid_until=current.valid_until,
        text_hash=text_hash(shown),
        text_locale=locale,
        text_version=TEXT_VERSION,
    )


async def _declined(
    turn: Turn,
    person: Individual,
    meeting: Meeting,
    ids: list[int],
    names: str,
    requester: Staff | None,
) -> Outcome:
    session, clock, tr = turn.session, turn.clock, turn.tr
    for target in meeting.units:
        if target.unit_id in ids:
            target.status = UnitRequestStatus.RETURNED
            target.returned_reason = "no_consent"
    meeting.updated_at = clock.now()
    too_few = len(meetings.unit_ids(meeting)) < 2
    if too_few:
        await meetings.close_request(session, clock, meeting, "no_consent")
    await meetings.tell_staff(
        session,
        clock,
        meeting,
        f"consent_no:{'.'.join(str(u) for u in ids)}",
        STAFF_NO_CLOSED if too_few else STAFF_NO,
        {"units": names},
        to=[requester] if requester else None,
    )
    if not too_few:
        await distribution.after_assignment(session, clock, meeting)
    name = requester.name if requester else names
    return Outcome([Screen(tr.gettext(NOT_ADDED).format(name=name))])
