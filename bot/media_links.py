"""Signed, expiring addresses of the files staff send, for whoever must fetch them without a staff session:
Twilio (a WhatsApp `MediaUrl`) and the beneficiary's own web chat. The signature covers the file's id, its
random stored name and the expiry, with a key derived from the data keys (so a rotation keeps links valid)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import urlencode

from store.crypto import Keyring
from store.file_store import STORED_NAME

PURPOSE = "sent-file-link"
PREFIX = "/media"
LIFETIME = timedelta(days=2)  # Twilio fetches within seconds; a web chat reopened a day later still shows it


def _signature(key: bytes, attachment_id: int, name: str, expires: int) -> str:
    return hmac.new(key, f"{attachment_id}/{name}/{expires}".encode(), hashlib.sha256).hexdigest()


def media_path(keyring: Keyring, attachment_id: int, name: str, now: datetime) -> str:
    """The path (with its query) that serves the file until `now` + LIFETIME."""
    expires = int((now + LIFETIME).timestamp())
    signature = _signature(keyring.derive(PURPOSE)[0], attachment_id, name, expires)
    return f"{PREFIX}/{attachment_id}/{name}?{urlencode({'expires': expires, 'signature': signature})}"


def valid(keyring: Keyring, attachment_id: int, name: str, expires: str, signature: str, now: datetime) -> bool:
    """Whether the link was made by us for this file and has not expired."""
    if not STORED_NAME.match(name) or not expires.isascii() or not expires.isdigit() or len(expires) > 12:
        return False
    if int(expires) < now.timestamp():
        return False
    given = signature.encode("utf-8", "replace")  # compared as bytes: any text a visitor sends is refused, not an error
    return any(
        hmac.compare_digest(_signature(key, attachment_id, name, int(expires)).encode(), given)
        for key in keyring.derive(PURPOSE)
    )
