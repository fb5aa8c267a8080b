"""Staff in the chat: joining with ``/start CODE``, their profile, their lines in ``/help``,
and the admin tasks that also work in chat (listing units, inviting a colleague)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access, actions, buttons, command_menu, onboarding, profiles
from bot.chat.turn import Turn
from bot.models import FlowState, Role, Unit
from bot.people import staff, units
from bot.platform.clock import Clock
from bot.platform.i18n import N_, Translator
from flows import staff_profile
from flows import texts as flow_texts
from flows.screens import Button, Outcome, Screen

JOINED_NEW = N_(
    "Welcome to Samordna! You have joined {unit}. Your role: {role}.\n\n"
    "First your name and phone number: colleagues will see them."
)
JOINED_MORE = N_(
    "You have joined {unit} as well. Your role there: {role}. /help shows what you can do."
)
CODE_WRONG = N_(
    "That code does not work. Please check it and try again, or ask your admin for a new one."
)
CODE_USED = N_("That code has already been used. Please ask your admin for a new one.")
CODE_EXPIRED = N_("That code has run out. Please ask your admin for a new one.")
CODE_LOCKED = N_(
    "Too many links or codes that did not work. Please wait until {time} and try again."
)
CODE_IS_INDIVIDUAL = N_(
    "This Telegram account is used for a case of your own, so it cannot be a staff account. "
    "Please use another account."
)
STAFF_HELP = N_(
    "For staff:\n"
    "/invite – invite a person (a link and a QR code)\n"
    "/cases – the cases of your units\n"
    "/case K-… – open one case\n"
    "/profile – your name and phone number\n"
    "/mydata – what I store about you"
)
ADMIN_HELP = N_("For admins:\n/units – list the units\n/invitestaff – invite a colleague")
UNITS_HEAD = N_("Units:")
NO_UNITS = N_("There are no units yet. An admin adds them with: samordna units add")
PICK_UNIT = N_("Which unit should your colleague join?")
PICK_ROLE = N_("Which role should your colleague have at {unit}?")
STAFF_CODE = N_(
    "Code for {unit} ({role}): {code}\n"
    "It works once, until {date}.\n\n"
    "Your colleague opens this link: {link}\n"
    "or sends me: /start {code}"
)
STAFF_CODE_NO_LINK = N_(
    "Code for {unit} ({role}): {code}\nIt works once, until {date}.\n\nYour colleague sends me: "
    "/start {code}"
)


@onboarding.start_payload
async def join_with_code(turn: Turn, payload: str) -> Outcome | None:
    """``/start CODE``: a colleague joins a unit with the role the code was made for."""
    if not staff.looks_like_code(payload):
        return None
    result = await staff.join(turn.session, turn.clock, turn.telegram_id, payload)
    tr = turn.tr
    if result.status is staff.JoinStatus.LOCKED and result.locked_until is not None:
        return Outcome.message(tr.gettext(CODE_LOCKED).format(time=tr.time(result.locked_until)))
    answers = {
        staff.JoinStatus.WRONG: CODE_WRONG,
        staff.JoinStatus.USED: CODE_USED,
        staff.JoinStatus.EXPIRED: CODE_EXPIRED,
        staff.JoinStatus.IS_INDIVIDUAL: CODE_IS_INDIVIDUAL,
    }
    if result.status in answers or result.staff is None or result.unit is None:
        message = answers.get(result.status, CODE_WRONG)
        return Outcome.message(tr.gettext(message))
    await profiles.remember(turn.session, turn.clock, turn.telegram_id, tr.locale)
    role = staff.role_label(tr, result.role or Role.STAFF)
    if result.new_member or not result.staff.name:
        intro = tr.gettext(JOINED_NEW).format(role=role, unit=result.unit.name)
        outcome = await turn.services.engine.start(
            turn.session, turn.telegram_id, staff_profile.NAME, tr, intro=intro
        )
    else:
        outcome = Outcome.message(tr.gettext(JOINED_MORE).format(role=role, unit=result.unit.name))
    roles = await access.roles_of(turn.session, result.staff.id)
    outcome.menu = command_menu.ADMIN if access.has_role(roles, Role.ADMIN) else command_menu.STAFF
    return outcome


async def edit_profile(turn: Turn) -> Outcome:
    """``/profile``: change the name and phone number colleagues see."""
    if await access.staff_by_telegram(turn.session, turn.telegram_id) is None:
        return await access.refuse(turn, "profile")
    return await turn.services.engine.start(
        turn.session, turn.telegram_id, staff_profile.NAME, turn.tr
    )


@onboarding.help_section
async def staff_help(turn: Turn) -> list[str]:
    member = await access.staff_by_telegram(turn.session, turn.telegram_id)
    if member is None:
        return []
    lines = [turn.tr.gettext(STAFF_HELP)]
    if access.has_role(await access.roles_of(turn.session, member.id), Role.ADMIN):
        lines += ["", turn.tr.gettext(ADMIN_HELP)]
    mine = await staff.units_of(turn.session, member.id)
    phones = units.phone_lines(turn.tr, mine, units.STAFF_PHONE_LIST)
    return [*lines, "", *phones] if phones else lines


# ----------------------------------------------------------------- admin tasks in chat


async def list_units(turn: Turn) -> Outcome:
    """``/units`` for admins: every unit with what individuals are shown of it."""
    try:
        await access.require_staff(turn.session, turn.telegram_id, Role.ADMIN)
    except access.AccessDenied:
        return await access.refuse(turn, "units", access.ADMIN_ONLY)
    found = await units.all_units(turn.session)
    if not found:
        return Outcome.message(turn.tr.gettext(NO_UNITS))
    lines = [turn.tr.gettext(UNITS_HEAD)]
    for unit in found:
        parts = [unit.name, units.organisation_label(turn.tr, unit.organisation), unit.phone]
        if unit.address:
            parts.append(unit.address)
        lines.append("• " + " · ".join(parts))
    return Outcome.message("\n".join(lines))


async def invite_colleague(turn: Turn, bot_username: str | None) -> Outcome:
    """``/invitestaff`` for admins: a code for one of the units they administer."""
    administered = await _administered(turn)
    if administered is None:
        return await access.refuse(turn, "invitestaff", access.ADMIN_ONLY)
    group = f"staff-invite:{secrets.token_hex(6)}"
    rows = []
    for unit in administered:
        payload = {"unit": unit.id, "bot": bot_username}
        data = await buttons.issue(
            turn.session, turn.clock, turn.telegram_id, "staff_invite_unit", payload, group=group
        )
        rows.append([Button(unit.name, data)])
    return Outcome([Screen(turn.tr.gettext(PICK_UNIT), rows)], replace=False)


@actions.action("staff_invite_unit")
async def _pick_role(turn: Turn, payload: dict[str, Any]) -> Outcome:
    unit = await _administered_unit(turn, payload)
    if isinstance(unit, Outcome):
        return unit
    group = f"staff-invite:{secrets.token_hex(6)}"
    row = []
    for role in Role:
        data = await buttons.issue(
            turn.session,
            turn.clock,
            turn.telegram_id,
            "staff_invite_role",
            {"unit": unit.id, "role": role.value, "bot": payload.get("bot")},
            group=group,
        )
        row.append(Button(staff.role_label(turn.tr, role), data))
    text = turn.tr.gettext(PICK_ROLE).format(unit=unit.name)
    return Outcome([Screen(text, [row])])


@actions.action("staff_invite_role")
async def _make_code(turn: Turn, payload: dict[str, Any]) -> Outcome:
    unit = await _administered_unit(turn, payload)
    if isinstance(unit, Outcome):
        return unit
    try:
        role = Role(str(payload.get("role")))
    except ValueError:
        return Outcome(toast=turn.tr.gettext(flow_texts.ENDED), replace=False)
    admin = await access.require_staff(turn.session, turn.telegram_id, Role.ADMIN, unit.id)
    days = turn.services.settings.staff_invite_days
    code, invite = await staff.create_invite(
        turn.session,
        turn.clock,
        unit,
        role,
        valid_for=timedelta(days=days),
        actor=f"staff:{admin.id}",
    )
    bot = payload.get("bot")
    link = staff.deep_link(bot if isinstance(bot, str) else None, code)
    values = {
        "unit": unit.name,
        "role": staff.role_label(turn.tr, role),
        "code": staff.display(code),
        "date": turn.tr.date_time(invite.expires_at),
        "link": link,
    }
    template = STAFF_CODE if link else STAFF_CODE_NO_LINK
    return Outcome([Screen(turn.tr.gettext(template).format(**values))])


async def _administered(turn: Turn) -> list[Unit] | None:
    member = await access.staff_by_telegram(turn.session, turn.telegram_id)
    if member is None:
        return None
    roles = await access.roles_of(turn.session, member.id)
    mine = [
        u for u in await staff.units_of(turn.session, member.id) if roles.get(u.id) == Role.ADMIN
    ]
    return mine or None


async def _administered_unit(turn: Turn, payload: dict[str, Any]) -> Unit | Outcome:
    unit_id = payload.get("unit")
    unit = await turn.session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if unit is None:
        return Outcome(toast=turn.tr.gettext(flow_texts.ENDED), replace=False)
    try:
        await access.require_staff(turn.session, turn.telegram_id, Role.ADMIN, unit.id)
    except access.AccessDenied:
        return await access.refuse(turn, "invitestaff", access.ADMIN_ONLY, toast=True)
    return unit


async def save_profile(
    session: AsyncSession, clock: Clock, state: FlowState, tr: Translator
) -> str:
    """The profile flow's end: keep the name, and the phone number when it looks like one."""
    member = await access.staff_by_telegram(session, state.telegram_id)
    if member is None:
        return tr.gettext(access.STAFF_ONLY)
    name = str(state.answers.get("name") or "").strip()
    phone = units.clean_phone(str(state.answers.get("phone") or ""))
    await staff.save_profile(session, member, name, phone or member.phone)
    if phone is None:
        return tr.gettext(staff_profile.BAD_PHONE)
    return tr.gettext(staff_profile.SAVED).format(name=member.name, phone=phone)
