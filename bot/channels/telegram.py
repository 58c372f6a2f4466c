"""Telegram: outbox rows out as messages with buttons (JSON on the hot path, PTB for files) and the webhook's
registration; Updates are read by `telegram_updates` and taken in by `handlers/telegram_intake.py`."""

from __future__ import annotations

import asyncio
import logging
import warnings
from datetime import timedelta
from pathlib import Path

from telegram import Bot, InputFile, Message
from telegram.constants import InlineKeyboardButtonLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram_api import BotApi, BotApiError, failure
from bot.channels.telegram_updates import CHANNEL  # the channel's name, used with the sender and for its limit
from bot.dispatcher import PermanentFailure, Recipient, TemporaryFailure
from bot.settings import Settings
from conversations.turns import LIMITS, units
from store import file_store
from store.models import OutboxMessage

log = logging.getLogger(__name__)
MAX_TEXT = LIMITS[CHANNEL]  # 4096, counted by Telegram in UTF-16 code units
MAX_CALLBACK_BYTES = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64
SHORT_LABEL = 16  # when every label is this short, buttons go two to a row
ALLOWED_UPDATES = ["message", "callback_query"]
WEBHOOK_PATH = "/webhooks/telegram"


def make_bot(settings: Settings) -> Bot:
    """A Bot for the configured API server, with a connection pool wide enough for concurrent sends."""
    base = settings.telegram_api_base_url
    return Bot(
        settings.telegram_bot_token,
        base_url=base,
        base_file_url=base.removesuffix("/bot") + "/file/bot",
        request=HTTPXRequest(connection_pool_size=64),
    )


# Messages out


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 code units."""
    if units(text) <= limit:  # nearly every message: counted at C speed
        return len(text)
    units_so_far = 0
    for index, char in enumerate(text):
        units_so_far += _units(char)
        if units_so_far > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Parts of at most `limit` units, cut at the last line break that fits, else at a space, else hard."""
    parts: list[str] = []
    text = text.strip()
    while text:
        room = _fitting(text, limit)
        if room == len(text):
            parts.append(text)
            break
        cut = text.rfind("\n", 0, room + 1)
        if cut <= 0:
            cut = text.rfind(" ", 0, room + 1)
        if cut <= 0:
            cut = room
        parts.append(text[:cut].rstrip())
        text = text[cut:].strip()
    return parts


def keyboard(choices: list[list[str]]) -> dict | None:
    """The choices as an inline keyboard (Bot API JSON) whose buttons' callback data is the choice's key; two
    to a row when short."""
    if not choices:
        return None
    for key, _label in choices:
        if not 1 <= len(key.encode("utf-8")) <= MAX_CALLBACK_BYTES:
            raise PermanentFailure(
                f"choice key {key!r} does not fit Telegram's 1-{MAX_CALLBACK_BYTES} byte callback data"
            )
    buttons = [{"text": label, "callback_data": key} for key, label in choices]
    width = 2 if all(len(label) <= SHORT_LABEL for _key, label in choices) else 1
    return {"inline_keyboard": [buttons[i : i + width] for i in range(0, len(buttons), width)]}


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int form of `retry_after` will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def make_api(bot: Bot) -> BotApi:
    """The JSON client for the hot calls, on the same server and token as `bot`."""
    return BotApi(bot.base_url)


class TelegramSender:
    """Sends outbox rows with the Bot API (text as JSON through `api`, files through PTB's `bot`); maps
    Telegram's refusals to the dispatcher's failures."""

    def __init__(self, bot: Bot, api: BotApi, files_dir: Path | None = None):
        self.bot = bot
        self.api = api
        self.files_dir = files_dir

    async def send(self, row: OutboxMessage, recipient: Recipient) -> str:
        """The text (in parts when long) with the keyboard on the last part, then a file staff sent (a photo,
        a voice note or a document); the last message's id."""
        markup = keyboard(row.payload.get("choices") or [])
        parts = split_text(row.payload.get("text", ""))
        file = row.payload.get("file")
        if not parts and not file:
            raise PermanentFailure("nothing to send: the text is empty")
        sent = ""
        for index, part in enumerate(parts, start=1):
            sent = await self._send_one(row.recipient, part, markup if index == len(parts) else None)
        if file:
            sent = str((await self._send_file(row.recipient, file)).message_id)
        return sent

    async def _send_file(self, chat_id: str, file: dict) -> Message:
        """A stored file as Telegram shows its kind best: an image as a photo, Ogg as a voice note, audio as
        audio, anything else (a PDF) as a document."""
        path = file_store.path_of(self.files_dir, file["name"]) if self.files_dir else None
        if path is None:
            raise PermanentFailure("the file to send is no longer kept")
        data = await asyncio.to_thread(path.read_bytes)
        shown = InputFile(data, filename=file.get("file_name") or path.name)  # named with its checked type
        kind = file.get("type", "")
        if kind.startswith("image/"):
            return await self._call(self.bot.send_photo, chat_id=chat_id, photo=shown)
        if kind == "audio/ogg":
            return await self._call(self.bot.send_voice, chat_id=chat_id, voice=shown)
        if kind.startswith("audio/"):
            return await self._call(self.bot.send_audio, chat_id=chat_id, audio=shown)
        return await self._call(self.bot.send_document, chat_id=chat_id, document=shown)

    async def _send_one(self, chat_id: str, text: str, markup: dict | None) -> str:
        """One sendMessage; the message's id."""
        parameters: dict = {"chat_id": chat_id, "text": text}
        if markup is not None:
            parameters["reply_markup"] = markup
        try:
            sent = await self.api.call("sendMessage", parameters)
        except BotApiError as exc:
            raise failure(exc) from exc
        return str(sent.get("message_id", "")) if isinstance(sent, dict) else ""

    async def _call(self, method, **arguments) -> Message:  # type: ignore[no-untyped-def]
        """One PTB call (a file), Telegram's refusals mapped to the dispatcher's failures."""
        try:
            return await method(**arguments)
        except RetryAfter as exc:
            raise TemporaryFailure(str(exc), retry_after=_seconds(exc)) from exc
        except Forbidden as exc:  # blocked by the user, or the user's account is deactivated
            raise PermanentFailure(exc.message, unreachable=True) from exc
        except BadRequest as exc:  # before NetworkError: PTB derives BadRequest from it
            raise PermanentFailure(exc.message, unreachable="chat not found" in exc.message.lower()) from exc
        except NetworkError as exc:  # includes TimedOut
            raise TemporaryFailure(f"{type(exc).__name__}: {exc.message}") from exc


# The webhook's registration (the intake of Updates, by webhook or polling, is handlers/telegram_intake.py)


async def set_webhook(settings: Settings) -> str:
    """Tell Telegram to post Updates to PUBLIC_BASE_URL/webhooks/telegram with our secret token; the URL."""
    url = settings.public_base_url + WEBHOOK_PATH
    async with make_bot(settings) as bot:
        await bot.set_webhook(
            url,
            secret_token=settings.telegram_webhook_secret or None,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
    return url
