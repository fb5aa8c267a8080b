"""Settings from the environment (prefix ``SAMORDNA_``) and an optional ``.env`` file.

One object so that every part of the program reads the same, validated values; a bad value
stops the program with one line naming the setting (see :func:`load_settings`).
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from bot.platform import settings_input

SUPPORTED_LOCALES: tuple[str, ...] = ("sv", "en", "ar")
LOG_LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
WEBHOOK_SECRET_MIN = 32
_WEBHOOK_SECRET = re.compile(rf"[A-Za-z0-9_-]{{{WEBHOOK_SECRET_MIN},256}}")
# The form a person should write, named in the error line when a value is wrong.
FORMS: dict[str, str] = {
    "reminder_offsets_hours": "whole hours before the meeting, separated by commas, like 24,2",
    "distribution_days": "weekdays separated by commas, like mon,thu",
    "log_level": "one of " + ", ".join(LOG_LEVELS),
}
ReminderHours = Annotated[int, Field(ge=1, le=720)]


class Mode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SAMORDNA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = None
    api_base_url: str = "https://api.telegram.org/bot"
    api_base_file_url: str | None = None
    data_dir: Path = Path("data")
    database_url: str | None = None
    timezone: str = "Europe/Stockholm"
    default_locale: str = "sv"
    mode: Mode = Mode.POLLING
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    key_file: Path | None = None
    concurrent_updates: int = Field(default=32, ge=1, le=512)
    dispatch_interval: float = Field(default=2.0, gt=0, le=60)
    log_level: str = "INFO"
    # staff, units, individuals and consent
    retention_days: int = Field(default=30, ge=0, le=3650)
    staff_invite_days: int = Field(default=7, ge=1, le=365)
    individual_invite_days: int = Field(default=14, ge=1, le=365)
    bot_username: str | None = None
    # preparation (förmöte)
    preparation_reminder_days: int = Field(default=3, ge=1, le=14)
    preparation_reminders: int = Field(default=2, ge=0, le=2)
    preparation_reminder_hour: int = Field(default=10, ge=7, le=20)
    # participation survey (SIP-kollen)
    survey_delay_minutes: int = Field(default=0, ge=0, le=1440)
    survey_reminder_days: int = Field(default=2, ge=1, le=30)
    survey_expiry_days: int = Field(default=14, ge=1, le=90)
    survey_min_group_size: int = Field(default=5, ge=3, le=1000)
    # follow-up nudges and the outbox
    quiet_hours_start: time = time(20, 0)
    quiet_hours_end: time = time(9, 0)
    nudge_daily_cap: int = Field(default=3, ge=1, le=100)
    reminder_offsets_hours: Annotated[tuple[ReminderHours, ...], NoDecode] = (24, 2)
    staff_day_start: time = time(8, 0)
    staff_day_end: time = time(17, 0)
    staff_nudge_time: time = time(9, 0)
    individual_nudge_time: time = time(10, 0)
    sip_followup_staff_days: int = Field(default=7, ge=2, le=60)
    sip_followup_individual_days: int = Field(default=3, ge=1, le=30)
    transition_check_days: int = Field(default=14, ge=1, le=365)
    transition_answer_days: int = Field(default=3, ge=1, le=30)
    transition_unit_days: int = Field(default=5, ge=1, le=30)  # working days
    transition_escalate_days: int = Field(default=3, ge=1, le=30)  # working days
    consent_expiry_notice_days: int = Field(default=14, ge=1, le=90)
    outbox_batch_size: int = Field(default=100, ge=1, le=1000)
    outbox_concurrency: int = Field(default=8, ge=1, le=64)
    outbox_lease_seconds: float = Field(default=120.0, ge=1)
    outbox_max_attempts: int = Field(default=5, ge=1, le=50)
    outbox_retry_seconds: float = Field(default=30.0, gt=0)
    outbox_retry_max_seconds: float = Field(default=3600.0, gt=0)
    outbox_send_timeout: float = Field(default=30.0, gt=0, le=120)
    outbox_max_retry_after: float = Field(default=60.0, ge=0, le=3600)
    outbox_rate_limit: int = Field(default=30, ge=1, le=10000)
    chat_send_gap: float = Field(default=1.0, ge=0, le=60)
    # the inbox: updates stored before Telegram is told they arrived
    inbox_lease_seconds: float = Field(default=15.0, ge=0.5, le=600)
    inbox_retention_hours: float = Field(default=1.0, ge=0, le=720)
    inbox_sweep_seconds: float = Field(default=1.0, gt=0, le=3600)
    # GFI booking: distribution of requests to the units
    distribution_days: str = Field(
        default="mon,thu",
        pattern=r"^(mon|tue|wed|thu|fri|sat|sun)(,(mon|tue|wed|thu|fri|sat|sun))*$",
    )
    distribution_time: time = time(8, 0)
    distribution_flag_after_days: int = Field(default=7, ge=1, le=90)
    # the operator's port: /healthz, /readyz and /metrics (off unless a port is set)
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_listen: str = "127.0.0.1"
    ready_max_lag_seconds: float = Field(default=60.0, ge=0)
    # the browser playground (always on 127.0.0.1)
    playground_port: int = Field(default=8080, ge=1, le=65535)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("reminder_offsets_hours", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return settings_input.split_list(value)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError("not a log level")
        return level

    @field_validator("api_base_url", "api_base_file_url", "webhook_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local server)")
        return value

    @field_validator("default_locale")
    @classmethod
    def _supported_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> Settings:
        if self.mode is Mode.WEBHOOK and not self.webhook_url:
            raise ValueError("SAMORDNA_WEBHOOK_URL is required when SAMORDNA_MODE=webhook")
        return self

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        """Without the secret anyone who finds the address could post updates as any user."""
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if self.mode is Mode.WEBHOOK and not _WEBHOOK_SECRET.fullmatch(secret):
            raise ValueError(
                f"SAMORDNA_WEBHOOK_SECRET: SAMORDNA_MODE=webhook needs a secret of at least "
                f"{WEBHOOK_SECRET_MIN} characters from A-Z, a-z, 0-9, _ and - "
                f"(for example the output of: openssl rand -hex 32)"
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'samordna.db').as_posix()}"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or self.data_dir / "secret.key"

    @property
    def resolved_file_url(self) -> str:
        if self.api_base_file_url:
            return self.api_base_file_url
        base = self.api_base_url.rstrip("/")
        root, _, last = base.rpartition("/")
        return f"{root}/file/{last}"

    @property
    def token(self) -> str | None:
        return self.telegram_token.get_secret_value() if self.telegram_token else None


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one line per bad setting that names it
    and the form expected."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError("\n".join(settings_input.error_lines(exc, FORMS))) from None
    except SourceError as exc:
        raise SettingsError(settings_input.source_line(exc, FORMS)) from None
