"""What staff and individuals see of meetings: the request card, the lists behind /meetings,
and the one access check every meeting button goes through first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bot.chat import access, buttons
from bot.chat.turn import Turn
from bot.meetings import lifecycle as meetings
from bot.models import Staff, StaffMembership
from bot.models.meetings import Meeting, MeetingStatus, MeetingType, UnitRequestStatus
from bot.platform.i18n import N_, Translator
from bot.platform.wiring import mark
from flows import texts as flow_texts
from flows.gfi_request import CATEGORY_LABELS, WINDOW_LABELS
from flows.screens import Button, Outcome, Screen

NO_ACCESS = N_("You do not have access to this meeting.")
GONE = N_("That meeting no longer exists.")
STATUS_LINE = N_("Status: {status}")
ABOUT_LINE = N_("About: {categories}")
NOTE_LINE = N_("Note: {note}")
REQUESTED_BY = N_("Requested by {name} ({unit}, {phone}) on {date}")
PREFERRED_LINE = N_("Preferred: {windows}")
UNITS_TITLE = N_("Units:")
UNIT_WAITING = N_("waiting since {date}")
UNIT_CONSENT = N_("waiting for the person's consent")
UNIT_RETURNED = N_("returned")
WHEN_LINE = N_("When: {when}, {minutes}")
PLACE_LINE = N_("Place: {place}")
WITH_LINE = N_("With: {people}")
TIMES_TITLE = N_("Proposed times:")
TIMES_ANSWERED = N_("{yes} of {total} can come")
ASSIGN_ME = N_("Assign to me")
SOMEONE_ELSE = N_("Someone else…")
REASSIGN = N_("Reassign…")
RETURN = N_("Return…")
PROPOSE = N_("Propose times")
ASK_OTHERS = N_("Ask the others to propose")
ANSWER_TIMES = N_("Answer the proposed times")
CALENDAR = N_("📅 Calendar file")
RESCHEDULE = N_("Reschedule…")
CANCEL = N_("Cancel meeting…")
CANCEL_REQUEST = N_("Cancel request…")
CONFIRM_FOR = N_("The person said yes by phone")
RECORD_OUTCOME = N_("Record outcome")
NEW_TIME = N_("Offer a new time")
BACK = N_("◀ Back")
STAFF_LIST_TITLE = N_("Your meetings")
STAFF_UPCOMING = N_("Coming up:")
STAFF_REQUESTS = N_("Requests not yet booked:")
STAFF_OUTCOME = N_("Waiting for an outcome:")
STAFF_NONE = N_("You have no meetings right now. /gfi requests a GFI; /book books another meeting.")
NO_TIME_YET = N_("no time yet")
ADD_PERSON = N_("Add another person…")
MEETING_OVER = N_("The meeting is over")
DID_NOT_COME = N_("The person did not come")
GFI_GUIDANCE = N_(
    "Assign the people who would work with {case} if they become a client of your unit, so "
    "that the person meets the right people at once and need not tell their story again. "
    "You can assign more than one person."
)
REQUEST_CARD_LINES = "request_card_lines"
CARD_BUTTONS = "meeting_card_buttons"


def request_card_lines(
    function: Callable[[Turn, Meeting], Awaitable[list[str]]],
) -> Callable[[Turn, Meeting], Awaitable[list[str]]]:
    """Mark a function that adds lines to a request card, such as whom the individual asked
    for in their preparation: ``async def lines(turn, meeting) -> list[str]``. The lines are
    shown to everyone who may open the card, so a function must only return what they may
    read."""
    return mark(REQUEST_CARD_LINES, "")(function)


def card_buttons_from(
    function: Callable[[Turn, Staff, Meeting], Awaitable[list[list[Button]]]],
) -> Callable[[Turn, Staff, Meeting], Awaitable[list[list[Button]]]]:
    """Mark a function that adds buttons to a meeting's card for this staff member (features
    above booking, such as the survey, offer their own actions there)."""
    return mark(CARD_BUTTONS, "")(function)


CARD_SECTION = "meeting_card_section"


@dataclass
class CardSection:
    """Lines and buttons a feature adds to a meeting's card for one staff member."""

    lines: list[str] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)


CardSectionMaker = Callable[[Turn, Staff, Meeting], Awaitable[CardSection | None]]


def card_section(maker: CardSectionMaker) -> CardSectionMaker:
    """Mark what a feature adds to the card, such as the person's wishes from the förmöte."""
    return mark(CARD_SECTION, "")(maker)


@dataclass
class StaffView:
    staff: Staff
    meeting: Meeting


async def for_staff(
    turn: Turn, payload: dict[str, Any], what: str, *, participant: bool = False
) -> StaffView | Outcome:
    """The staff member and the meeting a button names, or the refusal (audited).

    The check is made here on every press; hiding a button is never the check.
    """
    staff = await access.staff_by_telegram(turn.session, turn.telegram_id)
    if staff is None:
        return await access.refuse(turn, what, toast=True)
    meeting = await meetings.load(turn.session, payload.get("meeting_id"))
    if meeting is None:
        return Outcome(toast=turn.tr.gettext(GONE), replace=False)
    allowed = await meetings.may_see(turn.session, staff, meeting)
    if participant:
        allowed = staff.id in await meetings.current_staff_ids(turn.session, meeting)
    if not allowed:
        ref = await meetings.case_ref(turn.session, meeting)
        return await access.refuse(turn, what, NO_ACCESS, case_ref=ref)
    return StaffView(staff, meeting)


async def token(turn: Turn, label: str, action: str, **payload: Any) -> Button:
    """A button checked on every press; it may be pressed again (actions check the state)."""
    data = await buttons.issue(
        turn.session, turn.clock, turn.telegram_id, action, payload, single_use=False
    )
    return Button(label, data)


def labels(tr: Translator, codes: list[str], table: dict[str, str]) -> str:
    return ", ".join(tr.gettext(table[c]) for c in codes if c in table)


def title(tr: Translator, meeting: Meeting, case: str) -> str:
    return f"{tr.gettext(meetings.TYPE_LABELS[meeting.type])} · {tr.isolate(case)}"


async def card_text(turn: Turn, meeting: Meeting) -> str:
    tr, session = turn.tr, turn.session
    case = await meetings.case_ref(session, meeting)
    status = tr.gettext(meetings.STATUS_LABELS[meeting.status])
    lines = [title(tr, meeting, case), tr.gettext(STATUS_LINE).format(status=status)]
    if meeting.categories:
        about = labels(tr, meeting.categories, CATEGORY_LABELS)
        lines.append(tr.gettext(ABOUT_LINE).format(categories=about))
    if meeting.note:
        lines.append(tr.gettext(NOTE_LINE).format(note=meeting.note))
    units = await meetings.units_by_id(
        session, [meeting.requester_unit_id or 0, *(u.unit_id for u in meeting.units)]
    )
    requester = (
        await session.get(Staff, meeting.requester_staff_id) if meeting.requester_staff_id else None
    )
    if requester is not None:
        home = units.get(meeting.requester_unit_id or 0)
        lines.append(
            tr.gettext(REQUESTED_BY).format(
                name=requester.name,
                unit=home.name if home else "–",
                phone=requester.phone or (home.phone if home else "–"),
                date=tr.date(meeting.created_at),
            )
        )
    if meeting.time_windows:
        windows = labels(tr, meeting.time_windows, WINDOW_LABELS)
        lines.append(tr.gettext(PREFERRED_LINE).format(windows=windows))
    for extra in turn.services.wiring.all(REQUEST_CARD_LINES, ""):
        lines += await extra(turn, meeting)
    lines += ["", tr.gettext(UNITS_TITLE)]
    assigned = await meetings.participants(session, meeting)
    names = {person.id: person.name for person in assigned}
    for target in meeting.units:
        name = units[target.unit_id].name if target.unit_id in units else "–"
        if target.status == UnitRequestStatus.ASSIGNED:
            sent = [names[i] for i in target.assigned_ids() if i in names]
            state = ", ".join(sent) or "–"
        elif target.status == UnitRequestStatus.WAITING:
            state = tr.gettext(UNIT_WAITING).format(date=tr.date(target.queued_at))
        elif target.status == UnitRequestStatus.CONSENT_WAIT:
            state = tr.gettext(UNIT_CONSENT)
        else:
            state = tr.gettext(UNIT_RETURNED)
        lines.append(f"• {name}: {state}")
    if meeting.starts_at is not None and meeting.status != MeetingStatus.SCHEDULING:
        lines += [
            "",
            tr.gettext(WHEN_LINE).format(
                when=tr.datetime(meeting.starts_at),
                minutes=tr.counted_marked(flow_texts.MINUTES, meeting.duration_minutes),
            ),
            tr.gettext(PLACE_LINE).format(
                place=meetings.place_text(tr, meeting.place_kind, meeting.place_text)
            ),
            tr.gettext(WITH_LINE).format(people=await meetings.people_line(session, meeting)),
        ]
    slots = meetings.open_slots(meeting)
    if meeting.status == MeetingStatus.SCHEDULING and slots:
        taking_part = [str(i) for i in await meetings.current_staff_ids(session, meeting)]
        total = len(taking_part)
        lines += ["", tr.gettext(TIMES_TITLE)]
        for number, slot in enumerate(slots, start=1):
            yes = sum(1 for i in taking_part if slot.responses.get(i) == "yes")
            answered = tr.gettext(TIMES_ANSWERED).format(yes=yes, total=total)
            lines.append(f"{number}. {tr.datetime(slot.starts_at)} ({answered})")
    return "\n".join(lines)


async def card_buttons(turn: Turn, staff: Staff, meeting: Meeting) -> list[list[Button]]:
    session, clock = turn.session, turn.clock
    rows: list[list[Button]] = []
    mid = meeting.id
    mine = [
        target
        for target in meeting.units
        if target.status in meetings.ACTIVE_UNIT
        and await meetings.distributes(session, staff, target.unit_id)
    ]
    if meeting.status in meetings.OPEN:
        units = await meetings.units_by_id(session, [t.unit_id for t in mine])
        for target in mine:
            suffix = f" · {units[target.unit_id].name}" if len(mine) > 1 else ""
            uid = target.unit_id
            if target.status == UnitRequestStatus.WAITING:
                rows.append(
                    [
                        await token(
                            turn,
                            turn.tr.gettext(ASSIGN_ME) + suffix,
                            "mtg_assign",
                            meeting_id=mid,
                            unit_id=uid,
                            staff_id=staff.id,
                        ),
                        await token(
                            turn,
                            turn.tr.gettext(SOMEONE_ELSE) + suffix,
                            "mtg_pick",
                            meeting_id=mid,
                            unit_id=uid,
                        ),
                    ]
                )
            else:
                rows.append(
                    [
                        await token(
                            turn,
                            turn.tr.gettext(REASSIGN) + suffix,
                            "mtg_pick",
                            meeting_id=mid,
                            unit_id=uid,
                        ),
                        await token(
                            turn,
                            turn.tr.gettext(ADD_PERSON) + suffix,
                            "mtg_pick",
                            meeting_id=mid,
                            unit_id=uid,
                            add=True,
                        ),
                    ]
                )
            rows.append(
                [
                    await token(
                        turn,
                        turn.tr.gettext(RETURN) + suffix,
                        "mtg_return",
                        meeting_id=mid,
                        unit_id=uid,
                    )
                ]
            )
    if staff.id not in await meetings.current_staff_ids(session, meeting):
        return rows
    tr = turn.tr
    status = meeting.status
    is_requester = staff.id == meeting.requester_staff_id
    ended = meetings.has_ended(meeting, clock.now())
    started = meetings.has_started(meeting, clock.now())
    if status == MeetingStatus.SCHEDULING:
        line = [await token(turn, tr.gettext(PROPOSE), meetings.PROPOSE, meeting_id=mid)]
        if meetings.open_slots(meeting):
            line.append(
                await token(turn, tr.gettext(ANSWER_TIMES), meetings.ANSWER_SLOTS, meeting_id=mid)
            )
        elif is_requester:
            line.append(
                await token(turn, tr.gettext(ASK_OTHERS), meetings.ASK_PROPOSE, meeting_id=mid)
            )
        rows.append(line)
    if status == MeetingStatus.CONFIRMED:
        rows.append([await token(turn, tr.gettext(CALENDAR), meetings.CALENDAR, meeting_id=mid)])
    if status == MeetingStatus.INVITED and is_requester:
        rows.append([await token(turn, tr.gettext(CONFIRM_FOR), "mtg_confirm_for", meeting_id=mid)])
    if status in meetings.TIMED and ended:
        rows.append([await token(turn, tr.gettext(RECORD_OUTCOME), "mtg_outcome", meeting_id=mid)])
    if status in meetings.TIMED and started and not ended:
        line = [await token(turn, tr.gettext(MEETING_OVER), meetings.MEETING_OVER, meeting_id=mid)]
        if meetings.invites_individual(meeting):
            label = tr.gettext(DID_NOT_COME)
            line.append(await token(turn, label, "mtg_outcome_set", meeting_id=mid, o="no_show"))
        rows.append(line)
    if status in meetings.TIMED and not ended:
        rows.append([await token(turn, tr.gettext(RESCHEDULE), "mtg_move", meeting_id=mid)])
    if status in meetings.OPEN and not ended:
        label = CANCEL if status in meetings.TIMED else CANCEL_REQUEST
        rows.append([await token(turn, tr.gettext(label), "mtg_cancel", meeting_id=mid)])
    if status == MeetingStatus.NO_SHOW:
        rows.append([await token(turn, tr.gettext(NEW_TIME), "mtg_after_no_show", meeting_id=mid)])
    for extra in turn.services.wiring.all(CARD_BUTTONS, ""):
        rows += await extra(turn, staff, meeting)
    return rows


async def guidance(turn: Turn, staff: Staff, meeting: Meeting) -> str | None:
    """For a distributor with a GFI request in their queue: whom to assign."""
    if meeting.type != MeetingType.GFI or meeting.status not in meetings.OPEN:
        return None
    for target in meeting.units:
        if target.status in meetings.ACTIVE_UNIT and await meetings.distributes(
            turn.session, staff, target.unit_id
        ):
            case = await meetings.case_ref(turn.session, meeting)
            return turn.tr.gettext(GFI_GUIDANCE).format(case=case)
    return None


async def staff_card(
    turn: Turn, staff: Staff, meeting: Meeting, *, notice: str | None = None, replace: bool = True
) -> Outcome:
    text = await card_text(turn, meeting)
    extra = await feature_sections(turn, staff, meeting)
    if extra.lines:
        text = "\n".join([text, "", *extra.lines])
    hint = await guidance(turn, staff, meeting)
    if hint:
        text = f"{text}\n\n💡 {hint}"
    if notice:
        text = f"{notice}\n\n{text}"
    rows = extra.buttons + await card_buttons(turn, staff, meeting)
    return Outcome([Screen(text, rows)], replace=replace)


async def feature_sections(turn: Turn, staff: Staff, meeting: Meeting) -> CardSection:
    """What the wired features add to the card, in wiring order."""
    found = CardSection()
    makers: list[CardSectionMaker] = turn.services.wiring.all(CARD_SECTION, "")
    for maker in makers:
        section = await maker(turn, staff, meeting)
        if section is not None:
            found.lines += section.lines
            found.buttons += section.buttons
    return found


async def unit_staff(turn: Turn, unit_id: int) -> list[Staff]:
    rows = await turn.session.scalars(
        select(Staff)
        .join(StaffMembership, StaffMembership.staff_id == Staff.id)
        .where(StaffMembership.unit_id == unit_id, Staff.removed_at.is_(None))
        .order_by(Staff.name)
    )
    return list(rows)


def short_line(tr: Translator, meeting: Meeting, case: str) -> str:
    when = tr.short_datetime(meeting.starts_at) if meeting.starts_at else None
    if meeting.status in (MeetingStatus.REQUESTED, MeetingStatus.SCHEDULING) or when is None:
        when = tr.gettext(NO_TIME_YET)
    return f"{title(tr, meeting, case)} · {when}"


async def staff_list(turn: Turn, staff: Staff) -> Outcome:
    """Upcoming meetings, requests not yet booked, and meetings waiting for an outcome."""
    tr, now = turn.tr, turn.clock.now()
    found = await meetings.staff_meetings(turn.session, staff, meetings.OPEN)
    groups: dict[str, list[Meeting]] = {STAFF_UPCOMING: [], STAFF_REQUESTS: [], STAFF_OUTCOME: []}
    for meeting in found:
        participant = staff.id in await meetings.current_staff_ids(turn.session, meeting)
        if meeting.status in meetings.TIMED and meetings.has_ended(meeting, now):
            if participant:
                groups[STAFF_OUTCOME].append(meeting)
        elif meeting.status in meetings.TIMED:
            groups[STAFF_UPCOMING].append(meeting)
        elif meeting.status in (MeetingStatus.REQUESTED, MeetingStatus.SCHEDULING):
            groups[STAFF_REQUESTS].append(meeting)
    if not any(groups.values()):
        return Outcome.message(tr.gettext(STAFF_NONE))
    lines = [tr.gettext(STAFF_LIST_TITLE)]
    rows: list[list[Button]] = []
    for heading, items in groups.items():
        if not items:
            continue
        lines += ["", tr.gettext(heading)]
        for meeting in items[:15]:
            case = await meetings.case_ref(turn.session, meeting)
            line = short_line(tr, meeting, case)
            lines.append(f"• {line}")
            rows.append(
                [await token(turn, f"📋 {line}", meetings.OPEN_CARD, meeting_id=meeting.id)]
            )
    return Outcome([Screen("\n".join(lines), rows)], replace=False)
