"""When a request names a unit the individual's consent does not cover, the individual is
asked, in plain words, whether to add it. A yes is a new consent record: the same scopes and
period with the unit added, under this question's own text version and hash."""

from __future__ import annotations

import hashlib

from sqlalchemy.ext.asyncio import AsyncSession

from bot.meetings import lifecycle as meetings
from bot.models import Staff
from bot.models.meetings import Meeting
from bot.outbox import queue as outbox
from bot.platform.clock import Clock
from bot.platform.i18n import N_
from flows import consent as conversation

TEXT_VERSION = 1

KIND = "booking_consent"


ASK = N_(
    "Hi! {requester} at {unit} wants to invite {units} to a meeting with you.\n\n"
    "{means}\n\n"
    "Your consent does not include {units} yet. May we add them? Everything else in your "
    "consent stays the same, also how long it lasts. /consent shows your consent.\n\n"
    "If you have questions, call {unit} on {phone}."
)


YES = N_("Yes, add them")


NO = N_("No, thank you")


def text_hash(shown: str) -> str:
    """The hash of the question exactly as the person saw it, in their language."""
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()


async def ask(
    session: AsyncSession, clock: Clock, meeting: Meeting, requester: Staff, unit_ids: list[int]
) -> bool:
    """Queue the question; False when the person cannot be reached in the chat."""
    return await meetings.tell_individual(
        session,
        clock,
        meeting,
        f"consent:{'.'.join(str(u) for u in unit_ids)}",
        ASK,
        {
            "requester": requester.name,
            "units": outbox.list_param(await meetings.unit_name_list(session, unit_ids)),
            "means": outbox.msg_param(conversation.MEANS),
        },
        buttons=[
            [
                meetings.button(
                    YES, meetings.CONSENT_ANSWER, meeting_id=meeting.id, units=unit_ids, a="yes"
                ),
                meetings.button(
                    NO, meetings.CONSENT_ANSWER, meeting_id=meeting.id, units=unit_ids, a="no"
                ),
            ]
        ],
    )


OUTBOX_KINDS = {
    KIND: N_("a question about adding units to the consent"),
}
