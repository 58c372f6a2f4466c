"""Files on the website chat: which kind the current step takes (the page shows its attach button only
then), and the upload endpoint — multipart within a byte budget, the visitor's signed cookie, the type
checked by its first bytes, kept in the file store like files from the other channels."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import unquote

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.appkeys import ENGINE, FETCHER, SETTINGS
from bot.channels.web import CHANNEL
from bot.incoming import AttachmentRef, Incoming
from bot.media_fetch import refused_text
from conversations.flows import STATES
from conversations.types import Inbound
from handlers import bounds
from store import file_store, message_ids
from store.models import Conversation

log = logging.getLogger(__name__)
KINDS = {"image": "photo", "pdf": "document", "audio": "voice"}
FIELDS_BUDGET = 4096  # the small fields beside the file (id, after)


def attach_kind(state: str | None) -> str | None:
    """"files" where the step takes files (images, PDF, audio), "audio" where it takes a voice note only."""
    accepts = STATES[state].accepts if state in STATES else frozenset()
    if "attachment" in accepts:
        return "files"
    return "audio" if "voice" in accepts else None


async def attach_for(request: web.Request, token: str) -> str | None:
    """What the visitor's conversation may attach now."""
    return attach_kind(await _state(request, token))


async def _read_part(part, budget: int) -> bytes | None:
    """The part's bytes, or None as soon as it passes `budget`."""
    chunks, size = [], 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > budget:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _form(request: web.Request) -> tuple[dict[str, str], bytes | None, str]:
    """(small fields, the file's bytes or None when over the budget, its name) from a multipart body."""
    fields, data, name = {}, b"", ""
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if part.name == "file":
            name = unquote(part.filename or "")[:255]  # some clients percent-encode a non-ASCII name
            data = await _read_part(part, file_store.LARGEST)
            if data is None:
                return fields, None, name
        elif part.name in ("id", "after"):
            value = await _read_part(part, FIELDS_BUDGET)
            fields[part.name] = (value or b"").decode("utf-8", "replace")
    return fields, data, name


def _refused(request: web.Request, lang: str, status: int) -> web.Response:
    return web.json_response({"error": refused_text(request.app[ENGINE].texts, lang)}, status=status)


async def upload(request: web.Request, token: str, lang: str) -> tuple[web.Response | None, int]:
    """Keep the uploaded file and apply it as the visitor's input: (an error response or None, `after`)."""
    from handlers.webchat import CLIENT_ID  # the page's message ids follow the same rule as on send

    if not request.content_type.startswith("multipart/form-data"):
        raise web.HTTPUnsupportedMediaType(text="send multipart/form-data")
    fields, data, name = await _form(request)
    if data is None:
        return _refused(request, lang, 413), 0
    client_id, after = fields.get("id", ""), bounds.whole(fields.get("after", "0"), 0, bounds.RECORD_ID_MAX)
    if not CLIENT_ID.match(client_id) or after is None or not data:  # checked before anything is kept
        raise web.HTTPBadRequest(text="id, after (a whole number) and a file are required")
    takes, kind = attach_kind(await _state(request, token)), file_store.sniff(data)
    if file_store.refusal(data) or takes is None or (takes == "audio" and kind.family != "audio"):
        return _refused(request, lang, 415), 0
    stored, kind = await asyncio.to_thread(file_store.write, request.app[SETTINGS].files_dir, data)
    ref = AttachmentRef(KINDS[kind.family], stored, kind.content_type, name, stored_name=stored)
    inbound = Inbound("voice" if kind.family == "audio" else "attachment")
    incoming = Incoming(CHANNEL, token, message_ids.web(token, client_id), inbound, attachments=(ref,))
    try:
        await request.app[ENGINE].handle(incoming)
    except (SQLAlchemyError, OSError):
        log.exception("web chat upload failed")
        return web.json_response({"error": request.app[ENGINE].texts(lang, "web_error")}, status=503), 0
    request.app[FETCHER].transcribe_later(stored, data, kind)
    return None, after


async def _state(request: web.Request, token: str) -> str | None:
    async with request.app[ENGINE].sessions() as tx:
        return await tx.scalar(select(Conversation.state).where(Conversation.key == f"{CHANNEL}:{token}"))
