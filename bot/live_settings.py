"""The running profile is the profile file with the settings staff edited laid over it; every process checks the
settings' version every few seconds (one small read) and swaps in the new profile, texts and FAQ index at once."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from bot.engine import Engine
from conversations.profile import Profile, overlay
from conversations.catalog import Catalog
from store import settings as stored
from store.settings import Overlay

log = logging.getLogger(__name__)


def compose(base: Profile, over: Overlay) -> Profile:
    """The file's profile with the stored sections and FAQ entries over it (an entry replaces the file's entry of
    the same key or comes after the file's; a retired one is left out); ValidationError when that is not valid."""
    faq: dict[str, dict | None] = {e.id: e.model_dump(mode="json") for e in base.faq}
    for key, content in over.faq.items():
        faq[key] = None if content is None else {**content, "id": key}
    values = {**over.sections, "faq": [e for e in faq.values() if e is not None]}
    return overlay(base, values)


async def refresh(engine: Engine) -> bool:
    """Swap in the current settings when their version moved on since this process last looked; True if it did.
    Stored settings the file no longer accepts (say, a text key a newer catalog dropped) leave the file's values
    in force, and say so in the log."""
    async with engine.sessions() as tx:
        if await stored.version(tx) == engine.settings_version:
            return False
        over = await stored.overlay(tx)
    try:
        profile = compose(engine.base_profile, over)
        texts = Catalog.load(profile.texts)
    except (ValidationError, KeyError, ValueError) as exc:
        log.error(
            "the settings edited in the console (version %d) are not valid over the profile file, "
            "which stays in force: %s",
            over.version,
            exc,
        )
        profile, texts = engine.base_profile, Catalog.load(engine.base_profile.texts)
    engine.swap(profile, texts, over.version)
    log.info("settings version %d in force", over.version)
    return True
