"""WhatsApp through Twilio: webhook forms become `Incoming`; outbox rows become messages (24-hour rule)."""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot import media_links
from bot.dispatcher import NeedsTemplate, PermanentFailure, Recipient, TemporaryFailure
from bot.engine import utc_now
from bot.incoming import AttachmentRef, Incoming
from conversations.profile import Profile, WhatsAppTemplate
from bot.settings import Settings
from bot.whatsapp_templates import definitions, template_kind, values
from conversations.turns import LIMITS, TEMPLATE_VALUE, numbered
from conversations.types import Inbound
from store import wa_templates
from store.crypto import Keyring
from store.models import OutboxMessage

CHANNEL = "whatsapp"
MAX_BODY = LIMITS[CHANNEL]  # Twilio's limit for one message body: 1600
MAX_TEXT = 4096  # WhatsApp's own limit for a message; anything longer is not from WhatsApp
MAX_MEDIA = 10  # WhatsApp sends at most ten media files with one message
MAX_URL = 1000  # Attachment.reference
MAX_NAME = 200
MAX_CHOICE = 256
MAX_VARIABLE = TEMPLATE_VALUE  # a template's body may hold 1024 characters in all, its own text included
WINDOW = timedelta(hours=24)
TIMEOUT = 20.0  # seconds for one call to the API; a hung call becomes a retry, not a stuck dispatcher
SENDER = re.compile(r"whatsapp:(\+[1-9]\d{6,14})")
MESSAGE_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
OPTED_OUT = frozenset({21610})  # the recipient replied STOP to this sender
UNREACHABLE = frozenset({21211, 21614, 63003})  # not a valid number, not a WhatsApp user, not reachable
OUTSIDE_WINDOW = frozenset({63016})


class RebasedHttpClient(AsyncTwilioHttpClient):
    """Twilio's async HTTP client, sending every request to `base` (scheme and host) when one is given:
    the tests' fake API and a contract-checking proxy listen on loopback. JSON bodies go as JSON."""

    def __init__(self, base: str = "", timeout: float = TIMEOUT):
        super().__init__(timeout=timeout)
        self.base = urlsplit(base) if base else None

    async def request(
        self,
        method: str,
        url: str,
        params: dict | None = None,
        data: dict | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if self.base is not None:
            url = urlunsplit(urlsplit(url)._replace(scheme=self.base.scheme, netloc=self.base.netloc))
        if auth is not None:  # as a header: aiohttp deprecates the BasicAuth object the parent would build
            credentials = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers = {**(headers or {}), "Authorization": f"Basic {credentials}"}
        if data is not None and (headers or {}).get("Content-Type") == "application/json":
            data = json.dumps(data)  # the Content API takes JSON; the SDK's async client would send a form
        timeout = timeout or self.timeout
        return await super().request(method, url, params, data, headers, None, timeout, allow_redirects)


def make_client(settings: Settings) -> Client:
    """The Twilio client with the async HTTP client (create it inside the running event loop)."""
    http = RebasedHttpClient(settings.twilio_api_base_url)
    return Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)


def _field(form: Mapping[str, str], name: str, limit: int) -> str:
    return str(form.get(name) or "").strip()[:limit]


def _location(form: Mapping[str, str]) -> tuple[float, float] | None:
    """Latitude and Longitude when both are numbers on the globe."""
    try:
        lat, lon = float(form.get("Latitude", "")), float(form.get("Longitude", ""))
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        return None
    return lat, lon


def _media(form: Mapping[str, str]) -> tuple[AttachmentRef, ...]:
    """The media files of the message (at most ten), by their Twilio URL."""
    try:
        count = min(int(form.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        return ()
    refs = []
    for n in range(max(count, 0)):
        url = _field(form, f"MediaUrl{n}", MAX_URL + 1)
        if url.startswith(("https://", "http://")) and len(url) <= MAX_URL:
            refs.append(AttachmentRef("media", url, _field(form, f"MediaContentType{n}", 120)))
    return tuple(refs)


def to_incoming(form: Mapping[str, str]) -> Incoming | None:
    """One incoming WhatsApp message; None when it is not one (no whatsapp: sender or no message SID)."""
    sender, sid = SENDER.fullmatch(form.get("From") or ""), form.get("MessageSid") or ""
    if sender is None or not MESSAGE_SID.fullmatch(sid):
        return None
    body = _field(form, "Body", MAX_TEXT)
    button = _field(form, "ButtonPayload", MAX_CHOICE)
    location, media = _location(form), _media(form)
    if button:
        inbound = Inbound("choice", text=_field(form, "ButtonText", MAX_CHOICE) or button, choice=button)
    elif location is not None:
        inbound = Inbound("location", text=f"{location[0]:.6f},{location[1]:.6f}")
    elif media and all(m.content_type.startswith("audio/") for m in media):
        inbound = Inbound("voice", text=body)  # a voice note (or an audio file): an answer where words are
        media = tuple(replace(m, kind="voice") for m in media)
    elif media:
        inbound = Inbound("attachment", text=body)
    elif body:
        inbound = Inbound("text", text=body)
    else:
        inbound = Inbound("unsupported")
    phone = sender.group(1)
    return Incoming(
        channel=CHANNEL,
        sender_id=phone,
        provider_message_id=sid,
        inbound=inbound,
        display_name=_field(form, "ProfileName", MAX_NAME),
        phone=phone,
        attachments=media if inbound.kind in ("attachment", "voice") else (),
        location=location if inbound.kind == "location" else None,
    )


def _cut(text: str, limit: int) -> int:
    """Where to end a part: the last line break, else the last space, in the second half; else the limit."""
    window = text[: limit + 1]
    for separator in ("\n", " "):
        at = window.rfind(separator)
        if at >= limit // 2:
            return at
    return limit


def split(text: str, limit: int = MAX_BODY) -> list[str]:
    """Cut a text into parts of at most `limit` characters, in order."""
    parts, rest = [], text.strip()
    while len(rest) > limit:
        cut = _cut(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*parts, rest] if rest else parts


def render(payload: Mapping) -> list[str]:
    """The message bodies for a reply: its text, then its choices as a numbered list, in parts that fit."""
    parts = split(str(payload.get("text") or ""))
    menu = numbered([label for _, label in payload.get("choices") or []])
    if menu:
        joined = f"{parts[-1]}\n\n{menu}" if parts else menu
        if len(joined) <= MAX_BODY:
            parts[-1:] = [joined]
        else:
            parts += split(menu)
    return parts


def template_variables(template: WhatsAppTemplate, payload: Mapping) -> str:
    """The template's variables from the payload's fields, as the JSON string Twilio expects; WhatsApp
    refuses line breaks and tabs inside a variable, so whitespace is folded to single spaces."""
    values = {
        name: " ".join(str(payload.get(field) or "").split())[:MAX_VARIABLE] or "-"
        for name, field in template.variables.items()
    }
    return json.dumps(values, ensure_ascii=False)


def _failure(exc: TwilioRestException) -> Exception:
    """Twilio's refusal as the dispatcher's kind of failure."""
    reason = f"twilio {exc.status} error {exc.code}: {exc.msg}"[:200]
    if exc.code in OUTSIDE_WINDOW:
        return NeedsTemplate(reason)
    if exc.status == 429 or exc.status >= 500:
        return TemporaryFailure(reason)
    if exc.code in OPTED_OUT:
        return PermanentFailure(reason, opted_out=True, unreachable=True)
    return PermanentFailure(reason, unreachable=exc.code in UNREACHABLE)


class WhatsAppSender:
    """Sends outbox rows as WhatsApp messages through Twilio; a template outside the 24-hour window."""

    def __init__(
        self,
        client: Client,
        settings: Settings,
        profile: Profile,
        *,
        clock: Callable[[], datetime] = utc_now,
        sessions: async_sessionmaker[AsyncSession] | None = None,
        keyring: Keyring | None = None,
    ):
        self.client = client
        self.keyring = keyring
        self.base_url = settings.public_base_url
        self.sessions = sessions
        self.profile = profile
        self.clock = clock
        self.status_callback = f"{settings.public_base_url}/webhooks/twilio/status"
        if settings.twilio_messaging_service_sid:
            self.origin = {"messaging_service_sid": settings.twilio_messaging_service_sid}
        else:
            self.origin = {"from_": settings.twilio_whatsapp_from}

    async def send(self, row: OutboxMessage, recipient: Recipient) -> str:
        """Deliver one row; the SID of the (last) message Twilio accepted."""
        to, payload = f"whatsapp:{row.recipient}", row.payload
        last = recipient.last_inbound_at
        if last is None or self.clock() - last > WINDOW:
            if payload.get("file"):  # a template carries no file: the message waits, visibly, for another way
                raise NeedsTemplate("outside the 24-hour window a file cannot be sent")
            kind = payload.get("kind", "")
            template = self.profile.whatsapp_templates.get(kind)
            if template is not None:  # the profile's own mapping comes first
                variables = template_variables(template, payload)
                return await self._create(to, content_sid=template.content_sid, content_variables=variables)
            return await self._approved(row, to)
        bodies = render(payload)
        media = self._media_url(payload.get("file"))
        if not bodies and not media:
            raise PermanentFailure("nothing to send: no text and no choices")
        sid = ""
        for index, body in enumerate(bodies or [""]):
            file = {"media_url": [media]} if media and index == 0 else {}  # the file with the first part
            sid = await self._create(to, **({"body": body} if body else {}), **file)
        return sid

    def _media_url(self, file: Mapping | None) -> str | None:
        """The signed, expiring address Twilio fetches a file staff sent from (bot/media_links.py)."""
        if not file or self.keyring is None:
            return None
        return self.base_url + media_links.media_path(self.keyring, file["id"], file["name"], self.clock())

    async def _approved(self, row: OutboxMessage, to: str) -> str:
        """The shipped template for the row's kind, approved by WhatsApp, in the person's language, filled with
        the row's own values; NeedsTemplate when WhatsApp has approved none yet."""
        kind = template_kind(row.payload)
        found = None
        if self.sessions is not None:
            async with self.sessions() as tx:
                found = await wa_templates.approved_for(tx, kind, CHANNEL, row.recipient)
        definition = definitions().get((kind, found.language)) if found is not None else None
        if found is None or definition is None:
            raise NeedsTemplate(f"outside the 24-hour window; no approved template for {kind}")
        variables = json.dumps(values(definition, row.payload, row.subject), ensure_ascii=False)
        return await self._create(to, content_sid=found.content_sid, content_variables=variables)

    async def _create(self, to: str, **content: str) -> str:
        try:
            message = await self.client.messages.create_async(
                to=to, status_callback=self.status_callback, **self.origin, **content
            )
        except TwilioRestException as exc:
            raise _failure(exc) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TemporaryFailure(f"network: {type(exc).__name__}: {exc}"[:200]) from exc
        return message.sid
