"""A recording fake of Twilio's Messages and Content APIs on loopback: what the bot sent, refusals on demand,
the templates it created and WhatsApp's verdict on them, and the media files of incoming messages (served only
with the account's credentials)."""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Self

from aiohttp import BasicAuth, web

MESSAGES = "/2010-04-01/Accounts/{account}/Messages.json"
CONTENT = "/v1/Content"
APPROVAL = "/v1/Content/{sid}/ApprovalRequests"
MEDIA = "/2010-04-01/Accounts/{account}/Messages/{message}/Media/{media}"


@dataclass(frozen=True)
class Call:
    """One create call: the account in the path, the Basic auth user, the form, the SID (None if refused)."""

    account_sid: str
    user: str
    params: dict[str, str]
    sid: str | None

    @property
    def to(self) -> str:
        return self.params.get("To", "")

    @property
    def body(self) -> str:
        return self.params.get("Body", "")


def _rfc2822(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


def message_json(account: str, sid: str, params: dict[str, str]) -> dict:
    """A Message resource as Twilio returns it right after a create."""
    now = _rfc2822(datetime.now(UTC))
    uri = f"/2010-04-01/Accounts/{account}/Messages/{sid}"
    return {
        "account_sid": account,
        "api_version": "2010-04-01",
        "body": params.get("Body", ""),
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": params.get("From"),
        "messaging_service_sid": params.get("MessagingServiceSid"),
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued" if params.get("From") else "accepted",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": params.get("To"),
        "uri": f"{uri}.json",
    }


def error_json(status: int, code: int | None, message: str) -> dict:
    """An error as Twilio's API words it."""
    info = f"https://www.twilio.com/docs/errors/{code}" if code else None
    return {"code": code, "message": message, "more_info": info, "status": status}


@dataclass
class Content:
    """A template the bot created, and WhatsApp's verdict as the fake reports it."""

    sid: str
    request: dict
    approval: dict | None = None
    status: str = "unsubmitted"
    rejection_reason: str = ""


class FakeTwilioApi:
    """Serves the Messages create and the Content endpoints on 127.0.0.1; `calls` keeps every send in order,
    `contents` every template created."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.contents: dict[str, Content] = {}
        self.url = ""
        self._failures: deque[tuple[int, int | None, str]] = deque()
        self._runner: web.AppRunner | None = None
        self.media: dict[str, tuple[bytes, str]] = {}  # path -> (bytes, content type)
        self.media_failures: deque[int] = deque()  # HTTP statuses for the next media fetches
        self.media_fetches: list[str] = []  # the Basic auth user of each media fetch ("" without)

    def add_media(self, account: str, data: bytes, content_type: str) -> str:
        """A media file of an incoming message; its MediaUrl."""
        path = MEDIA.format(account=account, message="MM" + secrets.token_hex(16), media="ME" + secrets.token_hex(16))
        self.media[path] = (data, content_type)
        return self.url + path

    def fail_next(self, status: int, code: int | None = None, message: str = "refused by the fake") -> None:
        """Refuse the next create with this HTTP status and Twilio error code (queued: several in a row)."""
        self._failures.append((status, code, message))

    @property
    def sent(self) -> list[Call]:
        """The creates that were accepted: what would reach WhatsApp."""
        return [c for c in self.calls if c.sid]

    def bodies(self, to: str | None = None) -> list[str]:
        return [c.body for c in self.sent if to is None or c.to == to]

    async def _create(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return web.json_response(error_json(401, 20003, "Authenticate"), status=401)
        user = BasicAuth.decode(header).login
        account = request.match_info["account"]
        params = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        if self._failures:
            status, code, message = self._failures.popleft()
            self.calls.append(Call(account, user, params, None))
            return web.json_response(error_json(status, code, message), status=status)
        sid = "SM" + secrets.token_hex(16)
        self.calls.append(Call(account, user, params, sid))
        return web.json_response(message_json(account, sid, params), status=201)

    def verdict(self, status: str, reason: str = "", language: str | None = None) -> None:
        """WhatsApp's review: every created template (of one language, if given) gets this status."""
        for content in self.contents.values():
            if language is None or content.request.get("language") == language:
                content.status, content.rejection_reason = status, reason

    def content_sid(self, friendly_name: str) -> str:
        return next(c.sid for c in self.contents.values() if c.request.get("friendly_name") == friendly_name)

    def _account(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        return BasicAuth.decode(header).login if header.startswith("Basic ") else None

    async def _create_content(self, request: web.Request) -> web.Response:
        account = self._account(request)
        if account is None:
            return web.json_response(error_json(401, 20003, "Authenticate"), status=401)
        body = await request.json()
        sid = "HX" + secrets.token_hex(16)
        self.contents[sid] = Content(sid, body)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return web.json_response(
            {
                "sid": sid, "account_sid": account, "friendly_name": body.get("friendly_name"),
                "language": body.get("language"), "variables": body.get("variables") or {}, "types": body.get("types"),
                "url": f"https://content.twilio.com/v1/Content/{sid}", "date_created": now, "date_updated": now,
                "links": {"approval_create": f"https://content.twilio.com/v1/Content/{sid}/ApprovalRequests/whatsapp",
                          "approval_fetch": f"https://content.twilio.com/v1/Content/{sid}/ApprovalRequests"},
            },
            status=201,
        )

    def _approval_json(self, content: Content) -> dict:
        approval = content.approval or {}
        kind = next(iter(content.request.get("types") or {"twilio/text": None}))
        return {
            "name": approval.get("name"), "category": approval.get("category"), "content_type": kind,
            "status": content.status, "rejection_reason": content.rejection_reason, "allow_category_change": True,
        }

    async def _submit(self, request: web.Request) -> web.Response:
        content = self.contents.get(request.match_info["sid"])
        if self._account(request) is None or content is None:
            return web.json_response(error_json(404, 20404, "not found"), status=404)
        content.approval, content.status = await request.json(), "received"
        return web.json_response(self._approval_json(content), status=201)

    async def _approval(self, request: web.Request) -> web.Response:
        content = self.contents.get(request.match_info["sid"])
        account = self._account(request)
        if account is None or content is None:
            return web.json_response(error_json(404, 20404, "not found"), status=404)
        return web.json_response({
            "sid": content.sid, "account_sid": account, "whatsapp": {"type": "whatsapp", **self._approval_json(content)},
            "url": f"https://content.twilio.com/v1/Content/{content.sid}/ApprovalRequests",
        })
    async def _media(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        user = BasicAuth.decode(header).login if header.startswith("Basic ") else ""
        self.media_fetches.append(user)
        if user != request.match_info["account"]:
            return web.json_response(error_json(401, 20003, "Authenticate"), status=401)
        if self.media_failures:
            return web.json_response(error_json(503, None, "unavailable"), status=self.media_failures.popleft())
        found = self.media.get(request.path)
        if found is None:
            return web.json_response(error_json(404, 20404, "not found"), status=404)
        return web.Response(body=found[0], content_type=found[1])

    async def start(self) -> str:
        """Listen on a free loopback port; the base URL (http://127.0.0.1:PORT)."""
        app = web.Application()
        app.router.add_post(MESSAGES, self._create)
        app.router.add_post(CONTENT, self._create_content)
        app.router.add_post(f"{APPROVAL}/whatsapp", self._submit)
        app.router.add_get(APPROVAL, self._approval)
        app.router.add_get(MEDIA, self._media)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
