"""All tables. Every module of this package is imported here, so metadata and migrations see
each table; features import their own models from their module.
"""

from bot.models import asks, inbox, meetings, nudges, process, survey
from bot.models.audit import AuditEntry
from bot.models.base import Base
from bot.models.chat import ButtonToken, ChatUser, FlowState, ProcessedUpdate
from bot.models.outbox import OutboxMessage, OutboxStatus
from bot.models.people import (
    CodeAttempt,
    Consent,
    Individual,
    IndividualInvite,
    Organisation,
    Role,
    Staff,
    StaffInvite,
    StaffMembership,
    Unit,
    consent_units,
)
from bot.models.send_tickets import SendTicket

__all__ = [
    "AuditEntry",
    "Base",
    "ButtonToken",
    "ChatUser",
    "CodeAttempt",
    "Consent",
    "FlowState",
    "Individual",
    "IndividualInvite",
    "Organisation",
    "OutboxMessage",
    "OutboxStatus",
    "ProcessedUpdate",
    "Role",
    "SendTicket",
    "Staff",
    "StaffInvite",
    "StaffMembership",
    "Unit",
    "asks",
    "consent_units",
    "inbox",
    "meetings",
    "nudges",
    "process",
    "survey",
]
