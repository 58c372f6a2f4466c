"""Website-chat visitor tokens: made by the server only, signed with a key derived from the data keys, so a
page cannot pick its own token (or someone else's conversation key) and a forged cookie opens nothing."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from store.crypto import Keyring

PURPOSE = "webchat-visitor-token"
COOKIE_VALUE = re.compile(r"^([0-9a-f]{32})\.([0-9a-f]{32})$")


def _signature(key: bytes, visitor: str) -> str:
    return hmac.new(key, visitor.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def issue(keyring: Keyring) -> str:
    """A new cookie value: a random visitor id and its signature."""
    visitor = secrets.token_hex(16)
    return f"{visitor}.{_signature(keyring.derive(PURPOSE)[0], visitor)}"


def visitor_of(keyring: Keyring, cookie: str) -> str | None:
    """The visitor id of a cookie this server issued (with any of its data keys); None for any other value."""
    found = COOKIE_VALUE.match(cookie or "")
    if found is None:
        return None
    visitor, signature = found.groups()
    if any(hmac.compare_digest(_signature(key, visitor), signature) for key in keyring.derive(PURPOSE)):
        return visitor
    return None
