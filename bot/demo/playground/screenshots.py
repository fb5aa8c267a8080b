"""``make screenshots``: PNGs of the playground for the docs, taken in headless Chromium.

A playground of its own (in a temporary directory, on a free port of 127.0.0.1) is walked
along the guided path, and the page is photographed on the way. Needs the machine's
Chromium and chromedriver, like the browser tests.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from PIL import Image

from bot.demo import people
from bot.demo.playground import browser
from bot.demo.playground.host import Host
from bot.demo.playground.tour import Tour
from bot.demo.playground.web import listen
from bot.platform.config import Settings

# Monday 2 March 2026, 09:30 in Stockholm: the same pictures on every run.
START = datetime.fromisoformat("2026-03-02T09:30:00+01:00")
SHOTS = {
    # after this step: file name, page language
    "ended": "playground.png",
    "results": "playground-results.png",
}


def _walk(tour: Tour, out: Path, language: str, suffix: str) -> list[Path]:
    written: list[Path] = []
    tour.open(language)

    def shoot(step: str) -> None:
        if step in SHOTS:
            path = out / SHOTS[step].replace(".png", f"{suffix}.png")
            tour.settle(people.ANNA.key)
            tour.driver.save_screenshot(str(path))
            _shrink(path)
            written.append(path)

    tour.walk(shoot)
    return written


def _shrink(path: Path) -> None:
    """A page of flat colours keeps its looks in 256 of them, at a third of the size."""
    with Image.open(path) as shot:
        fewer = shot.convert("RGB").quantize(
            colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
        )
    fewer.save(path, optimize=True)


async def take(out: Path, language: str = "en") -> list[Path]:
    found = browser.find()
    if found is None:
        raise SystemExit(f"screenshots need a browser: {browser.missing_reason()}")
    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        settings = Settings(_env_file=None, data_dir=root / "data", default_locale=language)
        phones = {person.key: language for person in people.CAST}
        host = Host(settings, root / "data" / "playground", start=START, languages=phones)
        listening = listen(host, 0)
        await host.open()
        driver = await asyncio.to_thread(browser.open_chromium, found, root / "profile")
        try:
            tour = Tour(driver, f"http://127.0.0.1:{listening.port}")
            suffix = "" if language == "en" else f"-{language}"
            return await asyncio.to_thread(_walk, tour, out, language, suffix)
        finally:
            await asyncio.to_thread(driver.quit)
            listening.server.stop()
            await host.close()


def main(argv: list[str]) -> int:
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "skipped: still running"
    out = Path(argv[0]) if argv else Path("docs")
    for language in ("en", "sv"):
        for path in asyncio.run(take(out, language)):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
