"""The HTML report as a unit head sees it, in headless Chromium: the title, the tables' headers
and the "too few" markings, a screenshot that is a real picture, and right-to-left layout for
a right-to-left language."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from bot.chat.turn import Services
from bot.platform.clock import ManualClock
from bot.platform.i18n import Translator, translator
from bot.survey import report as reports
from bot.survey import report_chart, report_formats
from tests.survey.test_report_documents import thin_february

if TYPE_CHECKING:  # Selenium is loaded only once the browser is known to be there
    from selenium.webdriver import Chrome

    from bot.demo.playground.browser import Found


def open_page(
    found: Found, tmp_path: Path, report: reports.Report, tr: Translator
) -> tuple[Chrome, Path]:
    from bot.demo.playground.browser import open_chromium

    page = tmp_path / f"report-{tr.locale}.html"
    png = report_chart.render_png(report, tr)
    page.write_text(report_formats.html_page(report, tr, png), encoding="utf-8")
    driver = open_chromium(
        found, tmp_path / f"profile-{tr.locale}", width=1280, height=900, language=tr.locale
    )
    driver.get(page.as_uri())
    return driver, tmp_path / f"report-{tr.locale}.png"


def check_screenshot(driver: Chrome, path: Path) -> None:
    """A PNG of the window's size with a picture in it: many colours, not one blank field."""
    assert driver.save_screenshot(str(path))
    with Image.open(path) as shot:
        assert shot.format == "PNG"
        assert shot.size[0] >= 1000 and shot.size[1] >= 600
        colours = shot.convert("RGB").getcolors(maxcolors=1_000_000) or []
        assert len(colours) > 50
        most = max(count for count, _colour in colours)
        assert most < 0.95 * shot.size[0] * shot.size[1]


def texts(driver: Chrome, selector: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, selector)]


async def test_the_html_report_in_chromium(
    services: Services, clock: ManualClock, chromium: Found, tmp_path: Path
) -> None:
    report = await thin_february(services, clock)
    driver, shot = open_page(chromium, tmp_path, report, services.tr("en"))
    try:
        assert driver.title == "Participation after shared meetings"
        assert texts(driver, "h1")[0] == "Participation after shared meetings"
        assert texts(driver, "h2")[:2] == ["Per question", "Month by month"]
        headers = texts(driver, "table:nth-of-type(2) th")
        assert headers[:3] == ["Month", "n", "Meetings"]
        rows = texts(driver, "table:nth-of-type(2) tr")
        assert "February 2026 Too few answers to show" in rows
        assert any(row.startswith("January 2026 6 6 0") for row in rows)
        assert "too few to show" in " ".join(texts(driver, "td"))
        image = driver.execute_script(
            "const i = document.querySelector('img'); return [i.complete, i.naturalWidth];"
        )
        assert image == [True, 1100]  # the chart decoded, not a broken-image icon
        direction = "return getComputedStyle(document.documentElement).direction"
        assert driver.execute_script(direction) == "ltr"
        check_screenshot(driver, shot)
    finally:
        driver.quit()


async def test_a_right_to_left_language_lays_the_report_out_from_the_right(
    services: Services, clock: ManualClock, chromium: Found, tmp_path: Path
) -> None:
    report = await thin_february(services, clock)
    arabic = translator("ar")
    assert arabic.rtl
    driver, shot = open_page(chromium, tmp_path, report, arabic)
    try:
        from selenium.webdriver.common.by import By

        root = driver.find_element(By.TAG_NAME, "html")
        assert (root.get_attribute("lang"), root.get_attribute("dir")) == ("ar", "rtl")
        direction = "return getComputedStyle(document.documentElement).direction"
        assert driver.execute_script(direction) == "rtl"
        first, *_rest, last = driver.find_elements(By.CSS_SELECTOR, "table:nth-of-type(2) th")
        assert first.rect["x"] > last.rect["x"]  # the month column is on the right
        # The title's text, not its box (a heading is as wide as the page), ends on the right.
        edges = driver.execute_script(
            "const h = document.querySelector('h1'); const r = document.createRange();"
            "r.selectNodeContents(h); const t = r.getBoundingClientRect();"
            "const b = document.body.getBoundingClientRect();"
            "return [t.left - b.left, b.right - t.right];"
        )
        assert edges[1] < 2 < edges[0]
        check_screenshot(driver, shot)
    finally:
        driver.quit()
