"""The whole URL map on one screen."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import SETTINGS
from handlers import health, media, telegram, twilio, webchat
from handlers.admin.routes import setup_admin_routes


def setup_routes(app: web.Application) -> None:
    settings = app[SETTINGS]
    if settings.telegram_enabled and settings.telegram_mode == "webhook":
        app.router.add_post("/webhooks/telegram", telegram.webhook)
    if settings.whatsapp_enabled:
        app.router.add_post("/webhooks/twilio", twilio.inbound)
        app.router.add_post("/webhooks/twilio/status", twilio.status)
    app.router.add_get("/", webchat.page)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/api/chat/messages", webchat.history)
    app.router.add_post("/api/chat/send", webchat.send)
    app.router.add_post("/api/chat/upload", webchat.upload)
    app.router.add_get(r"/media/{attachment_id:\d{1,9}}/{name}", media.serve)
    app.router.add_static("/static/", webchat.STATIC, name="static")
    setup_admin_routes(app)
