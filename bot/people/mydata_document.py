"""The readable copy ``/mydata`` sends beside the JSON: what is stored, why, until when and with
whom, in the person's language.

Plain text (UTF-8) rather than PDF: every phone opens it without an app, a screen reader reads
it, and it needs no font for every script. Features above this package (meetings, preparation)
add their own sections with :func:`document_section`, so the copy grows with them and this
module needs to know none of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Consent, Individual
from bot.platform.i18n import N_, Translator
from bot.platform.wiring import mark

DOCUMENT_SECTION = "mydata_document_section"

FILE_TEXT = N_("my-data.txt")
FILE_JSON = N_("my-data.json")
TITLE = N_("Everything I store about you")
MADE_ON = N_("Made on {date}.")
WHAT = N_("What is stored")
WHY = N_("Why it is stored")
UNTIL = N_("Until when")
WITH_WHOM = N_("With whom")
WHY_CONSENT = N_("I store this because you gave your consent. Each part covers its own use:")
COVER_CASE = N_(
    "• Your case number, your contact person and your meetings: your consent to work "
    "together with the units."
)
COVER_REMINDERS = N_("• Messages before meetings: the part about reminders in the chat.")
COVER_SHARING = N_(
    "• Your answers from preparing for meetings, as staff read them: the part about sharing "
    "your answers before meetings. Without it your answers stay here with you."
)
COVER_SURVEY = N_(
    "• The question after meetings: the part about the survey. Your answers to it are "
    "anonymous and not part of this copy."
)
WHY_STAFF = N_(
    "You use me as staff: your name, phone number, units and roles are stored so that "
    "colleagues can reach you and so that you see the meetings of your units."
)
WHY_NOTHING = N_("Only your account number and your language, so that I can answer you.")
CONSENT_UNTIL = N_("• Your consent is valid until {date}.")
NO_CONSENT_NOW = N_("• You have no consent in force now.")
DELETED_ON = N_("• Everything about you is deleted on {date}.")
DELETED_AFTER = N_(
    "• When your consent ends, or you take it back, everything about you is deleted {days} "
    "days later."
)
DELETE_NOW = N_("• You can have everything deleted at once: send /mydata and press “{button}”.")
STAFF_UNTIL = N_("• As long as you are staff. An admin removes you when you stop.")
UNITS_LINE = N_("• The units in your consent: {units}")
CONTACT_LINE = N_("• Your contact person: {name}")
SHARING_YES = N_(
    "• The staff taking part in a meeting can read your answers for that meeting, as long as "
    "you say yes to sharing."
)
SHARING_NO = N_("• You said no to sharing: your answers from preparing are not sent to anyone.")
NOBODY_ELSE = N_("• Nobody outside these units gets anything about you from me.")
STAFF_WITH = N_("• Colleagues in your units see your name and phone number.")


@dataclass
class Section:
    """One part of the document: a heading and its lines."""

    heading: str
    lines: list[str] = field(default_factory=list)


SectionMaker = Callable[[AsyncSession, Translator, Individual], Awaitable[Section | None]]


def document_section(maker: SectionMaker) -> SectionMaker:
    """Mark what a feature adds to the person's readable copy, such as their meetings."""
    return mark(DOCUMENT_SECTION, "")(maker)


def compose(tr: Translator, now: datetime, sections: list[Section]) -> str:
    """The whole document: a title, the date it was made, then each section under a rule."""
    title = tr.gettext(TITLE)
    lines = [title, "=" * len(title), tr.gettext(MADE_ON).format(date=tr.date(now))]
    for section in sections:
        if not section.lines:
            continue
        lines += ["", section.heading, "-" * len(section.heading), *section.lines]
    return "\n".join(lines) + "\n"


def why(tr: Translator, individual: Individual | None, is_staff: bool) -> Section:
    section = Section(tr.gettext(WHY))
    if individual is not None:
        section.lines += [
            tr.gettext(WHY_CONSENT),
            tr.gettext(COVER_CASE),
            tr.gettext(COVER_REMINDERS),
            tr.gettext(COVER_SHARING),
            tr.gettext(COVER_SURVEY),
        ]
    if is_staff:
        section.lines.append(tr.gettext(WHY_STAFF))
    if not section.lines:
        section.lines.append(tr.gettext(WHY_NOTHING))
    return section


def until(
    tr: Translator,
    now: datetime,
    individual: Individual | None,
    records: list[Consent],
    *,
    retention_days: int,
    delete_label: str,
    is_staff: bool,
) -> Section:
    """``records``: the person's consents, newest first (:func:`consent.all_of`)."""
    section = Section(tr.gettext(UNTIL))
    if is_staff:
        section.lines.append(tr.gettext(STAFF_UNTIL))
    if individual is None:
        return section
    in_force = [c for c in records if _in_force(c, now)]
    for record in in_force:
        last_day = record.valid_until - timedelta(seconds=1)
        section.lines.append(tr.gettext(CONSENT_UNTIL).format(date=tr.date(last_day)))
    if not in_force:
        section.lines.append(tr.gettext(NO_CONSENT_NOW))
    if individual.erase_after is not None:
        day = tr.date(individual.erase_after)
        section.lines.append(tr.gettext(DELETED_ON).format(date=day))
    else:
        section.lines.append(tr.gettext(DELETED_AFTER).format(days=retention_days))
    section.lines.append(tr.gettext(DELETE_NOW).format(button=delete_label))
    return section


def with_whom(
    tr: Translator,
    now: datetime,
    individual: Individual | None,
    records: list[Consent],
    contact_person: str | None,
    *,
    is_staff: bool,
) -> Section:
    """``records`` as for :func:`until`."""
    section = Section(tr.gettext(WITH_WHOM))
    if is_staff:
        section.lines.append(tr.gettext(STAFF_WITH))
    if individual is None:
        return section
    current = [c for c in records if _in_force(c, now)] or records[:1]
    named = sorted({u.name for c in current for u in c.units})
    if named:
        section.lines.append(tr.gettext(UNITS_LINE).format(units=tr.join(named)))
    if contact_person:
        section.lines.append(tr.gettext(CONTACT_LINE).format(name=contact_person))
    sharing = any(c.sharing for c in current if _in_force(c, now))
    section.lines.append(tr.gettext(SHARING_YES if sharing else SHARING_NO))
    section.lines.append(tr.gettext(NOBODY_ELSE))
    return section


def _in_force(record: Consent, now: datetime) -> bool:
    return record.withdrawn_at is None and record.expired_at is None and record.valid_until > now
