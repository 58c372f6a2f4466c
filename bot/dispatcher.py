"""The outbox sender: claims due rows after commit and hands each to its channel's sender, with retries."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Callable, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import queries
from store.models import OutboxMessage

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)  # a row claimed longer ago than this by a dead sender is claimed again
MAX_ATTEMPTS = 6


class TemporaryFailure(Exception):
    """The provider could not take the message now; try again later."""


class PermanentFailure(Exception):
    """The provider refused the message for good (bad number, blocked, …)."""


class Sender(Protocol):
    """A channel's way out: deliver one outbox row, return the provider's id for it."""

    async def send(self, row: OutboxMessage) -> str: ...


def backoff(attempts: int) -> timedelta:
    """5 s, 20 s, 80 s, … capped at an hour."""
    return timedelta(seconds=min(3600, 5 * 4 ** max(0, attempts - 1)))


class Dispatcher:
    """Delivers outbox rows in order; woken after each commit, and periodically for retries."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: dict[str, Sender],
        clock: Callable[[], datetime],
        batch: int = 100,
    ):
        self.sessions = sessions
        self.senders = senders
        self.clock = clock
        self.batch = batch
        self._wake = asyncio.Event()

    def wake(self, _rows: object = None) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        """Send what is due now; the number of rows handled."""
        async with self.sessions() as tx, tx.begin():
            rows = await queries.claim_outbox(tx, self.clock(), LEASE, self.batch)
        for row in rows:
            await self._deliver(row)
        return len(rows)

    async def _deliver(self, row: OutboxMessage) -> None:
        sender = self.senders.get(row.channel)
        status, provider_id, error, retry_at = "sent", None, None, None
        if sender is None:
            status, error = "failed", f"no sender for channel {row.channel!r}"
        else:
            try:
                provider_id = await sender.send(row)
            except PermanentFailure as exc:
                status, error = "failed", str(exc)[:500]
            except Exception as exc:  # noqa: BLE001  (any other failure is worth another try)
                error = f"{type(exc).__name__}: {exc}"[:500]
                if row.attempts >= MAX_ATTEMPTS:
                    status = "failed"
                else:
                    status, retry_at = "pending", self.clock() + backoff(row.attempts)
        async with self.sessions() as tx, tx.begin():
            fresh = await tx.get(OutboxMessage, row.id)
            if fresh is None or fresh.status != "sending":
                return
            fresh.status = status
            fresh.error = error
            if provider_id is not None:
                fresh.provider_message_id = provider_id
                fresh.sent_at = self.clock()
            if retry_at is not None:
                fresh.next_attempt_at = retry_at
        if status != "sent":
            log.warning("outbox %s on %s: %s (%s)", row.id, row.channel, status, error)

    async def run_forever(self, idle: float = 2.0) -> None:
        """Send on every wake-up, and at least every `idle` seconds."""
        while True:
            self._wake.clear()  # before the pass, so that a commit during it is not missed
            try:
                while await self.run_once():
                    pass
            except Exception:  # noqa: BLE001  (the database may be away for a moment; keep going)
                log.exception("dispatcher pass failed")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=idle)
            except TimeoutError:
                pass
