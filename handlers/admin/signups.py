"""How the console names a signed-up person (their decrypted full name) and their city."""

from __future__ import annotations

from conversations.profile import Profile
from store.crypto import Keyring
from store.models import Beneficiary


def person_name(keyring: Keyring, person: Beneficiary, unreadable: str) -> str:
    """The full name the person gave (decrypted), else the name their channel shows."""
    if person.full_name_enc:
        try:
            return keyring.decrypt(person.full_name_enc)
        except ValueError:
            return unreadable
    return person.display_name or "—"


def city_name(profile: Profile, lang: str, key: str | None) -> str:
    names = {c.key: c.name.get(lang) for c in profile.service_area}
    return names.get(key, key) if key else "—"
