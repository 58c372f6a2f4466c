"""Staff alerts, as words: each new item the sweep finds (store/alerts.py) becomes one message in the staff's
language for the Telegram staff group and, where configured, each alert e-mail address; sent by the outbox."""

from __future__ import annotations

import logging

from bot.channels.email import CHANNEL as EMAIL
from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.engine import Engine
from bot.settings import Settings
from handlers.admin.pages import TEXTS
from store.alerts import Item, queue_alerts

log = logging.getLogger(__name__)


def targets(settings: Settings) -> list[tuple[str, str]]:
    """Where alerts go: the Telegram staff group, and the alert e-mail addresses."""
    found = []
    if settings.telegram_enabled and settings.telegram_staff_chat_id:
        found.append((TELEGRAM, settings.telegram_staff_chat_id))
    if settings.email_enabled:
        found += [(EMAIL, address) for address in settings.alert_email_list]
    return found


def alert_payload(item: Item, lang: str, base_url: str) -> dict:
    """The message: what happened, its reference, and the console link (a subject line for e-mail)."""
    subject = TEXTS(lang, f"alert_{item.kind}", reference=item.reference)
    text = f"{subject}\n{base_url.rstrip('/')}{item.path}"
    return {"kind": "staff_alert", "subject": subject, "text": text, "choices": []}


async def queue_staff_alerts(engine: Engine, settings: Settings) -> int:
    """Queue the alerts due now (called by every process's sweep); the number of items announced."""
    where = targets(settings)
    if not where:
        return 0
    lang, now = engine.profile.default_language, engine.clock()
    async with engine.sessions() as tx, tx.begin():
        sent = await queue_alerts(
            tx, engine.profile, now, where, lambda item: alert_payload(item, lang, settings.public_base_url)
        )
    if sent:
        log.info("staff alerts queued: %s", ", ".join(item.key for item in sent))
    return len(sent)
