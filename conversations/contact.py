"""The association's contact details as a beneficiary reads them: only those its profile has, so the bot
never says "call us" without a number; an FAQ answer writes `{contact}` where they belong."""

from __future__ import annotations

from conversations.profile import Profile
from conversations.catalog import Catalog

PLACEHOLDER = "{contact}"
FIELDS = ("phone", "whatsapp", "email", "website")


def lines(profile: Profile, texts: Catalog, lang: str) -> str:
    """One line per detail the profile has; with none, that this chat is the way to reach staff."""
    contact = profile.contact
    found = [texts(lang, f"contact_{name}", value=getattr(contact, name)) for name in FIELDS if getattr(contact, name)]
    if contact.address is not None:
        found.append(texts(lang, "contact_address", value=contact.address.get(lang)))
    return "\n".join(found) if found else texts(lang, "contact_chat_only")


def filled(answer: str, profile: Profile, texts: Catalog, lang: str) -> str:
    """An FAQ answer with its `{contact}` replaced by the details the profile has (other braces kept)."""
    return answer.replace(PLACEHOLDER, lines(profile, texts, lang)) if PLACEHOLDER in answer else answer
