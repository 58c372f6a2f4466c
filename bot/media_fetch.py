"""Files beneficiaries send on WhatsApp and Telegram, fetched from the provider into the file store by a
background job (the provider's copy expires), with the dispatcher's retry rules; a file we cannot accept
gets the sender a polite note saying what is accepted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Awaitable, Callable

import aiohttp
from sqlalchemy import select
from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.dispatcher import MAX_ATTEMPTS, backoff
from bot.engine import Engine
from bot.settings import Settings
from bot.transcribe import Transcribe
from store import file_store, media_fetch, queries
from store.models import Attachment, InboundMessage

log = logging.getLogger(__name__)
Download = Callable[[str], Awaitable[bytes]]
CLEAN_EVERY = 3600  # seconds between looks for files whose rows were erased
LEASE = timedelta(minutes=2)  # a fetch that a dead process started is taken again after this
TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=10)
TWILIO_API = "https://api.twilio.com/"
REFUSED = frozenset({"type", "too_large"})  # the file arrived but is not one we keep: tell the sender


class FetchFailed(Exception):
    """A fetch that did not bring a file we keep; `reason` is a key the console words; permanent or not."""

    def __init__(self, reason: str, *, permanent: bool):
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


def _http_failure(status: int) -> FetchFailed:
    if status in (404, 410):
        return FetchFailed("gone", permanent=True)  # the provider no longer has it
    if status == 429 or status >= 500:
        return FetchFailed("unavailable", permanent=False)
    return FetchFailed("refused", permanent=True)


async def _read_within(content: aiohttp.StreamReader) -> bytes:
    """The body, or "too_large" as soon as it passes the largest limit (nothing beyond it is read)."""
    chunks, size = [], 0
    async for chunk in content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > file_store.LARGEST:
            raise FetchFailed("too_large", permanent=True)
        chunks.append(chunk)
    return b"".join(chunks)


def twilio_download(settings: Settings) -> Download:
    """Twilio's media URLs, with the account's credentials (only toward Twilio's own API address)."""
    api = (settings.twilio_api_base_url or TWILIO_API).rstrip("/") + "/"
    credentials = {
        "Authorization": aiohttp.encode_basic_auth(settings.twilio_account_sid, settings.twilio_auth_token)
    }

    async def download(url: str) -> bytes:
        try:
            async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
                headers = credentials if url.startswith(api) else {}  # aiohttp drops them on a redirect away
                async with http.get(url, headers=headers) as response:
                    if response.status != 200:
                        raise _http_failure(response.status)
                    return await _read_within(response.content)
        except (aiohttp.ClientError, asyncio.TimeoutError):
            raise FetchFailed("unavailable", permanent=False) from None

    return download


def telegram_download(bot: Bot) -> Download:
    """getFile, then the file from the Bot API's file address."""

    async def download(file_id: str) -> bytes:
        try:
            info = await bot.get_file(file_id)
            if info.file_size and info.file_size > file_store.LARGEST:
                raise FetchFailed("too_large", permanent=True)
            return bytes(await info.download_as_bytearray())
        except BadRequest as exc:
            too_big = "too big" in str(exc).lower()
            raise FetchFailed("too_large" if too_big else "gone", permanent=True) from None
        except Forbidden:
            raise FetchFailed("refused", permanent=True) from None
        except TelegramError:  # network, flood control, server errors
            raise FetchFailed("unavailable", permanent=False) from None

    return download


def downloads(settings: Settings, bot: Bot | None) -> dict[str, Download]:
    """The downloads of the channels that are on."""
    found: dict[str, Download] = {}
    if settings.whatsapp_enabled:
        found["whatsapp"] = twilio_download(settings)
    if bot is not None:
        found["telegram"] = telegram_download(bot)
    return found


def refused_text(texts: Callable[..., str], lang: str) -> str:
    mb = {f"{family}_mb": limit // file_store.MB for family, limit in file_store.LIMITS.items()}
    return texts(lang, "file_not_accepted", **mb)


class MediaFetcher:
    """Claims due fetches and runs them one by one; `run_once` for tests, `run_forever` in the app."""

    def __init__(
        self,
        engine: Engine,
        files_dir: Path,
        downloads: dict[str, Download],
        transcribe: Transcribe | None = None,
        poll: float = 2.0,
    ):
        self.engine, self.files_dir, self.downloads, self.poll = engine, files_dir, downloads, poll
        self.transcribe = transcribe
        self._transcribing: set[asyncio.Task] = set()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        """Fetch every due file; how many were tried."""
        async with self.engine.sessions() as tx, tx.begin():
            rows = await media_fetch.claim_due(tx, self.engine.clock(), LEASE)
            jobs = [(row.id, row.channel, row.reference, row.fetch_attempts) for row in rows]
        for job in jobs:
            await self._fetch(*job)
        return len(jobs)

    async def remove_erased(self) -> int:
        """Delete the files of rows that were erased (an erasure deletes rows inside its transaction)."""
        async with self.engine.sessions() as tx:
            kept = await media_fetch.stored_names(tx)
        return await asyncio.to_thread(file_store.remove_orphans, self.files_dir, kept)

    async def run_forever(self) -> None:
        cleaned = 0.0
        while True:
            try:
                while await self.run_once():
                    pass
                if time.monotonic() - cleaned > CLEAN_EVERY:
                    cleaned = time.monotonic()
                    await self.remove_erased()
            except Exception:  # noqa: BLE001  (logged; the next pass tries again)
                log.exception("fetching files failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)

    async def _fetch(self, attachment_id: int, channel: str, reference: str, attempts: int) -> None:
        download = self.downloads.get(channel)
        try:
            if download is None:
                raise FetchFailed("channel_off", permanent=True)
            data = await download(reference)
            reason = file_store.refusal(data)
            if reason:
                raise FetchFailed(reason, permanent=True)
            name, kind = await asyncio.to_thread(file_store.write, self.files_dir, data)
        except FetchFailed as exc:
            await self._failed(attachment_id, exc, attempts)
            return
        async with self.engine.sessions() as tx, tx.begin():
            await media_fetch.record_stored(tx, attachment_id, name, kind.content_type, len(data))
        if kind.family == "audio" and self.transcribe is not None:
            await self._transcribe(attachment_id, data, kind)

    def transcribe_later(self, stored_name: str, data: bytes, kind: file_store.FileType) -> None:
        """Transcribe a note stored already (a web upload) in the background, when transcription is on."""
        if self.transcribe is None or kind.family != "audio":
            return
        task = asyncio.create_task(self._transcribe_stored(stored_name, data, kind))
        self._transcribing.add(task)
        task.add_done_callback(self._transcribing.discard)

    async def settled(self) -> None:
        """Wait for the transcriptions started in the background (tests, shutdown)."""
        while self._transcribing:
            await asyncio.gather(*self._transcribing, return_exceptions=True)

    async def _transcribe_stored(self, stored_name: str, data: bytes, kind: file_store.FileType) -> None:
        async with self.engine.sessions() as tx:
            found = await tx.scalar(select(Attachment.id).where(Attachment.stored_name == stored_name))
        if found is not None:
            await self._transcribe(found, data, kind)

    async def _transcribe(self, attachment_id: int, data: bytes, kind: file_store.FileType) -> None:
        """Keep the note's words beside it and give them to its conversation (what was understood)."""
        words = await self.transcribe(data, kind)
        if not words:
            return
        async with self.engine.sessions() as tx, tx.begin():
            row = await tx.get(Attachment, attachment_id)
            row.transcript = self.engine.keyring.encrypt(words)  # personal data, encrypted at rest
            message = await tx.get(InboundMessage, row.inbound_id) if row.inbound_id else None
            key = message.conversation_key if message else None
            if key:
                await queries.record_event(tx, key, "voice_transcript", words, self.engine.clock())
        if key:
            await self.engine.process(key)

    async def _failed(self, attachment_id: int, exc: FetchFailed, attempts: int) -> None:
        now = self.engine.clock()
        retry = None if exc.permanent or attempts >= MAX_ATTEMPTS else now + backoff(attempts)
        async with self.engine.sessions() as tx, tx.begin():
            await media_fetch.record_failure(tx, attachment_id, exc.reason, retry)
            if exc.reason in REFUSED:
                row = await tx.get(Attachment, attachment_id)
                await media_fetch.tell_sender(
                    tx, row, lambda lang: refused_text(self.engine.texts, lang), now
                )
        if exc.reason in REFUSED and self.engine.dispatcher is not None:
            self.engine.dispatcher.wake()
