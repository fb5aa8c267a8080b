"""The guided path, walked by clicking in the page in a real browser.

Used by the browser test (which checks each phone between the steps) and by
``make screenshots``. Labels are looked up in each phone's language through the catalogs,
so the walk does not care which language a phone speaks. Conversations are answered the way
a newcomer would: the buttons the guide mentions first, otherwise the first plain choice.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TypeVar

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from bot.demo import people
from bot.demo.playground.moves import Move
from bot.platform.i18n import translator

T = TypeVar("T")
WAIT = 20.0
# Buttons that move around a conversation rather than answer it.
NAVIGATION = ("◀ Back", "⏸ Pause", "✖ Cancel", "◀ Another day", "Back", "Pause", "Cancel")


class Tour:
    def __init__(self, driver: WebDriver, url: str, timezone: str = "Europe/Stockholm") -> None:
        self.driver = driver
        self.url = url.rstrip("/")
        self.timezone = timezone
        self._pressed: set[tuple[str, str]] = set()  # (phone, message id) pressed on

    # ----------------------------------------------------------------- looking

    def open(self, page_language: str = "sv") -> None:
        self.driver.get(f"{self.url}/?lang={page_language}")
        self.until(lambda: self.driver.find_elements(By.CSS_SELECTOR, "#panel .guide"), "panel")

    def until(self, condition: Callable[[], object], what: str, within: float = WAIT) -> None:
        def check(_driver: WebDriver) -> bool:
            try:
                return bool(condition())
            except StaleElementReferenceException:
                return False

        WebDriverWait(self.driver, within, poll_frequency=0.1).until(
            check, f"waited {within}s for {what}"
        )

    def phone(self, key: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, f'section.phone[data-phone="{key}"]')

    def language(self, key: str) -> str:
        return str(self.phone(key).get_attribute("lang"))

    def label(self, key: str, english: str) -> str:
        """A bot text as this phone shows it."""
        return translator(self.language(key), self.timezone).gettext(english)

    def chat(self, key: str) -> str:
        for _ in range(5):
            try:
                return str(self.phone(key).find_element(By.CSS_SELECTOR, ".chat").text)
            except StaleElementReferenceException:
                time.sleep(0.05)
        return ""

    def shows(self, key: str, english: str) -> bool:
        return self.label(key, english) in self.chat(key)

    def wait_text(self, key: str, text: str, *, translate: bool = False) -> None:
        wanted = self.label(key, text) if translate else text
        self.until(lambda: wanted in self.chat(key), f"{wanted!r} in {key}'s phone")

    def step_done(self, step: str) -> bool:
        for _ in range(5):
            try:
                found = self.driver.find_elements(By.CSS_SELECTOR, f'#panel li[data-step="{step}"]')
                return bool(found) and "done" in str(found[0].get_attribute("class"))
            except StaleElementReferenceException:
                time.sleep(0.05)  # the panel was redrawn just then
        return False

    def wait_step(self, step: str) -> None:
        self.until(lambda: self.step_done(step), f"the step {step} ticked")

    def bot_time(self) -> str:
        for _ in range(5):
            try:
                return str(self.driver.find_element(By.ID, "bot-time").text)
            except StaleElementReferenceException:
                time.sleep(0.05)
        return ""

    def settle(self, key: str) -> None:
        """Wait until the phone shows the newest version the page has heard of."""

        def drawn() -> bool:
            phone = self.phone(key)
            latest = phone.get_attribute("data-latest")
            return latest is None or phone.get_attribute("data-shown") == latest

        with contextlib.suppress(TimeoutException):
            self.until(drawn, f"{key}'s phone drawn", within=5)

    def _current(self, key: str) -> WebElement | None:
        """The message a person would answer now: the newest, or, when a notice without
        buttons came after it, the newest one since they last wrote that they have not
        pressed anything on yet."""
        messages = self.phone(key).find_elements(By.CSS_SELECTOR, ".chat .msg")
        mine = [i for i, m in enumerate(messages) if "me" in str(m.get_attribute("class"))]
        since = messages[mine[-1] + 1 :] if mine else messages
        for position, message in enumerate(reversed(since)):
            newest = position == 0
            ident = (key, str(message.get_attribute("data-message-id")))
            if not newest and ident in self._pressed:
                continue
            if message.find_elements(By.CSS_SELECTOR, "button.inline"):
                return message
        return None

    def _buttons(self, key: str) -> list[WebElement]:
        current = self._current(key)
        return current.find_elements(By.CSS_SELECTOR, "button.inline") if current else []

    # ----------------------------------------------------------------- acting

    def _click_and_settle(self, key: str, button: WebElement) -> None:
        """Press, and wait until the page has the bot's answer and has drawn it.

        A press on a button the page was just redrawing can get lost; that shows as no
        answer, and is raised as a stale element for the caller to look again.
        """
        phone = self.phone(key)
        presses = int(phone.get_attribute("data-presses") or 0)
        message = button.find_element(By.XPATH, "ancestor::div[contains(@class, 'msg')][1]")
        self._pressed.add((key, str(message.get_attribute("data-message-id"))))
        button.click()
        try:
            self.until(
                lambda: int(self.phone(key).get_attribute("data-presses") or 0) > presses,
                f"an answer to a press in {key}'s phone",
                within=10,
            )
        except TimeoutException as lost:
            raise StaleElementReferenceException("the press got no answer") from lost

    def press(self, key: str, english: str, *, literal: bool = False) -> None:
        """Press the button with this label on the newest message that has it."""
        wanted = english if literal else self.label(key, english)

        def find() -> WebElement | None:
            messages = self.phone(key).find_elements(By.CSS_SELECTOR, ".msg.bot")
            for message in reversed(messages):
                for button in message.find_elements(By.CSS_SELECTOR, "button.inline"):
                    if button.text.strip() == wanted:
                        return button
            return None

        for _ in range(10):
            self.until(lambda: find() is not None, f"[{wanted}] in {key}'s phone")
            try:
                button = find()
                assert button is not None
                self._click_and_settle(key, button)
                return
            except StaleElementReferenceException:
                continue  # the phone was redrawn just then; look again

    def say(self, key: str, text: str) -> None:
        before = self.chat(key)
        self.retry(
            lambda: (
                self.phone(key)
                .find_element(By.CSS_SELECTOR, "form.composer input")
                .send_keys(text, Keys.ENTER)
            )
        )
        self.until(lambda: self.chat(key) != before, f"{key}'s message shown")

    def retry(self, action: Callable[[], T]) -> T:
        """Run ``action`` again when the page redrew what it touched."""
        for _ in range(10):
            try:
                return action()
            except StaleElementReferenceException:
                time.sleep(0.1)
        return action()

    def command(self, key: str, name: str) -> None:
        """Tap a command in the phone's menu (or type it when the menu lacks it)."""
        self.settle(key)
        before = self.chat(key)

        def tap() -> bool:
            chips = self.phone(key).find_elements(
                By.CSS_SELECTOR, f'button.command[data-text="{name}"]'
            )
            if chips:
                chips[0].click()
            return bool(chips)

        if not self.retry(tap):
            self.say(key, name)
            return
        self.until(lambda: self.chat(key) != before, f"{name} in {key}'s phone")

    def answer(
        self,
        key: str,
        prefer: Iterable[str],
        done: Callable[[], bool],
        *,
        typed: str = "",
        clicks: int = 40,
    ) -> None:
        """Answer the conversation in this phone until ``done()``.

        Each time: the first of ``prefer`` (bot texts, or names that need no translation)
        on the newest message, else its first button that is not navigation; a button that
        already led nowhere on the same screen is not pressed again. With ``typed``, a
        question that can be skipped is answered with that text instead.
        """
        wanted = [self.label(key, english) for english in prefer]
        avoid = {self.label(key, english) for english in NAVIGATION}
        if typed:
            avoid.add(self.label(key, "Skip"))
        tried: Counter[tuple[str, str]] = Counter()
        for _ in range(clicks):
            with contextlib.suppress(TimeoutException):
                self.until(lambda: done() or self._buttons(key), "a question", within=3)
            if done():
                return
            try:
                self._answer_once(key, wanted, avoid, typed, tried)
            except StaleElementReferenceException:
                continue  # the phone was redrawn just then; look again
        if not done():
            raise AssertionError(f"{key}'s conversation did not end:\n{self.chat(key)}")

    def _answer_once(
        self,
        key: str,
        wanted: list[str],
        avoid: set[str],
        typed: str,
        tried: Counter[tuple[str, str]],
    ) -> None:
        self.settle(key)
        current = self._current(key)
        screen = current.text if current is not None else ""
        buttons = self._buttons(key)
        labels = [button.text.strip() for button in buttons]
        fresh = [label for label in labels if tried[(screen, label)] < 2]
        choice = next((w for w in wanted if w in fresh), None)
        if choice is None:
            choice = next((label for label in fresh if label not in avoid), None)
        if choice is not None:
            tried[(screen, choice)] += 1
            self._click_and_settle(key, buttons[labels.index(choice)])
        elif typed:
            self.say(key, typed)
        else:
            raise AssertionError(f"{key}'s phone asks for nothing to press:\n{self.chat(key)}")

    def move(self, move: Move) -> str:
        """Press a clock button; returns the note it left."""

        def note() -> str:
            return str(self.driver.find_element(By.CSS_SELECTOR, "#panel .clock-note").text)

        before = self.retry(note)
        self.driver.execute_script("document.querySelector('#panel .clock-note').textContent=''")
        self.retry(
            lambda: self.driver.find_element(
                By.CSS_SELECTOR, f'button.move[data-move="{move.value}"]'
            ).click()
        )
        self.until(lambda: note() != "", f"the clock to move ({move.value})", within=90)
        del before
        return self.retry(note)

    def set_language(self, key: str, language: str) -> None:
        self.retry(
            lambda: (
                self.phone(key)
                .find_element(By.CSS_SELECTOR, f'select.language option[value="{language}"]')
                .click()
            )
        )
        self.until(lambda: self.language(key) == language, f"{key}'s phone in {language}")

    # ----------------------------------------------------------------- the path

    def consent(self) -> None:
        anna = people.ANNA.key
        self.retry(
            lambda: self.phone(anna).find_element(By.CSS_SELECTOR, "button.open-link").click()
        )
        self.answer(
            anna, ["Yes", "6 months (suggested)", "Yes, I agree"], lambda: self.step_done("consent")
        )

    def case_ref(self) -> str:
        words = (word.strip(".,:\u2068\u2069") for word in self.chat(people.ANNA.key).split())
        return next(word for word in words if word.startswith("K-"))  # marks of Arabic text

    def request(self) -> None:
        sofia = people.SOFIA.key
        self.command(sofia, "/gfi")
        self.answer(
            sofia,
            [
                self.case_ref(),
                "Alcohol",
                people.UNITS[people.CLINIC][0],
                "Mornings",
                "Done ✔",
                "Send request",
            ],
            lambda: self.step_done("request"),
            typed="Wants help with housing and drinking less.",
        )

    def assign(self) -> None:
        rikard = people.RIKARD.key
        self.press(rikard, "Open request")
        self.press(rikard, "Assign to me")
        self.wait_step("assign")

    def propose(self) -> None:
        sofia = people.SOFIA.key
        self.press(sofia, "Propose times")
        clinic = people.UNITS[people.CLINIC]
        self.answer(
            sofia,
            ["10:00", "No, that is all", "1 hour", f"{clinic[0]}, {clinic[3]}"],
            lambda: self.step_done("propose"),
        )

    def agree(self) -> None:
        rikard = people.RIKARD.key
        self.press(rikard, "Answer the times")
        self.press(rikard, "✓ 1", literal=True)
        self.wait_step("agree")

    def confirm(self) -> None:
        self.press(people.ANNA.key, "I'll come")
        self.wait_step("confirm")

    def prepare(self) -> None:
        anna = people.ANNA.key
        self.press(anna, "Get ready now")
        send = self.label(anna, "Send to {name}").format(name=people.SOFIA.name)
        self.answer(
            anna,
            [
                "Continue ▶",
                "Housing",
                "To hear what the units can offer",
                "Nothing special",
                "Here in the chat",
                "Done ✔",
                send,
                "Save my answers",
                "Skip",
            ],
            lambda: self.step_done("prepare"),
            typed="Ok",
        )

    def end_meeting(self) -> str:
        note = self.move(Move.MEETING_END)
        self.wait_step("ended")
        return note

    def outcome(self) -> None:
        sofia = people.SOFIA.key
        self.command(sofia, "/meetings")
        self.until(lambda: any(b.text.startswith("📋") for b in self._buttons(sofia)), "a card")
        card = next(b for b in self._buttons(sofia) if b.text.startswith("📋"))
        self._click_and_settle(sofia, card)
        self.press(sofia, "Record outcome")
        self.press(sofia, "It was held")
        self.answer(sofia, ["Nothing further", "Done ✔"], lambda: self.step_done("outcome"))

    def survey(self) -> None:
        anna = people.ANNA.key
        self.move(Move.HOUR)
        self.press(anna, "Answer the questions")
        self.answer(
            anna,
            ["Continue ▶", "🙂", "Skip", "I am answering myself"],
            lambda: self.step_done("survey"),
        )

    def results(self) -> None:
        self.command(people.SOFIA.key, "/results")
        self.wait_step("results")

    def walk(self, after: Callable[[str], None] | None = None) -> None:
        """The whole path; ``after(step)`` runs once each step is ticked."""
        for step, act in (
            ("consent", self.consent),
            ("request", self.request),
            ("assign", self.assign),
            ("propose", self.propose),
            ("agree", self.agree),
            ("confirm", self.confirm),
            ("prepare", self.prepare),
            ("ended", self.end_meeting),
            ("outcome", self.outcome),
            ("survey", self.survey),
            ("results", self.results),
        ):
            act()
            self.wait_step(step)
            if after is not None:
                after(step)
