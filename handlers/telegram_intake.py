"""Telegram's Updates taken in at the edge, by webhook (handlers/telegram.py) or by polling: each recorded once
and applied in the background, a pressed button answered so that it stops spinning."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot

from bot.channels.telegram import ALLOWED_UPDATES
from bot.channels.telegram_api import BotApi, BotApiError
from bot.channels.telegram_updates import callback_query_id, to_incoming
from bot.dispatcher import TemporaryFailure
from bot.engine import Engine
from bot.incoming import Incoming

log = logging.getLogger(__name__)
POLL_TIMEOUT = 30
POLL_BACKOFF = 3.0
_answering: set[asyncio.Task] = set()  # callback answers in flight (a reference keeps each task alive)


async def answer_callback(api: BotApi, query_id: str) -> None:
    """Answer a pressed button so that it stops spinning; best effort."""
    try:
        await api.call("answerCallbackQuery", {"callback_query_id": query_id})
    except (BotApiError, TemporaryFailure) as exc:
        log.warning("answering callback query %s failed: %s", query_id, exc)


def answer_later(api: BotApi, update: dict) -> None:
    """`answer_callback` in the background, so that the webhook answers Telegram at once."""
    query_id = callback_query_id(update)
    if query_id is None:
        return
    task = asyncio.create_task(answer_callback(api, query_id), name=f"answer callback {query_id}")
    _answering.add(task)
    task.add_done_callback(_answering.discard)


async def accept(api: BotApi, engine: Engine, update: dict, incoming: Incoming) -> bool:
    """Record an input once and have it applied in the background; False when it is a repeat."""
    if not await engine.record(incoming):
        return False
    engine.process_later(incoming.conversation_key)
    answer_later(api, update)
    return True


async def _take(api: BotApi, engine: Engine, update: dict) -> None:
    """One polled Update; one that cannot be read is logged and skipped, never blocking the ones after it."""
    try:
        incoming = to_incoming(update)
    except Exception:  # noqa: BLE001  (whatever is wrong with it, it is only this Update's problem)
        log.exception("skipping Telegram update %s that cannot be read", update.get("update_id"))
        return
    if incoming is not None:
        await accept(api, engine, update, incoming)


async def poll(bot: Bot, api: BotApi, engine: Engine, *, backoff: float = POLL_BACKOFF) -> None:
    """Polling mode, until cancelled: the offset moves past an Update only once it is recorded, so a crash
    loses nothing (a re-delivered Update is a repeat and has no second effect)."""
    offset: int | None = None
    webhook_removed = False
    while True:
        try:
            if not webhook_removed:
                webhook_removed = await bot.delete_webhook(drop_pending_updates=False)
            updates = await bot.get_updates(
                offset=offset, timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES
            )
            for update in updates:
                await _take(api, engine, update.to_dict())  # polling is rare: PTB's objects are fine here
                offset = update.update_id + 1
        except Exception:  # noqa: BLE001  (the network or the database may be away for a moment; keep going)
            log.exception("Telegram polling failed; trying again in %.0f s", backoff)
            await asyncio.sleep(backoff)
