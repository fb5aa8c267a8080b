"""The person's meetings in their readable ``/mydata`` copy: kind, time, place, state and who
takes part (names and units, never an account number)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.meetings import lifecycle as meetings
from bot.models import Individual
from bot.models.meetings import Meeting, MeetingStatus
from bot.people.mydata_document import Section, document_section
from bot.platform.i18n import N_, Translator

HEADING = N_("Your meetings")
MEETING_LINE = N_("• {type}, {when}: {state}")
NO_TIME = N_("no time yet")
WHERE = N_("Where: {place}")
WHO = N_("Who takes part: {people}")
UNITS = N_("Units: {units}")
INDENT = "   "
# The person reads their own copy: the staff labels speak of "the person".
OWN_STATUS_LABELS: dict[str, str] = {
    MeetingStatus.INVITED: N_("waiting for your answer"),
    MeetingStatus.NO_SHOW: N_("you did not come"),
}


@document_section
async def meetings_section(
    session: AsyncSession, tr: Translator, individual: Individual
) -> Section | None:
    """Every meeting of the case, oldest first; none gives no section."""
    found = list(
        await session.scalars(
            select(Meeting)
            .where(Meeting.individual_id == individual.id)
            .options(selectinload(Meeting.units))
            .order_by(Meeting.created_at, Meeting.id)
        )
    )
    if not found:
        return None
    section = Section(tr.gettext(HEADING))
    for meeting in found:
        when = (
            tr.date_time(meeting.starts_at)
            if meeting.starts_at is not None
            else tr.gettext(NO_TIME)
        )
        section.lines.append(
            tr.gettext(MEETING_LINE).format(
                type=tr.gettext(meetings.TYPE_LABELS[meeting.type]),
                when=when,
                state=tr.gettext(
                    OWN_STATUS_LABELS.get(meeting.status) or meetings.STATUS_LABELS[meeting.status]
                ),
            )
        )
        if meeting.place_kind or meeting.place_text:
            place = meetings.place_text(tr, meeting.place_kind, meeting.place_text)
            section.lines.append(INDENT + tr.gettext(WHERE).format(place=place))
        people = await meetings.people_line(session, meeting)
        if people:
            section.lines.append(INDENT + tr.gettext(WHO).format(people=people))
        names = await meetings.unit_name_list(session, [u.unit_id for u in meeting.units])
        if names:
            section.lines.append(INDENT + tr.gettext(UNITS).format(units=tr.join(names)))
    return section
