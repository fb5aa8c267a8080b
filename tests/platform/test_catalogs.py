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
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "N_plural": (1, 2),
    "counted": (1, 2),
}


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
    translated: set[str] = set()
    for m in catalog:
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, tuple):
            if all(m.string or ()):
                translated.update(str(part) for part in m.id)
        elif m.string:
            translated.add(str(m.id))
    missing = sorted(_ids_in_code() - translated)
    assert missing == [], f"{len(missing)} message(s) lack a {language} translation: {missing[:5]}"


def test_compiled_catalogs_are_used() -> None:
    assert translator("sv").gettext("Skip") == "Hoppa över"
    assert translator("en").gettext("Skip") == "Skip"


def _fields(text: str) -> set[str]:
    return {part.split("}")[0] for part in text.split("{")[1:]}


@pytest.mark.parametrize("language", sorted(LANGUAGE_NAMES))
def test_placeholders_survive_translation(language: str) -> None:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    for message in catalog:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):
            # Every form keeps the plural's fields ({n} may be left out only where a language
            # writes the number as a word, which neither Swedish nor English does).
            fields = _fields(str(message.id[1]))
            forms = [str(form) for form in message.string]
        else:
            fields = _fields(str(message.id))
            forms = [str(message.string)]
        for form in forms:
            for name in fields:
                assert "{" + name + "}" in form, f"{message.id!r} lost {{{name}}} in {form!r}"


@pytest.mark.parametrize("language", sorted(LANGUAGE_NAMES))
def test_plural_messages_have_every_form(language: str) -> None:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    plurals = [m for m in catalog if m.id and isinstance(m.id, tuple)]
    assert plurals, "the catalog carries no plural message"
    for message in plurals:
        forms = [str(form) for form in message.string or ()]
        assert len(forms) == catalog.num_plurals, f"{message.id!r}: {forms}"
        assert all(forms), f"{message.id!r} lacks a {language} form: {forms}"


@pytest.mark.parametrize(
    ("language", "one", "three"),
    [
        ("sv", "1 av 1 ärende", "2 av 3 ärenden"),
        ("en", "1 of 1 case", "2 of 3 cases"),
    ],
)
def test_counts_take_the_languages_plural_form(language: str, one: str, three: str) -> None:
    tr = translator(language)
    singular, plural = "{part} of {whole} case", "{part} of {whole} cases"
    assert tr.counted(singular, plural, 1, part=1, whole=1) == one
    assert tr.counted(singular, plural, 3, part=2, whole=3) == three


def test_incoming_plural_is_a_list_of_forms_keyed_by_the_singular(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pipeline other languages use: {singular: [form, ...]} fills a plural message."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from bot.platform import catalogs

    catalog = Catalog(locale="sv")
    catalog.add(("{n} answer", "{n} answers"), string=("", ""))
    catalog.add("Skip", string="")
    po = tmp_path / "sv" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as handle:
        write_po(handle, catalog)
    incoming = tmp_path / "sv" / "incoming"
    incoming.mkdir()
    (incoming / "x.json").write_text(
        '{"{n} answer": ["{n} svar", "{n} svar"], "Skip": "Hoppa över"}', encoding="utf-8"
    )
    monkeypatch.setattr(catalogs, "LOCALES_DIR", tmp_path)
    catalogs._merge_incoming(po, "sv")
    with po.open("rb") as handle:
        merged = {m.id: m.string for m in read_po(handle, locale="sv") if m.id}
    assert merged[("{n} answer", "{n} answers")] == ("{n} svar", "{n} svar")
    assert merged["Skip"] == "Hoppa över"


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
    assert tr.weekday(moment) == "الخميس 14 يناير"
    assert tr.date(moment) == "14 يناير 2027"


def test_every_language_offered_can_be_the_default_and_arabic_has_six_plural_forms() -> None:
    assert set(SUPPORTED_LOCALES) == set(LANGUAGE_NAMES)
    path = LOCALES_DIR / "ar" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="ar")
    assert catalog.num_plurals == 6
    assert catalog.plural_expr.startswith("(n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2")


def test_lists_in_arabic_take_the_arabic_word_and_isolate_each_name() -> None:
    assert translator("ar").join(["أ", "ب", "Soc"]) == f"{FSI}أ{PDI} و{FSI}ب{PDI} و{FSI}Soc{PDI}"
    assert translator("sv").join(["a", "b", "c"]) == "a, b och c"
