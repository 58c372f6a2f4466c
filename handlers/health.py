"""The health check: the process answers and the database is reachable."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.appkeys import ENGINE


async def healthz(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    try:
        async with engine.sessions() as tx:
            await tx.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        return web.json_response({"status": "unavailable", "database": type(exc).__name__}, status=503)
    return web.json_response({"status": "ok", "profile": engine.profile.id})
