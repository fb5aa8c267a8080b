"""Staff removed from a unit lose its cases at once.

Every staff command, every old staff button and every staff flow that names a case is tried
by two removed staff members: one still working at another unit, one removed entirely. Each
is refused in one clear line and nothing of the case is shown. The commands, button actions
and flows are found by walking what the bot registers, so a new one is tried too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from telegram.ext import ApplicationBuilder, CommandHandler

from bot import composition
from bot.bot_api_double import BotApiDouble
from bot.bot_api_double.records import SentMessage
from bot.bot_api_double.users import UserHandle
from bot.chat import access, actions, buttons
from bot.chat.turn import Services
from bot.meetings import distribution_chat
from bot.meetings import lifecycle as meetings
from bot.meetings import request as gfi_request
from bot.meetings import views as meeting_views
from bot.models import AuditEntry, FlowState, Individual, Organisation, Role, Staff, Unit
from bot.models.asks import AskKind
from bot.models.meetings import Meeting, MeetingStatus, MeetingType, MeetingUnit, Preparation
from bot.nudges import asks, transitions_chat
from bot.people import staff as staff_service
from bot.platform.i18n import translator
from bot.preparation import summary_chat as preparation_summary
from bot.survey import results_chat as survey_results
from flows import gfi_request as request_flow
from flows import preparation as preparation_flow
from flows import sip_record, slot_proposal
from handlers.setup import register_all
from tests import factories
from tests.conftest import RunningBot
from tests.survey.support import png_text

ANNA, SARA, LARS = 1001, 2001, 2002
NOTE = "Vill prata om boendet först"

# Commands every account has, and the individual's own; all the others are staff commands.
EVERYONE_COMMANDS = {"start", "help", "language", "resume", "meetings", "mydata"}
INDIVIDUAL_COMMANDS = {"ask", "consent", "prepare", "survey"}
CASE_ARGUMENT = {"case": "{ref}", "alias": "{ref} Anna"}
# Buttons only an individual gets, and one's own data; all the others are staff buttons.
INDIVIDUAL_ACTIONS = {
    "ask_meeting",
    "ask_org",
    "ask_pick",
    "consent",
    "consent_keep",
    "consent_part",
    "consent_part_yes",
    "consent_renew",
    "consent_withdraw",
    "consent_withdraw_yes",
    "meeting_cannot_come",
    "meeting_coming",
    "mtg_consent",
    "mtg_invitation",
    "preparation_later",
    "preparation_start",
    "survey_decline",
    "survey_start",
    "transition_not_started",
    "transition_not_working",
    "transition_started",
    "case_closed_end_consent",
}
OWN_DATA_ACTIONS = {"mydata_copy", "mydata_delete", "mydata_delete_yes", "mydata_keep"}
# What a staff member still working at another unit may go on with: nothing of the case.
STILL_STAFF_ELSEWHERE = {"invite_toggle", "invite_create", "mtg_book"}
# Flows that act on a case or a meeting when they finish.
CASE_FLOWS = {
    request_flow.GFI_FLOW,
    request_flow.BOOK_FLOW,
    slot_proposal.PROPOSAL_FLOW,
    sip_record.NAME,
}
OTHER_FLOWS = {
    "preparation",
    "preparation_gfi",
    "preparation_followup",
    "staff_profile",
    "survey",
}

REFUSALS = {
    access.STAFF_ONLY,
    access.ADMIN_ONLY,
    access.NOT_YOUR_CASE,
    meeting_views.NO_ACCESS,
    distribution_chat.NOT_DISTRIBUTOR,
    preparation_summary.NOT_PARTICIPANT,
    survey_results.STAFF_ONLY,
    gfi_request.NO_LONGER,
    transitions_chat.NOT_DISTRIBUTOR,
    transitions_chat.NOT_YOURS,
}


@dataclass(frozen=True)
class World:
    case_ref: str
    individual_id: int
    meeting_id: int
    social_id: int
    clinic_id: int
    sara_id: int
    lars_id: int
    ask_id: int


async def _seed(services: Services) -> World:
    """Anna's consent covers social services and the clinic. Sara (admin at social services,
    staff at a third unit) is responsible and coordinates a SIP meeting; Lars (admin at the
    clinic, nowhere else) is assigned to it. The preparation is shared."""
    clock = services.clock
    now = clock.now()
    async with services.db.transaction() as session:
        social = await factories.unit(session, clock, "Socialtjänst Innerstaden")
        clinic = await factories.unit(
            session, clock, "Beroendemottagningen Rådmannen", Organisation.REGION
        )
        other = await factories.unit(session, clock, "Socialtjänst Väster")
        sara = await factories.staff(
            session, clock, SARA, {social: Role.ADMIN, other: Role.STAFF}, "Sara", "en"
        )
        lars = await factories.staff(session, clock, LARS, {clinic: Role.ADMIN}, "Lars", "en")
        anna = await factories.individual(session, clock, ANNA, [social, clinic], sara)
        meeting = await factories.meeting(
            session,
            clock,
            individual=anna,
            requester=sara,
            units={clinic: lars},
            type=MeetingType.SIP,
            starts_at=now + timedelta(days=7),
        )
        meeting.requester_unit_id = social.id
        answers = {"note": NOTE}
        session.add(
            Preparation(
                meeting_id=meeting.id,
                individual_id=anna.id,
                flow_version=preparation_flow.PREPARATION.version,
                answers=answers,
                shared_answers=answers,
                shared_revision=1,
                shared_at=now,
                updated_at=now,
            )
        )
        request = await asks.create(session, clock, anna, AskKind.WANT_SIP)
        return World(
            anna.case_ref, anna.id, meeting.id, social.id, clinic.id, sara.id, lars.id, request.id
        )


async def _remove(services: Services, staff_id: int, unit_id: int) -> None:
    async with services.db.transaction() as session:
        member = await session.get(Staff, staff_id)
        unit = await session.get(Unit, unit_id)
        assert member is not None and unit is not None
        await staff_service.remove(session, services.clock, member, unit=unit, actor="admin")


def _payload(world: World, unit_id: int) -> dict[str, Any]:
    """Everything any staff button carries, naming the case, the meeting and the unit."""
    return {
        "meeting_id": world.meeting_id,
        "case_ref": world.case_ref,
        "individual_id": world.individual_id,
        "unit": unit_id,
        "unit_id": unit_id,
        "staff_id": world.sara_id,
        "type": MeetingType.SIP.value,
        "r": "illness",
        "reason": "other",
        "o": "cancelled",
        "slot": 1,
        "a": "yes",
        "role": Role.STAFF.value,
        "selected": [unit_id],
        "mode": "new",
        "steps": [],
        "seq": 0,
        "answer": "yes",
        "bot": None,
        "ask_id": world.ask_id,
        "code": "support_person",
    }


def staff_commands() -> set[str]:
    """Every command the bot registers that is neither everyone's nor the individual's."""
    app = ApplicationBuilder().token("1:walk").build()
    register_all(app)
    names = {
        name
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        for name in handler.commands
    }
    assert names >= EVERYONE_COMMANDS | INDIVIDUAL_COMMANDS
    return names - EVERYONE_COMMANDS - INDIVIDUAL_COMMANDS


def staff_actions() -> set[str]:
    names = set(actions.registered(composition.build_wiring()))
    assert names >= INDIVIDUAL_ACTIONS | OWN_DATA_ACTIONS
    return names - INDIVIDUAL_ACTIONS - OWN_DATA_ACTIONS


@dataclass
class Seen:
    texts: list[str]
    shown: str  # everything on screen: texts, button labels, files, what a chart draws


def _seen(toast: str | None, events: list[SentMessage]) -> Seen:
    texts = [toast] if toast else []
    texts += [event.text for event in events]
    shown = [*texts]
    for event in events:
        shown += event.button_texts
        if event.document:
            shown.append(event.document.decode("utf-8", "replace"))
        if event.photo:
            shown.append(png_text(event.photo) if event.photo[:4] == b"\x89PNG" else "")
    return Seen(texts, "\n".join(shown))


def _leaks(world: World, seen: Seen) -> bool:
    return world.case_ref in seen.shown or NOTE in seen.shown


def _refused(seen: Seen) -> bool:
    tr = translator("en")
    return any(t in {tr.gettext(r) for r in REFUSALS} for t in seen.texts)


async def _press_each(
    bot: RunningBot, user: UserHandle, world: World, unit_id: int
) -> dict[str, Seen]:
    anchor = await user.say("/help")
    seen: dict[str, Seen] = {}
    for action in actions.registered(bot.services.wiring):
        async with bot.services.db.transaction() as session:
            data = await buttons.issue(
                session, bot.clock, user.user_id, action, _payload(world, unit_id)
            )
        mark = user.mark()
        toast = await user.click_data(data, anchor.message_id)
        seen[action] = _seen(toast, user.inbox_since(mark))
    return seen


async def _command_each(user: UserHandle, world: World) -> dict[str, Seen]:
    seen: dict[str, Seen] = {}
    for name in sorted(staff_commands() | EVERYONE_COMMANDS - {"start"}):
        argument = CASE_ARGUMENT.get(name, "").format(ref=world.case_ref)
        mark = user.mark()
        await user.say(f"/{name} {argument}".strip())
        seen[name] = _seen(None, user.inbox_since(mark))
    return seen


async def _finish_each_flow(bot: RunningBot, world: World, telegram_id: int) -> dict[str, str]:
    """Run the finisher of each case flow as if the staff member pressed its last button now,
    with answers they gave while still a member."""
    flows = bot.services.engine.flows
    assert set(flows.names()) == CASE_FLOWS | OTHER_FLOWS, "classify the new flow here"
    request = {
        "categories": ["housing"],
        "units": [f"{world.clinic_id}c"],
        "windows": ["asap"],
    }
    later = (bot.clock.now() + timedelta(days=10)).strftime("%Y-%m-%dT10:00")
    runs: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
        request_flow.GFI_FLOW: (
            {"type": "gfi", "individual_id": world.individual_id, "from_unit": world.social_id},
            request,
        ),
        request_flow.BOOK_FLOW: (
            {"type": "sip", "individual_id": world.individual_id, "from_unit": world.social_id},
            request,
        ),
        slot_proposal.PROPOSAL_FLOW: (
            {"meeting_id": world.meeting_id},
            {"when1": later, "more1": "enough", "duration": "60", "place": "video"},
        ),
        sip_record.NAME: (
            {"meeting_id": world.meeting_id, "staff": [[str(world.lars_id), "Lars"]]},
            {"mandate": "yes", "main": str(world.lars_id), "plan": ["person_calls"]},
        ),
    }
    said: dict[str, str] = {}
    tr = translator("en")
    for name in sorted(CASE_FLOWS):
        flow = flows.get(name)
        assert flow is not None and flow.finisher is not None
        context, answers = runs[name]
        now = bot.clock.now()
        async with bot.services.db.transaction() as session:
            state = FlowState(
                telegram_id=telegram_id,
                flow=name,
                flow_version=flow.version,
                step="review",
                status="active",
                answers=answers,
                history=[],
                context={**context, "units": []},
                nonce="n",
                created_at=now,
                updated_at=now,
            )
            said[name] = await flow.finisher(session, bot.clock, state, tr)
    return said


async def _unchanged(bot: RunningBot, world: World) -> None:
    async with bot.services.db.transaction() as session:
        meetings = await session.scalar(select(func.count()).select_from(Meeting))
        meeting = await session.get(Meeting, world.meeting_id)
        target = await session.scalar(select(MeetingUnit))
        case = await session.get(Individual, world.individual_id)
        opened = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action.in_(("case_opened", "preparation_opened", "meeting_opened")))
        )
    assert meetings == 1
    assert meeting is not None and meeting.status == MeetingStatus.CONFIRMED
    assert meeting.ics_sequence == 0
    assert target is not None and target.assigned_staff_id == world.lars_id
    assert case is not None and case.closed_at is None
    assert opened == 2  # the two openings before the removal, none after


async def _members_see_it(bot: RunningBot, world: World) -> None:
    """Before the removals both read the case and the shared preparation: there is
    something to leak."""
    sara = bot.double.user(SARA, language_code="en")
    lars = bot.double.user(LARS, language_code="en")
    assert world.case_ref in (await sara.say(f"/case {world.case_ref}")).text
    listing = await lars.say("/summary")
    assert world.case_ref in listing.text or world.case_ref in " ".join(listing.button_texts)
    await lars.click(listing.button_texts[0], message_id=listing.message_id)
    assert lars.last is not None and NOTE in lars.last.text


async def test_removed_from_the_case_unit_but_still_staff_elsewhere(
    running_bot: RunningBot,
) -> None:
    bot = running_bot
    world = await _seed(bot.services)
    await _members_see_it(bot, world)
    await _remove(bot.services, world.sara_id, world.social_id)
    sara = bot.double.user(SARA, language_code="en")

    pressed = await _press_each(bot, sara, world, world.social_id)
    assert {a: s.texts for a, s in pressed.items() if _leaks(world, s)} == {}
    not_refused = {
        action: pressed[action].texts
        for action in staff_actions() - STILL_STAFF_ELSEWHERE
        if not _refused(pressed[action])
    }
    assert not_refused == {}

    commands = await _command_each(sara, world)
    assert {c: s.texts for c, s in commands.items() if _leaks(world, s)} == {}
    assert _refused(commands["case"]) and _refused(commands["alias"])
    assert _refused(commands["units"]) and _refused(commands["invitestaff"])

    finished = await _finish_each_flow(bot, world, SARA)
    tr = translator("en")
    assert {n: t for n, t in finished.items() if t not in {tr.gettext(r) for r in REFUSALS}} == {}
    await _unchanged(bot, world)


async def test_removed_entirely(running_bot: RunningBot) -> None:
    bot = running_bot
    world = await _seed(bot.services)
    await _members_see_it(bot, world)
    await _remove(bot.services, world.lars_id, world.clinic_id)
    lars = bot.double.user(LARS, language_code="en")

    pressed = await _press_each(bot, lars, world, world.clinic_id)
    assert {a: s.texts for a, s in pressed.items() if _leaks(world, s)} == {}
    assert {a: pressed[a].texts for a in staff_actions() if not _refused(pressed[a])} == {}

    commands = await _command_each(lars, world)
    assert {c: s.texts for c, s in commands.items() if _leaks(world, s)} == {}
    assert {c: commands[c].texts for c in staff_commands() if not _refused(commands[c])} == {}

    finished = await _finish_each_flow(bot, world, LARS)
    tr = translator("en")
    assert {n: t for n, t in finished.items() if t not in {tr.gettext(r) for r in REFUSALS}} == {}
    await _unchanged(bot, world)


async def test_news_about_the_case_stops_with_the_membership(
    services: Services, double: BotApiDouble
) -> None:
    """A notice queued while Sara was a member is not sent once she is removed."""
    world = await _seed(services)
    async with services.db.transaction() as session:
        meeting = await meetings.load(session, world.meeting_id)
        assert meeting is not None
        await meetings.tell_staff(session, services.clock, meeting, "test:1", meetings.OPEN_LABEL)
    await _remove(services, world.sara_id, world.social_id)
    assert await factories.deliver_due(services, double) == 1
    assert double.messages_in(SARA) == []
    assert [m.text for m in double.messages_in(LARS)] == ["Open"]
