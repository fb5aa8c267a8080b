"""Keeps the catalogs in step with the code: ``python -m bot.i18n_catalogs update|compile``.

``update`` extracts ``locales/messages.pot``, merges it into every language's ``.po``, takes
translations waiting in ``locales/<lang>/incoming/*.json`` ({msgid: msgstr}; for a plural message
{singular msgid: [form, ...]} in the catalog's order), and fills English, the source language,
with the source text itself. ``compile`` builds the ``.mo`` files.

In a right-to-left language every ``{placeholder}`` and /command of a translation is set between
FSI and PDI as it is merged (see :mod:`bot.platform.i18n`), so translators never type them.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from bot.platform.i18n import DOMAIN, FSI, LANGUAGE_NAMES, LOCALES_DIR, PDI

ROOT = LOCALES_DIR.parent
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"
# A placeholder, or a command not inside a path or link; each with any marks already around it.
ISOLATABLE = re.compile(FSI + r"?(\{[A-Za-z_]\w*\}|(?<![\w/:.])/[a-z][a-z_]*\b(?!/))" + PDI + "?")


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])  # type: ignore[no-untyped-call]


def po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def update() -> None:
    _babel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        "-k",
        "N_",
        "-k",
        "N_plural:1,2",
        "-k",
        "counted:1,2",
        "--no-location",
        "--sort-output",
        "--project=samordna",
        "-o",
        str(TEMPLATE),
        str(ROOT),
    )
    for language in LANGUAGE_NAMES:
        path = po_path(language)
        if path.exists():
            _babel(
                "update",
                "-i",
                str(TEMPLATE),
                "-o",
                str(path),
                "-l",
                language,
                "--no-fuzzy-matching",
                "--ignore-obsolete",
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            _babel("init", "-i", str(TEMPLATE), "-o", str(path), "-l", language)
        _merge_incoming(path, language)


def isolate_values(text: str) -> str:
    """Placeholders and commands between FSI and PDI; marks already there are not doubled."""
    return ISOLATABLE.sub(lambda match: f"{FSI}{match.group(1)}{PDI}", text)


def _merge_incoming(path: Path, language: str) -> None:
    with path.open("rb") as handle:
        catalog: Catalog = read_po(handle, locale=language)
    incoming: dict[str, str | list[str]] = {}
    for extra in sorted((LOCALES_DIR / language / "incoming").glob("*.json")):
        incoming.update(json.loads(extra.read_text(encoding="utf-8")))
    if Locale.parse(language).text_direction == "rtl":
        incoming = {
            key: isolate_values(value)
            if isinstance(value, str)
            else [isolate_values(form) for form in value]
            for key, value in incoming.items()
        }
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            _merge_plural(message, incoming, language, catalog.num_plurals)
        elif isinstance(found := incoming.get(str(message.id)), str):
            message.string = found
        elif language == "en" and not message.string:
            message.string = message.id
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, omit_header=False)


def _merge_plural(
    message: Message, incoming: dict[str, str | list[str]], language: str, forms: int
) -> None:
    """A plural message is keyed by its singular; its value lists the forms in catalog order."""
    singular, plural = str(message.id[0]), str(message.id[1])
    found = incoming.get(singular)
    if isinstance(found, list) and len(found) == forms:
        message.string = tuple(found)
    elif language == "en" and not any(message.string or ()):
        message.string = (singular, plural)


def compile_all() -> None:
    _babel("compile", "-d", str(LOCALES_DIR), "-D", DOMAIN, "--statistics")


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    if argv[:1] == ["compile"]:
        compile_all()
        return 0
    print("usage: python -m bot.i18n_catalogs update|compile", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
