"""Encryption at rest for free text, with Fernet keys kept in a file only the owner can read.

The key file holds one key per line, newest first; :class:`MultiFernet` decrypts with any of
them and encrypts with the first, which is how keys are rotated (see the README).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.platform.private_files import private_dir


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
    """The cipher of one database: encrypted columns find it on the connection's dialect."""

    ATTRIBUTE = "samordna_cipher"

    def __init__(self, fernet: MultiFernet) -> None:
        self._fernet = fernet

    @classmethod
    def from_key_file(cls, path: Path) -> Cipher:
        return cls(load_or_create_keys(path))

    @classmethod
    def of(cls, dialect: object) -> Cipher:
        cipher = getattr(dialect, cls.ATTRIBUTE, None)
        if not isinstance(cipher, Cipher):
            raise RuntimeError("encryption keys are not loaded for this database")
        return cipher

    def attach(self, dialect: object) -> None:
        setattr(dialect, self.ATTRIBUTE, self)

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise KeyFileError("stored text cannot be decrypted with the current keys") from exc

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")
