"""APScheduler (through python-telegram-bot's JobQueue) only wakes things up: what is due lives
in database rows, so a restart loses nothing and several processes can share the work.

Every ``dispatch_interval`` seconds the outbox is drained (batch after batch while full ones
come back); the registered jobs run at their own times, each in one process at a time when
several share a PostgreSQL database (the others skip that round).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.chat.turn import Services
from bot.outbox.dispatcher import Dispatcher
from bot.platform import jobs

log = logging.getLogger(__name__)

DISPATCHER_KEY = "dispatcher"
DRAIN_SECONDS = 30.0


def schedule(app: Application, services: Services) -> None:  # type: ignore[type-arg]
    """Register the outbox tick and every registered job; they start with the application."""
    queue = app.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    dispatcher = Dispatcher(services, app.bot)
    app.bot_data[DISPATCHER_KEY] = dispatcher
    once: dict[str, Any] = {"max_instances": 1, "coalesce": True}
    queue.run_repeating(
        _dispatch,
        interval=services.settings.dispatch_interval,
        first=0.0,
        name="outbox",
        job_kwargs=once,
    )
    for job in jobs.registered(services.wiring):
        callback = _runner(job, services)
        if job.interval_seconds is not None:
            queue.run_repeating(
                callback, interval=job.interval_seconds, first=1.0, name=job.name, job_kwargs=once
            )
        elif job.daily_at is not None:
            at = job.daily_at.replace(tzinfo=services.settings.tz)
            # python-telegram-bot counts days from Sunday (0); ours count from Monday (0).
            days = tuple((day + 1) % 7 for day in job.days)
            queue.run_daily(callback, time=at, days=days, name=job.name, job_kwargs=once)


async def _dispatch(context: ContextTypes.DEFAULT_TYPE) -> None:
    dispatcher: Dispatcher = context.application.bot_data[DISPATCHER_KEY]
    try:
        await dispatcher.drain(DRAIN_SECONDS)
    except Exception:
        log.exception("outbox tick failed; the next tick tries again")


def _runner(job: jobs.Job, services: Services) -> Any:
    async def run(_context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            async with services.db.one_at_a_time(f"job:{job.name}") as ours:
                if ours:  # otherwise another process is doing it right now
                    await job.function(services)
        except Exception:
            log.exception("job %s failed; it runs again at its next time", job.name)

    return run
