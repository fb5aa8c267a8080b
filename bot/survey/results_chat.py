"""/results: staff see the survey results of their own units as a chart in the chat."""

from __future__ import annotations

import asyncio
import secrets

from sqlalchemy import select

from bot.chat import access, actions, buttons
from bot.chat.turn import Turn
from bot.models import Staff, StaffMembership, Unit
from bot.platform.i18n import N_
from bot.survey import report as reports
from bot.survey import report_chart, report_formats
from flows.screens import Button, Outcome, Screen

ACTION = "survey_results"
MONTHS = 12
STAFF_ONLY = N_("Survey results are only for staff.")
CHOOSE_UNIT = N_("Which unit's results do you want to see? They cover the last twelve months.")
ALL_MY_UNITS = N_("All my units")
HERE_THEY_ARE = N_("Survey results for {units}:")


async def _my_units(turn: Turn, staff: Staff) -> list[Unit]:
    found = await turn.session.scalars(
        select(Unit)
        .join(StaffMembership, StaffMembership.unit_id == Unit.id)
        .where(StaffMembership.staff_id == staff.id)
        .order_by(Unit.name)
    )
    return list(found)


async def results_command(turn: Turn) -> Outcome:
    staff = await access.staff_by_telegram(turn.session, turn.telegram_id)
    units = await _my_units(turn, staff) if staff is not None else []
    if not units:
        return Outcome.message(turn.tr.gettext(STAFF_ONLY))
    if len(units) == 1:
        return await _results(turn, units, replace=False)
    group = f"results:{secrets.token_hex(6)}"
    choices: list[list[Button]] = []
    for unit in units:
        data = await buttons.issue(
            turn.session, turn.clock, turn.telegram_id, ACTION, {"unit": unit.id}, group=group
        )
        choices.append([Button(unit.name, data)])
    data = await buttons.issue(
        turn.session, turn.clock, turn.telegram_id, ACTION, {"unit": None}, group=group
    )
    choices.append([Button(turn.tr.gettext(ALL_MY_UNITS), data)])
    return Outcome([Screen(turn.tr.gettext(CHOOSE_UNIT), choices)], replace=False)


@actions.action(ACTION)
async def _unit_chosen(turn: Turn, payload: dict[str, object]) -> Outcome:
    """The role is checked again: a button outlives a membership."""
    staff = await access.staff_by_telegram(turn.session, turn.telegram_id)
    units = await _my_units(turn, staff) if staff is not None else []
    chosen = payload.get("unit")
    if chosen is not None:
        units = [unit for unit in units if unit.id == chosen]
    if not units:
        return Outcome.message(turn.tr.gettext(STAFF_ONLY))
    return await _results(turn, units, replace=True)


async def _results(turn: Turn, units: list[Unit], *, replace: bool) -> Outcome:
    settings = turn.services.settings
    first, last = reports.last_months(turn.clock.now(), settings.tz, MONTHS)
    query = reports.ReportQuery(first, last, unit_ids=frozenset(unit.id for unit in units))
    report = await reports.build(turn.session, settings, turn.clock, query)
    png = await asyncio.to_thread(report_chart.render_png, report, turn.tr)
    picture = Screen(
        report_formats.caption(report, turn.tr),
        attachment=("survey-results.png", png, True),
    )
    if not replace:
        return Outcome([picture], replace=False)
    names = turn.tr.join([unit.name for unit in units])
    heading = Screen(turn.tr.gettext(HERE_THEY_ARE).format(units=names))
    return Outcome([heading, picture])
