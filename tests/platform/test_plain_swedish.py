"""One word for each thing in the Swedish catalog, as a person and a social worker read it.

The chosen terms are listed here; a banned variant anywhere in the compiled Swedish catalog
fails the test and names the message it is in, so a new translation cannot bring it back.
"""

from __future__ import annotations

import re

from babel.support import Translations

from bot.platform.i18n import DOMAIN, LOCALES_DIR, translator

# The chosen term, then the variants it replaces (regular expressions) and why.
TERMS: dict[str, dict[str, str]] = {
    "ta tillbaka (samtycket)": {
        r"[Åå]terkall": "one verb for ending consent, the one the person's button says",
    },
    "Sådant händer.": {
        r"\bDet händer\.": "the same comfort after a missed meeting everywhere",
    },
    "slutsamtal": {
        r"[Aa]vslutande möte": "one name for the closing meeting",
        r"[Aa]vslutningsmöte": "one name for the closing meeting",
    },
    "tjänstepersonmöte": {
        r"[Tt]jänstepersonsmöte": "one spelling of the staff-only meeting",
    },
    "ett GFI": {
        r"\ben GFI\b(?!-)": "GFI is neuter everywhere else",
        r"[Bb]egär ett GFI": "staff ask for a GFI with /gfi, 'önska ett GFI'",
    },
    "Gavs {date}": {
        r"\bGivet\b": "a word-for-word 'Given'",
    },
    "nedan": {
        r"\bnedanför\b": "'nedan' is what a Swedish letter says about a button below",
    },
    "inom socialtjänsten eller vården (where a person reads it)": {
        r"någon på en verksamhet": "a person does not know the word 'verksamhet' yet",
        r"be verksamheten om": "the person asks whoever gave them the link",
    },
    "plain Swedish, not translated English": {
        r"Här är du nu": "'here is where you are'",
        r"\bFörlåt\.": "a service apologises with 'Vi ber om ursäkt'",
        r"görs av just dessa": "'is made of exactly these'",
    },
}


def _swedish() -> dict[str, str]:
    """Every Swedish text of the compiled catalog, by the message id (each plural form)."""
    catalog = Translations.load(str(LOCALES_DIR), ["sv"], domain=DOMAIN)
    texts: dict[str, str] = {}
    for key, text in catalog._catalog.items():
        if isinstance(key, tuple):
            texts[f"{key[0]} [form {key[1]}]"] = text
        elif key:
            texts[key] = text
    return texts


def test_the_swedish_catalog_uses_one_word_for_each_thing() -> None:
    texts = _swedish()
    assert len(texts) > 500, "the compiled Swedish catalog is missing"
    found = []
    for chosen, banned in TERMS.items():
        for pattern, why in banned.items():
            for msgid, text in sorted(texts.items()):
                if re.search(pattern, text):
                    found.append(f"{msgid!r}: {pattern!r} instead of {chosen!r} ({why})")
    assert found == [], "\n".join(found)


def test_the_closing_meeting_has_one_name() -> None:
    texts = _swedish()
    closing = {msgid: text for msgid, text in texts.items() if "closing meeting" in msgid}
    assert closing, "no closing meeting in the catalog"
    for msgid, text in closing.items():
        assert "slutsamtal" in text.lower(), f"{msgid!r} → {text!r}"


def test_withdrawing_consent_is_taking_it_back_everywhere() -> None:
    texts = _swedish()
    withdraw = {msgid: text for msgid, text in texts.items() if "withdr" in msgid.lower()}
    assert withdraw, "no withdrawal in the catalog"
    for msgid, text in withdraw.items():
        assert "tillbaka" in text, f"{msgid!r} → {text!r}"


def test_the_term_list_catches_a_banned_variant() -> None:
    """The check itself works: a sentence with a banned variant is caught."""
    patterns = [pattern for banned in TERMS.values() for pattern in banned]
    assert any(re.search(p, "Ditt samtycke är återkallat.") for p in patterns)
    assert not any(re.search(p, "Du har tagit tillbaka ditt samtycke.") for p in patterns)


def test_the_word_verksamhet_is_explained_where_a_person_first_reads_it() -> None:
    """The consent's first screen names the units, then says what "verksamheterna" means."""
    first = translator("sv").gettext(
        "{units} want to work together with you. I am Samordna, and I help with the meetings."
    )
    assert "Med verksamheterna menar jag" in first
    assert "socialtjänsten och vården" in first
