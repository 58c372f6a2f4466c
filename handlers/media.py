"""The files staff sent, served by a signed, expiring link (bot/media_links.py) to whoever holds it: Twilio
fetching a WhatsApp `MediaUrl`, or the beneficiary's web chat. No session, so nothing else is reachable here."""

from __future__ import annotations

from aiohttp import web

from bot import media_links
from bot.appkeys import ENGINE, SETTINGS
from handlers import bounds
from store import file_store, sent_files

POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"


async def serve(request: web.Request) -> web.StreamResponse:
    """The file, inline under a neutral name, when the link's signature and expiry hold; 404 otherwise."""
    engine = request.app[ENGINE]
    attachment_id = bounds.record_id(request.match_info["attachment_id"])
    name = request.match_info["name"]
    expires, signature = request.query.get("expires", ""), request.query.get("signature", "")
    if attachment_id is None or not media_links.valid(
        engine.keyring, attachment_id, name, expires, signature, engine.clock()
    ):
        raise web.HTTPNotFound()
    async with engine.sessions() as tx:
        row = await sent_files.servable(tx, attachment_id, name)
    path = file_store.path_of(request.app[SETTINGS].files_dir, name) if row else None
    if path is None:
        raise web.HTTPNotFound()
    headers = {
        "Content-Type": row.content_type,
        "Content-Disposition": f'inline; filename="file-{row.id}{path.suffix}"',
        "Cache-Control": "private, max-age=3600",
        "Content-Security-Policy": POLICY,
    }
    return web.FileResponse(path, headers=headers)
