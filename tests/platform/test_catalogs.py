"""Every message id used in code has a translation in every catalog, and catalogs compile."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.platform.i18n import LANGUAGE_NAMES, LOCALES_DIR, translator

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
