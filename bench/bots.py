"""Starting either bot against a Bot API double, each in its own process."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from bench.proc import BotProcess
from bot import composition
from bot.bot_api_double import BotApiDouble
from bot.platform.config import Settings
from bot.platform.crypto import Cipher
from bot.platform.db import Database

_keys: dict[str, Path] = {}


def use_keys(key_file: Path) -> None:
    """One key file for the whole run, used here too, so that what this process writes
    (seeded rows) and what each bot process writes can be read by the other."""
    _keys["file"] = key_file


def database(url: str) -> Database:
    """A database handle for work done in the benchmark's own process (seeding, claims)."""
    key_file = _keys["file"]
    settings = Settings(
        _env_file=None, database_url=url, data_dir=key_file.parent, key_file=key_file
    )
    return Database(
        url,
        cipher=Cipher.from_key_file(key_file),
        settings=settings,
        wiring=composition.build_wiring(),
    )


def settings(double: BotApiDouble, database_url: str, folder: Path, key_file: Path) -> Settings:
    """The settings the bot process gets, for work done in this process on its database."""
    return Settings(
        _env_file=None,
        telegram_token=SecretStr(double.token),
        api_base_url=double.base_url,
        api_base_file_url=double.base_file_url,
        database_url=database_url,
        data_dir=folder,
        key_file=key_file,
    )


def ours(
    double: BotApiDouble,
    database_url: str,
    folder: Path,
    key_file: Path,
    *,
    unlimited: bool = False,
    no_burst: bool = False,
    profile: Path | None = None,
) -> BotProcess:
    env = {
        "SAMORDNA_TELEGRAM_TOKEN": double.token,
        "SAMORDNA_API_BASE_URL": double.base_url,
        "SAMORDNA_API_BASE_FILE_URL": double.base_file_url,
        "SAMORDNA_DATABASE_URL": database_url,
        "SAMORDNA_DATA_DIR": str(folder),
        "SAMORDNA_KEY_FILE": str(key_file),
        "SAMORDNA_MODE": "polling",
        "SAMORDNA_LOG_LEVEL": "WARNING",
    }
    if unlimited:
        env["SAMORDNA_OUTBOX_RATE_LIMIT"] = "10000"
    args = ["--unlimited"] if unlimited else ["--no-burst"] if no_burst else []
    if profile is not None:
        args += ["--profile", str(profile)]
    return BotProcess("bench.ours_bot", args, env, folder / "ours.log")


def plain(double: BotApiDouble, persistence: Path, folder: Path) -> BotProcess:
    env = {"BENCH_TOKEN": double.token, "BENCH_BASE_URL": double.base_url}
    return BotProcess(
        "bench.plain_ptb", ["--persistence", str(persistence)], env, folder / "plain.log"
    )
