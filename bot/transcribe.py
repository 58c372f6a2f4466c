"""Optional transcription of voice notes (off unless TRANSCRIBE_URL is set): an OpenAI-compatible
`/v1/audio/transcriptions` endpoint (a self-hosted faster-whisper server or a provider) turns a note into text
that staff read beside the player. A failure only leaves the note without text."""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

import aiohttp

from bot.settings import Settings
from store.file_store import FileType

log = logging.getLogger(__name__)
Transcribe = Callable[[bytes, FileType], Awaitable[str]]
TIMEOUT = aiohttp.ClientTimeout(total=180, sock_connect=10)
MAX_TEXT = 4000


def transcriber(settings: Settings) -> Transcribe | None:
    """The transcription call for the settings, or None when transcription is off."""
    if not settings.transcribe_url:
        return None
    key = settings.transcribe_api_key
    headers = {"Authorization": f"Bearer {key}"} if key else {}

    async def transcribe(data: bytes, kind: FileType) -> str:
        form = aiohttp.FormData()
        form.add_field("model", settings.transcribe_model)
        form.add_field("response_format", "json")
        form.add_field("file", data, filename=f"voice.{kind.extension}", content_type=kind.content_type)
        try:
            async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
                async with http.post(settings.transcribe_url, data=form, headers=headers) as response:
                    if response.status != 200:
                        log.warning("transcription refused: HTTP %s", response.status)
                        return ""
                    answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("transcription failed: %s", type(exc).__name__)
            return ""
        text = answer.get("text") if isinstance(answer, dict) else None
        return " ".join(text.split())[:MAX_TEXT] if isinstance(text, str) else ""

    return transcribe
