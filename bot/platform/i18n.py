"""Every user-facing string goes through here: Babel catalogs, and Babel's date formatting.

Source strings are English; ``N_`` marks strings kept in data (flow steps, option labels) so that
``pybabel extract`` finds them, and they are translated when shown, in the reader's language.

Arabic is written right to left. Values set into Arabic sentences (case references, phone
numbers, unit names, times) are isolated between FSI and PDI so that the bidirectional
algorithm lays them out on their own and they do not scramble the sentence around them: the
catalog tooling wraps every ``{placeholder}`` and /command in the Arabic catalog, and
:meth:`Translator.isolate` wraps what code joins into such text itself.

Digits stay Western (0-9) in Arabic, as in Babel's plain ``ar`` locale and in the Arabic material
of Swedish authorities: a phone number or a time then looks the same as on a letter, a web
page or a sign in Sweden, and 112 is 112 everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
LANGUAGE_NAMES: dict[str, str] = {"sv": "Svenska", "en": "English", "ar": "العربية"}
FSI = "\u2068"  # FIRST STRONG ISOLATE: the isolated text takes the direction of its first letter.
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE: ends the isolate.
LIST_SEPARATORS = {"ar": "، "}  # the Arabic comma; ", " elsewhere
DEFAULT_TZ = ZoneInfo("Europe/Stockholm")


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


@lru_cache(maxsize=16)
def _catalog(locale: str) -> NullTranslations:
    return Translations.load(str(LOCALES_DIR), [locale], domain=DOMAIN)


def isolate(text: str) -> str:
    """``text`` between FSI and PDI, whatever the reader's language: for text of unknown
    direction, such as what a person wrote, set into a line of another language."""
    if not text or (text.startswith(FSI) and text.endswith(PDI)):
        return text
    return f"{FSI}{text}{PDI}"


def pick_locale(candidate: str | None, default: str = "sv") -> str:
    """Map a Telegram ``language_code`` such as ``en-GB`` to a language we speak."""
    if candidate:
        base = candidate.replace("_", "-").split("-")[0].lower()
        if base in LANGUAGE_NAMES:
            return base
    return default


class Translator:
    """The strings and date formats of one language, in one time zone."""

    def __init__(self, locale: str, tz: ZoneInfo = DEFAULT_TZ) -> None:
        self.locale = locale
        self.tz = tz
        self._catalog = _catalog(locale)
        self._babel_locale = Locale.parse(locale)

    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    def datetime(self, moment: dt.datetime, fmt: str = "EEEE d MMMM HH:mm") -> str:
        return format_datetime(moment, fmt, tzinfo=self.tz, locale=self._babel_locale)

    def date(self, day: dt.date | dt.datetime, fmt: str = "EEEE d MMMM") -> str:
        if isinstance(day, dt.datetime):
            day = day.astimezone(self.tz).date()
        return format_date(day, fmt, locale=self._babel_locale)

    def time(self, moment: dt.datetime | dt.time, fmt: str = "HH:mm") -> str:
        if isinstance(moment, dt.datetime):
            return format_time(moment, fmt, tzinfo=self.tz, locale=self._babel_locale)
        return format_time(moment, fmt, locale=self._babel_locale)

    @property
    def rtl(self) -> bool:
        return self._babel_locale.text_direction == "rtl"

    def join(self, items: Iterable[str]) -> str:
        """Items of a list in a line of this language, separated by its comma."""
        return LIST_SEPARATORS.get(self.locale, ", ").join(items)

    def isolate(self, text: str) -> str:
        """A value joined into this language's text by code, kept from scrambling it: between
        FSI and PDI in a right-to-left language, unchanged otherwise."""
        return isolate(text) if self.rtl else text


@lru_cache(maxsize=32)
def translator(locale: str, tz_name: str = "Europe/Stockholm") -> Translator:
    return Translator(locale, ZoneInfo(tz_name))
