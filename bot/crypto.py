"""Encryption at rest for free text, with Fernet keys kept in a file only the owner can read.

The key file holds one key per line, newest first; :class:`MultiFernet` decrypts with any of
them and encrypts with the first, which is how keys are rotated (see the README).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.private_files import private_dir


class KeyFileError(Exception):
    """The key file is missing, unreadable or too widely readable."""


def load_or_create_keys(path: Path) -> MultiFernet:
    """Read the key file, creating it (mode 0600) with a fresh key on first run."""
    if not path.exists():
        private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key() + b"\n")
    if path.stat().st_mode & 0o077:
        raise KeyFileError(f"{path} must be readable by its owner only (chmod 600)")
    keys = [line.strip() for line in path.read_bytes().splitlines() if line.strip()]
    if not keys:
        raise KeyFileError(f"{path} holds no key")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise KeyFileError(f"{path} holds a malformed key") from exc


class Cipher:
    """The process-wide cipher used by encrypted columns."""

    _fernet: MultiFernet | None = None

    @classmethod
    def install(cls, fernet: MultiFernet) -> None:
        cls._fernet = fernet

    @classmethod
    def _require(cls) -> MultiFernet:
        if cls._fernet is None:
            raise RuntimeError("encryption keys are not loaded")
        return cls._fernet

    @classmethod
    def encrypt(cls, plain: str) -> str:
        return cls._require().encrypt(plain.encode("utf-8")).decode("ascii")

    @classmethod
    def decrypt(cls, token: str) -> str:
        try:
            return cls._require().decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise KeyFileError("stored text cannot be decrypted with the current keys") from exc

    @classmethod
    def rotate(cls, token: str) -> str:
        return cls._require().rotate(token.encode("ascii")).decode("ascii")
