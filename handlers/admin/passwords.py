"""Staff passwords: scrypt (standard library), a random salt, the cost parameters stored with the hash."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from dataclasses import dataclass

MIN_LENGTH = 10
SALT_BYTES = 16
KEY_BYTES = 32


@dataclass(frozen=True)
class Cost:
    """scrypt's work factors; OWASP's minimum for scrypt includes N=2^15, r=8, p=3."""

    n: int
    r: int
    p: int


COST = Cost(n=2**15, r=8, p=3)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _scrypt(password: str, salt: bytes, cost: Cost, length: int) -> bytes:
    maxmem = 128 * cost.r * (cost.n + cost.p + 2) + 1024 * 1024  # what OpenSSL needs, with room to spare
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=cost.n, r=cost.r, p=cost.p, maxmem=maxmem, dklen=length
    )


def hash_password(password: str) -> str:
    """`scrypt$N$r$p$salt$key` (base64 salt and key)."""
    salt = os.urandom(SALT_BYTES)
    key = _scrypt(password, salt, COST, KEY_BYTES)
    return f"scrypt${COST.n}${COST.r}${COST.p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """True when `password` made `stored`; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        cost, salt_raw, expected = Cost(int(n), int(r), int(p)), base64.b64decode(salt), base64.b64decode(key)
    except ValueError:
        return False
    if scheme != "scrypt" or not expected:
        return False
    return hmac.compare_digest(_scrypt(password, salt_raw, cost, len(expected)), expected)


@functools.cache
def dummy_hash() -> str:
    """A hash to check against when the username is unknown, so that the answer takes as long."""
    return hash_password(base64.b64encode(os.urandom(12)).decode("ascii"))
