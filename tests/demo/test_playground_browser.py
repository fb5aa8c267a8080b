"""The playground in headless Chromium: the guided path clicked through as a newcomer would,
checking what each phone shows on the way, a phone in a right-to-left language, and a
fresh start. The page runs in this process; the browser is driven from a thread."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.demo import people
from bot.meetings import distribution, lifecycle
from bot.platform import i18n
from bot.preparation import service as preparation
from tests.demo.playground_support import Page

if TYPE_CHECKING:  # Selenium is loaded only once the browser is known to be there
    from bot.demo.playground.browser import Found
    from bot.demo.playground.tour import Tour


@pytest.fixture
def playground_languages() -> dict[str, str]:
    """Swedish phones, except Rikard's: each phone speaks its own language."""
    return {"anna": "sv", "sofia": "sv", "rikard": "en", "admin": "sv"}


def lead(tour: Tour, key: str, english: str) -> str:
    """The fixed start of a bot text in this phone's language (before any placeholder)."""
    return tour.label(key, english).split("{")[0]


def walk_and_check(tour: Tour) -> None:
    """Everything in the browser thread: selenium blocks, the page must go on answering."""
    from selenium.webdriver.common.by import By

    anna, sofia, rikard, admin = (p.key for p in people.CAST)
    tour.open("sv")
    assert tour.driver.find_element(By.CSS_SELECTOR, "h1").text == "Samordna provmiljö"
    assert tour.bot_time() == "tisdag 3 mars 09:30"
    assert tour.language(rikard) == "en" and tour.language(anna) == "sv"

    def next_step() -> tuple[str, str]:
        found = tour.driver.find_element(By.CSS_SELECTOR, "#panel li.next")
        return str(found.get_attribute("data-step")), str(found.text)

    step, hint = tour.retry(next_step)  # the panel may be redrawn while it is read
    assert step == "consent"
    assert "I Annas telefon: öppna länken" in hint
    tour.until(
        lambda: "attention" in str(tour.phone(anna).get_attribute("class")),
        "Anna's phone standing out for the first step",
    )

    def checks(step: str) -> None:
        if step == "consent":
            tour.wait_text(anna, "Tack! Ditt samtycke är sparat.")
            tour.wait_text(sofia, "har gett samtycke")
        elif step == "request":
            tour.wait_text(sofia, "Skickat.")
            tour.wait_text(rikard, "New GFI request for Beroendemottagning Rådmannen")
        elif step == "assign":
            tour.wait_text(rikard, "Assigned to Rikard Holm.")
            tour.wait_text(sofia, lead(tour, sofia, distribution.EVERYONE_ASSIGNED))
        elif step == "propose":
            tour.wait_text(rikard, "Sofia Lind proposes times for the GFI")
        elif step == "agree":
            tour.wait_text(anna, "Hej! Du är inbjuden till ett möte.")
        elif step == "confirm":
            tour.wait_text(sofia, lead(tour, sofia, lifecycle.CONFIRMED_STAFF))
            tour.wait_text(rikard, "Confirmed: the GFI for")
        elif step == "prepare":
            tour.wait_text(anna, lead(tour, anna, preparation.DONE_SENT))
            shared = tour.label(sofia, preparation.STAFF_NEW).split("{meeting}")[0]
            tour.wait_text(sofia, shared.split("}")[-1])
        elif step == "ended":
            assert tour.bot_time() == "onsdag 4 mars 11:00"
            tour.wait_text(anna, "Påminnelse:")  # on the way: the evening before, at 19:00
        elif step == "outcome":
            tour.wait_text(sofia, "Sparat: GFI blev av.")
        elif step == "survey":
            assert tour.bot_time() == "onsdag 4 mars 12:00"
            tour.wait_text(anna, "Tack! Dina svar är sparade utan ditt namn.")
        elif step == "results":
            tour.until(
                lambda: tour.phone(sofia).find_elements(By.CSS_SELECTOR, "img.photo"),
                "the results chart in Sofia's phone",
            )
        assert tour.step_done(step)

    tour.walk(checks)
    assert "Klart!" in tour.retry(lambda: tour.driver.find_element(By.ID, "panel").text)
    assert tour.chat(admin) == "Inga meddelanden än."

    # A right-to-left language lays the phone out right to left (Arabic, once it is there).
    tour.set_language(admin, "ar")
    assert tour.retry(lambda: tour.phone(admin).get_attribute("dir")) == "rtl"
    assert tour.retry(lambda: tour.phone(sofia).get_attribute("dir")) == "ltr"

    def direction_of(selector: str) -> tuple[str, str]:
        """Text and computed direction of the first match, read again if the phone redraws."""

        def read() -> tuple[str, str]:
            element = tour.phone(admin).find_element(By.CSS_SELECTOR, selector)
            style = "return getComputedStyle(arguments[0]).direction"
            return element.text, str(tour.driver.execute_script(style, element))

        return tour.retry(read)

    chip, chip_direction = direction_of(".command")
    assert chip.startswith("/")  # a command reads "/help" there too, not "help/"
    assert chip_direction == "ltr"
    tour.command(admin, "/help")  # and so does the command once sent, as Telegram shows it
    tour.settle(admin)
    assert direction_of(".msg.me .text") == ("/help", "ltr")

    # Starting over: a fresh database, nothing ticked, nothing in the phones.
    tour.driver.execute_script("window.confirm = () => true")
    tour.retry(lambda: tour.driver.find_element(By.CSS_SELECTOR, "#panel button.reset").click())
    tour.until(
        lambda: (
            tour.driver.find_element(By.TAG_NAME, "body").get_attribute("data-generation") == "2"
        ),
        "the page after starting over",
        within=60,
    )
    tour.until(lambda: tour.driver.find_elements(By.CSS_SELECTOR, "#panel li"), "the panel")
    assert not tour.driver.find_elements(By.CSS_SELECTOR, "#panel li.done")
    assert tour.chat(sofia) == "Inga meddelanden än."
    tour.until(
        lambda: tour.phone(anna).find_elements(By.CSS_SELECTOR, "button.open-link"),
        "Anna's new link",
    )


async def test_the_guided_path_in_a_browser(
    chromium: Found, playground: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.demo.playground.browser import open_chromium
    from bot.demo.playground.tour import Tour

    if "ar" not in i18n.LANGUAGE_NAMES:
        monkeypatch.setitem(i18n.LANGUAGE_NAMES, "ar", "العربية")
    driver = await asyncio.to_thread(open_chromium, chromium, tmp_path / "profile")
    try:
        tour = Tour(driver, f"http://127.0.0.1:{playground.port}")
        await asyncio.to_thread(walk_and_check, tour)
    finally:
        await asyncio.to_thread(driver.quit)
