"""The bot on its operator's port, and a TCP proxy that stands in for the database server:
closing it is "the database stopped" without stopping the server other tests share."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic import SecretStr

from bot.chat.turn import Services
from bot.platform.config import Mode, Settings
from bot.runner import serve

SECRET = "k3Y-" + "0123456789abcdef" * 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def with_ops(settings: Settings, *, webhook: bool = False) -> Settings:
    """The settings with the operator's port on, in polling or webhook mode."""
    update: dict[str, Any] = {"metrics_port": free_port(), "metrics_listen": "127.0.0.1"}
    if webhook:
        port = free_port()
        update |= {
            "mode": Mode.WEBHOOK,
            "webhook_url": f"http://127.0.0.1:{port}/telegram",
            "webhook_listen": "127.0.0.1",
            "webhook_port": port,
            "webhook_secret": SecretStr(SECRET),
        }
    return settings.model_copy(update=update)


@contextlib.asynccontextmanager
async def serving(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The bot running; yields a client for its operator's port."""
    stop = asyncio.Event()
    ready = asyncio.Event()

    async def on_ready(_app: object, _services: Services) -> None:
        ready.set()

    task = asyncio.create_task(serve(settings, stop, services=services, on_ready=on_ready))
    try:
        waiter = asyncio.create_task(ready.wait())
        await asyncio.wait({task, waiter}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            await task
        assert ready.is_set(), "the bot did not start"
        base = f"http://127.0.0.1:{settings.metrics_port}"
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            yield client
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


class TcpProxy:
    """Forwards one local port to ``upstream``; :meth:`close` drops the port and every
    connection through it, :meth:`open` listens on the same port again."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(
            self._connect, "127.0.0.1", self.port, reuse_address=True
        )

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()
            self._writers.discard(writer)
