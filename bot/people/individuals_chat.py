"""Staff inviting a person in the chat: choosing units, the invitation link and its QR code."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from bot.chat import access, actions, buttons
from bot.chat.turn import Turn
from bot.models import Unit
from bot.people import staff, units
from bot.people.individuals import create_invite, qr_png
from bot.platform.i18n import N_
from flows.screens import Button, Outcome, Screen

PICK_UNITS = N_(
    "Which units does the cooperation concern? Choose one or more, then press Create link. "
    "The person sees these units by name when asked for consent."
)


CREATE_LINK = N_("Create link")


PICK_ONE_UNIT = N_("Choose at least one unit.")


NO_UNITS = N_("There are no units yet. An admin adds them with: samordna units add")


INVITE_READY = N_(
    "Link for case {case_ref} ({units}).\n\n"
    "Give the link to the person, or let them scan the picture with their phone's camera. "
    "It works once, until {date}. The person is asked for consent first.\n\n"
    "{link}"
)


INVITE_NO_LINK = N_(
    "Case {case_ref} ({units}).\n\nAsk the person to send me this, once, before {date}:\n"
    "/start {token}"
)


INVITE_CAPTION = N_("Case {case_ref}: scan with the phone's camera to start.")


async def invite_menu(turn: Turn, bot_username: str | None) -> Outcome:
    """``/invite`` for staff: choose the units, then get the link and its QR code."""
    try:
        member = await access.require_staff(turn.session, turn.telegram_id)
    except access.AccessDenied:
        return await access.refuse(turn, "invite")
    every = await units.all_units(turn.session)
    if not every:
        return Outcome.message(turn.tr.gettext(NO_UNITS))
    mine = [u.id for u in await staff.units_of(turn.session, member.id)]
    return await _picker(turn, mine, every, bot_username, replace=False)


async def _picker(
    turn: Turn, selected: list[int], every: list[Unit], bot: str | None, *, replace: bool
) -> Outcome:
    group = f"invite:{secrets.token_hex(6)}"
    known = {u.id for u in every}
    selected = sorted(i for i in set(selected) if i in known)
    rows: list[list[Button]] = []
    for unit in every:
        payload = {"selected": selected, "unit": unit.id, "bot": bot}
        data = await buttons.issue(
            turn.session, turn.clock, turn.telegram_id, "invite_toggle", payload, group=group
        )
        rows.append([Button(("✓ " if unit.id in selected else "") + unit.name, data)])
    create = await buttons.issue(
        turn.session,
        turn.clock,
        turn.telegram_id,
        "invite_create",
        {"selected": selected, "bot": bot},
        group=group,
    )
    rows.append([Button(turn.tr.gettext(CREATE_LINK), create)])
    return Outcome([Screen(turn.tr.gettext(PICK_UNITS), rows)], replace=replace)


def _ids(value: object) -> list[int]:
    if not isinstance(value, list):
        return []
    return [i for i in value if isinstance(i, int) and not isinstance(i, bool)]


def _bot(payload: dict[str, Any]) -> str | None:
    bot = payload.get("bot")
    return bot if isinstance(bot, str) else None


@actions.action("invite_toggle")
async def _toggle(turn: Turn, payload: dict[str, Any]) -> Outcome:
    try:
        await access.require_staff(turn.session, turn.telegram_id)
    except access.AccessDenied:
        return await access.refuse(turn, "invite", toast=True)
    selected = _ids(payload.get("selected"))
    unit_id = payload.get("unit")
    if isinstance(unit_id, int):
        selected = (
            [i for i in selected if i != unit_id] if unit_id in selected else [*selected, unit_id]
        )
    every = await units.all_units(turn.session)
    return await _picker(turn, selected, every, _bot(payload), replace=True)


@actions.action("invite_create")
async def _create(turn: Turn, payload: dict[str, Any]) -> Outcome:
    try:
        member = await access.require_staff(turn.session, turn.telegram_id)
    except access.AccessDenied:
        return await access.refuse(turn, "invite", toast=True)
    chosen = await units.by_ids(turn.session, _ids(payload.get("selected")))
    if not chosen:
        every = await units.all_units(turn.session)
        outcome = await _picker(turn, [], every, _bot(payload), replace=True)
        outcome.toast = turn.tr.gettext(PICK_ONE_UNIT)
        return outcome
    valid_for = timedelta(days=turn.services.settings.individual_invite_days)
    token, invite, individual = await create_invite(
        turn.session, turn.clock, member, chosen, valid_for=valid_for
    )
    link = staff.deep_link(_bot(payload), token)
    values = {
        "case_ref": individual.case_ref,
        "units": turn.tr.join([u.name for u in chosen]),
        "date": turn.tr.date_time(invite.expires_at),
        "link": link,
        "token": token,
    }
    if link is None:
        return Outcome([Screen(turn.tr.gettext(INVITE_NO_LINK).format(**values))])
    caption = turn.tr.gettext(INVITE_CAPTION).format(**values)
    picture = (f"invite-{individual.case_ref}.png", qr_png(link), True)
    return Outcome(
        [
            Screen(turn.tr.gettext(INVITE_READY).format(**values)),
            Screen(caption, attachment=picture),
        ]
    )
