"""Headless Chromium for the playground's browser tests and screenshots.

Only a browser already on this machine is used (Debian's ``chromium`` and ``chromium-driver``):
the driver's path is given to Selenium, so Selenium Manager never runs and nothing downloads
a browser of its own. Selenium is a development dependency, imported here only.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVERS = ("chromedriver",)
DRIVER_PLACES = (Path("/usr/bin/chromedriver"), Path("/usr/lib/chromium/chromedriver"))
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
INSTALL = "apt-get install -y chromium chromium-driver"


@dataclass(frozen=True)
class Found:
    browser: str
    driver: str


def find() -> Found | None:
    """The Chromium and its driver on this machine, or None."""
    browser = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    driver = next((path for name in DRIVERS if (path := shutil.which(name))), None)
    if driver is None:
        driver = next((str(p) for p in DRIVER_PLACES if p.is_file()), None)
    if browser is None or driver is None:
        return None
    return Found(browser, driver)


def missing_reason() -> str | None:
    if find() is None:
        return f"no Chromium with chromedriver on this machine ({INSTALL})"
    return None


def open_chromium(
    found: Found, profile: Path, *, width: int = 1920, height: int = 1080, language: str = "sv"
) -> webdriver.Chrome:
    """A headless Chromium with a fresh profile in ``profile``."""
    os.environ["SE_OFFLINE"] = "true"  # belt and braces: Selenium Manager must not download
    options = webdriver.ChromeOptions()
    options.binary_location = found.browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument(f"--lang={language}")
    return webdriver.Chrome(service=Service(executable_path=found.driver), options=options)
