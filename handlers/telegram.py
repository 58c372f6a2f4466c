"""Telegram's webhook: check the secret token, read the Update, record it once and answer at once."""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.appkeys import ENGINE, SETTINGS, TELEGRAM_API
from bot.channels.telegram_updates import to_incoming
from handlers import telegram_intake
from bot.incoming import Incoming

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _authentic(request: web.Request) -> bool:
    """The secret token we gave Telegram with setWebhook, compared in constant time."""
    expected = request.app[SETTINGS].telegram_webhook_secret.encode()
    given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
    return bool(expected) and hmac.compare_digest(given, expected)


async def _read(request: web.Request) -> tuple[dict, Incoming | None]:
    """The Update's JSON and what it says, or 415/400 for anything that is not a readable Update."""
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="expected application/json")
    try:
        data = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise web.HTTPBadRequest(text="invalid JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    try:
        return data, to_incoming(data)
    except Exception:  # noqa: BLE001  (whatever a malformed Update trips on, it is refused, not a 500)
        log.warning("refused a malformed Telegram update", exc_info=True)
        raise web.HTTPBadRequest(text="not a Telegram Update") from None


async def webhook(request: web.Request) -> web.Response:
    """POST /webhooks/telegram: 200 as soon as the input is recorded (it is applied after the answer);
    503 when the database is away, so that Telegram delivers the Update again."""
    if not _authentic(request):
        raise web.HTTPForbidden(text="wrong secret token")
    update, incoming = await _read(request)
    if incoming is None:
        return web.Response(text="ignored")
    try:
        await telegram_intake.accept(request.app[TELEGRAM_API], request.app[ENGINE], update, incoming)
    except (SQLAlchemyError, OSError):
        log.exception("could not record Telegram update %s", update.get("update_id"))
        return web.Response(status=503, text="try again later")
    return web.Response(text="ok")
