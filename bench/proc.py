"""A bot as a real operating-system process: started, awaited until it says it is ready,
measured through ``/proc``, stopped or killed. Each bot prints one ``READY {json}`` line."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
READY = "READY"
EXCEPTION = re.compile(r"^[\w.]*(Error|Exception|Exit)\b")


class BotProcess:
    def __init__(self, module: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.argv = [sys.executable, "-m", module, *args]
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
        self.log = log
        self.process: subprocess.Popen[str] | None = None
        self.ready_info: dict[str, Any] = {}
        self._ready = threading.Event()
        self._ready_at = 0.0
        self._reader: threading.Thread | None = None

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("not started")
        return self.process.pid

    async def start(self, within: float = 60.0) -> float:
        """Start and wait for the ready line; returns the seconds that took."""
        self._ready.clear()
        self.ready_info = {}
        began = time.perf_counter()
        process = self.process = self._spawn()
        self._reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._reader.start()
        while not self._ready.is_set():
            if process.poll() is not None:
                raise RuntimeError(f"{self.argv[2]} exited with {process.returncode}; {self.log}")
            if time.perf_counter() - began > within:
                self.kill()
                raise RuntimeError(f"{self.argv[2]} was not ready within {within:.0f} s")
            await asyncio.sleep(0.02)
        return self._ready_at - began

    def _spawn(self) -> subprocess.Popen[str]:
        with self.log.open("a") as errors:
            return subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=errors, text=True
            )

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(READY):
                payload = line[len(READY) :].strip()
                self.ready_info = json.loads(payload) if payload else {}
                self._ready_at = time.perf_counter()
                self._ready.set()

    def errors(self) -> list[str]:
        """Each ERROR the process logged, with the last line of its traceback."""
        if not self.log.exists():
            return []
        found: list[str] = []
        current: list[str] = []
        for line in [*self.log.read_text().splitlines(), "0000 END"]:
            if line[:1].isdigit():  # a new log record
                if current:
                    raised = [t for t in current[1:] if EXCEPTION.match(t)]
                    found.append(current[0] + (f" — {raised[-1]}" if raised else ""))
                current = [line] if " ERROR " in line else []
            elif current:
                current.append(line)
        return found

    def rss_mib(self) -> float:
        """Resident memory now, from ``/proc/<pid>/status``."""
        return _status_kib(self.pid, "VmRSS") / 1024

    def cpu_seconds(self) -> float:
        """User plus system CPU time so far, every thread included."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, within: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            self.kill()


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)
