"""The SIP (samordnad individuell plan) of a case: when one is due, how one is established,
and how it is closed.

- A case "has both organisations" when the units its consent covers, or the units of its
  meetings, belong to both; then a SIP must be offered (see :mod:`bot.meetings.sip_duties`).
- "SIP established" at a GFI or a SIP meeting is recorded with the answers of
  :mod:`flows.sip_record`; the follow-up is proposed, with the same participants, as a SIP
  follow-up meeting, which then gets its own nudges. The text for the regional SIP system is
  built only from those answers.
- A SIP is closed as an outcome of a follow-up or a closing meeting (slutsamtal).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access, audit
from bot.meetings import distribution, outcomes, slots
from bot.meetings import lifecycle as meetings
from bot.meetings.views import NO_ACCESS
from bot.models import FlowState, Individual, Staff, Unit
from bot.models.meetings import Meeting, MeetingStatus, MeetingType
from bot.models.people import Organisation
from bot.models.process import SipPlan
from bot.platform import events
from bot.platform.clock import Clock
from bot.platform.context import settings_of
from bot.platform.i18n import N_, N_plural, Translator, translator
from flows import sip_record as form

ESTABLISHED = "sip_established"
CLOSED = "sip_closed"
# Where a SIP can be established; never at a staff-only meeting, where the person is absent.
ESTABLISHED_AT = (MeetingType.GFI, MeetingType.SIP)
CLOSED_AT = (MeetingType.SIP_FOLLOWUP, MeetingType.CLOSING)
FOLLOWUP_WEEKS = (2, 4, 6, 8, 12, 26)
RECORD_LOCALE = "sv"

IN_WEEKS = N_plural("{day} (in {n} week)", "{day} (in {n} weeks)")

# The record for the regional SIP system: one sentence per answer, in Swedish.
RECORD_HEAD = N_("SIP established in connection with the {type} on {date}.")
RECORD_PRESENT = N_("Present: the individual and {units}.")
RECORD_MANDATE = N_(
    "The units whose efforts are to be coordinated were present with a mandate to decide."
)
RECORD_NO_MANDATE = N_(
    "Not every unit whose efforts are to be coordinated was present with a mandate. Missing or "
    "without a mandate: {units}. The plan was made as far as possible and is completed at the "
    "follow-up."
)
RECORD_NO_MANDATE_UNNAMED = N_(
    "Not every unit whose efforts are to be coordinated was present with a mandate. The plan "
    "was made as far as possible and is completed at the follow-up."
)
RECORD_OTHER_UNIT = N_("a unit that is not in Samordna")
RECORD_MAIN = N_("Main responsible: {name}, {unit}.")
RECORD_FOLLOWUP = N_("Follow-up: {when}.")
RECORD_INTERRUPTIONS = N_("Plan for interruptions: {plan}.")
RECORD_NOTE = N_("Note on interruptions: {note}")
RECORD_NO_CALL = N_("No separate meeting to establish a SIP needs to be called.")

NOT_NOW = N_("A SIP can no longer be recorded for this meeting.")
ALREADY = N_("The SIP for this meeting is already saved.")
BAD_ANSWER = N_("Some answers are missing. Please go through the questions again.")
SAVED = N_(
    "Saved: the SIP for {case}. Main responsible: {main}.\n"
    "The follow-up on {when} is proposed to everyone who took part; when they have answered, "
    "{case} is invited."
)
RECORD_TITLE = N_("Text for the regional SIP system (copy and paste):")


@dataclass(frozen=True)
class Answers:
    mandate: bool
    missing: list[int]
    missing_other: bool
    main_staff_id: int
    followup_at: datetime
    plan: list[str]
    note: str | None


# ----------------------------------------------------------------- reading


async def case_unit_ids(session: AsyncSession, individual_id: int, now: datetime) -> set[int]:
    """The units working with the person: those their consent covers, and those of meetings
    about them that are not cancelled."""
    found = await access.case_unit_ids(session, individual_id, now)
    rows = await session.scalars(
        select(Meeting.id).where(
            Meeting.individual_id == individual_id, Meeting.status != MeetingStatus.CANCELLED
        )
    )
    for meeting_id in list(rows):
        meeting = await meetings.load(session, meeting_id)
        if meeting is not None:
            found.update(meetings.unit_ids(meeting))
    return found


async def both_organisations(session: AsyncSession, individual_id: int, now: datetime) -> bool:
    ids = await case_unit_ids(session, individual_id, now)
    if not ids:
        return False
    kinds = set(await session.scalars(select(Unit.organisation).where(Unit.id.in_(ids))))
    return {Organisation.MUNICIPALITY, Organisation.REGION} <= {Organisation(k) for k in kinds}


async def active(session: AsyncSession, individual_id: int) -> SipPlan | None:
    return await session.scalar(
        select(SipPlan)
        .where(SipPlan.individual_id == individual_id, SipPlan.closed_at.is_(None))
        .order_by(SipPlan.established_at.desc(), SipPlan.id.desc())
        .limit(1)
    )


async def for_meeting(session: AsyncSession, meeting_id: int) -> SipPlan | None:
    return await session.scalar(select(SipPlan).where(SipPlan.meeting_id == meeting_id))


def may_establish(meeting: Meeting) -> bool:
    return meeting.type in ESTABLISHED_AT and meeting.individual_id is not None


def waiting_for_record(meeting: Meeting) -> bool:
    """Held with "SIP established" as a next step: the SIP's answers are still to be given."""
    return (
        meeting.status == MeetingStatus.HELD
        and ESTABLISHED in (meeting.outcome_next_steps or [])
        and may_establish(meeting)
    )


# ----------------------------------------------------------------- the form


def followup_days(meeting: Meeting, now: datetime, tr: Translator) -> list[list[str]]:
    """Working days some weeks after the meeting, as ``[code, label]`` for the form."""
    base = (meeting.starts_at or now).astimezone(tr.tz).date()
    options: list[list[str]] = []
    for weeks in FOLLOWUP_WEEKS:
        day = distribution.next_working_day(base + timedelta(weeks=weeks))
        label = tr.counted_marked(IN_WEEKS, weeks, day=tr.weekday(day))
        options.append([day.isoformat(), label])
    return options


async def form_context(
    session: AsyncSession, clock: Clock, meeting: Meeting, tr: Translator
) -> dict[str, object]:
    """What the form offers: every unit (those at the meeting first) and the participants."""
    present = meetings.unit_ids(meeting)
    everyone = await session.scalars(select(Unit).order_by(Unit.name))
    ordered = sorted(everyone, key=lambda u: (u.id not in present, u.name))
    units = await meetings.units_by_id(session, present)
    staff_options: list[list[str]] = []
    for person in await meetings.participants(session, meeting):
        unit = units.get(meetings.unit_of(meeting, person.id) or -1)
        staff_options.append(
            [str(person.id), f"{person.name} ({unit.name})" if unit else person.name]
        )
    return {
        "meeting_id": meeting.id,
        "units": [[str(u.id), u.name] for u in ordered],
        "staff": staff_options,
        "days": followup_days(meeting, clock.now(), tr),
    }


def read_answers(state: FlowState, tz: object) -> Answers | None:
    answers, context = state.answers, state.context
    staff_codes = {code for code, _label in context.get("staff", [])}
    day_codes = {code for code, _label in context.get("days", [])}
    unit_codes = {code for code, _label in context.get("units", [])}
    main, day, hour = answers.get(form.MAIN), answers.get(form.DAY), answers.get(form.TIME)
    times = {o.code for o in form.TIMES}
    plan = [code for code in answers.get(form.PLAN) or [] if code in _plan_labels()]
    if main not in staff_codes or day not in day_codes or hour not in times or not plan:
        return None
    mandate = answers.get(form.MANDATE)
    if mandate not in ("yes", "no"):
        return None
    missing = [str(c) for c in answers.get(form.MISSING) or []] if mandate == "no" else []
    if mandate == "no" and not missing:
        return None
    note = answers.get(form.NOTE)
    day_value = date.fromisoformat(str(day))
    at = datetime.combine(day_value, time.fromisoformat(str(hour)), tzinfo=tz)  # type: ignore[arg-type]
    return Answers(
        mandate=mandate == "yes",
        missing=[int(c) for c in missing if c in unit_codes and c.isdigit()],
        missing_other=form.OTHER_UNIT in missing,
        main_staff_id=int(str(main)),
        followup_at=at,
        plan=plan,
        note=str(note).strip()[: form.NOTE_MAX] if note else None,
    )


def _plan_labels() -> dict[str, str]:
    return {option.code: option.label for option in form.INTERRUPTIONS}


# ----------------------------------------------------------------- establishing


async def finish(session: AsyncSession, clock: Clock, state: FlowState, tr: Translator) -> str:
    """The form's end: check again, save the SIP, propose the follow-up, give the text."""
    staff = await access.staff_by_telegram(session, state.telegram_id)
    meeting = await meetings.load(session, state.context.get("meeting_id"))
    if meeting is None:
        return tr.gettext(NOT_NOW)
    if staff is None or staff.id not in await meetings.current_staff_ids(session, meeting):
        audit.record(
            session,
            clock,
            "refused",
            actor=meetings.actor(staff) if staff else "telegram-account",
            case_ref=await meetings.case_ref(session, meeting),
            what="sip",
        )
        return tr.gettext(NO_ACCESS)
    if not waiting_for_record(meeting):
        return tr.gettext(NOT_NOW)
    if await for_meeting(session, meeting.id) is not None:
        return tr.gettext(ALREADY)
    answers = read_answers(state, tr.tz)
    if answers is None or answers.followup_at <= clock.now():
        state.status = "active"
        state.step = "__review__"
        return tr.gettext(BAD_ANSWER)
    plan = await establish(session, clock, meeting, staff, answers)
    main = await session.get(Staff, plan.main_staff_id or 0)
    case = await meetings.case_ref(session, meeting)
    saved = tr.gettext(SAVED).format(
        case=case, main=main.name if main else "–", when=tr.datetime(answers.followup_at)
    )
    record = await record_text(session, plan, meeting)
    return f"{saved}\n\n{tr.gettext(RECORD_TITLE)}\n\n{record}"


async def establish(
    session: AsyncSession, clock: Clock, meeting: Meeting, staff: Staff, answers: Answers
) -> SipPlan:
    """Save the SIP (it replaces an earlier one) and propose the follow-up meeting."""
    assert meeting.individual_id is not None
    now = clock.now()
    earlier = await active(session, meeting.individual_id)
    if earlier is not None:
        earlier.closed_at = now
        earlier.closed_by = staff.id
    plan = SipPlan(
        individual_id=meeting.individual_id,
        meeting_id=meeting.id,
        unit_ids=meetings.unit_ids(meeting),
        established_at=meeting.starts_at or now,
        established_by=staff.id,
        mandate=answers.mandate,
        missing_unit_ids=answers.missing,
        missing_other=answers.missing_other,
        main_staff_id=answers.main_staff_id,
        followup_at=answers.followup_at,
        interruption_plan=answers.plan,
        interruption_note=answers.note,
    )
    session.add(plan)
    followup = await outcomes.copy_for_new_time(
        session, clock, meeting, meeting_type=MeetingType.SIP_FOLLOWUP
    )
    await slots.propose(
        session,
        clock,
        followup,
        staff,
        [answers.followup_at],
        meeting.duration_minutes,
        meeting.place_kind or "other",
        meeting.place_text,
    )
    plan.followup_meeting_id = followup.id
    await session.flush()
    audit.record(
        session,
        clock,
        "sip_established",
        actor=meetings.actor(staff),
        case_ref=await meetings.case_ref(session, meeting),
        meeting=meeting.id,
        mandate=answers.mandate,
    )
    return plan


async def record_text(session: AsyncSession, plan: SipPlan, meeting: Meeting) -> str:
    """In Swedish whatever the reader's language: it is pasted into a Swedish system. One
    sentence per answer given, and nothing that was not asked."""
    settings = settings_of(session)
    sv = translator(RECORD_LOCALE, settings.timezone)
    present = sv.join(await meetings.unit_name_list(session, plan.unit_ids))
    lines = [
        sv.gettext(RECORD_HEAD).format(
            type=sv.gettext(meetings.TYPE_LABELS[meeting.type]),
            date=sv.date(plan.established_at),
        ),
        sv.gettext(RECORD_PRESENT).format(units=present),
    ]
    if plan.mandate:
        lines.append(sv.gettext(RECORD_MANDATE))
    else:
        missing = await meetings.unit_name_list(session, plan.missing_unit_ids)
        if plan.missing_other:
            missing.append(sv.gettext(RECORD_OTHER_UNIT))
        if missing:
            lines.append(sv.gettext(RECORD_NO_MANDATE).format(units=sv.join(missing)))
        else:
            lines.append(sv.gettext(RECORD_NO_MANDATE_UNNAMED))
    main = await session.get(Staff, plan.main_staff_id or 0)
    if main is not None:
        unit = await session.get(Unit, meetings.unit_of(meeting, main.id) or 0)
        name = unit.name if unit else "–"
        lines.append(sv.gettext(RECORD_MAIN).format(name=main.name, unit=name))
    lines.append(sv.gettext(RECORD_FOLLOWUP).format(when=sv.datetime(plan.followup_at)))
    labels = _plan_labels()
    plan_text = "; ".join(
        sv.gettext(labels[c]).lower() for c in plan.interruption_plan if c in labels
    )
    lines.append(sv.gettext(RECORD_INTERRUPTIONS).format(plan=plan_text))
    if plan.interruption_note:
        lines.append(sv.gettext(RECORD_NOTE).format(note=plan.interruption_note))
    if plan.mandate and meeting.type == MeetingType.GFI:
        lines.append(sv.gettext(RECORD_NO_CALL))
    return "\n".join(lines)


# ----------------------------------------------------------------- closing


@events.listen(events.MEETING_OUTCOME)
async def _on_outcome(event: events.Event) -> None:
    """ "SIP closed" at a follow-up or a closing meeting closes the active SIP."""
    if event.data.get("outcome") != "held" or CLOSED not in (event.data.get("next_steps") or []):
        return
    meeting = await event.session.get(Meeting, event.data.get("meeting_id"))
    if meeting is None or meeting.individual_id is None or meeting.type not in CLOSED_AT:
        return
    await close(event.session, event.clock, meeting.individual_id, meeting.outcome_by_staff_id)


async def close(
    session: AsyncSession, clock: Clock, individual_id: int, staff_id: int | None
) -> SipPlan | None:
    plan = await active(session, individual_id)
    if plan is None:
        return None
    plan.closed_at = clock.now()
    plan.closed_by = staff_id
    person = await session.get(Individual, individual_id)
    audit.record(
        session,
        clock,
        "sip_closed",
        actor=f"staff:{staff_id}" if staff_id else "system",
        case_ref=person.case_ref if person else None,
    )
    return plan
