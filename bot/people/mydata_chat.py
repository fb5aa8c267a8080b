"""/mydata in the chat: what is stored, a copy to keep, and deleting everything."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from bot.chat import access, actions, audit, buttons
from bot.chat.turn import Turn
from bot.models import Consent, Individual
from bot.people import consent, mydata_document, retention, staff, units
from bot.people.mydata import as_json, collect
from bot.platform.i18n import LANGUAGE_NAMES, N_, Translator
from flows.screens import Button, Outcome, Screen

HEAD = N_("This is everything I store about you:")


LINE_ACCOUNT = N_("• The number of your Telegram account: {id}")


LINE_LANGUAGE = N_("• Your language: {language}")


LINE_CASE = N_("• Your case number: {case_ref}. Staff use it instead of your name.")


LINE_ALIAS = N_("• A short name staff use for your case: {alias}")


LINE_CONTACT = N_("• Your contact person: {name}")


LINE_CONSENT = N_("• Your consent:")


LINE_MEETINGS = N_("• Meetings: {n}")


LINE_PREPARATIONS = N_("• Your answers from preparing for meetings: {n}")


LINE_CONVERSATIONS = N_("• Conversations with me, with your answers in them: {n}")


LINE_MESSAGES = N_("• Messages I have sent you or will send you: {n}")


LINE_BUTTONS = N_("• Buttons I have sent you, kept so that I can check them when pressed: {n}")


LINE_OTHER = N_("• Other records about you: {n}")


LINE_CLOSED = N_("• Your case was closed on {date}.")


LINE_ERASE = N_("• All of this is deleted on {date}.")


LINE_STAFF = N_("• Your name and phone number, which colleagues see: {name}, {phone}")


LINE_UNITS = N_("• Your units and roles: {units}")


NOTHING_ELSE = N_("Nothing else.")


ANONYMOUS = N_(
    "Your answers to the question after meetings are anonymous. They are not linked to you, "
    "so they are not here."
)


STAFF_REMOVAL = N_("To stop being staff, ask an admin to remove you.")


SEND_COPY = N_("Send me a copy")


DELETE_ALL = N_("Delete everything")


COPY_CAPTION = N_("A copy of everything I store about you.")


COPY_JSON_CAPTION = N_("The same copy in a form for computers (JSON).")


DELETE_CONFIRM = N_(
    "Delete everything? Your consent ends, I stop writing to you, and the units are told only "
    "that consent was withdrawn for your case number. This cannot be undone."
)


DELETE_YES = N_("Yes, delete everything")


DELETE_NO = N_("No, keep it")


DELETED = N_(
    "Everything I stored about you is deleted. If you want help again, ask a unit for a new link."
)


KEPT = N_("Nothing was deleted.")


LINE_REQUESTS = N_("• Things you asked for with /ask (only what kind, never your words): {n}")


_COUNTED = {
    "meetings": LINE_MEETINGS,
    "person_requests": LINE_REQUESTS,
    "preparations": LINE_PREPARATIONS,
    "flow_states": LINE_CONVERSATIONS,
    "outbox": LINE_MESSAGES,
    "button_tokens": LINE_BUTTONS,
}


async def show(turn: Turn) -> Outcome:
    """``/mydata``: the listing, with "send me a copy" and (except for staff) "delete"."""
    data = await collect(turn.session, turn.telegram_id)
    individual = await access.individual_by_telegram(turn.session, turn.telegram_id)
    records = await _consents(turn, individual)
    lines = [turn.tr.gettext(HEAD), *_lines(turn, data, records)]
    if individual is not None:
        lines += ["", turn.tr.gettext(ANONYMOUS)]
    if data["staff"] is not None:
        lines += ["", turn.tr.gettext(STAFF_REMOVAL)]
    payload = {"individual_id": individual.id} if individual is not None else {}
    group = f"mydata:{secrets.token_hex(6)}"
    copy = await buttons.issue(
        turn.session, turn.clock, turn.telegram_id, "mydata_copy", payload, single_use=False
    )
    keyboard = [[Button(turn.tr.gettext(SEND_COPY), copy)]]
    if data["staff"] is None and (data["language"] is not None or individual is not None):
        wipe = await buttons.issue(
            turn.session, turn.clock, turn.telegram_id, "mydata_delete", payload, group=group
        )
        keyboard.append([Button(turn.tr.gettext(DELETE_ALL), wipe)])
    return Outcome([Screen("\n".join(lines), keyboard)], replace=False)


@actions.action("mydata_copy")
async def _copy(turn: Turn, payload: dict[str, Any]) -> Outcome:
    refused = await _not_own(turn, payload)
    if refused is not None:
        return refused
    data = await collect(turn.session, turn.telegram_id)
    case = data["case"]
    actor = await access.actor_for(turn.session, turn.telegram_id)
    audit.record(
        turn.session,
        turn.clock,
        "copy_sent",
        actor=actor,
        case_ref=case["case_ref"] if case else None,
    )
    tr = turn.tr
    readable = await _document(turn, data)
    text_file = (tr.gettext(mydata_document.FILE_TEXT), readable.encode("utf-8"), False)
    json_file = (tr.gettext(mydata_document.FILE_JSON), as_json(data), False)
    return Outcome(
        [
            Screen(tr.gettext(COPY_CAPTION), attachment=text_file),
            Screen(tr.gettext(COPY_JSON_CAPTION), attachment=json_file),
        ],
        replace=False,
    )


async def _document(turn: Turn, data: dict[str, Any]) -> str:
    """The readable copy: the listing, each feature's section, then why, until when, with whom."""
    tr, now = turn.tr, turn.clock.now()
    individual = await access.individual_by_telegram(turn.session, turn.telegram_id)
    records = await _consents(turn, individual)
    is_staff = data["staff"] is not None
    what = mydata_document.Section(tr.gettext(mydata_document.WHAT), _lines(turn, data, records))
    sections = [what]
    if individual is not None:
        for maker in turn.services.wiring.all(mydata_document.DOCUMENT_SECTION, ""):
            found = await maker(turn.session, tr, individual)
            if found is not None:
                sections.append(found)
    case = data["case"]
    sections += [
        mydata_document.why(tr, individual, is_staff),
        mydata_document.until(
            tr,
            now,
            individual,
            records,
            retention_days=turn.services.settings.retention_days,
            delete_label=tr.gettext(DELETE_ALL),
            is_staff=is_staff,
        ),
        mydata_document.with_whom(
            tr,
            now,
            individual,
            records,
            case["contact_person"] if case else None,
            is_staff=is_staff,
        ),
    ]
    return mydata_document.compose(tr, now, sections)


@actions.action("mydata_delete")
async def _ask_delete(turn: Turn, payload: dict[str, Any]) -> Outcome:
    refused = await _not_own(turn, payload)
    if refused is not None:
        return refused
    group = f"mydata-delete:{secrets.token_hex(6)}"
    yes = await buttons.issue(
        turn.session, turn.clock, turn.telegram_id, "mydata_delete_yes", payload, group=group
    )
    no = await buttons.issue(
        turn.session, turn.clock, turn.telegram_id, "mydata_keep", payload, group=group
    )
    keyboard = [
        [Button(turn.tr.gettext(DELETE_YES), yes)],
        [Button(turn.tr.gettext(DELETE_NO), no)],
    ]
    return Outcome([Screen(turn.tr.gettext(DELETE_CONFIRM), keyboard)], replace=False)


@actions.action("mydata_delete_yes")
async def _delete(turn: Turn, payload: dict[str, Any]) -> Outcome:
    refused = await _not_own(turn, payload)
    if refused is not None:
        return refused
    if await access.staff_by_telegram(turn.session, turn.telegram_id) is not None:
        return await access.refuse(turn, "mydata_delete", toast=True)
    individual = await access.individual_by_telegram(turn.session, turn.telegram_id)
    text = turn.tr.gettext(DELETED)
    if individual is not None:
        unit_list = await consent.last_units(turn.session, individual.id)
        call = units.call_line(turn.tr, unit_list)
        text = f"{text}\n\n{call}" if call else text
        days = timedelta(days=turn.services.settings.retention_days)
        await retention.erase(
            turn.session, turn.clock, individual, reason=retention.ASKED, retention=days
        )
    else:
        await retention.forget_account(turn.session, turn.telegram_id)
    return Outcome([Screen(text)])


@actions.action("mydata_keep")
async def _keep(turn: Turn, payload: dict[str, Any]) -> Outcome:
    return Outcome([Screen(turn.tr.gettext(KEPT))])


async def _not_own(turn: Turn, payload: dict[str, Any]) -> Outcome | None:
    """A button naming a case only works for that case's own account."""
    if "individual_id" not in payload:
        return None
    individual_id = payload.get("individual_id")
    individual = (
        await turn.session.get(Individual, individual_id)
        if isinstance(individual_id, int)
        else None
    )
    if individual is None or individual.telegram_id != turn.telegram_id:
        ref = individual.case_ref if individual is not None else None
        return await access.refuse(turn, "mydata", access.NOT_YOUR_CASE, case_ref=ref, toast=True)
    return None


async def _consents(turn: Turn, individual: Individual | None) -> list[Consent]:
    """The person's consents, newest first, read once for the listing and the copy."""
    return [] if individual is None else await consent.all_of(turn.session, individual.id)


def _lines(turn: Turn, data: dict[str, Any], records: list[Consent]) -> list[str]:
    tr = turn.tr
    lines = [tr.gettext(LINE_ACCOUNT).format(id=data["telegram_user_id"])]
    if data["language"]:
        language = LANGUAGE_NAMES.get(data["language"], data["language"])
        lines.append(tr.gettext(LINE_LANGUAGE).format(language=language))
    case = data["case"]
    if case is not None:
        lines.append(tr.gettext(LINE_CASE).format(case_ref=case["case_ref"]))
        if case["alias"]:
            lines.append(tr.gettext(LINE_ALIAS).format(alias=case["alias"]))
        if case["contact_person"]:
            lines.append(tr.gettext(LINE_CONTACT).format(name=case["contact_person"]))
    for record in records:
        lines.append(tr.gettext(LINE_CONSENT))
        lines += [f"   {line}" for line in consent.describe(tr, record)]
    member = data["staff"]
    if member is not None:
        lines.append(
            tr.gettext(LINE_STAFF).format(name=member["name"] or "–", phone=member["phone"] or "–")
        )
        held = tr.join(
            [f"{u['unit']} ({staff.role_label(tr, u['role'])})" for u in member["units"]]
        )
        lines.append(tr.gettext(LINE_UNITS).format(units=held))
    lines += _record_lines(tr, data["records"])
    if case is not None and case["closed_at"]:
        lines.append(tr.gettext(LINE_CLOSED).format(date=_day(tr, case["closed_at"])))
    if case is not None and case["erase_after"]:
        lines.append(tr.gettext(LINE_ERASE).format(date=_day(tr, case["erase_after"])))
    if len(lines) == 1 and data["language"] is None:
        lines.append(tr.gettext(NOTHING_ELSE))
    return lines


def _record_lines(tr: Translator, records: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = []
    other = 0
    for table, rows in records.items():
        template = _COUNTED.get(table)
        if template is None:
            other += len(rows)
        else:
            lines.append(tr.gettext(template).format(n=len(rows)))
    if other:
        lines.append(tr.gettext(LINE_OTHER).format(n=other))
    return lines


def _day(tr: Translator, value: str) -> str:
    return tr.date(datetime.fromisoformat(value))
