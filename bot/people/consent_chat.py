"""Consent in the chat: the conversation that gives it, and what staff are told. /consent
lives in :mod:`bot.people.consent_view_chat`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, update

from bot.chat import access, actions, audit, buttons, onboarding, profiles
from bot.chat.turn import Turn
from bot.models import ButtonToken, Individual, IndividualInvite
from bot.outbox import queue as outbox
from bot.people import individuals, units
from bot.people.consent import all_of, give, last_units, tell_responsible
from bot.platform.i18n import N_
from flows import consent as conversation
from flows import texts as flow_texts
from flows.screens import Button, Outcome, Screen

CONVERSATION = "consent"

LINK_WRONG = N_(
    "That link does not work. Please check that you opened the whole link, or ask the unit "
    "for a new one."
)

LINK_USED = N_("That link has already been used. Please ask the unit for a new one.")

LINK_EXPIRED = N_("That link has run out. Please ask the unit for a new one.")

LOCKED = N_("Too many links or codes that did not work. Please wait until {time} and try again.")

LINK_IS_STAFF = N_(
    "This link is for the person the unit invited. It cannot be used from a staff account."
)

ALREADY_IN = N_("You have already joined. /consent shows your consent.")

AGREED = N_(
    "Thank you! Your consent is saved.\n\n"
    "Your case number is {case_ref}. Staff at the units use it instead of your name.\n\n"
    "/consent shows your consent or takes it back. /mydata shows what I store about you. "
    "/help shows the phone numbers of your units."
)

DECLINED = N_(
    "That is okay. I have not stored anything about you. If you change your mind, open the "
    "link again. It works until {date}."
)

DECLINED_AGAIN = N_("That is okay. Nothing new is stored.")

STAFF_GIVEN = N_(
    "Case {case_ref} has given consent, until {date}. /case {case_ref} shows what it covers."
)

STAFF_DECLINED = N_(
    "The person you invited as case {case_ref} said no thanks for now. The link works until "
    "{date} if they change their mind."
)

NO_CONSENT = N_(
    "You have not given any consent here. If someone at a unit gave you a link, open it to start."
)


@dataclass(frozen=True)
class _Context:
    """Whose consent is asked for: through a link (invite) or again by a known person."""

    unit_ids: list[int]
    invite_id: int | None = None
    individual_id: int | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "units": self.unit_ids,
            "invite": self.invite_id,
            "individual_id": self.individual_id,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> _Context | None:
        unit_ids = payload.get("units")
        invite_id = payload.get("invite")
        individual_id = payload.get("individual_id")
        if not isinstance(unit_ids, list) or not all(isinstance(i, int) for i in unit_ids):
            return None
        if invite_id is not None and not isinstance(invite_id, int):
            return None
        if individual_id is not None and not isinstance(individual_id, int):
            return None
        if invite_id is None and individual_id is None:
            return None
        return cls(unit_ids, invite_id, individual_id)


@onboarding.start_payload
async def open_link(turn: Turn, payload: str) -> Outcome | None:
    """``/start i_…``: the link a staff member gave; the person is asked for consent first."""
    if not individuals.is_link_token(payload):
        return None
    check = await individuals.check_link(turn.session, turn.clock, turn.telegram_id, payload)
    if check.status is individuals.LinkStatus.LOCKED and check.locked_until is not None:
        return Outcome.message(
            turn.tr.gettext(LOCKED).format(time=turn.tr.time(check.locked_until))
        )
    refusals = {
        individuals.LinkStatus.WRONG: LINK_WRONG,
        individuals.LinkStatus.USED: LINK_USED,
        individuals.LinkStatus.EXPIRED: LINK_EXPIRED,
        individuals.LinkStatus.IS_STAFF: LINK_IS_STAFF,
        individuals.LinkStatus.ALREADY_IN: ALREADY_IN,
    }
    if check.status in refusals or check.invite is None or check.individual is None:
        message = refusals.get(check.status, LINK_WRONG)
        return Outcome.message(turn.tr.gettext(message))
    context = _Context(check.unit_ids, check.invite.id, check.individual.id)
    return await _render(turn, conversation.Draft(), context, replace=False)


async def ask_again(turn: Turn, individual: Individual) -> Outcome:
    """The same conversation for someone whose consent ended, with the units it named."""
    previous = await all_of(turn.session, individual.id)
    unit_ids = sorted({u.id for u in previous[0].units}) if previous else []
    if not unit_ids:
        return Outcome.message(turn.tr.gettext(NO_CONSENT))
    context = _Context(unit_ids, None, individual.id)
    return await _render(turn, conversation.Draft(), context, replace=True)


async def _render(
    turn: Turn,
    draft: conversation.Draft,
    context: _Context,
    *,
    replace: bool,
    retire: bool = True,
) -> Outcome:
    unit_list = await units.by_ids(turn.session, context.unit_ids)
    today = turn.clock.now().astimezone(turn.tr.tz).date()
    shown = conversation.page(
        draft,
        turn.tr,
        unit_list,
        today=today,
        retention_days=turn.services.settings.retention_days,
        call_line=units.call_line(turn.tr, unit_list),
    )
    agreed_to: dict[str, Any] = {}
    if draft.stage is conversation.Stage.SUMMARY and draft.anything and draft.months:
        until = conversation.add_months(today, draft.months)
        agreed_to = {"hash": conversation.text_hash(shown.text), "until": until.isoformat()}
    if retire:
        await _retire_screen(turn)
    group = f"consent:{secrets.token_hex(6)}"
    rows: list[list[Button]] = []
    for line in shown.choices:
        row = []
        for label, code in line:
            payload = {**context.payload(), "draft": draft.payload(), "choice": code}
            if code == "agree":
                payload["shown"] = agreed_to
            data = await buttons.issue(
                turn.session, turn.clock, turn.telegram_id, CONVERSATION, payload, group=group
            )
            row.append(Button(label, data))
        rows.append(row)
    return Outcome([Screen(shown.text, rows)], replace=replace)


@actions.action(CONVERSATION)
async def _pressed(turn: Turn, payload: dict[str, Any]) -> Outcome:
    context = _Context.from_payload(payload)
    draft = conversation.Draft.from_payload(payload.get("draft") or {})
    if context is None or draft is None:
        return _ended(turn)
    problem = await _no_longer_open(turn, context)
    if problem is not None:
        return problem
    result = conversation.advance(draft, str(payload.get("choice")))
    if result is None:
        return _ended(turn)
    if result is conversation.Decision.DECLINE:
        return await _declined(turn, context)
    if result is conversation.Decision.AGREE:
        return await _agreed(turn, context, draft, payload.get("shown"))
    return await _render(turn, result, context, replace=True)


async def _no_longer_open(turn: Turn, context: _Context) -> Outcome | None:
    """A link may have been used or run out since the buttons were shown."""
    if context.invite_id is not None:
        invite = await turn.session.get(IndividualInvite, context.invite_id)
        if invite is None or invite.individual_id is None:
            return Outcome.message(turn.tr.gettext(LINK_WRONG))
        if invite.used_at is not None:
            owner = await turn.session.get(Individual, invite.individual_id)
            mine = owner is not None and owner.telegram_id == turn.telegram_id
            return Outcome.message(turn.tr.gettext(ALREADY_IN if mine else LINK_USED))
        if invite.expires_at <= turn.clock.now():
            return Outcome.message(turn.tr.gettext(LINK_EXPIRED))
        if await access.staff_by_telegram(turn.session, turn.telegram_id) is not None:
            return Outcome.message(turn.tr.gettext(LINK_IS_STAFF))
        return None
    individual = (
        await turn.session.get(Individual, context.individual_id)
        if context.individual_id is not None
        else None
    )
    if individual is None or individual.telegram_id != turn.telegram_id:
        ref = individual.case_ref if individual is not None else None
        return await access.refuse(turn, "consent", access.NOT_YOUR_CASE, case_ref=ref, toast=True)
    return None


async def _agreed(turn: Turn, context: _Context, draft: conversation.Draft, shown: Any) -> Outcome:
    if not isinstance(shown, dict) or not shown.get("hash") or not shown.get("until"):
        return _ended(turn)
    session, clock = turn.session, turn.clock
    if context.invite_id is not None:
        invite = await session.get(IndividualInvite, context.invite_id)
        if invite is None:
            return Outcome.message(turn.tr.gettext(LINK_WRONG))
        try:
            individual = await individuals.bind(session, clock, invite, turn.telegram_id)
        except individuals.LinkTaken:
            return Outcome.message(turn.tr.gettext(LINK_USED))
    else:
        found = await session.get(Individual, context.individual_id)
        if found is None:
            return _ended(turn)
        individual = found
    await profiles.remember(session, clock, turn.telegram_id, turn.tr.locale)
    last_day = date.fromisoformat(str(shown["until"]))
    valid_until = datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=turn.tr.tz)
    record = await give(
        session,
        clock,
        individual,
        unit_list=await units.by_ids(session, context.unit_ids),
        reminders=draft.reminders is True,
        sharing=draft.sharing is True,
        survey=draft.survey is True,
        months=draft.months or conversation.SUGGESTED_MONTHS,
        valid_until=valid_until,
        text_hash=str(shown["hash"]),
        text_locale=turn.tr.locale,
    )
    await tell_responsible(
        session,
        clock,
        individual,
        kind="consent_given",
        message=STAFF_GIVEN,
        params={"case_ref": individual.case_ref, "date": outbox.date_param(last_day)},
        key=f"consent-given:{record.id}",
    )
    await _empty_conversation(turn)
    text = turn.tr.gettext(AGREED).format(case_ref=individual.case_ref)
    return Outcome([Screen(text)])


async def _forget_conversation(turn: Turn) -> None:
    """The buttons of the conversation hold its answers; once it is over they go."""
    await turn.session.flush()
    await turn.session.execute(
        delete(ButtonToken).where(
            ButtonToken.telegram_id == turn.telegram_id, ButtonToken.action == CONVERSATION
        )
    )


async def _empty_conversation(turn: Turn) -> None:
    """After a yes the buttons lose their answers but stay, used: a press on one of them
    later (its reply may have been lost) then says that the person has joined."""
    await turn.session.flush()
    await turn.session.execute(
        update(ButtonToken)
        .where(ButtonToken.telegram_id == turn.telegram_id, ButtonToken.action == CONVERSATION)
        .values(payload={}, used_at=func.coalesce(ButtonToken.used_at, turn.clock.now()))
    )


async def _retire_screen(turn: Turn) -> None:
    """One consent screen is live at a time: the newest, so it is the one to go back to."""
    await turn.session.flush()
    await turn.session.execute(
        update(ButtonToken)
        .where(
            ButtonToken.telegram_id == turn.telegram_id,
            ButtonToken.action == CONVERSATION,
            ButtonToken.used_at.is_(None),
        )
        .values(used_at=turn.clock.now())
    )


async def show_screen(
    turn: Turn, payload: dict[str, Any], *, replace: bool, retire: bool = True
) -> Outcome | None:
    """A screen of the conversation again, from one of its buttons' payload, with fresh
    buttons (see :mod:`bot.people.consent_recovery_chat`); None for a payload this module did
    not write. Without ``retire`` the screen the person should be at keeps working too, so
    that two copies of it never take turns in refusing each other."""
    context = _Context.from_payload(payload)
    draft = conversation.Draft.from_payload(payload.get("draft") or {})
    if context is None or draft is None:
        return None
    problem = await _no_longer_open(turn, context)
    if problem is not None:
        return problem
    return await _render(turn, draft, context, replace=replace, retire=retire)


async def _declined(turn: Turn, context: _Context) -> Outcome:
    session = turn.session
    await _forget_conversation(turn)
    invite = (
        await session.get(IndividualInvite, context.invite_id)
        if context.invite_id is not None
        else None
    )
    if invite is None or invite.individual_id is None:
        return Outcome([Screen(turn.tr.gettext(DECLINED_AGAIN))])
    invited = await session.get(Individual, invite.individual_id)
    if invited is not None:
        ref = invited.case_ref
        audit.record(session, turn.clock, "consent_declined", actor=ref, case_ref=ref)
        await tell_responsible(
            session,
            turn.clock,
            invited,
            kind="consent_declined",
            message=STAFF_DECLINED,
            params={"case_ref": ref, "date": outbox.dt_param(invite.expires_at)},
            key=f"consent-declined:{invite.id}:{turn.clock.now().isoformat()}",
        )
    when = turn.tr.date(invite.expires_at)
    return Outcome([Screen(turn.tr.gettext(DECLINED).format(date=when))])


def _ended(turn: Turn) -> Outcome:
    return Outcome(toast=turn.tr.gettext(flow_texts.ENDED), replace=False)


INDIVIDUAL_HELP = N_(
    "About you:\n"
    "/consent – see or take back your consent\n"
    "/mydata – see what I store about you, get a copy or delete it"
)


@onboarding.help_section
async def individual_help(turn: Turn) -> list[str]:
    """An individual's commands and the phone numbers of their units: always a way to a human."""
    individual = await access.individual_by_telegram(turn.session, turn.telegram_id)
    if individual is None:
        return []
    phones = units.phone_lines(turn.tr, await last_units(turn.session, individual.id))
    return [turn.tr.gettext(INDIVIDUAL_HELP), *(["", *phones] if phones else [])]
