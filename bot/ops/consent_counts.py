"""Consent events counted for the metrics, once the transaction that made them commits.

A listener runs inside the transaction that emits the event; a rollback afterwards (a
failed update, a retry) must not leave a count behind, so the count waits for the commit.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.platform import events, metrics


def _count_on_commit(session: Session, name: str) -> None:
    def committed(_session: Session) -> None:
        metrics.consent(name)

    event.listen(session, "after_commit", committed, once=True)


@events.listen(events.CONSENT_GIVEN)
async def consent_given(happened: events.Event) -> None:
    _count_on_commit(happened.session.sync_session, "given")


@events.listen(events.CONSENT_CHANGED)
async def consent_changed(happened: events.Event) -> None:
    """A part the person turned; a new consent that differs from the old is counted as given."""
    if not happened.data.get("renewed"):
        _count_on_commit(happened.session.sync_session, "changed")


@events.listen(events.CONSENT_WITHDRAWN)
async def consent_withdrawn(happened: events.Event) -> None:
    _count_on_commit(happened.session.sync_session, "withdrawn")
