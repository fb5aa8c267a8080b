"""What the log of a real process holds: at DEBUG no free text and no Telegram id, and a 429
in ``samordna outbox run`` as one WARNING line with the wait, not an ERROR with a traceback."""

from __future__ import annotations

import re
from pathlib import Path

from bot.bot_api_double import BotApiDouble, Fault
from bot.chat.turn import Services
from bot.models import Role
from bot.platform.clock import SystemClock
from bot.platform.config import Settings
from tests import factories
from tests.processes import BotProcess, Sender, due_rows
from tests.runner.test_multiprocess import FIRST_CHAT, counts, until

SIGRID = 7_301_442_019
FREE_NAME = "Sigrid Quarnström-Ödegaard"
FREE_PHONE = "070-918 27 36"


async def test_debug_log_holds_no_free_text_and_no_telegram_id(
    settings: Settings, services: Services, double: BotApiDouble, tmp_path: Path
) -> None:
    clock = SystemClock()
    async with services.db.transaction() as session:
        home = await factories.unit(session, clock)
        await factories.staff(session, clock, SIGRID, {home: Role.STAFF}, language="en")
    log = tmp_path / "bot.log"
    process = BotProcess(settings, log)
    process.env["SAMORDNA_LOG_LEVEL"] = "DEBUG"
    process.start()
    try:
        sigrid = double.user(SIGRID, first_name="Sigrid", language_code="en")
        asked = await sigrid.say("/profile", timeout=30)
        assert "What is your name?" in asked.text
        assert "Which phone number" in (await sigrid.say(FREE_NAME)).text
        review = await sigrid.say(FREE_PHONE)
        assert FREE_NAME in review.text
        saved = await sigrid.click("Save")
        assert saved is not None and saved.text.startswith("Thank you")
    finally:
        process.stop()
    text = log.read_text(errors="replace")
    assert " is running (polling)" in text  # the log was written at all
    assert " DEBUG " in text or " INFO " in text
    for secret in (FREE_NAME, "Quarnstr", FREE_PHONE, "918 27 36", str(SIGRID), double.token):
        assert secret not in text, f"{secret!r} is in the log"


async def test_a_429_is_one_warning_line_with_the_wait(
    settings: Settings, services: Services, double: BotApiDouble, tmp_path: Path
) -> None:
    await due_rows(services, 1, chats=1, first_chat=FIRST_CHAT)
    double.inject(Fault(method="sendMessage", status=429, retry_after=1, times=1))
    log = tmp_path / "sender.log"
    sender = Sender(settings, log, SAMORDNA_LOG_LEVEL="INFO")
    sender.start()
    try:
        await until(services, lambda c: c.get("sent", 0) == 1, within=30, logs=[log])
    finally:
        sender.stop()
    assert (await counts(services)) == {"sent": 1}
    lines = log.read_text(errors="replace").splitlines()
    waits = [line for line in lines if "wait" in line.lower() or "429" in line]
    assert len(waits) == 1, lines
    assert re.search(
        r" WARNING bot\.outbox\.dispatcher: outbox row \d+: Telegram asks to wait 1 s$", waits[0]
    )
    assert not [line for line in lines if " ERROR " in line or "Traceback" in line], lines
