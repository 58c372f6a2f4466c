"""`python -m bot whatsapp-templates sync|status`: the shipped templates at Twilio, and WhatsApp's verdict on
each, printed as sentences."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import aiohttp
from twilio.base.exceptions import TwilioRestException

from bot.engine import utc_now
from bot.settings import Settings, SettingsError
from handlers.admin.pages import TEXTS
from store.models import WhatsAppTemplate


class TemplatesError(Exception):
    """Twilio could not be reached or refused a call: said in one line, not as a traceback."""


def sentences(rows: Sequence[WhatsAppTemplate], lang: str = "en") -> list[str]:
    """One line per template: its kind and language in words, its status, and WhatsApp's reason if refused."""
    lines = []
    for row in rows:
        line = TEXTS(
            lang,
            "wa_template_line",
            kind=TEXTS(lang, f"wa_kind_{row.kind}"),
            language=TEXTS(lang, f"wa_language_{row.language}"),
            status=TEXTS(lang, f"wa_status_{row.status}"),
        )
        if row.rejection_reason:
            line += " " + TEXTS(lang, "wa_template_reason", reason=row.rejection_reason)
        lines.append(line)
    return lines or [TEXTS(lang, "wa_templates_none")]


def run(settings: Settings, action: str) -> list[str]:
    """Create the missing templates (`sync`) or refresh their status (`status`); the lines to print."""
    if not settings.whatsapp_enabled:
        raise SettingsError("WhatsApp is off: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN first")
    from bot.channels.whatsapp import make_client
    from bot.whatsapp_templates.content_api import refresh, sync
    from store.db import make_engine, make_sessions

    async def call() -> list[WhatsAppTemplate]:
        engine, client = make_engine(settings.database_url), make_client(settings)
        try:
            work = sync if action == "sync" else refresh
            return await work(client, make_sessions(engine), utc_now)
        finally:
            await client.http_client.close()
            await engine.dispose()

    try:
        return sentences(asyncio.run(call()))
    except TwilioRestException as exc:
        raise TemplatesError(
            f"Twilio refused the call (HTTP {exc.status}, error {exc.code}): {exc.msg}"
        ) from exc
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise TemplatesError(
            f"could not reach Twilio ({type(exc).__name__}); run the command again later"
        ) from exc
