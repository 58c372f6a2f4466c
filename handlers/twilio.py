"""Twilio's webhooks: incoming WhatsApp messages and delivery statuses, each signed with the auth token."""

from __future__ import annotations

import logging

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.exc import SQLAlchemyError
from twilio.request_validator import RequestValidator

from bot.appkeys import ENGINE, SETTINGS
from bot.channels import whatsapp
from store import delivery

log = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
FORM = "application/x-www-form-urlencoded"


async def _signed_form(request: web.Request) -> MultiDictProxy:
    """The posted form, once its X-Twilio-Signature proves Twilio sent it (415 / 403 otherwise)."""
    if request.content_type != FORM:
        raise web.HTTPUnsupportedMediaType(text="expected a form")
    try:
        form = await request.post()
    except UnicodeDecodeError:  # Twilio sends UTF-8, percent-encoded
        raise web.HTTPBadRequest(text="the form is not UTF-8") from None
    settings = request.app[SETTINGS]
    url = settings.public_base_url + request.path_qs
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(settings.twilio_auth_token).validate(url, form, signature):
        log.warning("refused a Twilio webhook with a missing or wrong signature on %s", request.path)
        raise web.HTTPForbidden(text="invalid signature")
    return form


async def inbound(request: web.Request) -> web.Response:
    """An incoming message: record it, answer Twilio at once with empty TwiML, apply it in the background."""
    form = await _signed_form(request)
    incoming = whatsapp.to_incoming({k: v for k, v in form.items() if isinstance(v, str)})
    if incoming is None:
        log.info("ignored a Twilio webhook that is not a WhatsApp message")
        return web.Response(text=EMPTY_TWIML, content_type="text/xml")
    engine = request.app[ENGINE]
    try:
        fresh = await engine.record(incoming)
    except (SQLAlchemyError, OSError):
        log.exception("could not record a WhatsApp message; Twilio will retry")
        raise web.HTTPServiceUnavailable(text="try again") from None
    if fresh:
        engine.process_later(incoming.conversation_key)
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


async def status(request: web.Request) -> web.Response:
    """A delivery report for a message we sent: move its outbox row forward."""
    form = await _signed_form(request)
    sid, state = str(form.get("MessageSid") or "")[:128], str(form.get("MessageStatus") or "")[:20]
    error_code = str(form.get("ErrorCode") or "")[:20] or None
    if not sid or not state:
        return web.Response()
    engine = request.app[ENGINE]
    try:
        async with engine.sessions() as tx, tx.begin():
            found = await delivery.record_status(tx, sid, state, error_code)
    except (SQLAlchemyError, OSError):
        log.exception("could not record a delivery status")
        raise web.HTTPServiceUnavailable(text="try again") from None
    if not found:
        log.debug("status %s for unknown message %s", state, sid)
    return web.Response()
