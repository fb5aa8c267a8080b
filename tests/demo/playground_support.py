"""Driving the playground through its page's own HTTP API, as the page's script does."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from bot.demo import people
from bot.demo.playground.host import Host
from bot.models import Staff, Unit
from bot.models.meetings import Meeting, MeetingStatus
from bot.platform.clock import Clock
from tests import factories

STOCKHOLM = ZoneInfo("Europe/Stockholm")
WAIT = 15.0


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


def texts(state: dict[str, Any], key: str) -> list[str]:
    return [m["text"] for m in state["phones"][key]["messages"]]


@dataclass
class Page:
    host: Host
    client: httpx.AsyncClient
    port: int
    addresses: tuple[str, ...]

    async def state(self) -> dict[str, Any]:
        response = await self.client.get("/api/state")
        response.raise_for_status()
        return dict(response.json())

    async def messages(self, key: str) -> list[dict[str, Any]]:
        return list((await self.state())["phones"][key]["messages"])

    async def says(self, key: str, needle: str) -> list[str]:
        """The texts in this phone that contain ``needle``."""
        return [m["text"] for m in await self.messages(key) if needle in (m["text"] or "")]

    async def wait_for(self, key: str, needle: str, within: float = WAIT) -> dict[str, Any]:
        """The newest message in this phone containing ``needle``, once there is one."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            found = [m for m in await self.messages(key) if needle in (m["text"] or "")]
            if found:
                return found[-1]
            if asyncio.get_running_loop().time() > deadline:
                shown = "\n---\n".join(m["text"] or "" for m in await self.messages(key))
                raise AssertionError(f"{needle!r} never shown in {key}'s phone:\n{shown}")
            await asyncio.sleep(0.1)

    async def files(self, key: str, kind: str, count: int = 1) -> list[dict[str, Any]]:
        """The photos or documents in this phone, once there are ``count`` of them."""
        deadline = asyncio.get_running_loop().time() + WAIT
        while True:
            found = [m for m in await self.messages(key) if m.get("kind") == kind]
            if len(found) >= count or asyncio.get_running_loop().time() > deadline:
                return found
            await asyncio.sleep(0.1)

    async def say(self, key: str, text: str) -> None:
        response = await self.client.post(f"/phone/{key}/send", data={"text": text})
        response.raise_for_status()

    async def press(self, key: str, label: str) -> str | None:
        """Press the button with this label on the newest message that has it."""
        for message in reversed(await self.messages(key)):
            for row in message.get("buttons", []):
                for button in row:
                    if button["text"] == label:
                        response = await self.client.post(
                            f"/phone/{key}/press",
                            data={"message": message["id"], "data": button["data"]},
                        )
                        response.raise_for_status()
                        return response.json()["toast"]  # type: ignore[no-any-return]
        shown = "\n---\n".join(str(m) for m in await self.messages(key))
        raise AssertionError(f"no button {label!r} in {key}'s phone:\n{shown}")

    async def move(self, move: str) -> dict[str, Any]:
        response = await self.client.post("/clock", data={"move": move}, timeout=120)
        response.raise_for_status()
        return dict(response.json())

    async def join_anna(self) -> None:
        """Anna opens Sofia's link and says yes to everything."""
        invite = (await self.state())["phones"]["anna"]["invite"]
        await self.say("anna", invite)
        await self.wait_for("anna", "First I need your consent")
        for label in ("Yes", "Yes", "Yes", "Yes", "6 months (suggested)", "Yes, I agree"):
            await self.press("anna", label)
        await self.wait_for("anna", "Thank you! Your consent is saved.")

    async def book(self, starts_at: datetime) -> int:
        """A GFI for Anna, with Sofia and Rikard, confirmed as the booking would confirm it."""
        from bot.meetings import lifecycle

        world = self.host.current()
        services = world.running.services
        clock: Clock = world.clock
        async with services.db.transaction() as session:
            anna = await _anna(session)
            sofia = await session.scalar(
                select(Staff).where(Staff.telegram_id == people.SOFIA.telegram_id)
            )
            rikard = await session.scalar(
                select(Staff).where(Staff.telegram_id == people.RIKARD.telegram_id)
            )
            social, clinic = [
                await session.scalar(select(Unit).where(Unit.name == people.UNITS[i][0]))
                for i in (people.SOCIAL, people.CLINIC)
            ]
            assert sofia is not None and rikard is not None
            assert social is not None and clinic is not None
            meeting = await factories.meeting(
                session,
                clock,
                individual=anna,
                requester=sofia,
                units={clinic: rikard},
                starts_at=starts_at,
                status=MeetingStatus.INVITED,
            )
            meeting.requester_unit_id = social.id
            meeting.place_text = "Rådmansgatan 12"
            meeting.individual_answer = "yes"
            loaded = await lifecycle.load(session, meeting.id)
            assert loaded is not None
            await lifecycle.confirm(session, clock, loaded)
            meeting_id = meeting.id
        await world.run_due()
        return meeting_id

    async def request(self) -> int:
        """A GFI request from Sofia waiting in the clinic's queue."""
        world = self.host.current()
        services = world.running.services
        async with services.db.transaction() as session:
            anna = await _anna(session)
            sofia = await session.scalar(
                select(Staff).where(Staff.telegram_id == people.SOFIA.telegram_id)
            )
            clinic = await session.scalar(
                select(Unit).where(Unit.name == people.UNITS[people.CLINIC][0])
            )
            assert sofia is not None and clinic is not None
            meeting = await factories.meeting(
                session,
                world.clock,
                individual=anna,
                requester=sofia,
                units={clinic: None},
                status=MeetingStatus.REQUESTED,
            )
            meeting.starts_at = None
            return meeting.id

    async def meeting(self, meeting_id: int) -> Meeting:
        services = self.host.current().running.services
        async with services.db.transaction() as session:
            found = await session.get(Meeting, meeting_id)
        assert found is not None
        return found

    async def record(self, outcome_label: str) -> None:
        """Sofia records the outcome of her meeting through /meetings, as in the chat."""
        await self.say("sofia", "/meetings")
        overview = await self.wait_for("sofia", "Waiting for an outcome:")
        card = next(b["text"] for row in overview["buttons"] for b in row)
        await self.press("sofia", card)
        await self.wait_for("sofia", "Status: confirmed")
        await self.press("sofia", "Record outcome")
        await self.wait_for("sofia", "How did the GFI")
        await self.press("sofia", outcome_label)


async def _anna(session: Any) -> Any:
    from bot.chat import access

    anna = await access.individual_by_telegram(session, people.ANNA.telegram_id)
    assert anna is not None, "Anna has not joined yet"
    return anna
