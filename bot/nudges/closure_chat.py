"""Closing a case in the chat: what is still open, a closing meeting proposed first, the
reason when there is none, and the person's one tap to end their consent afterwards."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from bot.chat import access, actions, buttons
from bot.chat.turn import Turn
from bot.meetings import lifecycle as meetings
from bot.models import Individual, Staff
from bot.models.meetings import MeetingType
from bot.nudges import closure
from bot.nudges.transitions_chat import person_state, unit_state
from bot.people import consent
from bot.people.cases_chat import allowed_case, may_close
from bot.platform.i18n import N_
from flows.screens import Button, Outcome, Screen

HEAD = N_("Closing case {case_ref}")
PROPOSE = N_(
    "A case is best closed at a closing meeting (slutsamtal): the plan is followed up, the "
    "person hears how to come back, and their consent is ended together."
)
HELD = N_("The closing meeting was held on {date}.")
BOOKED = N_("A closing meeting is booked: {when}.")
TRANSITIONS = N_("Open transitions (the handbook closes only once the new contact works):")
MEETINGS = N_("Meetings still ahead (they are cancelled when the case is closed):")
SIP_ACTIVE = N_(
    "A SIP is active, established on {date}. Close it as the outcome of the closing meeting "
    "(it is closed with the case otherwise)."
)
NOTHING_OPEN = N_("Nothing else is open.")
BOOK_CLOSING = N_("Book a closing meeting")
CLOSE_NOW = N_("Close the case")
WITHOUT = N_("Close without a closing meeting…")
NOT_NOW = N_("Not now")
WHY = N_("Why is case {case_ref} closed without a closing meeting?")
CONFIRM = N_(
    "Close case {case_ref}? Meetings still ahead are cancelled and everyone is told. The "
    "person is told that the case is closed, whom to call to come back, and that what is "
    "stored about them is deleted on {date}."
)
REASON_LINE = N_("Reason: {reason}")
YES = N_("Yes, close it")
NO = N_("No")
CLOSED = N_("Case {case_ref} is closed. The person has been told.")
CLOSED_UNTOLD = N_(
    "Case {case_ref} is closed. The person cannot be reached in the chat: please tell them "
    "yourself, and whom to call if they want to come back."
)
KEPT = N_("Case {case_ref} stays open.")
ALREADY = N_("Case {case_ref} is already closed.")
CONSENT_ENDED = N_(
    "Done: your consent has ended, and the units can no longer see your case. What is stored "
    "about you is deleted on {date}. If you want to come back, you are always welcome."
)
NOTHING_TO_END = N_("Your consent has already ended. Thank you!")


async def _closable(turn: Turn, payload: dict[str, Any]) -> tuple[Staff, Individual] | Outcome:
    found = await allowed_case(turn, str(payload.get("case_ref") or ""), toast=True)
    if isinstance(found, Outcome):
        return found
    member, case = found
    if not await may_close(turn, member, case):
        return await access.refuse(
            turn, "case_close", access.NOT_YOUR_CASE, case_ref=case.case_ref, toast=True
        )
    if case.closed_at is not None:
        return Outcome([Screen(turn.tr.gettext(ALREADY).format(case_ref=case.case_ref))])
    return member, case


async def _button(turn: Turn, label: str, action: str, group: str, **payload: Any) -> Button:
    data = await buttons.issue(
        turn.session, turn.clock, turn.telegram_id, action, payload, group=group
    )
    return Button(label, data)


@actions.action("case_close")
async def ask_close(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """What is still open, and a closing meeting before anything else."""
    found = await _closable(turn, payload)
    if isinstance(found, Outcome):
        return found
    _member, case = found
    tr, now = turn.tr, turn.clock.now()
    items = await closure.open_items(turn.session, case.id)
    lines = [tr.gettext(HEAD).format(case_ref=case.case_ref), ""]
    if items.closing_held is not None and items.closing_held.starts_at is not None:
        lines.append(tr.gettext(HELD).format(date=tr.date(items.closing_held.starts_at)))
    else:
        lines.append(tr.gettext(PROPOSE))
    booked = items.closing_booked
    if booked is not None and booked.starts_at is not None:
        lines.append(tr.gettext(BOOKED).format(when=tr.datetime(booked.starts_at)))
    if items.transitions:
        units = await meetings.units_by_id(turn.session, [t.unit_id for t in items.transitions])
        lines += ["", tr.gettext(TRANSITIONS)]
        for check in items.transitions:
            unit = units.get(check.unit_id)
            state = f"{unit_state(turn, check)}; {person_state(turn, check, now)}"
            lines.append(f"• {unit.name if unit else '–'}: {state}")
    ahead = [m for m in items.meetings if m.type != MeetingType.CLOSING]
    if ahead:
        lines += ["", tr.gettext(MEETINGS)]
        for meeting in ahead:
            kind = tr.gettext(meetings.TYPE_LABELS[meeting.type])
            when = tr.datetime(meeting.starts_at) if meeting.starts_at else "–"
            lines.append(f"• {kind}, {when}")
    if items.sip is not None:
        lines += ["", tr.gettext(SIP_ACTIVE).format(date=tr.date(items.sip.established_at))]
    if not (items.transitions or ahead or items.sip):
        lines += ["", tr.gettext(NOTHING_OPEN)]
    group = f"case-close:{secrets.token_hex(6)}"
    ref = case.case_ref
    rows: list[list[Button]] = []
    if items.closing_held is not None:
        held = items.closing_held.id
        rows.append(
            [
                await _button(
                    turn, tr.gettext(CLOSE_NOW), "case_close_sure", group, case_ref=ref, m=held
                )
            ]
        )
    elif booked is None:
        book = await buttons.issue(
            turn.session,
            turn.clock,
            turn.telegram_id,
            "mtg_case",
            {"type": MeetingType.CLOSING.value, "individual_id": case.id},
            group=group,
        )
        rows.append([Button(tr.gettext(BOOK_CLOSING), book)])
    if items.closing_held is None:
        rows.append(
            [await _button(turn, tr.gettext(WITHOUT), "case_close_why", group, case_ref=ref)]
        )
    rows.append([await _button(turn, tr.gettext(NOT_NOW), "case_close_no", group, case_ref=ref)])
    return Outcome([Screen("\n".join(lines), rows)])


@actions.action("case_close_why")
async def ask_reason(turn: Turn, payload: dict[str, Any]) -> Outcome:
    found = await _closable(turn, payload)
    if isinstance(found, Outcome):
        return found
    _member, case = found
    group = f"case-close:{secrets.token_hex(6)}"
    rows = [
        [
            await _button(
                turn,
                turn.tr.gettext(label),
                "case_close_sure",
                group,
                case_ref=case.case_ref,
                r=code,
            )
        ]
        for code, label in closure.REASONS.items()
    ]
    rows.append(
        [
            await _button(
                turn, turn.tr.gettext(NOT_NOW), "case_close_no", group, case_ref=case.case_ref
            )
        ]
    )
    return Outcome([Screen(turn.tr.gettext(WHY).format(case_ref=case.case_ref), rows)])


@actions.action("case_close_sure")
async def confirm(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """The last question, with what the person will be told."""
    found = await _closable(turn, payload)
    if isinstance(found, Outcome):
        return found
    _member, case = found
    reason, held = payload.get("r"), payload.get("m")
    if reason not in closure.REASONS and not isinstance(held, int):
        return await ask_reason(turn, payload)
    tr = turn.tr
    erase_on = turn.clock.now() + timedelta(days=turn.services.settings.retention_days)
    text = tr.gettext(CONFIRM).format(case_ref=case.case_ref, date=tr.date(erase_on))
    if reason in closure.REASONS:
        text += "\n" + tr.gettext(REASON_LINE).format(
            reason=tr.gettext(closure.REASONS[str(reason)])
        )
    group = f"case-close:{secrets.token_hex(6)}"
    own = {"case_ref": case.case_ref, "r": reason, "m": held}
    keyboard = [
        [
            await _button(turn, tr.gettext(YES), "case_close_yes", group, **own),
            await _button(turn, tr.gettext(NO), "case_close_no", group, case_ref=case.case_ref),
        ]
    ]
    return Outcome([Screen(text, keyboard)])


@actions.action("case_close_yes")
async def close_case(turn: Turn, payload: dict[str, Any]) -> Outcome:
    found = await _closable(turn, payload)
    if isinstance(found, Outcome):
        return found
    member, case = found
    reason, held = payload.get("r"), payload.get("m")
    items = await closure.open_items(turn.session, case.id)
    held_id = items.closing_held.id if items.closing_held is not None else None
    if reason not in closure.REASONS and (held is None or held != held_id):
        return await ask_reason(turn, payload)
    told = await closure.close(
        turn.session,
        turn.clock,
        member,
        case,
        reason=str(reason) if reason in closure.REASONS else None,
        closing_meeting_id=held_id if held == held_id else None,
    )
    text = CLOSED if told else CLOSED_UNTOLD
    return Outcome([Screen(turn.tr.gettext(text).format(case_ref=case.case_ref))])


@actions.action("case_close_no")
async def keep(turn: Turn, payload: dict[str, Any]) -> Outcome:
    found = await allowed_case(turn, str(payload.get("case_ref") or ""), toast=True)
    if isinstance(found, Outcome):
        return found
    _member, case = found
    return Outcome([Screen(turn.tr.gettext(KEPT).format(case_ref=case.case_ref))])


@actions.action(closure.END_CONSENT_ACTION)
async def end_consent(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """One tap after the case was closed: the consent ends now."""
    individual_id = payload.get("individual_id")
    case = (
        await turn.session.get(Individual, individual_id)
        if isinstance(individual_id, int)
        else None
    )
    if case is None:
        refusal = actions.REFUSALS[buttons.Refusal.FOREIGN]
        return Outcome(toast=turn.tr.gettext(refusal), replace=False)
    if case.telegram_id != turn.telegram_id:
        return await access.refuse(
            turn, "consent", access.NOT_YOUR_CASE, case_ref=case.case_ref, toast=True
        )
    retention = timedelta(days=turn.services.settings.retention_days)
    ended = await consent.withdraw(
        turn.session, turn.clock, case, retention=retention, actor=case.case_ref
    )
    if not ended or case.erase_after is None:
        return Outcome([Screen(turn.tr.gettext(NOTHING_TO_END))])
    text = turn.tr.gettext(CONSENT_ENDED).format(date=turn.tr.date(case.erase_after))
    return Outcome([Screen(text)])
