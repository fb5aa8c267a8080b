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
from dataclasses import dataclass
from functools import lru_cache, reduce
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
LANGUAGE_NAMES: dict[str, str] = {"sv": "Svenska", "en": "English", "ar": "العربية"}
FSI = "\u2068"  # FIRST STRONG ISOLATE: the isolated text takes the direction of its first letter.
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE: ends the isolate.
DEFAULT_TZ = ZoneInfo("Europe/Stockholm")

# The few date formats every screen uses, so that a date reads the same everywhere.
DATE = "d MMMM y"
WEEKDAY = "EEEE d MMMM"
SHORT_DAY = "EEE d MMM"
MONTH = "MMMM y"
SHORT_MONTH = "MMM y"
DATETIME = "EEEE d MMMM HH:mm"
SHORT_DATETIME = "EEE d MMM HH:mm"
DATE_TIME = "d MMMM y HH:mm"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


@dataclass(frozen=True)
class Plural:
    """A count's message kept in data: both English forms, translated when shown."""

    singular: str
    plural: str


def N_plural(singular: str, plural: str) -> Plural:
    """Mark a plural message for extraction without translating it yet."""
    return Plural(singular, plural)


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

    def counted(self, singular: str, plural: str, n: float, **fields: object) -> str:
        """A count in the form the language wants ("1 svar", "2 svar"); ``{n}`` is the count
        written in the reader's locale unless given in ``fields``."""
        whole = int(n) if float(n).is_integer() else 2  # a fraction reads as plural
        values: dict[str, object] = {"n": format_decimal(n, locale=self._babel_locale)}
        values.update(fields)
        return self.ngettext(singular, plural, whole).format(**values)

    def counted_marked(self, message: Plural, n: float, **fields: object) -> str:
        """As ``counted``, for a plural kept in data with ``N_plural``."""
        return self.counted(message.singular, message.plural, n, **fields)

    def date(self, day: dt.date | dt.datetime, fmt: str = DATE) -> str:
        """A day as every screen writes it: "27 maj 2027"."""
        if isinstance(day, dt.datetime):
            day = day.astimezone(self.tz).date()
        return format_date(day, fmt, locale=self._babel_locale)

    def weekday(self, day: dt.date | dt.datetime) -> str:
        """A day in the weeks ahead, where the weekday helps: "torsdag 27 maj"."""
        return self.date(day, WEEKDAY)

    def short_day(self, day: dt.date | dt.datetime) -> str:
        """A day on a button: "tors 27 maj"."""
        return self.date(day, SHORT_DAY)

    def month(self, day: dt.date | dt.datetime, *, short: bool = False) -> str:
        """A month of a report: "maj 2027" , or "jan. 2027" where space is short."""
        return self.date(day, SHORT_MONTH if short else MONTH)

    def datetime(self, moment: dt.datetime, fmt: str = DATETIME) -> str:
        """A meeting's time: "torsdag 27 maj 14:00"."""
        return format_datetime(moment, fmt, tzinfo=self.tz, locale=self._babel_locale)

    def short_datetime(self, moment: dt.datetime) -> str:
        """A time on a button or in a list: "tors 27 maj 14:00"."""
        return self.datetime(moment, SHORT_DATETIME)

    def date_time(self, moment: dt.datetime) -> str:
        """A moment further away, with its year: "27 maj 2027 14:00"."""
        return self.datetime(moment, DATE_TIME)

    def time(self, moment: dt.datetime | dt.time, fmt: str = "HH:mm") -> str:
        if isinstance(moment, dt.datetime):
            return format_time(moment, fmt, tzinfo=self.tz, locale=self._babel_locale)
        return format_time(moment, fmt, locale=self._babel_locale)

    def join(self, names: Iterable[str], *, either: bool = False) -> str:
        """Names in one line: "A, B och C" ("A, B eller C" with ``either``); when a name has a
        comma in it, every pair is joined with the word, so that "Vuxenpsykiatri, öppenvård
        Norr" cannot be read as two units. In a right-to-left language each name is isolated,
        so a Latin name keeps its own order inside the Arabic line."""
        items = [self.isolate(name) for name in names]
        if not items:
            return ""
        style: Literal["or", "standard"] = "or" if either else "standard"
        if not any("," in name for name in items):
            return format_list(items, style=style, locale=self._babel_locale)
        pair: str = self._babel_locale.list_patterns[style]["2"]
        return reduce(lambda joined, name: pair.format(joined, name), items[1:], items[0])

    def labels(self, labels: Iterable[str]) -> str:
        """Chosen answers in a summary line, compact for scanning: "Boende, Pengar" (the
        Arabic comma in Arabic). Labels are the reader's own language, so none is isolated."""
        return ("، " if self.locale == "ar" else ", ").join(labels)

    @property
    def rtl(self) -> bool:
        return self._babel_locale.text_direction == "rtl"

    def isolate(self, text: str) -> str:
        """A value joined into this language's text by code, kept from scrambling it: between
        FSI and PDI in a right-to-left language, unchanged otherwise."""
        return isolate(text) if self.rtl else text


@lru_cache(maxsize=32)
def translator(locale: str, tz_name: str = "Europe/Stockholm") -> Translator:
    return Translator(locale, ZoneInfo(tz_name))
