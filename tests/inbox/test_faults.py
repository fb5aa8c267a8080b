"""The fault suite: real bot processes killed with SIGKILL while people go through every
conversation, at random moments and in the first 300 ms after Telegram handed out an update,
in polling and in webhook mode. Nothing may be lost, nothing applied twice, no one stuck.

One test double serves every restart; the bot process is started again after each kill.
A person reads the screen they see and answers it; when a reply never comes (the process
died between its commit and its reply), they do what a person would: press a button of the
last screen they saw, or send /resume. The random choices are seeded, so a failure can be
run again with the same kills; the printed counts say what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bot_api_double import BotApiDouble
from bot.bot_api_double.records import SentMessage
from bot.bot_api_double.users import UserHandle
from bot.chat.turn import Services
from bot.models import ProcessedUpdate
from bot.models.inbox import InboxUpdate
from bot.platform.config import Settings
from tests.inbox import fault_people
from tests.inbox.fault_people import Person, Press, Say
from tests.processes import BotProcess

SEED = 20_261_127
KILLS = 26  # per database: at least 50 over SQLite and PostgreSQL together
DRIVERS_PER_KIND = 2
PEOPLE_PER_KIND = 24
QUIET = 3.0  # seconds the bot is up without a reaction before a reply counts as lost
ENDED = "That conversation has already ended."
NOTHING = "There is nothing to go on with right now."
WEBHOOK_SECRET = "fault-suite-secret-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


RESUME_TRIES = 5


@dataclass
class Tally:
    kills: int = 0
    after_hand_out: int = 0
    at_random: int = 0
    webhook_starts: int = 0
    kills_during: Counter[str] = field(default_factory=Counter)
    finished: Counter[str] = field(default_factory=Counter)
    lost_replies: int = 0
    recovered_by_button: int = 0
    recovered_by_resume: int = 0
    restarted_by_command: int = 0
    stuck: list[str] = field(default_factory=list)


class Killer:
    """Kills the bot process again and again, each time at a moment chosen by the seed."""

    def __init__(
        self, bot: BotProcess, double: BotApiDouble, rng: random.Random, tally: Tally
    ) -> None:
        self.bot = bot
        self.double = double
        self.rng = rng
        self.tally = tally
        self.up = asyncio.Event()
        self.up_since = time.monotonic()
        self.active: Counter[str] = Counter()
        port = _free_port()
        self.webhook = {
            "SAMORDNA_MODE": "webhook",
            "SAMORDNA_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
            "SAMORDNA_WEBHOOK_LISTEN": "127.0.0.1",
            "SAMORDNA_WEBHOOK_PORT": str(port),
            "SAMORDNA_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }

    async def start(self) -> None:
        extra = self.webhook if self.rng.random() < 0.3 else {}
        self.tally.webhook_starts += bool(extra)
        await self.bot.start_and_wait(self.double, extra)
        self.up_since = time.monotonic()
        self.up.set()

    async def run(self, kills: int) -> None:
        for number in range(kills):
            if number % 2:
                await self._after_a_hand_out()
            else:
                await asyncio.sleep(self.rng.uniform(0.05, 0.5))
                self.tally.at_random += 1
            self.tally.kills_during.update(kind for kind, n in self.active.items() if n)
            self.up.clear()
            self.bot.kill()
            self.tally.kills += 1
            await self.start()

    async def _after_a_hand_out(self) -> None:
        """Wait for the next update Telegram hands out, then kill within 300 ms of it."""
        seen = len(self.double.handed_out())
        with contextlib.suppress(AssertionError):
            await self.double.wait_until(lambda: len(self.double.handed_out()) > seen, timeout=10)
        handed = self.double.handed_out()
        if len(handed) <= seen:
            self.tally.at_random += 1
            return
        _, at = handed[seen]
        await asyncio.sleep(max(0.0, at + self.rng.uniform(0.0, 0.3) - time.monotonic()))
        self.tally.after_hand_out += 1


class Driver:
    """People of one kind, one after the other, each through their whole conversation."""

    def __init__(
        self,
        double: BotApiDouble,
        killer: Killer,
        rng: random.Random,
        tally: Tally,
        queue: list[Person],
    ) -> None:
        self.double = double
        self.killer = killer
        self.rng = rng
        self.tally = tally
        self.queue = queue
        self.started: list[Person] = []

    async def run(self, until: asyncio.Event) -> None:
        while self.queue and not until.is_set():
            who = self.queue.pop(0)
            self.started.append(who)
            self.killer.active[who.kind] += 1
            try:
                await self.converse(who)
            finally:
                self.killer.active[who.kind] -= 1

    async def converse(self, who: Person) -> None:
        user = self.double.user(who.telegram_id, f"P{who.telegram_id}", language_code="en")
        reaction = await self._act(user, Say(who.start), None)
        for _ in range(80):
            if reaction == ENDED:
                break
            screen = self._screen(user)
            if screen is not None and who.finished(screen.text):
                break
            action = who.next(screen) if screen is not None else None
            if reaction is None or reaction or action is None:
                reaction = await self._recover(user, who)
                continue
            reaction = await self._act(user, action, screen)
        else:
            self.tally.stuck.append(f"{who.kind} {who.telegram_id}:\n{user.transcript()}")
            return
        who.done = True
        self.tally.finished[who.kind] += 1

    @staticmethod
    def _screen(user: UserHandle) -> SentMessage | None:
        """What the person looks at: the message the bot showed or changed last."""
        events = user.inbox_since(max(0, user.mark() - 1))
        return events[-1] if events else None

    async def _act(
        self, user: UserHandle, action: Press | Say, screen: SentMessage | None
    ) -> str | None:
        """Do it; '' for a new or changed message, the toast for an answer alone, None for
        silence while the bot has been up for a while (the reply was lost)."""
        mark = user.mark()
        query: str | None = None
        if isinstance(action, Say):
            user.send(action.text)
        else:
            assert screen is not None
            query = user.press(action.label, message_id=screen.message_id)
        sent = time.monotonic()
        while True:
            if user.mark() > mark:
                await self._settle(user)
                return ""
            answer = user.callback_answer(query) if query is not None else None
            if answer is not None:
                return str(answer.get("text") or "")
            if (
                self.killer.up.is_set()
                and time.monotonic() - max(sent, self.killer.up_since) > QUIET
            ):
                self.tally.lost_replies += 1
                return None
            await asyncio.sleep(0.01)

    @staticmethod
    async def _settle(user: UserHandle) -> None:
        """One reply may be several messages: wait until the chat is still for a moment."""
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            seen = user.mark()
            if not await user.wait_for_activity(since=seen, within=0.15):
                return

    async def _recover(self, user: UserHandle, who: Person) -> str | None:
        """A button of the last screen shown, or /resume; a conversation that never showed a
        screen is started again."""
        shown = [m for m in user.inbox_since(0) if m.buttons]
        if shown and self.rng.random() < 0.5:
            self.tally.recovered_by_button += 1
            last = shown[-1]
            reaction = await self._act(user, Press(last.button_texts[0]), last)
            if reaction == "" or reaction == ENDED:
                return reaction
        self.tally.recovered_by_resume += 1
        for _ in range(RESUME_TRIES):  # no answer at all: the bot was down again, ask again
            reaction = await self._act(user, Say("/resume"), None)
            if reaction is not None:
                break
        screen = self._screen(user)
        if reaction == "" and screen is not None and screen.text != NOTHING:
            return reaction
        # Only when the bot says there is nothing to go on with does the person start again.
        self.tally.restarted_by_command += 1
        return await self._act(user, Say(who.start), None)


@pytest.fixture
def bot_process(settings: Settings, tmp_path: Path, services: Services) -> Iterator[BotProcess]:
    process = BotProcess(
        settings,
        tmp_path / "bot.log",
        SAMORDNA_INBOX_LEASE_SECONDS="1",
        SAMORDNA_LOG_LEVEL="WARNING",
        SAMORDNA_DISPATCH_INTERVAL="60",
    )
    yield process
    process.stop()


async def test_sigkill_at_any_moment_loses_nothing_applies_nothing_twice_leaves_no_one_stuck(
    database_url: str,
    double: BotApiDouble,
    bot_process: BotProcess,
    services: Services,
    capsys: pytest.CaptureFixture[str],
) -> None:
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    rng = random.Random(f"{SEED}:{backend}")
    tally = Tally()
    people = await fault_people.seed(services, PEOPLE_PER_KIND)
    killer = Killer(bot_process, double, rng, tally)
    await killer.start()

    done_killing = asyncio.Event()
    drivers = [
        Driver(
            double, killer, random.Random(rng.random()), tally, people[kind][n::DRIVERS_PER_KIND]
        )
        for kind in people
        for n in range(DRIVERS_PER_KIND)
    ]
    driving = [asyncio.create_task(d.run(done_killing)) for d in drivers]
    try:
        await asyncio.wait_for(killer.run(KILLS), timeout=240)
    finally:
        done_killing.set()
    await asyncio.wait_for(asyncio.gather(*driving), timeout=120)

    started = [who for d in drivers for who in d.started]
    await double.wait_until(
        lambda: double.pending_updates == 0, timeout=20, what="no update left at Telegram"
    )
    await _until_inbox_empty(services)
    created = double.update_ids()
    async with services.db.transaction() as session:
        processed = set(await session.scalars(select(ProcessedUpdate.update_id)))
    lost = [u for u in created if u not in processed]
    wrong = await fault_people.problems(services, started)

    with capsys.disabled():
        print(
            f"\n[{backend}] kills {tally.kills} (first 300 ms after a hand-out "
            f"{tally.after_hand_out}, at random {tally.at_random}); starts in webhook mode "
            f"{tally.webhook_starts}; kills during "
            + ", ".join(f"{k} {tally.kills_during[k]}" for k in people)
            + "\n"
            f"[{backend}] conversations {len(started)}, finished "
            + ", ".join(f"{k} {tally.finished[k]}" for k in people)
            + f"; updates {len(created)}; replies lost {tally.lost_replies}, recovered by a "
            f"button {tally.recovered_by_button}, by /resume {tally.recovered_by_resume}, "
            f"started again {tally.restarted_by_command}\n"
            f"[{backend}] updates lost {len(lost)}, applied twice {len(wrong)}, "
            f"conversations stuck {len(tally.stuck)}"
        )
    assert tally.kills >= KILLS
    assert all(tally.kills_during[kind] > 0 for kind in people), tally.kills_during
    assert lost == [], bot_process.tail()
    assert tally.stuck == [], tally.stuck[0]
    assert wrong == [], "\n".join(wrong) + "\n" + _transcripts(double, started, wrong)
    assert all(who.done for who in started)


def _transcripts(double: BotApiDouble, people: list[Person], wrong: list[str]) -> str:
    """What the people behind a wrong result saw and did, to find out how it came about."""
    named = [who for who in people if any(str(who.telegram_id) in line for line in wrong)]
    return "\n\n".join(
        f"{who.kind} {who.telegram_id}:\n{double.user(who.telegram_id).transcript()}"
        for who in named
    )


async def _until_inbox_empty(services: Services) -> None:
    deadline = time.monotonic() + 20
    while True:
        async with services.db.transaction() as session:
            waiting = list(
                await session.scalars(
                    select(InboxUpdate.update_id).where(InboxUpdate.handled_at.is_(None))
                )
            )
        if not waiting or time.monotonic() > deadline:
            assert waiting == [], f"unhandled in the inbox: {waiting}"
            return
        await asyncio.sleep(0.1)
