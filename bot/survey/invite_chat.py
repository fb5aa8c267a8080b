"""The survey in the chat: /survey, the invitation's buttons, and the lines in /help."""

from __future__ import annotations

import secrets

from bot.chat import access, actions, buttons, onboarding
from bot.chat.turn import Turn
from bot.models.meetings import MeetingType
from bot.models.survey import InvitationStatus, SurveyInvitation
from bot.outbox import queue as outbox
from bot.platform.i18n import N_
from bot.survey.invite import (
    DECLINE_ACTION,
    MEETING_NAMES,
    MEETING_TYPE_LABELS,
    START_ACTION,
    answered,
    contact_unit,
    invitation_tokens,
    open_invitation,
    pending,
)
from bot.survey.record import (
    KIND_INVITATION,
    TEXTS,
    Recorded,
    forget_conversations,
    subject,
)
from flows import survey as survey_flow
from flows.screens import Button, Outcome, Screen

# Short names for buttons, results and reports.


NOTHING_PENDING = N_(
    "You have no questions to answer right now. After a meeting you took part in, "
    "I will ask you here."
)


CHOOSE = N_("Which meeting do you want to answer about?")


CLOSED = N_("The questions about this meeting are closed now. Thank you anyway!")


DECLINED_OK = N_("That's fine. I will not ask about this meeting again.")


ABOUT = N_("About {meeting} on {date}. Questions? Call {unit} on {phone}.")


HELP_INDIVIDUAL = N_("/survey – answer a few questions about a meeting you took part in")


HELP_STAFF = N_("/results – participation survey results for your units")


async def survey_command(turn: Turn) -> Outcome:
    """/survey: the one open survey, or a choice when several meetings wait for answers."""
    individual = await access.individual_by_telegram(turn.session, turn.telegram_id)
    waiting = (
        await pending(turn.session, turn.services.settings, turn.clock, individual.id)
        if individual is not None
        else []
    )
    if not waiting:
        return Outcome.message(turn.tr.gettext(NOTHING_PENDING))
    if len(waiting) == 1:
        return await open_survey(turn, waiting[0])
    group = f"survey-choice:{secrets.token_hex(6)}"
    rows: list[list[Button]] = []
    for invitation in waiting:
        data = await buttons.issue(
            turn.session,
            turn.clock,
            turn.telegram_id,
            START_ACTION,
            {"invitation": invitation.id},
            group=group,
        )
        rows.append([Button(_meeting_label(turn, invitation), data)])
    return Outcome([Screen(turn.tr.gettext(CHOOSE), rows)], replace=False)


def _meeting_label(turn: Turn, invitation: SurveyInvitation) -> str:
    kind = turn.tr.gettext(MEETING_TYPE_LABELS[MeetingType(invitation.meeting_type)])
    return f"{kind}, {turn.tr.date(invitation.meeting_at)}"


async def open_survey(turn: Turn, invitation: SurveyInvitation) -> Outcome:
    settings = turn.services.settings
    if await answered(turn.session, settings, invitation):
        return Outcome.message(turn.tr.gettext(TEXTS[Recorded.ALREADY_ANSWERED]))
    tokens = invitation_tokens(settings, invitation)
    if not tokens or not open_invitation(invitation, turn.clock.now()):
        return Outcome.message(turn.tr.gettext(CLOSED))
    if invitation.offered_at is None:
        # Opened before the invitation went out: that was the offer, and it need not come.
        invitation.offered_at = turn.clock.now()
        await outbox.cancel(turn.session, subject=subject(invitation.id), kind=KIND_INVITATION)
    contact = await contact_unit(turn.session, invitation)
    return await turn.services.engine.start(
        turn.session,
        turn.telegram_id,
        survey_flow.NAME,
        turn.tr,
        context={
            "invitation": invitation.id,
            "receipt": tokens[0],
            "contact": [contact.name, contact.phone] if contact else None,
        },
        individual_id=invitation.individual_id,
        intro=await _about(turn, invitation),
    )


async def _about(turn: Turn, invitation: SurveyInvitation) -> str:
    contact = await contact_unit(turn.session, invitation)
    return turn.tr.gettext(ABOUT).format(
        meeting=turn.tr.gettext(MEETING_NAMES[MeetingType(invitation.meeting_type)]),
        date=turn.tr.datetime(invitation.meeting_at),
        unit=contact.name if contact else "",
        phone=contact.phone if contact else "",
    )


async def _own_invitation(turn: Turn, payload: dict[str, object]) -> SurveyInvitation | None:
    """The invitation a button names, if it is the presser's own."""
    invitation_id = payload.get("invitation")
    if not isinstance(invitation_id, int):
        return None
    invitation = await turn.session.get(SurveyInvitation, invitation_id)
    individual = await access.individual_by_telegram(turn.session, turn.telegram_id)
    if invitation is None or individual is None or invitation.individual_id != individual.id:
        return None
    return invitation


@actions.action(START_ACTION)
async def _start_pressed(turn: Turn, payload: dict[str, object]) -> Outcome:
    invitation = await _own_invitation(turn, payload)
    if invitation is None:
        return Outcome.message(turn.tr.gettext(NOTHING_PENDING))
    return await open_survey(turn, invitation)


@actions.action(DECLINE_ACTION)
async def _decline_pressed(turn: Turn, payload: dict[str, object]) -> Outcome:
    invitation = await _own_invitation(turn, payload)
    if invitation is None:
        return Outcome.message(turn.tr.gettext(NOTHING_PENDING))
    if await answered(turn.session, turn.services.settings, invitation):
        return Outcome.message(turn.tr.gettext(TEXTS[Recorded.ALREADY_ANSWERED]))
    if invitation.status == InvitationStatus.QUEUED:
        invitation.status = InvitationStatus.CLOSED
        invitation.offered_at = invitation.offered_at or turn.clock.now()
        invitation.updated_at = turn.clock.now()
        await outbox.cancel(turn.session, subject=subject(invitation.id))
        await forget_conversations(turn.session, turn.telegram_id, survey_flow.NAME, invitation.id)
    return Outcome.message(turn.tr.gettext(DECLINED_OK))


@onboarding.help_section
async def _help_lines(turn: Turn) -> list[str]:
    lines = []
    if await access.individual_by_telegram(turn.session, turn.telegram_id) is not None:
        lines.append(turn.tr.gettext(HELP_INDIVIDUAL))
    if await access.staff_by_telegram(turn.session, turn.telegram_id) is not None:
        lines.append(turn.tr.gettext(HELP_STAFF))
    return lines
