"""The outbox sender: claims due rows after commit and hands each to its channel's sender, within the
channel's rate limit, in order per recipient, with retries (back-off with jitter) and clear final states."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel_locks import ChannelLocks
from bot.ratelimit import Limiter, RateLimit
from store import queries
from store.models import OutboxMessage, Rating

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)  # a row claimed longer ago than this by a dead sender is claimed again
MAX_ATTEMPTS = 6
CONCURRENCY = 32  # recipients served at once; each recipient's rows still go one after another
OPT_OUT_KINDS = frozenset({"announcement"})  # what STOP stops; replies and news of one's own requests still go


@dataclass(frozen=True)
class Recipient:
    """What a sender may need to know about whom it writes to."""

    last_inbound_at: datetime | None = None
    opted_out: bool = False
    unreachable: str | None = None


class TemporaryFailure(Exception):
    """The provider could not take the message now (429, 5xx, network); try again, after `retry_after` s if given."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentFailure(Exception):
    """The provider refused the message for good; `unreachable` marks the identity (blocked, invalid number),
    `opted_out` records that the person unsubscribed at the provider."""

    def __init__(self, reason: str, *, unreachable: bool = False, opted_out: bool = False):
        super().__init__(reason)
        self.unreachable = unreachable
        self.opted_out = opted_out


class NeedsTemplate(Exception):
    """A free-form message outside the WhatsApp 24-hour window, with no approved template for its kind."""


class Sender(Protocol):
    """A channel's way out: deliver one outbox row, return the provider's id for it."""

    async def send(self, row: OutboxMessage, recipient: Recipient) -> str: ...


def backoff(attempts: int, rng: Callable[[], float] = random.random) -> timedelta:
    """5 s, 20 s, 80 s, … capped at an hour, each stretched by up to a quarter at random (jitter), so that
    many rows failing together do not all come back at the same moment."""
    base = min(3600, 5 * 4 ** max(0, attempts - 1))
    return timedelta(seconds=base * (1 + 0.25 * rng()))


@dataclass
class _Outcome:
    status: str
    provider_id: str | None = None
    error: str | None = None
    retry_at: datetime | None = None
    unreachable: str | None = None
    opted_out: bool = False


class Dispatcher:
    """Delivers outbox rows; woken after each commit, and periodically for retries."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: dict[str, Sender],
        clock: Callable[[], datetime],
        *,
        limits: dict[str, RateLimit] | None = None,
        batch: int = 200,
        lease: timedelta = LEASE,
        locks: ChannelLocks | None = None,
    ):
        self.sessions = sessions
        self.senders = senders
        self.clock = clock
        self.batch = batch
        self.lease = lease
        self.locks = locks
        self.limiters = {channel: Limiter(limit) for channel, limit in (limits or {}).items()}
        self._wake = asyncio.Event()

    def wake(self, _rows: object = None) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        """Send what is due now; the number of rows handled. Recipients are looked up, and outcomes written,
        once per batch; a crash in between re-sends at most this batch (its lease runs out)."""
        channels = await self.locks.channels(self.senders) if self.locks else None
        async with self.sessions() as tx, tx.begin():
            rows = await queries.claim_outbox(tx, self.clock(), self.lease, self.batch, channels)
        if not rows:
            return 0
        queues: dict[tuple[str, str], list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            queues[(row.channel, row.recipient)].append(row)
        async with self.sessions() as tx:
            known = await queries.recipients(tx, list(queues))
        gate = asyncio.Semaphore(CONCURRENCY)
        outcomes: list[tuple[OutboxMessage, _Outcome]] = []

        async def serve(key: tuple[str, str], queue: list[OutboxMessage]) -> None:
            async with gate:
                identity = known.get(key)
                who = Recipient(identity.last_inbound_at, identity.opted_out, identity.unreachable) if identity else Recipient()
                for row in queue:
                    outcome = await self._attempt(row, who)
                    outcomes.append((row, outcome))
                    if outcome.unreachable:  # the rest of this recipient's rows need not be tried
                        who = Recipient(who.last_inbound_at, who.opted_out, outcome.unreachable)

        await asyncio.gather(*(serve(key, q) for key, q in queues.items()))
        await self._record(outcomes)
        return len(rows)

    async def _record(self, outcomes: list[tuple[OutboxMessage, _Outcome]]) -> None:
        """Write every outcome of a batch in one transaction; rows another dispatcher took over are left alone."""
        async with self.sessions() as tx, tx.begin():
            ids = [row.id for row, _ in outcomes]
            fresh = {r.id: r for r in (await tx.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))).all()}
            marks: dict[tuple[str, str], _Outcome] = {}
            for row, outcome in outcomes:
                current = fresh.get(row.id)
                if current is None or current.status != "sending" or current.attempts != row.attempts:
                    continue
                current.status, current.error = outcome.status, outcome.error
                if outcome.provider_id is not None:
                    current.provider_message_id, current.sent_at = outcome.provider_id, self.clock()
                if outcome.retry_at is not None:
                    current.next_attempt_at = outcome.retry_at
                if outcome.unreachable or outcome.opted_out:
                    marks[(row.channel, row.recipient)] = outcome
                if outcome.status not in ("sent", "skipped"):
                    log.warning("outbox %s on %s: %s (%s)", row.id, row.channel, outcome.status, outcome.error)
            unsent = {
                row.payload["rating_id"]: outcome.error
                for row, outcome in outcomes
                if row.payload.get("rating_id") and outcome.status in ("needs_template", "failed")
            }
            for rating_id, reason in unsent.items():  # a prompt that cannot go is recorded as not sent, with why
                await tx.execute(
                    update(Rating)
                    .where(Rating.id == rating_id, Rating.status.in_(("prompted", "reminded")))
                    .values(status="not_sent", reason=(reason or "")[:300])
                )
            for (channel, recipient), outcome in marks.items():
                who = await queries.identity_for(tx, channel, recipient)
                if who is not None:
                    who.unreachable = outcome.unreachable or who.unreachable
                    who.opted_out = who.opted_out or outcome.opted_out

    async def _attempt(self, row: OutboxMessage, recipient: Recipient) -> _Outcome:
        sender = self.senders.get(row.channel)
        if sender is None:
            return _Outcome("failed", error=f"no sender for channel {row.channel!r}")
        if recipient.unreachable:
            return _Outcome("failed", error=f"unreachable: {recipient.unreachable}")
        if recipient.opted_out and row.payload.get("kind") in OPT_OUT_KINDS:
            return _Outcome("skipped", error="opted out")
        limiter = self.limiters.get(row.channel)
        if limiter is not None:
            await limiter.acquire(row.recipient)
        try:
            return _Outcome("sent", provider_id=await sender.send(row, recipient))
        except NeedsTemplate as exc:
            return _Outcome("needs_template", error=str(exc)[:500])
        except PermanentFailure as exc:
            reason = str(exc)[:200]
            return _Outcome("failed", error=reason, unreachable=reason if exc.unreachable else None, opted_out=exc.opted_out)
        except Exception as exc:  # noqa: BLE001  (anything else is worth another try)
            error = f"{type(exc).__name__}: {exc}"[:500]
            if row.attempts >= MAX_ATTEMPTS:
                return _Outcome("failed", error=error)
            retry_after = exc.retry_after if isinstance(exc, TemporaryFailure) else None
            delay = timedelta(seconds=retry_after) if retry_after else backoff(row.attempts)
            return _Outcome("pending", error=error, retry_at=self.clock() + delay)

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
