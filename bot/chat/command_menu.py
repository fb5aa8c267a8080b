"""The commands Telegram shows in its menu: individuals see theirs, staff see theirs.

The lists are data; ``bot/app.py`` and ``handlers/common.py`` tell Telegram.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import ChatUser, Role, Staff, StaffMembership
from bot.platform.i18n import N_, Translator

INDIVIDUAL = "individual"
STAFF = "staff"
ADMIN = "admin"

_INDIVIDUAL = (
    ("meetings", N_("My meetings")),
    ("prepare", N_("Get ready for a meeting")),
    ("ask", N_("Ask for a call, a SIP or a new time")),
    ("survey", N_("Answer questions about a meeting")),
    ("resume", N_("Go on where you left off")),
    ("consent", N_("See or withdraw your consent")),
    ("mydata", N_("What is stored about you")),
    ("language", N_("Change language")),
    ("help", N_("Help and phone numbers")),
)
_STAFF = (
    ("meetings", N_("Your meetings and requests")),
    ("gfi", N_("Request a GFI meeting")),
    ("book", N_("Book another kind of meeting")),
    ("invite", N_("Invite an individual")),
    ("cases", N_("Your cases")),
    ("summary", N_("Preparations shared with you")),
    ("results", N_("Participation survey results")),
    ("profile", N_("Your name and phone number")),
    ("resume", N_("Go on where you left off")),
    ("language", N_("Change language")),
    ("help", N_("Help")),
)
_ADMIN_EXTRA = (
    ("units", N_("List units")),
    ("invitestaff", N_("Invite a staff member")),
)

MENUS: dict[str, tuple[tuple[str, str], ...]] = {
    INDIVIDUAL: _INDIVIDUAL,
    STAFF: _STAFF,
    ADMIN: _STAFF + _ADMIN_EXTRA,
}


def commands(menu: str, tr: Translator) -> list[tuple[str, str]]:
    return [(name, tr.gettext(description)) for name, description in MENUS[menu]]


async def staff_menus(session: AsyncSession) -> list[tuple[int, str, str]]:
    """(chat id, menu, language) for every staff member with a Telegram account."""
    rows = await session.execute(
        select(Staff.telegram_id, StaffMembership.role, ChatUser.language)
        .join(StaffMembership, StaffMembership.staff_id == Staff.id)
        .outerjoin(ChatUser, ChatUser.telegram_id == Staff.telegram_id)
        .where(Staff.telegram_id.is_not(None), Staff.removed_at.is_(None))
    )
    menus: dict[int, tuple[str, str]] = {}
    for telegram_id, role, language in rows.all():
        if telegram_id is None:
            continue
        current = menus.get(telegram_id)
        if current is None or current[0] != ADMIN:
            menu = ADMIN if role == Role.ADMIN else STAFF
            menus[telegram_id] = (menu, language or "sv")
    return [(chat, menu, language) for chat, (menu, language) in menus.items()]
