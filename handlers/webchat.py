"""The website chat's HTTP edge: the page, its session cookie, sending an input and reading replies."""

from __future__ import annotations

import functools
import html
import json
import logging
import re
from pathlib import Path
from string import Template

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot import media_links
from bot.appkeys import ENGINE, KEYRING, SETTINGS
from bot.channels.web import CHANNEL
from bot.incoming import Incoming
from conversations import languages
from conversations.types import Inbound
from handlers import bounds, visitor_tokens, webchat_files
from store import message_ids, queries, sealed

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "frontdesk_chat"
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_dumps = functools.partial(json.dumps, ensure_ascii=False)


def _json(data: dict, status: int = 200) -> web.Response:
    """JSON with Arabic kept readable (not \\u-escaped)."""
    return web.json_response(data, status=status, dumps=_dumps)


def _token(request: web.Request) -> str | None:
    """The visitor behind the cookie, only if this server issued it."""
    return visitor_tokens.visitor_of(request.app[KEYRING], request.cookies.get(COOKIE, ""))


def _set_cookie(request: web.Request, response: web.StreamResponse, cookie: str) -> None:
    secure = request.app[SETTINGS].public_base_url.startswith("https://")
    response.set_cookie(COOKIE, cookie, max_age=365 * 24 * 3600, httponly=True, samesite="Lax", secure=secure, path="/")


async def _language(request: web.Request, token: str | None) -> str:
    engine = request.app[ENGINE]
    if token:
        async with engine.sessions() as tx:
            lang = await queries.conversation_language(tx, f"{CHANNEL}:{token}")
        if lang:
            return lang
    return engine.profile.default_language


async def page(request: web.Request) -> web.Response:
    """The chat page, right-to-left in Arabic, in the conversation's language; every text escaped."""
    engine = request.app[ENGINE]
    token = _token(request)
    cookie = request.cookies[COOKIE] if token else visitor_tokens.issue(request.app[KEYRING])  # replace a forged one
    lang = await _language(request, token)
    t = engine.texts
    association = engine.profile.short_name.get(lang)
    keys = ("web_placeholder", "web_send", "web_switch", "web_error", "web_attach", "web_attach_hint", "web_uploading")
    values = {k: html.escape(t(lang, k)) for k in keys}
    values["web_file_sent"] = html.escape(t(lang, "web_file_sent", name="{name}"))
    offered = engine.profile.languages
    others = [code for code in offered if code != lang]
    two = len(offered) == 2 and len(others) == 1  # the switch flips between them; otherwise it opens the menu
    if not two:
        values["web_switch"] = html.escape(t(lang, "menu_language"))
    values |= {
        "lang": languages.get(lang).code,
        "dir": languages.get(lang).direction,
        "switch_choice": f"lang:{others[0]}" if two else "menu:language",
        "switch_lang": others[0] if two else languages.get(lang).code,
        "title": html.escape(t(lang, "web_title", association=association)),
        "association": html.escape(association),
        "max_chars": str(request.app[SETTINGS].webchat_max_chars),
    }
    body = Template((STATIC / "chat.html").read_text(encoding="utf-8")).substitute(values)
    response = web.Response(text=body, content_type="text/html", charset="utf-8")
    _set_cookie(request, response, cookie)
    return response


def _message(row, keyring, now) -> dict:  # type: ignore[no-untyped-def]
    """A reply as the page shows it; a file staff sent comes as a signed link the page can open."""
    payload = sealed.output_payload(keyring, row)
    message = {"id": row.id, "from": "bot", "text": payload.get("text", ""), "choices": payload.get("choices", [])}
    if file := payload.get("file"):
        url = media_links.media_path(keyring, file["id"], file["name"], now)
        message["file"] = {"url": url, "type": file.get("type", ""), "name": file.get("file_name", "")}
    return message


async def history(request: web.Request) -> web.Response:
    """The conversation so far (after a reload), or only bot messages newer than `after` (polling)."""
    token = _token(request)
    if token is None:
        return _json({"messages": [], "last": 0})
    key = f"{CHANNEL}:{token}"
    after = bounds.whole(request.query.get("after", "0"), 0, bounds.RECORD_ID_MAX)
    if after is None:
        raise web.HTTPBadRequest(text=f"after must be a whole number from 0 to {bounds.RECORD_ID_MAX}")
    engine = request.app[ENGINE]
    async with engine.sessions() as tx:
        replies = await queries.replies_after(tx, key, after)
        inputs = await queries.inputs_of(tx, key) if after == 0 else []
    items = [(r.created_at, 1, _message(r, engine.keyring, engine.clock())) for r in replies]
    typed = [(i, sealed.input_text(engine.keyring, i)) for i in inputs]
    items += [(i.received_at, 0, {"id": None, "from": "me", "text": text, "choices": []}) for i, text in typed if text]
    items.sort(key=lambda item: (item[0], item[1]))
    last = replies[-1].id if replies else after
    lang = await _language(request, token)
    attach = await webchat_files.attach_for(request, token)
    return _json({"messages": [m for _, _, m in items], "last": last, "lang": lang, "attach": attach})


async def send(request: web.Request) -> web.Response:
    """One input from the page; answers with every bot message newer than the page's `after`."""
    token = _token(request)
    if token is None:
        raise web.HTTPForbidden(text="open the chat page first")
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send JSON")
    engine, settings = request.app[ENGINE], request.app[SETTINGS]
    key = f"{CHANNEL}:{token}"
    lang = await _language(request, token)
    try:
        body = json.loads(await request.text())
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise web.HTTPBadRequest(text="invalid JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    client_id, text, chosen, after = body.get("id"), body.get("text", ""), body.get("choice"), body.get("after", 0)
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise web.HTTPBadRequest(text="id must be 8-64 letters, digits, - or _")
    if not isinstance(text, str) or type(after) is not int or (chosen is not None and not isinstance(chosen, str)):
        raise web.HTTPBadRequest(text="text must be a string, choice a string, after a number")
    if bounds.whole(after, 0, bounds.RECORD_ID_MAX) is None:  # checked before the input is applied
        raise web.HTTPBadRequest(text=f"after must be a whole number from 0 to {bounds.RECORD_ID_MAX}")
    text = text.strip()
    if len(text) > settings.webchat_max_chars or len(chosen or "") > 64:
        error = engine.texts(lang, "too_long", limit=settings.webchat_max_chars)
        return _json({"error": error}, status=413)
    if body.get("start") is True:
        inbound = Inbound("start")
    elif chosen:
        inbound = Inbound("choice", text=text, choice=chosen)
    elif text:
        inbound = Inbound("text", text=text)
    else:
        raise web.HTTPBadRequest(text="empty message")
    incoming = Incoming(channel=CHANNEL, sender_id=token, provider_message_id=message_ids.web(token, client_id), inbound=inbound)
    try:
        await engine.handle(incoming)
        async with engine.sessions() as tx:
            replies = await queries.replies_after(tx, key, after)
    except (SQLAlchemyError, OSError):
        log.exception("web chat input failed")
        return _json({"error": engine.texts(lang, "web_error")}, status=503)
    last = replies[-1].id if replies else after
    attach = await webchat_files.attach_for(request, token)
    messages = [_message(r, engine.keyring, engine.clock()) for r in replies]
    return _json({"messages": messages, "last": last, "lang": await _language(request, token), "attach": attach})


async def upload(request: web.Request) -> web.Response:
    """A file from the page (multipart: id, after, file), applied as an input; answers like `send`."""
    token = _token(request)
    if token is None:
        raise web.HTTPForbidden(text="open the chat page first")
    engine, key, lang = request.app[ENGINE], f"{CHANNEL}:{token}", await _language(request, token)
    problem, after = await webchat_files.upload(request, token, lang)
    if problem is not None:
        return problem
    async with engine.sessions() as tx:
        replies = await queries.replies_after(tx, key, after)
    last = replies[-1].id if replies else after
    attach = await webchat_files.attach_for(request, token)
    messages = [_message(r, engine.keyring, engine.clock()) for r in replies]
    return _json({"messages": messages, "last": last, "lang": lang, "attach": attach})
