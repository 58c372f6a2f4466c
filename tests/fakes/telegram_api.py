"""A recording fake of the Telegram Bot API on loopback: python-telegram-bot's real Bot talks to it through
`base_url`, every call is kept (method and parameters), and the answers have the Bot API's shape."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Self

from aiohttp import web
from aiohttp.test_utils import TestServer
from aiohttp.web_request import FileField

# Parameters the Bot API takes as JSON-serialized strings in a form body.
JSON_FIELDS = frozenset(
    {"reply_markup", "allowed_updates", "entities", "link_preview_options", "reply_parameters"}
)
LONG_POLL_CAP = 0.5  # getUpdates waits at most this long for an update (the real API: up to `timeout`)


@dataclass
class Call:
    """One request the fake received, with the status it answered."""

    method: str
    params: dict
    status: int = 200


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None = None


@dataclass
class FakeBotApi:
    """POST /bot{token}/{method} for the methods the bot uses; `async with FakeBotApi(token) as api`."""

    token: str
    calls: list[Call] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)  # what getUpdates serves, until an offset confirms it
    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> the bytes getFile leads to

    def __post_init__(self) -> None:
        self._failures: dict[str, list[_Failure]] = {}
        self._message_ids = itertools.count(1)
        self._arrived = asyncio.Event()
        self._closing = False
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/files/{file_id}", self._file)
        self.server = TestServer(app, host="127.0.0.1", port=0)

    async def __aenter__(self) -> Self:
        await self.server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing = True
        self._arrived.set()  # releases a getUpdates that is waiting
        await self.server.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def base_url(self) -> str:
        """What the Bot takes as `base_url` (the token is appended to it)."""
        return self.url + "/bot"

    # What tests tell it and ask it

    def fail_next(self, method: str, status: int, description: str, retry_after: int | None = None) -> None:
        """Answer the next call of `method` with an error (e.g. 429 with retry_after, 403 blocked)."""
        self._failures.setdefault(method, []).append(_Failure(status, description, retry_after))

    def push_update(self, update: dict) -> None:
        """An Update for getUpdates to deliver."""
        self.updates.append(update)
        self._arrived.set()

    def requests(self, method: str) -> list[dict]:
        """The parameters of every successful call of `method`, oldest first."""
        return [c.params for c in self.calls if c.method == method and c.status == 200]

    def sent(self) -> list[dict]:
        """The messages delivered with sendMessage."""
        return self.requests("sendMessage")

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict]:
        """Wait (with a short deadline, for calls made in the background) for `count` calls of `method`."""
        deadline = time.monotonic() + timeout
        while len(self.requests(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} called {len(self.requests(method))} times, expected {count}")
            await asyncio.sleep(0.01)
        return self.requests(method)

    # The API

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        if request.match_info["token"] != self.token:
            return self._error(Call(method, params), _Failure(401, "Unauthorized"))
        queued = self._failures.get(method)
        if queued:
            return self._error(Call(method, params), queued.pop(0))
        answer = getattr(self, f"_{method}", None)
        if answer is None:
            return self._error(Call(method, params), _Failure(404, "Not Found: method not found"))
        self.calls.append(Call(method, params))
        return web.json_response({"ok": True, "result": await answer(params)})

    def _error(self, call: Call, failure: _Failure) -> web.Response:
        call.status = failure.status
        self.calls.append(call)
        body: dict = {"ok": False, "error_code": failure.status, "description": failure.description}
        if failure.retry_after is not None:
            body["parameters"] = {"retry_after": failure.retry_after}
        return web.json_response(body, status=failure.status)

    def _bot_user(self) -> dict:
        return {
            "id": int(self.token.split(":")[0]),
            "is_bot": True,
            "first_name": "Front Desk",
            "username": "frontdesk_test_bot",
        }

    async def _getMe(self, params: dict) -> dict:
        return self._bot_user()

    async def _sendMessage(self, params: dict) -> dict:
        chat = {"id": int(params["chat_id"]), "type": "private"}
        message_id = next(self._message_ids)
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self._bot_user(),
            "text": params["text"],
        }

    async def _file_message(self, params: dict, kind: str) -> dict:
        """A photo, document, voice note or audio file sent as an upload (kept in the call as bytes)."""
        chat = {"id": int(params["chat_id"]), "type": "private"}
        sent = {"file_id": f"sent-{kind}", "file_unique_id": f"u-sent-{kind}"}
        shape = {"photo": [{**sent, "width": 1, "height": 1}], "document": sent, "voice": {**sent, "duration": 1},
                 "audio": {**sent, "duration": 1}}  # fmt: skip
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat}
        return {**message, "from": self._bot_user(), kind: shape[kind]}

    async def _sendPhoto(self, params: dict) -> dict:
        return await self._file_message(params, "photo")

    async def _sendDocument(self, params: dict) -> dict:
        return await self._file_message(params, "document")

    async def _sendVoice(self, params: dict) -> dict:
        return await self._file_message(params, "voice")

    async def _sendAudio(self, params: dict) -> dict:
        return await self._file_message(params, "audio")

    async def _answerCallbackQuery(self, params: dict) -> bool:
        return True

    async def _setWebhook(self, params: dict) -> bool:
        return True

    async def _deleteWebhook(self, params: dict) -> bool:
        return True

    async def _getFile(self, params: dict) -> dict:
        file_id = params["file_id"]
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(self.files.get(file_id, b"\0" * 1024)),
            "file_path": f"files/{file_id}",
        }

    async def _file(self, request: web.Request) -> web.Response:
        """The file a getFile answer points to (GET /file/bot<token>/<file_path>)."""
        found = self.files.get(request.match_info["file_id"])
        if request.match_info["token"] != self.token or found is None:
            return web.Response(status=404)
        return web.Response(body=found, content_type="application/octet-stream")

    async def _getUpdates(self, params: dict) -> list[dict]:
        """Updates from `offset` on; asking with an offset confirms (forgets) the ones before it."""
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        if not self.updates and wait > 0 and not self._closing:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), wait)
        return list(self.updates)


async def _params(request: web.Request) -> dict:
    """The call's parameters, from a JSON body or a form body (where nested values are JSON strings)."""
    if request.content_type == "application/json":
        return await request.json()
    form = await request.post()
    return {
        k: (v.filename, v.file.read()) if isinstance(v, FileField) else json.loads(v) if k in JSON_FIELDS else v
        for k, v in form.items()
    }
