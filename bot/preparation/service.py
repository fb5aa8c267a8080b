"""Förmöte for the individual: /prepare, starting and finishing the flow for one meeting, and
sharing the answers with the coordinator only under a sharing consent.

The answers are kept as codes in :class:`Preparation`. Staff read them through
:mod:`bot.preparation.summary`, never through a message that holds them; offers and reminders
are in :mod:`bot.preparation.reminders`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access, audit
from bot.meetings import distribution
from bot.meetings import lifecycle as meetings
from bot.models import Consent, FlowState, Individual, Staff, Unit
from bot.models.meetings import (
    Meeting,
    MeetingStatus,
    MeetingType,
    MeetingUnit,
    Preparation,
    UnitRequestStatus,
)
from bot.outbox import queue as outbox
from bot.people import contacts, units
from bot.platform.clock import Clock
from bot.platform.i18n import N_, Translator
from bot.preparation import reads
from bot.preparation.reads import PREPARED_TYPES
from flows import preparation as flow

START_ACTION = "preparation_start"
LATER_ACTION = "preparation_later"
EXPLAIN = {
    MeetingType.GFI: N_(
        "A GFI is a first, open meeting: you and at least two units share information "
        "and get to know each other."
    ),
    MeetingType.SIP: N_(
        "A SIP is a plan you make together with the units: what is done, who does it, and when."
    ),
    MeetingType.SIP_FOLLOWUP: N_("At a SIP follow-up you look together at how your plan is going."),
}


SUMMARY_ACTION = "preparation_summary"


OFFER_KIND = "preparation_offer"


REMINDER_KIND = "preparation_reminder"


SHARED_KIND = "preparation_shared"


UNIT_CODE = "u"


MEETING_KINDS = {
    MeetingType.GFI: N_("GFI meeting"),
    MeetingType.SIP: N_("SIP meeting"),
    MeetingType.SIP_FOLLOWUP: N_("SIP follow-up meeting"),
}


STAFF_NEW = N_(
    "{case} has prepared for their {meeting} on {when}. "
    "Only the staff taking part in the meeting can open it."
)


STAFF_CHANGED = N_("{case} has changed their preparation for their {meeting} on {when}.")


STAFF_NEW_REQUEST = N_(
    "{case} has said what they want for the {meeting} being planned: who should come, what "
    "they need to take part and what matters most. It is on the request card, before any "
    "times are proposed."
)


STAFF_CHANGED_REQUEST = N_(
    "{case} has changed what they want for the {meeting} being planned. The request card shows it."
)


OPEN_REQUEST = N_("Open request")


SHOW_SUMMARY = N_("Show the summary")


SHOW_CHANGES = N_("Show what changed")


DONE_SENT = N_(
    "Thank you. I have sent your answers to {name}. Only the staff taking part in the "
    "meeting can read them.\n\nWant to change something? Send /prepare."
)


DONE_SENT_STAFF = N_(
    "Thank you. I have shared your answers with the staff taking part in the meeting. "
    "Only they can read them.\n\nWant to change something? Send /prepare."
)


DONE_UNCHANGED = N_("Thank you. Nothing has changed since you last sent your answers.")


DONE_KEPT = N_(
    "Thank you. Your answers are saved here with you. You said no to sharing your answers "
    "before meetings, so I have not sent them to anyone. You can bring them up at the "
    "meeting yourself, or change that part with /consent.\n\n"
    "Want to look at them again? Send /prepare."
)


DONE_NOT_BOOKED = N_(
    "Thank you. Your answers are saved. The meeting is no longer booked, so I have not "
    "sent them to anyone."
)


NO_CONSENT = N_(
    "You have no consent with the units right now, so I cannot keep answers for you. "
    "If you want to talk about the meeting, call the unit."
)


@dataclass(frozen=True)
class MeetingFacts:
    """What the individual's side needs to know of one meeting, read once."""

    meeting: Meeting
    individual: Individual
    coordinator: Staff | None
    units: list[Unit]
    contact: Unit | None


def subject(meeting_id: int) -> str:
    return f"preparation:{meeting_id}"


def unit_code(unit_id: int) -> str:
    return f"{UNIT_CODE}{unit_id}"


def unit_id_of(code: str) -> int | None:
    rest = code.removeprefix(UNIT_CODE)
    return int(rest) if code.startswith(UNIT_CODE) and rest.isdigit() else None


def kind_label(meeting: Meeting) -> str:
    return MEETING_KINDS.get(MeetingType(meeting.type), MEETING_KINDS[MeetingType.SIP])


def can_prepare(meeting: Meeting, now: datetime) -> bool:
    """Open for preparation: from the request on (before any time is set, what the person
    wants can still change who is invited) until the meeting starts."""
    if (
        meeting.type not in PREPARED_TYPES
        or meeting.individual_id is None
        or meeting.status not in meetings.OPEN
    ):
        return False
    if meeting.status in (MeetingStatus.REQUESTED, MeetingStatus.SCHEDULING):
        return True
    return meeting.starts_at is not None and meeting.starts_at > now


def before_times(meeting: Meeting) -> bool:
    """No time is agreed yet: the request card is where staff see the wishes."""
    return meeting.status in (MeetingStatus.REQUESTED, MeetingStatus.SCHEDULING)


@dataclass(frozen=True)
class PersonsMeetings:
    """/prepare's first read: the person, their meetings open for preparation, and what was
    saved for each before."""

    individual: Individual | None
    meetings: list[Meeting]
    saved: dict[int, Preparation | None]


async def persons_meetings(
    session: AsyncSession, telegram_id: int, now: datetime
) -> PersonsMeetings:
    """One statement for what three would read: /prepare is the step everyone starts with."""
    rows = (await session.execute(reads.persons_meetings(), {"telegram_id": telegram_id})).all()
    if not rows:
        return PersonsMeetings(None, [], {})
    found = [meeting for _, meeting, _ in rows if meeting is not None]
    saved: dict[int, Preparation | None] = {
        meeting.id: prepared for _, meeting, prepared in rows if meeting is not None
    }
    return PersonsMeetings(rows[0][0], _in_preparation_order(found, now), saved)


def _in_preparation_order(found: Sequence[Meeting], now: datetime) -> list[Meeting]:
    """Those open for preparation now: booked ones by time, then requests."""
    open_now = [m for m in found if can_prepare(m, now)]
    timed = sorted(
        (m for m in open_now if not before_times(m)), key=lambda m: (m.starts_at or now, m.id)
    )
    return timed + [m for m in open_now if before_times(m)]


def is_upcoming(meeting: Meeting, now: datetime) -> bool:
    return (
        meeting.status == MeetingStatus.CONFIRMED
        and meeting.type in PREPARED_TYPES
        and meeting.individual_id is not None
        and meeting.starts_at is not None
        and meeting.starts_at > now
    )


async def involved_units(session: AsyncSession, meeting: Meeting) -> list[Unit]:
    """The requesting unit first, then each target unit that has not sent the request back."""
    rows = await session.scalars(
        reads.involved_units(),
        {"meeting_id": meeting.id, "requester_unit_id": meeting.requester_unit_id},
    )
    found = {u.id: u for u in rows}
    requester = found.pop(meeting.requester_unit_id, None) if meeting.requester_unit_id else None
    return ([requester] if requester is not None else []) + list(found.values())


async def meeting_facts(session: AsyncSession, meeting: Meeting) -> MeetingFacts | None:
    if meeting.individual_id is None:
        return None
    individual = await session.get(Individual, meeting.individual_id)
    if individual is None:
        return None
    coordinator, coordinators_units = await _coordinator(session, meeting.requester_staff_id)
    involved = await involved_units(session, meeting)
    contact = _contact_unit(involved, coordinators_units)
    return MeetingFacts(meeting, individual, coordinator, involved, contact)


async def _coordinator(
    session: AsyncSession, staff_id: int | None
) -> tuple[Staff | None, set[int]]:
    """The requesting staff member, unless removed, and their units, in one statement."""
    if staff_id is None:
        return None, set()
    rows = (await session.execute(reads.coordinator(), {"staff_id": staff_id})).all()
    if not rows:
        return None, set()
    return rows[0][0], {unit_id for _, unit_id in rows if unit_id is not None}


def case_units(facts: MeetingFacts, consents: Sequence[Consent]) -> list[Unit]:
    """Every unit the person can ask to have at the meeting: those taking part, then the
    others their active ``consents`` cover, by name."""
    known = {u.id for u in facts.units}
    covered = {u.id: u for consent in consents for u in consent.units if u.id not in known}
    return facts.units + sorted(covered.values(), key=lambda u: u.name)


def _contact_unit(involved: list[Unit], coordinators_units: set[int]) -> Unit | None:
    """The coordinator's unit among those involved; the individual's way to a human."""
    for unit in involved:
        if unit.id in coordinators_units:
            return unit
    return involved[0] if involved else None


async def home_units(session: AsyncSession, individual: Individual, now: datetime) -> list[Unit]:
    """Units to call when no meeting names one: the consent's, else the responsible person's."""
    consent = await access.active_consent(session, individual.id, now)
    if consent is not None and consent.units:
        return sorted(consent.units, key=lambda u: u.name)
    if individual.responsible_staff_id is not None:
        roles = await access.roles_of(session, individual.responsible_staff_id)
        return await units.by_ids(session, roles)
    return []


def shares_answers(consent: Consent | None) -> bool:
    return consent is not None and consent.sharing


def flow_context(facts: MeetingFacts, shares: bool, people: list[Unit]) -> dict[str, Any]:
    """What the flow is started with; ``people`` are the units the person may ask for."""
    contact = facts.contact
    return {
        "meeting_id": facts.meeting.id,
        "unit_options": [[unit_code(u.id), u.name] for u in people],
        "coordinator": facts.coordinator.name if facts.coordinator else None,
        "shares": shares,
        "contact": [contact.name, contact.phone] if contact else None,
    }


async def saved_preparation(session: AsyncSession, meeting_id: int) -> Preparation | None:
    return await session.scalar(select(Preparation).where(Preparation.meeting_id == meeting_id))


async def finished(session: AsyncSession, clock: Clock, state: FlowState, tr: Translator) -> str:
    """The flow's finisher: keep the answers with the meeting, then share them if allowed."""
    if "meeting_id" not in state.context:
        return tr.gettext(flow.DONE_TEXT)
    now = clock.now()
    meeting = await session.get(Meeting, int(state.context["meeting_id"]))
    facts = await meeting_facts(session, meeting) if meeting is not None else None
    if facts is None or facts.individual.telegram_id != state.telegram_id:
        return tr.gettext(flow.DONE_TEXT)
    consent = await access.active_consent(session, facts.individual.id, now)
    if consent is None:
        call = units.call_line(tr, [facts.contact] if facts.contact else [])
        return summary_lines(tr.gettext(NO_CONSENT), call)
    answers = flow.on_path(state.answers)
    # Before the answers are kept: a statement here would write a new row now, and sharing
    # would then update it straight away.
    await outbox.cancel(session, subject=subject(facts.meeting.id), kind=REMINDER_KIND)
    saved = await saved_preparation(session, facts.meeting.id)
    if saved is None:
        saved = Preparation(
            meeting_id=facts.meeting.id,
            individual_id=facts.individual.id,
            flow_version=state.flow_version,
            answers=answers,
            shared_revision=0,
            updated_at=now,
        )
        session.add(saved)
    else:
        saved.answers = answers
        saved.flow_version = state.flow_version
        saved.updated_at = now
    if not shares_answers(consent):
        return tr.gettext(DONE_KEPT)
    if not can_prepare(facts.meeting, now):
        return tr.gettext(DONE_NOT_BOOKED)
    if saved.shared_answers == answers:
        return tr.gettext(DONE_UNCHANGED)
    await share(session, clock, facts, saved, answers)
    if facts.coordinator is not None:
        return tr.gettext(DONE_SENT).format(name=facts.coordinator.name)
    return tr.gettext(DONE_SENT_STAFF)


async def share(
    session: AsyncSession,
    clock: Clock,
    facts: MeetingFacts,
    saved: Preparation,
    answers: dict[str, Any],
) -> None:
    """Make this version the one staff read, and tell the coordinator (an update says so)."""
    changed = saved.shared_answers is not None
    saved.previous_answers = saved.shared_answers
    saved.shared_answers = answers
    saved.shared_revision = (saved.shared_revision or 0) + 1
    saved.shared_at = clock.now()
    meeting = facts.meeting
    audit.record(
        session,
        clock,
        "preparation_shared",
        actor=facts.individual.case_ref,
        case_ref=facts.individual.case_ref,
        meeting_id=meeting.id,
        revision=saved.shared_revision,
    )
    if before_times(meeting):
        await _tell_planners(session, clock, facts, saved, changed)
        return
    coordinator = facts.coordinator
    if coordinator is None or coordinator.telegram_id is None or meeting.starts_at is None:
        return
    await contacts.notify_staff(
        session,
        clock,
        coordinator,
        kind=SHARED_KIND,
        message=STAFF_CHANGED if changed else STAFF_NEW,
        params={
            "case": facts.individual.case_ref,
            "meeting": outbox.msg_param(kind_label(meeting)),
            "when": outbox.dt_param(meeting.starts_at),
        },
        dedupe_key=f"{subject(meeting.id)}:shared:{saved.shared_revision}",
        individual=facts.individual,
        subject=subject(meeting.id),
        buttons=[
            [
                {
                    "label": SHOW_CHANGES if changed else SHOW_SUMMARY,
                    "action": SUMMARY_ACTION,
                    "payload": {"meeting_id": meeting.id},
                }
            ]
        ],
    )


async def _tell_planners(
    session: AsyncSession,
    clock: Clock,
    facts: MeetingFacts,
    saved: Preparation,
    changed: bool,
) -> None:
    """Before a time is set: the requester, and the distributors of each unit still to
    assign someone, hear that the wishes are on the request card."""
    meeting = facts.meeting
    people: list[Staff] = [facts.coordinator] if facts.coordinator else []
    waiting = await session.scalars(
        select(MeetingUnit.unit_id).where(
            MeetingUnit.meeting_id == meeting.id,
            MeetingUnit.status == UnitRequestStatus.WAITING,
        )
    )
    for unit_id in list(waiting):
        people += await distribution.distributors(session, unit_id)
    seen: set[int] = set()
    for person in people:
        if person.id in seen:
            continue
        seen.add(person.id)
        await contacts.notify_staff(
            session,
            clock,
            person,
            kind=SHARED_KIND,
            message=STAFF_CHANGED_REQUEST if changed else STAFF_NEW_REQUEST,
            params={
                "case": facts.individual.case_ref,
                "meeting": outbox.msg_param(kind_label(meeting)),
            },
            dedupe_key=f"{subject(meeting.id)}:shared:{saved.shared_revision}:s{person.id}",
            individual=facts.individual,
            subject=subject(meeting.id),
            buttons=[
                [
                    {
                        "label": OPEN_REQUEST,
                        "action": meetings.OPEN_CARD,
                        "payload": {"meeting_id": meeting.id},
                    }
                ]
            ],
        )


def summary_lines(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)
