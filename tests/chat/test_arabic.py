"""Arabic over the real application and the Bot API double: chosen from Telegram's language,
switched to and from with /language, and values set into Arabic text kept in one piece."""

from __future__ import annotations

import pytest

from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from bot.platform.i18n import FSI, PDI
from tests.conftest import RunningBot
from tests.people.test_consent_flow import invite_link

LAYLA = 4_242_001
CLINIC = "Beroendemottagning Rådmannen"
SOCIAL = "Socialtjänst Innerstaden"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Outbox rows wait for the test to send them, so nothing goes out behind its back."""
    return settings.model_copy(update={"dispatch_interval": 60.0})


def iso(value: str) -> str:
    return f"{FSI}{value}{PDI}"


async def test_a_telegram_user_in_arabic_is_asked_in_arabic_and_can_switch(
    running_bot: RunningBot,
) -> None:
    layla = running_bot.double.user(LAYLA, first_name="Layla", language_code="ar-SA")
    first = await layla.say("/start")
    assert first.text == "بأي لغة تريد أن أكتب لك؟"
    assert first.button_texts == ["Svenska", "English", "✓ العربية"]
    chosen = await layla.click("✓ العربية")
    assert chosen is not None
    assert chosen.text.startswith("سأكتب لك بالعربية من الآن فصاعدًا.")
    assert "أنا Samordna. " in chosen.text

    help_text = (await layla.say("/help")).text
    assert help_text.startswith("ما يمكنني فعله:\n")
    assert f"{iso('/prepare')} – التحضير قبل الاجتماع" in help_text
    assert "اتصل بالرقم 112." in help_text

    menu = await layla.say("/language")
    assert menu.button_texts == ["Svenska", "English", "✓ العربية"]
    await layla.click("Svenska")
    assert (await layla.say("/help")).text.startswith("Det här kan jag:")
    menu = await layla.say("/language")
    assert menu.button_texts == ["✓ Svenska", "English", "العربية"]
    back = await layla.click("العربية")
    assert back is not None and back.text == "سأكتب لك بالعربية من الآن فصاعدًا."
    assert (await layla.say("/help")).text.startswith("ما يمكنني فعله:")


async def test_an_arabic_speaker_gives_consent_and_reads_case_units_and_phones_intact(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    token, case_ref = await invite_link(running_bot, clock)
    layla = running_bot.double.user(LAYLA, "Layla", language_code="ar")
    ask = await layla.say(f"/start {token}")
    assert ask.text.startswith(f"تريد {iso(f'{iso(CLINIC)} و{iso(SOCIAL)}')} العمل معك.")
    phones = f"{iso(f'{CLINIC} 040-33 10 00')} أو {iso(f'{SOCIAL} 040-34 10 00')}"
    assert ask.text.endswith(f"هل لديك أسئلة؟ اتصل بـ {iso(phones)}.")
    assert f"في أي وقت عبر {iso('/consent')}." in ask.text
    assert ask.button_texts == ["نعم", "لا، شكرًا", "أخبرني المزيد"]

    for _part in range(4):
        step = await layla.click("نعم")
        assert step is not None
    summary = await layla.click("6 أشهر (مقترح)")
    assert summary is not None
    assert summary.text.startswith("هذا ما توافق عليه:")
    assert f"من: {iso(f'{iso(CLINIC)} و{iso(SOCIAL)}')}" in summary.text
    done = await layla.click("نعم، أوافق")
    assert done is not None
    assert f"رقم ملفك هو {iso(case_ref)}." in done.text

    listing = await layla.say("/mydata")
    assert listing.text.startswith("هذا كل ما أحفظه عنك:")
    assert f"• رقم ملفك: {iso(case_ref)}." in listing.text
    assert f"• لغتك: {iso('العربية')}" in listing.text
    assert f"• رقم حسابك على Telegram: {iso(str(LAYLA))}" in listing.text
    for text in (ask.text, summary.text, done.text, listing.text):
        assert "{" not in text and "}" not in text
