"""The people of the fault suite: who they are, what they answer at each screen, and what the
database must hold once they are through. Each answer is read off the screen the person
sees, so a person goes on from wherever a crash left them.

The answers are chosen so that an update applied twice shows: a toggle pressed twice is
undone, and a face applied twice lands on the next question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.bot_api_double.records import SentMessage
from bot.chat.turn import Services
from bot.models import Consent, Individual, Role
from bot.models.meetings import Meeting, MeetingType, Preparation
from bot.models.survey import SurveyResponse
from bot.people import individuals
from bot.platform.clock import SystemClock
from bot.survey import invite as survey
from flows import survey as survey_flow
from tests import factories
from tests.survey.support import held, person, team


@dataclass(frozen=True)
class Press:
    label: str


@dataclass(frozen=True)
class Say:
    text: str


Action = Press | Say
Chooser = Callable[["Person", SentMessage], Action]


@dataclass
class Person:
    """One Telegram user going through one conversation."""

    kind: str
    telegram_id: int
    start: str
    case_ref: str = ""
    meeting_id: int = 0
    staff_id: int = 0
    done: bool = field(default=False)

    def finished(self, text: str) -> bool:
        return any(end in text for end in FINAL[self.kind])

    def next(self, screen: SentMessage) -> Action | None:
        """What this person does at this screen; None for a screen they do not know."""
        for needle, choose in SCRIPTS[self.kind]:
            if needle in screen.text:
                return choose(self, screen)
        return None


def _labels(screen: SentMessage) -> list[str]:
    return screen.button_texts


def _toggle(targets: list[str], done: str = "Done ✔") -> Chooser:
    """Choose each target once (a ✓ shows it is chosen), then press Done."""

    def choose(_person: Person, screen: SentMessage) -> Action:
        labels = _labels(screen)
        for target in targets:
            if f"✓ {target}" not in labels:
                return Press(target)
        return Press(done)

    return choose


def _press(label: str) -> Chooser:
    return lambda _person, _screen: Press(label)


def _say(text: str) -> Chooser:
    return lambda _person, _screen: Say(text)


def _starting(prefix: str) -> Chooser:
    def choose(_person: Person, screen: SentMessage) -> Action:
        return Press(next(t for t in _labels(screen) if t.startswith(prefix)))

    return choose


def _own_case(person: Person, screen: SentMessage) -> Action:
    return Press(next(t for t in _labels(screen) if person.case_ref in t))


FACE_FOR = {q.code: 1 + i % 5 for i, q in enumerate(survey_flow.questions())}


def _face(code: str) -> Chooser:
    return _press(survey_flow.FACES[FACE_FOR[code] - 1])


HOME = "Socialtjänst Centrum"

SCRIPTS: dict[str, list[tuple[str, Chooser]]] = {
    "consent": [
        ("want to work together with you", _press("Yes")),
        ("Part 1 of 3", _press("Yes")),
        ("Part 2 of 3", _press("No thanks")),
        ("Part 3 of 3", _press("Yes")),
        ("For how long should your consent apply", _press("6 months (suggested)")),
        ("This is what you say yes to", _press("Yes, I agree")),
    ],
    "förmöte": [
        ("Here are your answers.", _starting("Send to")),
        ("Now a few questions", _press("Continue ▶")),
        ("What is most important for you to talk about", _toggle(["Housing", "Mental health"])),
        (
            "What do you want to get out of the meeting",
            _press("A clear plan: who does what, and when"),
        ),
        ("Who do you want at the meeting", _toggle(["Someone close to me"])),
        ("What do you need to be able to take part", _toggle(["Nothing special"])),
        ("How do you want us to contact you", _press("Here in the chat")),
        ("Is there anything else you want the others to know", _say("Please book a quiet room")),
    ],
    "survey": [
        ("Next come seven short sentences", _press("Continue ▶")),
        *((q.title, _face(q.code)) for q in survey_flow.questions()),
        ("What could have been better?", _say("It went well")),
        ("Who is answering these questions?", _press("I am answering myself")),
    ],
    "gfi": [
        ("Here is your request.", _press("Send request")),
        ("Which person is the GFI about?", _own_case),
        ("What is it about?", _toggle(["Mental health", "Housing"])),
        ("A short note for the units", _say("Needs a quiet room")),
        ("Which units should take part?", _toggle([HOME])),
        ("Which times would suit?", _toggle(["As soon as possible"])),
    ],
}

FINAL = {
    "consent": (
        "Thank you! Your consent is saved.",
        "You have already joined. /consent shows your consent.",
    ),
    "förmöte": ("Thank you. I have sent your answers to",),
    "survey": (
        "Thank you! Your answers are saved without your name.",
        "You have no questions to answer",
    ),
    "gfi": ("Sent. The GFI request for",),
}

PREPARED = {
    "circle": True,
    "topics": ["housing", "mental_health"],
    "goal": "plan",
    "people": ["close_person"],
    "needs": ["nothing"],
    "contact": "telegram",
    "note": "Please book a quiet room",
    "_written_in": {"note": "en"},  # the language the free text was written in
}
SURVEYED = {code: FACE_FOR[code] for code in FACE_FOR}


async def seed(services: Services, per_kind: int) -> dict[str, list[Person]]:
    """``per_kind`` people for each conversation, on the real clock the bot process uses."""
    clock = SystemClock()
    live = Services(services.settings, services.db, clock, services.engine, services.wiring)
    people: dict[str, list[Person]] = {kind: [] for kind in SCRIPTS}
    async with services.db.transaction() as session:
        home = await factories.unit(session, clock, HOME)
        clinic = await factories.unit(session, clock, "Beroendemottagningen Norr")
        inviter = await factories.staff(session, clock, 9001, {home: Role.STAFF}, language="en")
        coordinator = await factories.staff(
            session, clock, 9003, {home: Role.STAFF}, name="Cora Samordnare", language="en"
        )
        for n in range(per_kind):
            token, _, _ = await individuals.create_invite(
                session, clock, inviter, [home], valid_for=timedelta(days=14)
            )
            people["consent"].append(Person("consent", 10_000 + n, f"/start {token}"))
            requester = await factories.staff(
                session, clock, 40_000 + n, {clinic: Role.STAFF}, name=f"Staff {n}", language="en"
            )
            case = await factories.individual(
                session, clock, 50_000 + n, [clinic, home], requester, language="en"
            )
            people["gfi"].append(
                Person("gfi", 40_000 + n, "/gfi", case_ref=case.case_ref, staff_id=requester.id)
            )
            preparing = await factories.individual(
                session, clock, 20_000 + n, [home], coordinator, language="en"
            )
            meeting = await factories.meeting(
                session,
                clock,
                individual=preparing,
                requester=coordinator,
                units={home: coordinator},
                type=MeetingType.SIP,
            )
            people["förmöte"].append(
                Person("förmöte", 20_000 + n, "/prepare", meeting_id=meeting.id)
            )
    units = await team(live, clock, staff_telegram_id=9002)
    for n in range(per_kind):
        someone = await person(live, clock, 30_000 + n, [units.unit, units.other])
        await held(live, clock, units, someone, type=MeetingType.GFI)
        people["survey"].append(Person("survey", 30_000 + n, "/survey"))
    await survey.run(live)
    return people


async def problems(services: Services, people: list[Person]) -> list[str]:
    """What the database holds that it should not, for everyone who went through."""
    found: list[str] = []
    async with services.db.transaction() as session:
        for who in people:
            found += await _check(session, who)
        surveyed = [p for p in people if p.kind == "survey"]
        responses = list(await session.scalars(select(SurveyResponse)))
        if len(responses) != len(surveyed):
            found.append(f"{len(responses)} survey answers for {len(surveyed)} people")
        for response in responses:
            if response.answers != SURVEYED or response.comment != "It went well":
                found.append(f"survey answer {response.answers} {response.comment!r}")
    return found


async def _check(session: AsyncSession, who: Person) -> list[str]:
    if who.kind == "consent":
        individual = await session.scalar(
            select(Individual).where(Individual.telegram_id == who.telegram_id)
        )
        consents = (
            list(
                await session.scalars(
                    select(Consent)
                    .where(Consent.individual_id == individual.id)
                    .options(selectinload(Consent.units))
                )
            )
            if individual is not None
            else []
        )
        parts = [(c.reminders, c.sharing, c.survey, c.period_months) for c in consents]
        if parts != [(True, False, True, 6)]:
            return [f"consent of {who.telegram_id}: {parts}"]
    elif who.kind == "förmöte":
        saved = await session.scalar(
            select(Preparation).where(Preparation.meeting_id == who.meeting_id)
        )
        if saved is None or saved.answers != PREPARED or saved.shared_answers != PREPARED:
            return [f"förmöte of {who.telegram_id}: {saved.answers if saved else None}"]
    elif who.kind == "gfi":
        requests = list(
            await session.scalars(select(Meeting).where(Meeting.requester_staff_id == who.staff_id))
        )
        seen = [(m.categories, m.time_windows, m.note) for m in requests]
        if seen != [(["mental_health", "housing"], ["asap"], "Needs a quiet room")]:
            return [f"GFI request of {who.telegram_id}: {seen}"]
    return []
