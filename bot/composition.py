"""The one list of what a Samordna process is made of: features, their flows and finishers.

Features mark their button actions, event listeners, jobs, outbox checks, deep-link handlers
and help lines where they are defined; nothing is registered by being imported. This module
names every feature module and flow, and builds the :class:`Wiring` and the
:class:`FlowRegistry` from them. Adding a feature means adding it here.
"""

from __future__ import annotations

from types import ModuleType

from bot.meetings import (
    actions as meeting_actions,
)
from bot.meetings import (
    consent_request,
    distribution,
    lifecycle,
    outcomes,
    request,
    slots,
)
from bot.nudges import follow_ups, reminders
from bot.people import cases, consent, individuals, mydata, retention, staff_chat
from bot.platform.wiring import Wiring
from bot.preparation import reminders as preparation_reminders
from bot.preparation import service as preparation
from bot.preparation import summary as preparation_summary
from bot.survey import invite as survey_invite
from bot.survey import record as survey_record
from bot.survey import results as survey_results
from flows import gfi_request, slot_proposal, staff_profile
from flows import preparation as preparation_flow
from flows import survey as survey_flow
from flows.registry import FlowRegistry

FEATURES: tuple[ModuleType, ...] = (
    # people
    consent,
    individuals,
    cases,
    mydata,
    retention,
    staff_chat,
    # meetings
    lifecycle,
    request,
    consent_request,
    distribution,
    slots,
    meeting_actions,
    outcomes,
    # nudges, preparation, survey
    reminders,
    follow_ups,
    preparation,
    preparation_reminders,
    preparation_summary,
    survey_invite,
    survey_results,
)


def build_wiring(*extra: ModuleType) -> Wiring:
    wiring = Wiring()
    wiring.collect(*FEATURES, *extra)
    return wiring


def build_flows() -> FlowRegistry:
    """Every conversation, each with the finisher of the feature that owns its end."""
    flows = FlowRegistry()
    flows.add(gfi_request.GFI, request.finish)
    flows.add(gfi_request.BOOK, request.finish)
    flows.add(slot_proposal.PROPOSAL, slots.finish_proposal)
    flows.add(staff_profile.STAFF_PROFILE, staff_chat.save_profile)
    flows.add(preparation_flow.PREPARATION, preparation.finished)
    flows.add(survey_flow.SURVEY, survey_record.finish)
    return flows
