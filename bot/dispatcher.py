"""The outbox sender: claims due rows after commit and hands each to its channel's sender, within the
channel's rate limit, in order per recipient, with retries (back-off with jitter) and clear final states."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Callable, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel_locks import ChannelLocks
from bot.ratelimit import Limiter, RateLimit
from store import outbox_pass, queries, sealed, undelivered
from store.db import one_statement
from store.crypto import Keyring
from store.models import ChannelIdentity, OutboxMessage, Rating

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

    @classmethod
    def of(cls, identity: ChannelIdentity) -> Recipient:
        return cls(identity.last_inbound_at, identity.opted_out, identity.unreachable)


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


def _plain(row: OutboxMessage, outcome: _Outcome) -> bool:
    """An outcome that changes its own row only."""
    return not (outcome.unreachable or outcome.opted_out or outcome.status == "needs_template"
                or (row.payload.get("rating_id") and outcome.status == "failed"))


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
        keyring: Keyring | None = None,
    ):
        self.sessions = sessions
        self.senders = senders
        self.clock = clock
        self.batch = batch
        self.lease = lease
        self.locks = locks
        self.keyring = keyring  # opens sealed rows (a conversation's replies) for the senders
        if locks is not None:
            locks.on_new_rows = self.wake  # another process wrote rows on a channel this one may hold
        self.limiters = {channel: Limiter(limit) for channel, limit in (limits or {}).items()}
        self._wake = asyncio.Event()
        self._unwritten: list[tuple[list[tuple[OutboxMessage, _Outcome]], asyncio.Future]] = []
        self._writer: asyncio.Task | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        """Send what is due now, batch after batch until a claim comes back short; the number of rows handled.
        A batch is claimed with its recipients, and its outcomes written, in one statement each. The database
        works while this process sends: a batch's outcomes are written during the next one's sends, and where
        no rate limit paces a batch the next is claimed during its sends (a paced batch takes long enough for
        the next one's lease to run out while it waits). Each recipient's rows still go in order, one batch
        after the other; a crash re-sends at most the batches under way (their leases run out)."""
        handled, writing, ahead = 0, None, None
        rows, who = await self._claim()
        try:
            while rows:
                handled += len(rows)
                full = len(rows) == self.batch
                if full and not any(row.channel in self.limiters for row in rows):
                    ahead = asyncio.ensure_future(self._claim())
                outcomes = await self._send(rows, who)
                if writing is not None:
                    await writing  # one write under way at a time: a slow database holds the sends back
                writing = asyncio.ensure_future(self._written(outcomes))
                if ahead is not None:
                    rows, who = await ahead
                    ahead = None
                else:
                    rows, who = await self._claim() if full else ([], {})
        finally:
            if ahead is not None:  # a failure left a claim behind: its rows wait for their lease to run out
                await asyncio.gather(ahead, return_exceptions=True)
            if writing is not None:
                await writing
        return handled

    async def _claim(self) -> tuple[list[OutboxMessage], dict[tuple[str, str], Recipient]]:
        """A batch of due rows on the channels this process serves now (a lock lost mid-pass stops its channel)."""
        channels = await self.locks.channels(self.senders) if self.locks else None
        async with self.sessions() as tx, tx.begin():
            rows, known = await outbox_pass.claim_due(tx, self.clock(), self.lease, self.batch, channels)
        return rows, {key: Recipient(*reach) for key, reach in known.items()}

    async def _recipients(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Recipient]:
        async with self.sessions() as tx:
            known = await queries.recipients(tx, list(keys))
        return {key: Recipient.of(identity) for key, identity in known.items()}

    def sends_now(self, channel: str) -> bool:
        """Whether this process may send a new row on `channel` itself, right after the commit that wrote it:
        it has a sender for it and, with several processes, holds the channel's lock (rate limits stay whole)."""
        if channel not in self.senders:
            return False
        return self.locks is None or channel not in self.locks.limited or channel in self.locks.held

    async def claim_new(self, tx: AsyncSession, rows: list[OutboxMessage], now: datetime) -> list[OutboxMessage]:
        """Take rows being written in the caller's transaction `tx` for `send_now` after its commit, as a pass
        would (status sending, under a lease): if the process dies before sending, the lease runs out and
        a pass sends them. Rows this process may not send are left to the process holding their channel,
        which hears of them when `tx` commits. Rows whose channel is delivered by the commit itself (the web
        chat's page reads them) are marked sent here instead."""
        taken = []
        for row in rows:
            sender = self.senders.get(row.channel)
            if getattr(sender, "sent_on_commit", False) and row.payload.get("kind") not in OPT_OUT_KINDS:
                row.status, row.attempts, row.sent_at = "sent", 1, now  # no provider: nothing reports on it later
            elif self.sends_now(row.channel):
                row.status, row.attempts, row.next_attempt_at = "sending", 1, now + self.lease
                taken.append(row)
        if any(row.status == "pending" for row in rows) and self.locks is not None:
            await self.locks.announce(tx)
        return taken

    async def send_now(
        self, rows: list[OutboxMessage], who: dict[tuple[str, str], Recipient], sent: Callable[[], None] | None = None
    ) -> None:
        """Send rows taken by `claim_new`, once committed, without waiting for a pass (the reply to an input
        goes at once); recipients missing from `who` are looked up. `sent` is called once every row has been
        tried, before the outcomes are written."""
        missing = {(row.channel, row.recipient) for row in rows} - set(who)
        if missing:
            who = {**who, **await self._recipients(missing)}
        await self._deliver(rows, who, sent)

    async def _deliver(
        self, rows: list[OutboxMessage], who: dict[tuple[str, str], Recipient], sent: Callable[[], None] | None = None
    ) -> None:
        """Send claimed rows, each recipient's in order, and record the outcomes."""
        outcomes = await self._send(rows, who)
        if sent is not None:
            sent()
        await self._written(outcomes)

    async def _send(
        self, rows: list[OutboxMessage], who: dict[tuple[str, str], Recipient]
    ) -> list[tuple[OutboxMessage, _Outcome]]:
        """Try each claimed row, each recipient's in order; the outcomes, not yet written."""
        queues: dict[tuple[str, str], list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            queues[(row.channel, row.recipient)].append(row)
        gate = asyncio.Semaphore(CONCURRENCY)
        outcomes: list[tuple[OutboxMessage, _Outcome]] = []

        async def serve(key: tuple[str, str], queue: list[OutboxMessage]) -> None:
            async with gate:
                recipient = who.get(key, Recipient())
                for row in queue:
                    outcome = await self._attempt(row, recipient)
                    outcomes.append((row, outcome))
                    if outcome.unreachable:  # the rest of this recipient's rows need not be tried
                        recipient = replace(recipient, unreachable=outcome.unreachable)

        await asyncio.gather(*(serve(key, q) for key, q in queues.items()))
        return outcomes

    async def _written(self, outcomes: list[tuple[OutboxMessage, _Outcome]]) -> None:
        """Have outcomes written and wait for it: the outcomes of every send that finishes while a write is
        under way go together in the next one (a group commit), so that many replies cost few transactions."""
        done = asyncio.get_running_loop().create_future()
        self._unwritten.append((outcomes, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="outbox outcomes")
        await done

    async def _write_all(self) -> None:
        while self._unwritten:
            waiting, self._unwritten = self._unwritten, []
            try:
                await self._record([item for outcomes, _ in waiting for item in outcomes])
            except Exception as exc:  # noqa: BLE001  (each waiter hears of it; the rows' leases bring them back)
                for _, done in waiting:
                    if not done.done():  # a waiter that was cancelled has cancelled its future
                        done.set_exception(exc)
            else:
                for _, done in waiting:
                    if not done.done():
                        done.set_result(None)

    async def _record(self, outcomes: list[tuple[OutboxMessage, _Outcome]]) -> None:
        """Write every outcome of a batch; rows another dispatcher took over are left alone. Plain outcomes
        (sent, or to be retried) go as one conditional UPDATE for the lot, nothing read back, committed by
        itself; the few that touch more (a person unreachable, a rating prompt not sent, a template needed) are
        read first, in a transaction of their own."""
        plain = [(row, o) for row, o in outcomes if _plain(row, o)]
        rest = [(row, o) for row, o in outcomes if not _plain(row, o)]
        if plain:
            now = self.clock()
            async with one_statement(self.sessions) as conn:
                await outbox_pass.record_outcomes(conn, [
                    {"row_id": row.id, "claimed": row.attempts, "new_status": o.status, "new_error": o.error,
                     "provider_id": o.provider_id, "sent": now if o.provider_id is not None else None,
                     "retry_at": o.retry_at}
                    for row, o in plain
                ])
            for row, o in plain:
                if o.status not in ("sent", "skipped"):
                    log.warning("outbox %s on %s: %s (%s)", row.id, row.channel, o.status, o.error)
        if rest:
            async with self.sessions() as tx, tx.begin():
                await self._record_rest(tx, rest)

    async def _record_rest(self, tx: AsyncSession, outcomes: list[tuple[OutboxMessage, _Outcome]]) -> None:
        ids = [row.id for row, _ in outcomes]
        fresh = {r.id: r for r in (await tx.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))).all()}
        marks: dict[tuple[str, str], _Outcome] = {}
        moved: set[int] = set()
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
            if outcome.status == "needs_template" and await undelivered.move_to_linked(tx, current, self.clock()):
                moved.add(row.id)  # WhatsApp would not take it: it goes on the person's Telegram instead
                continue
            if outcome.status not in ("sent", "skipped"):
                log.warning("outbox %s on %s: %s (%s)", row.id, row.channel, outcome.status, outcome.error)
        unsent = {
            row.payload["rating_id"]: outcome.error
            for row, outcome in outcomes
            if row.payload.get("rating_id")
            and outcome.status in ("needs_template", "failed")
            and row.id not in moved  # gone on another channel instead
        }
        for rating_id, reason in unsent.items():  # a prompt that cannot go is recorded as not sent, with why
            await tx.execute(
                update(Rating)
                .where(Rating.id == rating_id, Rating.status.in_(("prompted", "reminded")))
                .values(status="not_sent", reason=(reason or "")[:300])
            )
        if moved and self.locks is not None:
            await self.locks.announce(tx)
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
        if sealed.SEALED in row.payload and self.keyring is None:
            return _Outcome("failed", error="a sealed message and no key to open it")
        limiter = self.limiters.get(row.channel)
        if limiter is not None:
            await limiter.acquire(row.recipient)
        try:
            plain = sealed.opened(self.keyring, row) if self.keyring is not None else row
            return _Outcome("sent", provider_id=await sender.send(plain, recipient))
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
