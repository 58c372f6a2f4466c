"""The whole URL map on one screen."""

from __future__ import annotations

from aiohttp import web

from handlers import health, webchat


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", webchat.page)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/api/chat/messages", webchat.history)
    app.router.add_post("/api/chat/send", webchat.send)
    app.router.add_static("/static/", webchat.STATIC, name="static")
