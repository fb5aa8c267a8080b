"""All tables. Every module in this package is imported, so metadata and migrations see each
table; features import their own models from their module.
"""

import sys

from bot.discovery import import_all
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
    "Staff",
    "StaffInvite",
    "StaffMembership",
    "Unit",
    "consent_units",
]

import_all(sys.modules[__name__])
