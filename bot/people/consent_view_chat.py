"""``/consent``: what the person agreed to, one part changed in two taps, or everything
withdrawn in two taps; after a withdrawal, what was given and that none of it applies."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from bot.chat import access, actions, buttons
from bot.chat.turn import Turn
from bot.models import Individual
from bot.people import units
from bot.people.consent import (
    active,
    all_of,
    change_part,
    describe,
    last_units,
    part_line,
    withdraw,
)
from bot.people.consent_chat import NO_CONSENT, ask_again
from bot.platform.i18n import N_
from flows import consent as conversation
from flows import texts as flow_texts
from flows.screens import Button, Outcome, Screen

CONSENT_HEAD = N_("Your consent (samtycke):")


WITHDRAW = N_("Withdraw my consent")


WITHDRAW_CONFIRM = N_(
    "Do you want to withdraw your consent? Then I stop writing to you at once. The units are "
    "told only that you withdrew it. What I store about you is deleted after {days}, "
    "or at once with /mydata."
)


WITHDRAW_YES = N_("Yes, withdraw")


WITHDRAW_NO = N_("No, keep it")


WITHDRAWN = N_("Your consent is withdrawn. I will not write to you about meetings any more.")


KEPT = N_("Good. Your consent stays as it is.")


NOTHING_TO_WITHDRAW = N_("There is no consent to withdraw.")


RENEW = N_("Give consent again")


CHANGE_HINT = N_("To change one part, tap it below. Everything else stays as it is.")


STOP_PART = N_("Stop {part}")


START_PART = N_("Start {part}")


STOP_CONFIRM = N_("Stop {part}? Everything else in your consent stays as it is.")


START_CONFIRM = N_("Start {part}? Everything else in your consent stays as it is.")


YES_STOP = N_("Yes, stop")


YES_START = N_("Yes, start")


NO_CHANGE = N_("No, leave it as it is")


LAST_PART = N_(
    "That is the last part you said yes to. Stopping it means withdrawing your whole consent."
)


PART_CHANGED = N_("Done. Everything else in your consent is as before.")


async def show(turn: Turn, *, notice: str | None = None, replace: bool = False) -> Outcome:
    """``/consent``: what the person agreed to; each part changed, or everything withdrawn,
    in two taps. After a withdrawal: what was given, and that none of it applies."""
    tr = turn.tr
    individual = await access.individual_by_telegram(turn.session, turn.telegram_id)
    records = await all_of(turn.session, individual.id) if individual is not None else []
    if individual is None or not records:
        return Outcome.message(tr.gettext(NO_CONSENT))
    now = turn.clock.now()
    current = [c for c in records if c.active_at(now)]
    lines = [notice, ""] if notice else []
    lines += [tr.gettext(CONSENT_HEAD), tr.gettext(conversation.MEANS), ""]
    for record in current or records[:1]:
        lines += describe(tr, record)
        lines.append("")
    if current:
        lines += [tr.gettext(CHANGE_HINT), ""]
    unit_list = await units.by_ids(turn.session, {u.id for c in records[:1] for u in c.units})
    call = units.call_line(tr, unit_list)
    if call:
        lines.append(call)
    own = {"individual_id": individual.id}
    group = f"consent-view:{secrets.token_hex(6)}"
    keyboard: list[list[Button]] = []
    if current:
        for part in conversation.PARTS:
            on = bool(getattr(current[0], part))
            name = tr.gettext(conversation.PART_SHORT[part])
            label = tr.gettext(STOP_PART if on else START_PART).format(part=name)
            payload = {**own, "part": part, "on": not on}
            keyboard.append([await _button(turn, label, "consent_part", payload, group)])
        keyboard.append([await _button(turn, tr.gettext(WITHDRAW), "consent_withdraw", own, group)])
    else:
        keyboard.append([await _button(turn, tr.gettext(RENEW), "consent_renew", own, group)])
    text = "\n".join(lines).strip()
    return Outcome([Screen(text, keyboard)], replace=replace)


async def _button(
    turn: Turn, label: str, action: str, payload: dict[str, Any], group: str
) -> Button:
    data = await buttons.issue(
        turn.session, turn.clock, turn.telegram_id, action, payload, group=group
    )
    return Button(label, data)


def _part_choice(payload: dict[str, Any]) -> tuple[str, bool] | None:
    part, on = payload.get("part"), payload.get("on")
    if part not in conversation.PARTS or not isinstance(on, bool):
        return None
    return str(part), on


@actions.action("consent_part")
async def _ask_part(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """The first tap: which part, and a yes or no to changing it."""
    individual = await _own_case(turn, payload)
    if isinstance(individual, Outcome):
        return individual
    choice = _part_choice(payload)
    current = await active(turn.session, individual.id, turn.clock.now())
    if choice is None or not current:
        return _ended(turn)
    part, on = choice
    tr = turn.tr
    if not on and not any(getattr(current[0], p) for p in conversation.PARTS if p != part):
        return await _ask_withdraw(turn, payload, intro=tr.gettext(LAST_PART))
    own = {"individual_id": individual.id}
    group = f"consent-part:{secrets.token_hex(6)}"
    name = tr.gettext(conversation.PART_SHORT[part])
    text = tr.gettext(START_CONFIRM if on else STOP_CONFIRM).format(part=name)
    yes = tr.gettext(YES_START if on else YES_STOP)
    keyboard = [
        [await _button(turn, yes, "consent_part_yes", {**own, "part": part, "on": on}, group)],
        [await _button(turn, tr.gettext(NO_CHANGE), "consent_keep", own, group)],
    ]
    return Outcome([Screen(text, keyboard)])


@actions.action("consent_part_yes")
async def _change_part(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """The second tap: that part changes, nothing else."""
    individual = await _own_case(turn, payload)
    if isinstance(individual, Outcome):
        return individual
    choice = _part_choice(payload)
    if choice is None:
        return _ended(turn)
    part, on = choice
    current = await active(turn.session, individual.id, turn.clock.now())
    if not current:
        return Outcome([Screen(turn.tr.gettext(NOTHING_TO_WITHDRAW))])
    if not on and not any(getattr(current[0], p) for p in conversation.PARTS if p != part):
        return await _ask_withdraw(turn, payload, intro=turn.tr.gettext(LAST_PART))
    await change_part(turn.session, turn.clock, individual, part, on)
    notice = f"{part_line(turn.tr, current[0], part)}\n{turn.tr.gettext(PART_CHANGED)}"
    return await show(turn, notice=notice, replace=True)


async def _own_case(turn: Turn, payload: dict[str, Any]) -> Individual | Outcome:
    """The presser's own case, or a refusal (with an audit entry) for anyone else's."""
    individual_id = payload.get("individual_id")
    individual = (
        await turn.session.get(Individual, individual_id)
        if isinstance(individual_id, int)
        else None
    )
    if individual is None:
        return _ended(turn)
    if individual.telegram_id != turn.telegram_id:
        return await access.refuse(
            turn, "consent", access.NOT_YOUR_CASE, case_ref=individual.case_ref, toast=True
        )
    return individual


@actions.action("consent_withdraw")
async def _ask_withdraw_all(turn: Turn, payload: dict[str, Any]) -> Outcome:
    return await _ask_withdraw(turn, payload)


async def _ask_withdraw(
    turn: Turn, payload: dict[str, Any], *, intro: str | None = None
) -> Outcome:
    """The first tap of a withdrawal (``intro`` says why it is asked)."""
    individual = await _own_case(turn, payload)
    if isinstance(individual, Outcome):
        return individual
    group = f"consent-withdraw:{secrets.token_hex(6)}"
    own = {"individual_id": individual.id}
    yes = await buttons.issue(
        turn.session, turn.clock, turn.telegram_id, "consent_withdraw_yes", own, group=group
    )
    no = await buttons.issue(
        turn.session, turn.clock, turn.telegram_id, "consent_keep", own, group=group
    )
    days = turn.tr.counted_marked(flow_texts.DAYS, turn.services.settings.retention_days)
    text = turn.tr.gettext(WITHDRAW_CONFIRM).format(days=days)
    if intro:
        text = f"{intro}\n\n{text}"
    keyboard = [
        [Button(turn.tr.gettext(WITHDRAW_YES), yes)],
        [Button(turn.tr.gettext(WITHDRAW_NO), no)],
    ]
    return Outcome([Screen(text, keyboard)])


@actions.action("consent_withdraw_yes")
async def _withdraw(turn: Turn, payload: dict[str, Any]) -> Outcome:
    individual = await _own_case(turn, payload)
    if isinstance(individual, Outcome):
        return individual
    retention = timedelta(days=turn.services.settings.retention_days)
    done = await withdraw(
        turn.session, turn.clock, individual, retention=retention, actor=individual.case_ref
    )
    if not done:
        return Outcome([Screen(turn.tr.gettext(NOTHING_TO_WITHDRAW))])
    text = turn.tr.gettext(WITHDRAWN)
    unit_list = await last_units(turn.session, individual.id)
    call = units.call_line(turn.tr, unit_list)
    return Outcome([Screen(f"{text}\n\n{call}" if call else text)])


@actions.action("consent_keep")
async def _keep(turn: Turn, payload: dict[str, Any]) -> Outcome:
    individual = await _own_case(turn, payload)
    if isinstance(individual, Outcome):
        return individual
    return Outcome([Screen(turn.tr.gettext(KEPT))])


@actions.action("consent_renew")
async def _renew(turn: Turn, payload: dict[str, Any]) -> Outcome:
    individual = await _own_case(turn, payload)
    if isinstance(individual, Outcome):
        return individual
    return await ask_again(turn, individual)


def _ended(turn: Turn) -> Outcome:
    return Outcome(toast=turn.tr.gettext(flow_texts.ENDED), replace=False)
