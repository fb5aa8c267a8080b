"""The one list of what a Samordna process is made of: features, their flows and finishers.

Features mark their button actions, event listeners, jobs, outbox checks, deep-link handlers
and help lines where they are defined; nothing is registered by being imported. This module
names every feature module and flow, and builds the :class:`Wiring` and the
:class:`FlowRegistry` from them. Adding a feature means adding it here.
"""

from __future__ import annotations

from types import ModuleType

from bot import inbox
from bot.chat import recovery
from bot.meetings import (
    booked_chat,
    consent_request,
    consent_request_chat,
    distribution,
    distribution_chat,
    lifecycle,
    mydata_meetings,
    outcomes_chat,
    request,
    request_chat,
    sip,
    sip_chat,
    sip_duties,
    slots,
    slots_chat,
    withdrawal,
    withdrawal_chat,
)
from bot.nudges import (
    asks,
    asks_chat,
    closure,
    closure_chat,
    follow_ups,
    reminders,
    reminders_chat,
    transition_consent,
    transitions,
    transitions_chat,
)
from bot.ops import consent_counts
from bot.people import (
    cases_chat,
    consent,
    consent_chat,
    consent_recovery_chat,
    consent_view_chat,
    individuals_chat,
    mydata_chat,
    retention,
    staff_chat,
)
from bot.platform.wiring import Wiring
from bot.preparation import card_chat as preparation_card_chat
from bot.preparation import chat as preparation_chat
from bot.preparation import mydata_preparation
from bot.preparation import reminders as preparation_reminders
from bot.preparation import service as preparation
from bot.preparation import summary_chat as preparation_summary_chat
from bot.survey import invite, invite_chat, offered_chat, results_chat
from bot.survey import record as survey_record
from flows import gfi_request, sip_record, slot_proposal, staff_profile
from flows import preparation as preparation_flow
from flows import survey as survey_flow
from flows.registry import FlowRegistry

FEATURES: tuple[ModuleType, ...] = (
    inbox,
    consent_counts,
    # people
    consent,
    consent_chat,
    consent_recovery_chat,
    consent_view_chat,
    individuals_chat,
    cases_chat,
    mydata_chat,
    retention,
    staff_chat,
    # meetings
    lifecycle,
    request_chat,
    consent_request,
    consent_request_chat,
    distribution,
    distribution_chat,
    slots,
    slots_chat,
    booked_chat,
    outcomes_chat,
    withdrawal,
    withdrawal_chat,
    sip,
    sip_chat,
    sip_duties,
    mydata_meetings,
    # nudges, preparation, survey
    reminders,
    reminders_chat,
    follow_ups,
    asks,
    asks_chat,
    transitions,
    transition_consent,
    transitions_chat,
    closure,
    closure_chat,
    preparation_chat,
    preparation_card_chat,
    preparation_reminders,
    preparation_summary_chat,
    mydata_preparation,
    invite,
    invite_chat,
    offered_chat,
    results_chat,
)


# Buttons that open a conversation: pressed again, they show where the person is.
CONVERSATION_STARTS = (
    preparation.START_ACTION,
    invite.START_ACTION,
    follow_ups.RENEW_ACTION,
)


def build_wiring(*extra: ModuleType) -> Wiring:
    wiring = Wiring()
    wiring.collect(*FEATURES, *extra)
    for action in CONVERSATION_STARTS:
        wiring.add(recovery.USED_BUTTON, action, recovery.where_the_person_is)
    return wiring


def build_flows() -> FlowRegistry:
    """Every conversation, each with the finisher of the feature that owns its end."""
    flows = FlowRegistry()
    flows.add(gfi_request.GFI, request.finish)
    flows.add(gfi_request.BOOK, request.finish)
    flows.add(slot_proposal.PROPOSAL, slots.finish_proposal)
    flows.add(staff_profile.STAFF_PROFILE, staff_chat.save_profile)
    for shape in preparation_flow.FLOWS:
        flows.add(shape, preparation.finished)
    flows.add(survey_flow.SURVEY, survey_record.finish)
    flows.add(sip_record.SIP_RECORD, sip.finish)
    return flows
