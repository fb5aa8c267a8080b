"""The guided path beside the phones: each step is ticked once it has happened in the chats.

Steps are read from what the bot stored (a consent, a meeting's status, a preparation, one
more anonymous answer than the made-up ones) and, for the last one, from Sofia's chat.
A ticked step stays ticked until the playground starts over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bot_api_double import SentMessage, UserHandle
from bot.chat import access
from bot.demo import people
from bot.demo.playground import history, texts
from bot.demo.playground.moves import Move
from bot.meetings import distribution, outcomes_chat, slots, views
from bot.meetings import lifecycle as meetings
from bot.models import Staff
from bot.models.meetings import (
    Meeting,
    MeetingSlot,
    MeetingStatus,
    MeetingType,
    MeetingUnit,
    Preparation,
    UnitRequestStatus,
)
from bot.platform.i18n import N_, Translator
from bot.preparation import reminders as preparation_reminders
from bot.survey import invite as survey_invite

RESULTS_FILE = "survey-results.png"
ANSWERS = re.compile(r"\bn = (\d+)")  # "Answers: n = 28", the same in every language
AGREED = (MeetingStatus.INVITED, MeetingStatus.CONFIRMED, MeetingStatus.HELD, MeetingStatus.NO_SHOW)
CONFIRMED = (MeetingStatus.CONFIRMED, MeetingStatus.HELD, MeetingStatus.NO_SHOW)


@dataclass(frozen=True)
class Step:
    key: str
    title: str  # N_
    hint: str  # N_, naming the bot's buttons through ``labels``
    phone: str  # whose phone to look at; "" for the clock
    labels: tuple[tuple[str, str], ...] = ()  # placeholder, the bot's own label (N_)

    def hint_in(self, tr: Translator) -> str:
        """The hint in one language, with the buttons named as the bot names them."""
        return tr.gettext(self.hint).format(
            **{name: tr.gettext(label) for name, label in self.labels}
        )


STEPS: tuple[Step, ...] = (
    Step(
        "consent",
        N_("Anna opens Sofia's link and gives her consent"),
        N_("In Anna's phone: open the link, then answer with the buttons."),
        people.ANNA.key,
    ),
    Step(
        "request",
        N_("Sofia requests a GFI for Anna"),
        N_(
            "In Sofia's phone: /gfi, Anna's case number, what it is about, the clinic, "
            "then send the request."
        ),
        people.SOFIA.key,
    ),
    Step(
        "assign",
        N_("Rikard assigns the request"),
        N_("In Rikard's phone: “{open}”, then “{assign}”."),
        people.RIKARD.key,
        (("open", distribution.OPEN_REQUEST), ("assign", views.ASSIGN_ME)),
    ),
    Step(
        "propose",
        N_("Sofia proposes times"),
        N_("In Sofia's phone: “{propose}”; pick a day, a time, a length and a place."),
        people.SOFIA.key,
        (("propose", slots.PROPOSE_LABEL),),
    ),
    Step(
        "agree",
        N_("Rikard says yes to a time"),
        N_("In Rikard's phone: “{answer}”, then ✓ 1."),
        people.RIKARD.key,
        (("answer", slots.ANSWER_LABEL),),
    ),
    Step(
        "confirm",
        N_("Anna confirms the time"),
        N_("In Anna's phone: “{come}”."),
        people.ANNA.key,
        (("come", slots.WILL_COME),),
    ),
    Step(
        "prepare",
        N_("Anna prepares for the meeting"),
        N_("In Anna's phone: “{ready}” (or /prepare), then go through the questions."),
        people.ANNA.key,
        (("ready", preparation_reminders.GET_READY),),
    ),
    Step(
        "ended",
        N_("The meeting ends"),
        N_("Press “{move}”: on the way, the reminders arrive at their times."),
        "",
        (("move", texts.MOVES[Move.MEETING_END]),),
    ),
    Step(
        "outcome",
        N_("Sofia records how it went"),
        N_("In Sofia's phone: /meetings, the meeting, “{record}”, “{held}”."),
        people.SOFIA.key,
        (("record", views.RECORD_OUTCOME), ("held", outcomes_chat.WAS_HELD)),
    ),
    Step(
        "survey",
        N_("Anna answers the survey"),
        N_("Press “{move}”, then in Anna's phone “{answer}”."),
        people.ANNA.key,
        (("move", texts.MOVES[Move.HOUR]), ("answer", survey_invite.ANSWER)),
    ),
    Step(
        "results",
        N_("Sofia sees the results"),
        N_("In Sofia's phone: /results."),
        people.SOFIA.key,
    ),
)


@dataclass(frozen=True)
class Progress:
    done: frozenset[str]

    @property
    def next(self) -> Step | None:
        return next((step for step in STEPS if step.key not in self.done), None)


class Guide:
    """Remembers what has happened, so that a step never comes unticked."""

    def __init__(self, seeded_answers: int) -> None:
        self.seeded_answers = seeded_answers
        self.done: set[str] = set()

    async def check(self, session: AsyncSession, now: datetime, sofia: UserHandle) -> Progress:
        facts = await _facts(session, now)
        answered = await history.answers_stored(session) > self.seeded_answers
        facts.update(
            survey=answered,
            results=any(self._counts_anna(message) for message in sofia.messages),
        )
        self.done.update(key for key, happened in facts.items() if happened)
        return Progress(frozenset(self.done))

    def _counts_anna(self, message: SentMessage) -> bool:
        """A results chart whose number of answers includes one beyond the made-up ones."""
        if message.kind != "photo" or message.filename != RESULTS_FILE:
            return False
        counted = ANSWERS.search(message.text)
        return counted is not None and int(counted.group(1)) > self.seeded_answers


async def _facts(session: AsyncSession, now: datetime) -> dict[str, bool]:
    anna = await access.individual_by_telegram(session, people.ANNA.telegram_id)
    if anna is None:
        return {}
    facts = {"consent": await access.active_consent(session, anna.id, now) is not None}
    gfis = list(
        await session.scalars(
            select(Meeting).where(Meeting.individual_id == anna.id, Meeting.type == MeetingType.GFI)
        )
    )
    if not gfis:
        return facts
    ids = [meeting.id for meeting in gfis]
    rikard = await session.scalar(
        select(Staff.id).where(Staff.telegram_id == people.RIKARD.telegram_id)
    )
    assigned = await session.scalar(
        select(MeetingUnit.meeting_id).where(
            MeetingUnit.meeting_id.in_(ids),
            MeetingUnit.status == UnitRequestStatus.ASSIGNED,
            MeetingUnit.assigned_staff_id == rikard,
        )
    )
    proposed = await session.scalar(
        select(MeetingSlot.id).where(MeetingSlot.meeting_id.in_(ids)).limit(1)
    )
    prepared = await session.scalar(
        select(Preparation.id).where(Preparation.meeting_id.in_(ids)).limit(1)
    )
    facts.update(
        request=True,
        assign=assigned is not None,
        propose=proposed is not None,
        agree=any(meeting.status in AGREED for meeting in gfis),
        confirm=any(meeting.status in CONFIRMED for meeting in gfis),
        prepare=prepared is not None,
        ended=any(
            meeting.status in CONFIRMED and (end := meetings.ends_at(meeting)) and end <= now
            for meeting in gfis
        ),
        outcome=any(meeting.outcome_recorded_at is not None for meeting in gfis),
    )
    return facts
