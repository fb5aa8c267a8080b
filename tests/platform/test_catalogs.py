"""Every message id used in code has a translation in every catalog, and catalogs compile."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.platform import catalogs
from bot.platform.config import SUPPORTED_LOCALES
from bot.platform.i18n import FSI, LANGUAGE_NAMES, LOCALES_DIR, PDI, pick_locale, translator

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _ids_in_code() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "flows", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords=KEYWORDS, comment_tags=()
        ):
            if isinstance(message, tuple):
                found.update(m for m in message if m)
            elif message:
                found.add(message)
    return found


@pytest.mark.parametrize("language", sorted(LANGUAGE_NAMES))
def test_every_message_in_code_is_translated(language: str) -> None:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(_ids_in_code() - translated)
    assert missing == [], f"{len(missing)} message(s) lack a {language} translation: {missing[:5]}"


def test_compiled_catalogs_are_used() -> None:
    assert translator("sv").gettext("Skip") == "Hoppa över"
    assert translator("en").gettext("Skip") == "Skip"


def test_placeholders_survive_translation() -> None:
    path = LOCALES_DIR / "sv" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="sv")
    for message in catalog:
        if not message.id or not message.string or isinstance(message.id, tuple):
            continue
        fields = {part.split("}")[0] for part in str(message.id).split("{")[1:]}
        for name in fields:
            assert "{" + name + "}" in str(message.string), f"{message.id!r} lost {{{name}}}"


def _catalog_messages(language: str) -> list[tuple[str, str]]:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return [
        (str(m.id), str(m.string))
        for m in catalog
        if m.id and m.string and not isinstance(m.id, tuple)
    ]


def test_arabic_keeps_every_placeholder_between_direction_marks() -> None:
    """A case reference or a phone number set into Arabic text stays in one piece only when it
    is isolated; the tooling adds the marks, so every translated placeholder must have them."""
    for msgid, msgstr in _catalog_messages("ar"):
        names = set(re.findall(r"\{(\w*)\}", msgid))
        for name in names:
            isolated = f"{FSI}{{{name}}}{PDI}"
            assert isolated in msgstr, f"{msgid!r}: {{{name}}} missing or not isolated"
        bare = re.sub(f"{FSI}\\{{\\w*\\}}{PDI}", "", msgstr)
        assert "{" not in bare, f"{msgid!r}: a placeholder outside direction marks"
        assert FSI + FSI not in msgstr, f"{msgid!r}: marks doubled"


def test_arabic_isolates_the_commands_it_names() -> None:
    """'/help' inside right-to-left text would otherwise be shown as 'help/'."""
    for msgid, msgstr in _catalog_messages("ar"):
        for command in re.findall(r"(?<![\w/:.])/[a-z][a-z_]*\b(?!/)", msgid):
            assert f"{FSI}{command}{PDI}" in msgstr, f"{msgid!r}: {command} not isolated"


def test_isolating_twice_changes_nothing() -> None:
    once = catalogs.isolate_values("اكتب /help أو {name}، https://example.se/help")
    assert once == f"اكتب {FSI}/help{PDI} أو {FSI}{{name}}{PDI}، https://example.se/help"
    assert catalogs.isolate_values(once) == once


def test_arabic_is_chosen_from_telegram_and_speaks_arabic() -> None:
    assert pick_locale("ar-SA") == "ar"
    assert pick_locale("ar") == "ar"
    tr = translator("ar")
    assert tr.rtl
    assert tr.gettext("Skip") == "تخطي"
    assert tr.isolate("GFI-2027-0042") == f"{FSI}GFI-2027-0042{PDI}"
    assert translator("sv").isolate("GFI-2027-0042") == "GFI-2027-0042"


def test_arabic_dates_and_times_use_western_digits_in_stockholm_time() -> None:
    """Babel's plain ``ar`` locale writes 0-9; the time is Stockholm's (UTC+1 in winter)."""
    tr = translator("ar")
    moment = dt.datetime(2027, 1, 14, 13, 5, tzinfo=dt.UTC)
    assert tr.time(moment) == "14:05"
    assert tr.datetime(moment) == "الخميس 14 يناير 14:05"
    assert tr.date(moment) == "الخميس 14 يناير"


def test_every_language_offered_can_be_the_default_and_arabic_has_six_plural_forms() -> None:
    assert set(SUPPORTED_LOCALES) == set(LANGUAGE_NAMES)
    path = LOCALES_DIR / "ar" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="ar")
    assert catalog.num_plurals == 6
    assert catalog.plural_expr.startswith("(n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2")


def test_lists_in_arabic_take_the_arabic_comma() -> None:
    assert translator("ar").join(["أ", "ب"]) == "أ، ب"
    assert translator("sv").join(["a", "b"]) == "a, b"
