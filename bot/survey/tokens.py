"""Receipts that stop a meeting being answered twice without saying who answered it.

A receipt is HMAC-SHA256 over the meeting id and the individual id, keyed with a secret derived
from each key in the key file. The newest key writes; every key is checked, so rotating the key
file (see the README) does not reopen a survey that was already answered.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from pathlib import Path

PURPOSE = b"samordna/survey-receipt/v1"


def _key_lines(path: Path) -> tuple[bytes, ...]:
    return tuple(line.strip() for line in path.read_bytes().splitlines() if line.strip())


@lru_cache(maxsize=8)
def _secrets(path: str, modified_ns: int) -> tuple[bytes, ...]:
    """Per key, a secret used for receipts only, so the encryption key itself is never used."""
    return tuple(hmac.new(key, PURPOSE, hashlib.sha256).digest() for key in _key_lines(Path(path)))


def receipt_tokens(key_file: Path, meeting_id: int, individual_id: int) -> list[str]:
    """Every token this meeting's answer may be stored under, newest key first."""
    secrets = _secrets(str(key_file), key_file.stat().st_mtime_ns)
    message = f"{meeting_id}:{individual_id}".encode()
    return [hmac.new(secret, message, hashlib.sha256).hexdigest() for secret in secrets]
