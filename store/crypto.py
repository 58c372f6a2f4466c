"""Encryption at rest for the sensitive fields (national ID, full name): Fernet keys, the first one current,
older ones still read, so keys can be rotated without losing data."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from store.private_files import private_dir


ID_HASH_PURPOSE = "frontdesk national-id hash v1"


class Keyring:
    """Encrypts with the first key; decrypts with any; `rotate` re-encrypts a value with the first key.
    `id_hash` is a keyed hash (HMAC-SHA256) of a national ID, so that equal IDs can be found although their
    ciphertexts differ (Fernet's IV is random); it is made with the first key, so `rotate-keys` recomputes it."""

    def __init__(self, keys: list[str]):
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        self._secrets = [base64.urlsafe_b64decode(k.encode()) for k in keys]
        self._hash_keys = self.derive(ID_HASH_PURPOSE)

    def id_hash(self, national_id: str) -> str:
        """The hash stored beside a national ID (with the first key)."""
        return self.id_hashes(national_id)[0]

    def id_hashes(self, national_id: str) -> list[str]:
        """The hashes this ID has under every key, first key first: rows written before a rotation still match."""
        plain = national_id.strip().encode("utf-8")
        return [hmac.new(key, plain, hashlib.sha256).hexdigest() for key in self._hash_keys]

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plain text; raises ValueError when no key of this keyring made the value."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise ValueError("cannot decrypt: the key that encrypted this value is not in DATA_KEYS") from None

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")

    def derive(self, purpose: str) -> list[bytes]:
        """A key for `purpose` (a signature, a keyed hash) from each data key, newest first, so that what was
        made before a rotation is still recognised; never the encryption key itself."""
        return [hmac.new(secret, purpose.encode(), hashlib.sha256).digest() for secret in self._secrets]


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def keyring_from(setting: str, key_file: Path) -> Keyring:
    """The keys from the DATA_KEYS setting (comma-separated, newest first), or, when it is empty, from a
    key file made on first use (the embedded single-machine setup; readable by this user only)."""
    keys = [k.strip() for k in setting.split(",") if k.strip()]
    if not keys:
        private_dir(key_file.parent, narrow=True)  # ./data: the key and the database beside it
        if not key_file.exists():
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(new_key() + "\n")
        key_file.chmod(0o600)  # one made readable by others before stays this user's only
        keys = [k.strip() for k in key_file.read_text().split(",") if k.strip()]
    return Keyring(keys)
