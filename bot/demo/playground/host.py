"""The playground that outlives a reset: the current world, change counters and the views.

The page learns of changes through counters: one per phone and one for the panel, raised
whenever a chat changes or the clock moves, and a generation raised by every start-over.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.bot_api_double import SentMessage, UserLine
from bot.demo import people
from bot.demo.playground import guide
from bot.demo.playground.page import PanelView, PhoneView
from bot.demo.playground.world import World
from bot.platform.config import Settings
from bot.platform.i18n import translator

PANEL = "panel"


class NotRunning(Exception):
    """Between worlds (starting over), nothing can be done."""


class Host:
    def __init__(
        self,
        settings: Settings,
        directory: Path,
        *,
        start: datetime | None = None,
        wall: Callable[[], datetime] | None = None,
        languages: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.directory = directory
        self._start = start
        self._wall = wall
        self._languages = languages
        self.world: World | None = None
        self.guide: guide.Guide | None = None
        self.generation = 0
        self.versions: dict[str, int] = dict.fromkeys([*people.BY_KEY, PANEL], 0)
        self.counter = 0
        self._pulse = asyncio.Event()
        self._switching = asyncio.Lock()
        self.closing = False

    # ----------------------------------------------------------------- life

    async def open(self) -> None:
        async with self._switching:
            await self._begin()

    async def reset(self) -> None:
        async with self._switching:
            old, self.world = self.world, None
            if old is not None:
                await old.stop()
            await self._begin()

    async def close(self) -> None:
        self.closing = True
        self.changed("")
        async with self._switching:
            if self.world is not None:
                await self.world.stop()
                self.world = None

    async def _begin(self) -> None:
        world = World(
            self.settings,
            self.directory,
            self.changed,
            start=self._start,
            wall=self._wall,
            languages=self._languages,
        )
        await world.start()
        self.world = world
        self.guide = guide.Guide(world.running.seeded_answers)
        self.generation += 1
        self.changed("")

    def current(self) -> World:
        if self.world is None or not self.world.is_running:
            raise NotRunning
        return self.world

    # ----------------------------------------------------------------- changes

    def changed(self, key: str) -> None:
        if key in self.versions:
            self.versions[key] += 1
        self.versions[PANEL] += 1
        self.counter += 1
        pulse, self._pulse = self._pulse, asyncio.Event()
        pulse.set()

    async def wait_change(self, seen: int, within: float) -> None:
        """Return once the counter has moved past ``seen``, or after ``within`` seconds."""
        pulse = self._pulse
        if self.counter != seen or self.closing:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(pulse.wait(), within)

    def snapshot(self) -> dict[str, Any]:
        return {"generation": self.generation, "versions": dict(self.versions)}

    # ----------------------------------------------------------------- views

    def phone(self, key: str) -> PhoneView:
        world = self.current()
        person = people.BY_KEY[key]
        user = world.handle(key)
        language = world.languages[key]
        lines = user.conversation
        invite = None
        token = world.running.seeded.invite_token
        if person is people.ANNA and token:
            opened = any(isinstance(line, UserLine) and token in line.text for line in lines)
            invite = None if opened else f"/start {token}"
        return PhoneView(
            person=person,
            language=language,
            rtl=translator(language, self.settings.timezone).rtl,
            lines=lines,
            commands=self._commands(person, language),
            invite=invite,
        )

    def _commands(self, person: people.Person, language: str) -> list[tuple[str, str]]:
        """The menu the bot set for this chat, else its menu for everyone in the language."""
        double = self.current().running.double
        own = double.commands_for(f"chat:{person.telegram_id}")
        general = double.commands
        for found in (own.get(language), own.get(""), general.get(language), general.get("")):
            if found:
                return found
        return []

    async def panel(self) -> PanelView:
        world = self.current()
        assert self.guide is not None
        async with world.running.services.db.transaction() as session:
            progress = await self.guide.check(
                session, world.clock.now(), world.handle(people.SOFIA.key)
            )
        return PanelView(world.clock.now(), progress)

    def message(self, key: str, message_id: int) -> SentMessage | None:
        user = self.current().handle(key)
        return next((m for m in user.messages if m.message_id == message_id), None)

    async def state(self) -> dict[str, Any]:
        """Everything the page shows, as data: for tests and scripts."""
        panel = await self.panel()
        phones: dict[str, Any] = {}
        for key in people.BY_KEY:
            view = self.phone(key)
            phones[key] = {
                "language": view.language,
                "dir": "rtl" if view.rtl else "ltr",
                "invite": view.invite,
                "messages": [_line_data(line) for line in view.lines],
            }
        return {
            "generation": self.generation,
            "time": panel.now.isoformat(),
            "steps": {step.key: step.key in panel.progress.done for step in guide.STEPS},
            "phones": phones,
        }


def _line_data(line: SentMessage | UserLine) -> dict[str, Any]:
    if isinstance(line, UserLine):
        return {"id": line.message_id, "from": "user", "text": line.text}
    return {
        "id": line.message_id,
        "from": "bot",
        "kind": line.kind,
        "text": line.text,
        "filename": line.filename,
        "edited": line.edits > 0,
        "buttons": [
            [{"text": b.text, "data": b.callback_data} for b in row] for row in line.buttons
        ],
    }
