"""Where someone in the consent conversation is, after a reply that never arrived.

The conversation keeps its answers in its buttons, and one screen is live at a time (see
:func:`bot.people.consent_chat._retire_screen`): its unused buttons are where the person
is. A button of an earlier screen, or /resume, shows that screen again; once consent is given,
they say so.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.chat import access, recovery
from bot.chat.turn import Turn
from bot.models import ButtonToken
from bot.people import consent, consent_chat
from flows import texts
from flows.screens import Outcome, Screen


async def _live_button(turn: Turn) -> ButtonToken | None:
    """A button of the screen the person should be looking at, if the conversation is open."""
    return await turn.session.scalar(
        select(ButtonToken)
        .where(
            ButtonToken.telegram_id == turn.telegram_id,
            ButtonToken.action == consent_chat.CONVERSATION,
            ButtonToken.used_at.is_(None),
            ButtonToken.expires_at > turn.clock.now(),
        )
        .limit(1)
    )


def _joined_screen(turn: Turn) -> Outcome:
    return Outcome([Screen(turn.tr.gettext(consent_chat.ALREADY_IN))], replace=False)


async def _has_joined(turn: Turn) -> recovery.Open | None:
    """A consent in force: where someone whose last answer was a yes now is."""
    individual = await access.individual_by_telegram(turn.session, turn.telegram_id)
    current = (
        await consent.active(turn.session, individual.id, turn.clock.now())
        if individual is not None
        else []
    )
    if not current:
        return None

    async def show() -> Outcome:
        return _joined_screen(turn)

    return recovery.Open(current[0].given_at, show, ended=True)


@recovery.conversation
async def open_conversation(turn: Turn) -> recovery.Open | None:
    live = await _live_button(turn)
    if live is None:
        return await _has_joined(turn)
    payload = dict(live.payload)

    async def show() -> Outcome:
        shown = await consent_chat.show_screen(turn, payload, replace=False)
        if shown is None:
            return Outcome(toast=turn.tr.gettext(texts.ENDED), replace=False)
        # The notice goes apart: the summary's text is exactly what a yes agrees to.
        shown.screens.insert(0, Screen(turn.tr.gettext(texts.RESUMED)))
        return shown

    return recovery.Open(live.created_at, show)


@recovery.used_button(consent_chat.CONVERSATION)
async def used(turn: Turn, payload: dict[str, Any]) -> Outcome | None:
    """A button of an earlier screen: the screen the person is at now, or that they joined."""
    live = await _live_button(turn)
    if live is not None:
        shown = await consent_chat.show_screen(turn, dict(live.payload), replace=True, retire=False)
        if shown is not None and shown.toast is None:
            shown.toast = turn.tr.gettext(texts.STALE)
        return shown
    if await _has_joined(turn) is not None:
        return _joined_screen(turn)
    return None
