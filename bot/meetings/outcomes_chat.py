"""Recording how a meeting went in the chat, the SIP text, and a new time after a no-show."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.chat import actions
from bot.chat.turn import Turn
from bot.meetings import lifecycle as meetings
from bot.meetings import sip, sip_chat, slots, slots_chat
from bot.meetings.outcomes import (
    CANCELLED,
    HELD,
    NO_SHOW,
    copy_for_new_time,
    ended,
    follow_up,
    record,
    same_time_next_week,
)
from bot.meetings.views import CARD_BUTTONS, for_staff, staff_card, token
from bot.models import Staff, Unit
from bot.models.meetings import Meeting, MeetingStatus, MeetingType
from bot.platform import events
from bot.platform.i18n import N_
from flows.screens import Button, Outcome, Screen

NEXT_STEPS: dict[str, str] = {
    sip.ESTABLISHED: N_("SIP established at the meeting"),
    sip.CLOSED: N_("SIP closed: goals reached, or no longer needed"),
    "referred": N_("Referred to another unit"),
    "joint_assessment": N_("Joint assessment planned"),
    "none": N_("Nothing further"),
}
# Which next steps each kind of meeting offers: a SIP is never established without the person.
STEPS_FOR: dict[str, tuple[str, ...]] = {
    MeetingType.GFI: (sip.ESTABLISHED, "referred", "joint_assessment", "none"),
    MeetingType.SIP: (sip.ESTABLISHED, "referred", "joint_assessment", "none"),
    MeetingType.SIP_FOLLOWUP: (sip.CLOSED, "referred", "none"),
    MeetingType.CLOSING: (sip.CLOSED, "referred", "none"),
    MeetingType.STAFF_ONLY: ("joint_assessment", "none"),
}


HOW_DID_IT_GO = N_("How did the {type} for {case} on {when} go?")


WAS_HELD = N_("It was held")


DID_NOT_COME = N_("The person did not come")


DID_NOT_HAPPEN = N_("It did not happen")


WHICH_STEPS = N_("What are the next steps? Choose one or more, then press Done.")


DONE = N_("Done ✔")


PICK_ONE = N_("Choose at least one next step.")


WHICH_UNIT = N_("Referred to which unit?")


NOT_YET = N_("You can record the outcome once the meeting has ended.")


ALREADY = N_("The outcome has already been recorded.")


SAVED_HELD = N_("Saved: the {type} was held. Next steps: {steps}.")


SAVED_NO_SHOW = N_(
    "Saved: {case} did not come. They get a kind message that it happens. "
    "Shall I offer a new time with the same people?"
)


SAVED_CANCELLED = N_("Saved: the {type} did not happen.")


SAME_TIME = N_("Same time next week: {when}")


OTHER_TIMES = N_("Propose other times")


NEW_TIME_PROPOSED = N_("A new time is proposed: {when}. When everyone can come, {case} is asked.")


def _toggle(chosen: list[str], code: str) -> list[str]:
    if code in chosen:
        return [c for c in chosen if c != code]
    if code == "none":
        return ["none"]
    return [c for c in [*chosen, code] if c != "none"]


async def _recordable(turn: Turn, payload: dict[str, Any]) -> tuple[Staff, Meeting] | Outcome:
    """Once the meeting is over; that the person did not come, once it has begun."""
    view = await for_staff(turn, payload, "outcome", participant=True)
    if isinstance(view, Outcome):
        return view
    if view.meeting.status not in meetings.TIMED:
        return Outcome(toast=turn.tr.gettext(ALREADY), replace=False)
    now = turn.clock.now()
    early_no_show = payload.get("o") == NO_SHOW and meetings.has_started(view.meeting, now)
    if not ended(view.meeting, now) and not early_no_show:
        return Outcome(toast=turn.tr.gettext(NOT_YET), replace=False)
    return view.staff, view.meeting


def steps_for(meeting: Meeting, sip_active: bool) -> dict[str, str]:
    codes = STEPS_FOR.get(meeting.type, ("none",))
    if meeting.individual_id is None:
        codes = tuple(c for c in codes if c not in (sip.ESTABLISHED, "referred"))
    if not sip_active:
        codes = tuple(c for c in codes if c != sip.CLOSED)
    return {code: NEXT_STEPS[code] for code in codes}


async def _steps(turn: Turn, meeting: Meeting) -> dict[str, str]:
    person = meeting.individual_id
    active = person is not None and await sip.active(turn.session, person) is not None
    return steps_for(meeting, active)


@actions.action(meetings.MEETING_OVER)
async def meeting_over(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """A participant says the meeting is over: the person gets the survey now, and the
    outcome is asked at once."""
    view = await for_staff(turn, payload, "outcome", participant=True)
    if isinstance(view, Outcome):
        return view
    meeting, now = view.meeting, turn.clock.now()
    if meeting.status not in meetings.TIMED or not meetings.has_started(meeting, now):
        return Outcome(toast=turn.tr.gettext(NOT_YET), replace=False)
    if meeting.ended_at is None:
        meeting.ended_at = now
        meeting.updated_at = now
        await events.emit(events.MEETING_ENDED, turn.session, turn.clock, meeting_id=meeting.id)
    outcome = await ask_outcome(turn, {"meeting_id": meeting.id})
    outcome.replace = True
    return outcome


@actions.action("mtg_outcome")
async def ask_outcome(turn: Turn, payload: dict[str, Any]) -> Outcome:
    found = await _recordable(turn, payload)
    if isinstance(found, Outcome):
        return found
    _staff, meeting = found
    tr, mid = turn.tr, meeting.id
    choices = [(WAS_HELD, HELD)]
    if meetings.invites_individual(meeting):
        choices.append((DID_NOT_COME, NO_SHOW))
    choices.append((DID_NOT_HAPPEN, CANCELLED))
    rows = [
        [await token(turn, tr.gettext(label), "mtg_outcome_set", meeting_id=mid, o=code)]
        for label, code in choices
    ]
    case = await meetings.case_ref(turn.session, meeting)
    text = tr.gettext(HOW_DID_IT_GO).format(
        type=tr.gettext(meetings.TYPE_LABELS[meeting.type]),
        case=case,
        when=tr.datetime(meeting.starts_at) if meeting.starts_at else "–",
    )
    return Outcome([Screen(text, rows)], replace=False)


@actions.action("mtg_outcome_set")
async def set_outcome(turn: Turn, payload: dict[str, Any]) -> Outcome:
    found = await _recordable(turn, payload)
    if isinstance(found, Outcome):
        return found
    staff, meeting = found
    outcome = payload.get("o")
    if outcome not in (HELD, NO_SHOW, CANCELLED):
        return Outcome(toast=turn.tr.gettext(ALREADY), replace=False)
    if outcome != HELD:
        await record(turn.session, turn.clock, meeting, staff, str(outcome), [])
        return await _saved(turn, staff, meeting, str(outcome))
    offered = await _steps(turn, meeting)
    chosen = [c for c in payload.get("steps", []) if c in offered]
    if not payload.get("done"):
        return await _steps_screen(turn, meeting, chosen)
    if not chosen:
        outcome_screen = await _steps_screen(turn, meeting, chosen)
        outcome_screen.toast = turn.tr.gettext(PICK_ONE)
        return outcome_screen
    unit_id = payload.get("unit")
    if "referred" in chosen and not isinstance(unit_id, int):
        return await _unit_screen(turn, meeting, chosen)
    referred = unit_id if isinstance(unit_id, int) else None
    if referred is not None and await turn.session.get(Unit, referred) is None:
        return await _unit_screen(turn, meeting, chosen)
    await record(turn.session, turn.clock, meeting, staff, HELD, chosen, referred)
    saved = await _saved(turn, staff, meeting, HELD)
    if sip.ESTABLISHED in chosen:
        return await sip_chat.start_record(turn, meeting, saved.screens[0].text)
    return saved


async def _steps_screen(turn: Turn, meeting: Meeting, chosen: list[str]) -> Outcome:
    tr, mid = turn.tr, meeting.id
    rows: list[list[Button]] = []
    for code, label in (await _steps(turn, meeting)).items():
        mark = "✓ " if code in chosen else ""
        rows.append(
            [
                await token(
                    turn,
                    mark + tr.gettext(label),
                    "mtg_outcome_set",
                    meeting_id=mid,
                    o=HELD,
                    steps=_toggle(chosen, code),
                )
            ]
        )
    rows.append(
        [
            await token(
                turn,
                tr.gettext(DONE),
                "mtg_outcome_set",
                meeting_id=mid,
                o=HELD,
                steps=chosen,
                done=True,
            )
        ]
    )
    return Outcome([Screen(tr.gettext(WHICH_STEPS), rows)])


async def _unit_screen(turn: Turn, meeting: Meeting, chosen: list[str]) -> Outcome:
    units = await turn.session.scalars(select(Unit).order_by(Unit.name))
    rows = [
        [
            await token(
                turn,
                unit.name,
                "mtg_outcome_set",
                meeting_id=meeting.id,
                o=HELD,
                steps=chosen,
                done=True,
                unit=unit.id,
            )
        ]
        for unit in units
    ]
    return Outcome([Screen(turn.tr.gettext(WHICH_UNIT), rows)])


async def _saved(turn: Turn, staff: Staff, meeting: Meeting, outcome: str) -> Outcome:
    tr = turn.tr
    kind = tr.gettext(meetings.TYPE_LABELS[meeting.type])
    case = await meetings.case_ref(turn.session, meeting)
    if outcome == NO_SHOW:
        return await _retry_choices(turn, meeting, tr.gettext(SAVED_NO_SHOW).format(case=case))
    if outcome == CANCELLED:
        return Outcome([Screen(tr.gettext(SAVED_CANCELLED).format(type=kind))])
    steps = meeting.outcome_next_steps or []
    labels = ", ".join(tr.gettext(NEXT_STEPS[c]) for c in steps if c in NEXT_STEPS)
    text = tr.gettext(SAVED_HELD).format(type=kind, steps=labels)
    rows: list[list[Button]] = []
    for extra in turn.services.wiring.all(CARD_BUTTONS, ""):
        rows += await extra(turn, staff, meeting)
    return Outcome([Screen(text, rows)])


async def _retry_choices(turn: Turn, meeting: Meeting, text: str) -> Outcome:
    tr = turn.tr
    rows: list[list[Button]] = []
    suggestion = same_time_next_week(meeting, tr.tz)
    if suggestion is not None:
        label = tr.gettext(SAME_TIME).format(when=tr.short_datetime(suggestion))
        rows.append([await token(turn, label, "mtg_retry", meeting_id=meeting.id, mode="week")])
    rows.append(
        [await token(turn, tr.gettext(OTHER_TIMES), "mtg_retry", meeting_id=meeting.id, mode="new")]
    )
    return Outcome([Screen(text, rows)])


@actions.action("mtg_after_no_show")
async def after_no_show(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "new_time", participant=True)
    if isinstance(view, Outcome):
        return view
    if view.meeting.status != MeetingStatus.NO_SHOW:
        return Outcome(toast=turn.tr.gettext(ALREADY), replace=False)
    case = await meetings.case_ref(turn.session, view.meeting)
    return await _retry_choices(
        turn, view.meeting, turn.tr.gettext(SAVED_NO_SHOW).format(case=case)
    )


@actions.action("mtg_retry")
async def retry(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """One tap after a no-show: the same people, and either next week's time or the picker."""
    view = await for_staff(turn, payload, "new_time", participant=True)
    if isinstance(view, Outcome):
        return view
    old = view.meeting
    existing = await follow_up(turn.session, old)
    if existing is not None:
        loaded = await meetings.load(turn.session, existing.id)
        if loaded is not None:
            return await staff_card(turn, view.staff, loaded)
    if old.status != MeetingStatus.NO_SHOW:
        return Outcome(toast=turn.tr.gettext(ALREADY), replace=False)
    new = await copy_for_new_time(turn.session, turn.clock, old)
    suggestion = same_time_next_week(old, turn.tr.tz)
    if payload.get("mode") != "week" or suggestion is None:
        return await slots_chat.start_proposal(turn, new)
    await slots.propose(
        turn.session,
        turn.clock,
        new,
        view.staff,
        [suggestion],
        old.duration_minutes,
        old.place_kind or "other",
        old.place_text,
    )
    case = await meetings.case_ref(turn.session, new)
    notice = turn.tr.gettext(NEW_TIME_PROPOSED).format(when=turn.tr.datetime(suggestion), case=case)
    return await staff_card(turn, view.staff, new, notice=notice)
