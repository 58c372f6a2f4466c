"""The Bot API's hot calls (replies, callback answers) as pre-built JSON over one keep-alive aiohttp session:
a reply costs one dict and one POST instead of PTB's object layer and httpx's pool bookkeeping."""

from __future__ import annotations

import asyncio
import json

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector

from bot.dispatcher import PermanentFailure, TemporaryFailure

CONNECTIONS = 64  # as many sends at once as the dispatcher serves recipients, with room to spare
TIMEOUT = ClientTimeout(total=15, connect=5, sock_read=10)
_HEADERS = {"Content-Type": "application/json"}
_PREFIXES = ("Error: ", "[Error]: ", "Bad Request: ")  # what Telegram puts before a description worth reading


class BotApiError(Exception):
    """An answer of the Bot API that is not `ok`, with its HTTP status, description and parameters."""

    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters or {}


class BotApi:
    """POST {base}/{method} with a JSON body; the `result` of an `ok` answer, else `BotApiError`.
    `base` is the bot's URL with its token (`https://api.telegram.org/bot<token>`)."""

    def __init__(self, base: str, *, connections: int = CONNECTIONS):
        self.base = base.rstrip("/")
        self._connections = connections
        self._session: ClientSession | None = None

    def _open(self) -> ClientSession:
        if self._session is None or self._session.closed:
            connector = TCPConnector(limit=self._connections, ttl_dns_cache=300)
            self._session = ClientSession(connector=connector, timeout=TIMEOUT, json_serialize=json.dumps)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, method: str, parameters: dict) -> object:
        """One call; network trouble and unreadable answers are `TemporaryFailure`, Telegram's refusals
        `BotApiError` (see `failure` for what the dispatcher makes of them)."""
        body = json.dumps(parameters, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            async with self._open().post(f"{self.base}/{method}", data=body, headers=_HEADERS) as answer:
                status, payload = answer.status, await answer.read()
        except (ClientError, asyncio.TimeoutError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
        try:
            data = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise TemporaryFailure(f"the Bot API answered {status} with something that is not JSON")
        if 200 <= status <= 299 and data.get("ok") is True:
            return data.get("result")
        description = data.get("description")
        parameters = data.get("parameters")
        raise BotApiError(
            status,
            description if isinstance(description, str) and description else f"HTTP {status}",
            parameters if isinstance(parameters, dict) else None,
        )


def failure(error: BotApiError) -> Exception:
    """A refusal as the dispatcher's failure, as PTB's exceptions were mapped: flood control (retry_after) to
    try again later, 403 (blocked, deactivated) unreachable for good, 400 failed with its reason (unreachable
    when the chat is unknown), anything else (5xx, a moved group, a bad token) to try again with back-off."""
    retry_after = error.parameters.get("retry_after")
    if isinstance(retry_after, (int, float)) and not isinstance(retry_after, bool) and retry_after > 0:
        reason = f"Flood control exceeded. Retry in {retry_after} seconds"
        return TemporaryFailure(reason, retry_after=retry_after)
    reason = _readable(error.description)
    if error.status == 403:
        return PermanentFailure(reason, unreachable=True)
    if error.status == 400:
        return PermanentFailure(reason, unreachable="chat not found" in reason.lower())
    return TemporaryFailure(f"{error.status}: {reason}")


def _readable(description: str) -> str:
    """Telegram's description without its "Bad Request: " kind of prefix, first letter capitalised."""
    for prefix in _PREFIXES:
        if description.startswith(prefix):
            return description.removeprefix(prefix).capitalize()
    return description
