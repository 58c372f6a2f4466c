"""The engine: record an input once (inputs arriving together share a commit), then apply it: the conversations
due at one moment in one transaction (bot/apply_input.py), their replies sent after it."""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import weakref
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.apply_input import Applied, apply_in, set_aside_in
from bot.dispatcher import Dispatcher
from bot.group_commit import GroupCommit
from bot.incoming import Incoming
from conversations.profile import Profile
from conversations import references
from conversations.catalog import Catalog
from conversations.faq import FaqIndex
from store import message_ids, queries, sealed
from store.db import one_statement
from store.input_rows import BatchUndone, NewInput, OutboxRow, VersionConflict, rows_of, rows_on
from store.sealed import Opened
from store.crypto import Keyring

log = logging.getLogger(__name__)
RETRIES = 5
DRAIN_CONCURRENCY = 8  # conversations resumed at once after a crash (a pool of 20 connections on PostgreSQL)
DRAIN_PAGE = 500  # conversation keys read per query while draining
BATCH = 64  # conversations applied in one transaction (a savepoint per input on SQLite)
# Batches applied at once: SQLite has one writer (and one connection) anyway; on PostgreSQL a batch waits on
# its few round trips, and a second can use the time (each conversation is still applied by one batch at a
# time). More made smaller batches: on 2 cores, 4 gave 700 inputs/s and a p99 of 80 ms at 350/s where 2 give
# 850/s and 37 ms (python -m bench.inbound --db postgresql [--rate 350]).
APPLIERS = {"sqlite": 1, "postgresql": 2}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def storable(value):  # type: ignore[no-untyped-def]
    """The value with any lone surrogate (valid JSON, invalid UTF-8) replaced, so that it can be stored."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def new_reference(prefix: str = references.PREFIXES["help"]) -> str:
    """A short reference a beneficiary can read out, e.g. H-7K3P9Q (what else it numbers changes the letter)."""
    return f"{prefix}-" + "".join(secrets.choice(references.ALPHABET) for _ in range(references.BODY_LENGTH))


@dataclass(frozen=True)
class Live:
    """The settings in force, swapped whole so that an input never mixes two versions: the profile, the texts and
    the FAQ index built from it, and the version of the console-edited settings they include (0: the file's)."""

    profile: Profile
    texts: Catalog
    faq: FaqIndex
    version: int = 0


class Engine:
    """Runs inputs through the conversations; the only writer of conversation state."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        profile: Profile,
        texts: Catalog,
        keyring: Keyring,
        *,
        clock: Callable[[], datetime] = utc_now,
        references: Callable[[], str] = new_reference,
        dispatcher: Dispatcher | None = None,
    ):
        self.sessions = sessions
        self.base_profile = profile  # the profile file: what the console's settings are laid over
        self.live = Live(profile, texts, FaqIndex(profile))
        self.keyring = keyring
        self.clock = clock
        self.references = references
        self.dispatcher = dispatcher
        self._key_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._background: set[asyncio.Task] = set()
        self._records = GroupCommit(self._record_all, self._record_one, name="record inputs")
        self._due: dict[str, None] = {}  # conversations with inputs to apply, in the order they came
        self._appliers: set[asyncio.Task] = set()
        bind = sessions.kw.get("bind")
        self._most_appliers = APPLIERS.get(bind.dialect.name if bind is not None else "", 1)
        self._deferred: dict[str, None] = {}  # due, but busy (being applied or its replies sent) when it came up

    @property
    def profile(self) -> Profile:
        return self.live.profile

    @profile.setter
    def profile(self, profile: Profile) -> None:
        self.live = Live(profile, self.live.texts, FaqIndex(profile), self.live.version)

    @property
    def texts(self) -> Catalog:
        return self.live.texts

    @property
    def faq(self) -> FaqIndex:
        return self.live.faq

    @property
    def settings_version(self) -> int:
        return self.live.version

    def swap(self, profile: Profile, texts: Catalog, version: int) -> None:
        """Put new settings in force (bot/live_settings.py): inputs already running finish with the old ones."""
        self.live = Live(profile, texts, FaqIndex(profile), version)

    async def handle(self, incoming: Incoming) -> list[OutboxRow | Opened]:
        """Record then apply; the replies this produced (none for a repeated provider id)."""
        if not await self.record(incoming):
            return []
        return await self.process(incoming.conversation_key)

    async def record(self, incoming: Incoming) -> bool:
        """Durably keep the input before anything else; False when it is a repeat. Inputs that come while
        another write is under way share the next transaction: each caller returns once its input is committed."""
        return await self._records.put(self._inbound_row(incoming))

    async def _record_all(self, rows: list[NewInput]) -> list[bool]:
        async with one_statement(self.sessions) as conn:  # one INSERT for them all
            return await (await rows_on(conn)).record(rows)

    async def _record_one(self, row: NewInput) -> bool:
        return (await self._record_all([row]))[0]

    def _inbound_row(self, incoming: Incoming) -> NewInput:
        inbound = incoming.inbound
        row = NewInput(
            channel=incoming.channel,
            provider_message_id=incoming.provider_message_id,
            sender_id=incoming.sender_id,
            conversation_key=incoming.conversation_key,
            received_at=self.clock(),
        )
        sealed.seal_input(self.keyring, row, storable(inbound.text), storable({
            "kind": inbound.kind,
            "choice": inbound.choice,
            "display_name": incoming.display_name,
            "phone": incoming.phone,
            "attachments": [asdict(a) for a in incoming.attachments],
            "location": list(incoming.location) if incoming.location else None,
            **incoming.extra,
        }))
        return row

    async def process(self, key: str) -> list[OutboxRow | Opened]:
        """Apply every recorded input of one conversation, oldest first, one transaction each; after each
        commit its replies are sent at once, before the next input (the outbox keeps them if that fails).
        The replies produced are returned in clear (the stored rows stay sealed)."""
        lock = self._key_locks.setdefault(key, asyncio.Lock())  # spares the database a queue of waiters
        produced: list[OutboxRow | Opened] = []
        await lock.acquire()
        try:
            while True:
                applied = await self._apply_next(key)
                if applied is None:
                    break
                produced.extend(sealed.opened(self.keyring, row) for row in applied.rows)
                await self._send(applied)
                if not applied.more:
                    break
        finally:
            self._release(key, lock)
        return produced

    def _release(self, key: str, lock: asyncio.Lock) -> None:
        """Free a conversation; one the batch applier passed over while it was busy is due again."""
        lock.release()
        if key in self._deferred:
            del self._deferred[key]
            self.process_later(key)

    async def _send(self, applied: Applied, sent: Callable[[], None] | None = None) -> None:
        """Send the claimed replies; `sent` is called once they have gone (before their outcomes are written)."""
        if self.dispatcher is None or not applied.claimed:
            if sent is not None:
                sent()
        if self.dispatcher is None:
            return
        if any(row.status == "pending" for row in applied.rows):
            self.dispatcher.wake()  # rows this process may not send itself: the next pass takes them
        if applied.claimed:
            try:
                await self.dispatcher.send_now(applied.claimed, applied.who, sent)
            except Exception:  # noqa: BLE001  (the rows stay claimed under a lease; a pass sends them after it)
                log.exception("sending the replies of %s failed; the dispatcher will retry", applied.rows[0].conversation_key)

    async def _apply_next(self, key: str) -> Applied | None:
        for attempt in range(RETRIES):
            try:
                return await self._transaction(key)
            except (IntegrityError, VersionConflict) as exc:
                log.warning("retrying %s after %s (attempt %d)", key, type(exc).__name__, attempt + 1)
                await asyncio.sleep(0.01 * (attempt + 1))
            except (SQLAlchemyError, OSError):
                raise  # the database is away: the input stays recorded and the sweep applies it later
            except Exception:  # noqa: BLE001  (a fault in a step must not block this conversation forever)
                log.exception("an input of %s could not be applied; it is set aside for staff", key)
                return await self._set_aside(key)
        # The same conflict every time is a fault too: left recorded, the sweep would retry it forever and
        # every later input of the conversation would wait behind it.
        log.error("an input of %s failed %d times in a row; it is set aside for staff", key, RETRIES)
        return await self._set_aside(key)

    async def _set_aside(self, key: str) -> Applied:
        async with self.sessions() as tx, tx.begin():
            return await set_aside_in(self, tx, key)

    async def _transaction(self, key: str) -> Applied | None:
        async with self.sessions() as tx, tx.begin():
            return await apply_in(self, tx, key)

    def process_later(self, key: str) -> None:
        """Apply a recorded input after the webhook has answered, with the other conversations due at that
        moment in one transaction; a failure is left for `resume_stale`."""
        self._due[key] = None
        if len(self._appliers) < self._most_appliers:
            applier = self._spawn(self._apply_due(), "apply due inputs")
            self._appliers.add(applier)
            applier.add_done_callback(self._appliers.discard)

    def _spawn(self, work, name: str) -> asyncio.Task:  # type: ignore[no-untyped-def]
        task = asyncio.create_task(work, name=name)
        self._background.add(task)
        task.add_done_callback(self._finished)
        return task

    async def _apply_due(self) -> None:
        while self._due:
            keys = []
            for key in list(itertools.islice(self._due, BATCH)):
                del self._due[key]
                lock = self._key_locks.get(key)
                if lock is not None and lock.locked():
                    self._deferred[key] = None  # due again once it is free
                else:
                    keys.append(key)
            for key in await self.apply_batch(keys, wait=False):
                self._spawn(self.process(key), f"process {key}")

    async def apply_batch(self, keys: list[str], *, wait: bool = True) -> list[str]:
        """Apply every recorded input of these conversations in one transaction, a savepoint per input on
        SQLite (a fault sets that input aside, the others commit; on PostgreSQL it undoes the batch), then
        send their replies (in the background unless `wait`: the conversations stay busy until then, so that
        their replies keep their order); the keys left to apply one input at a time (a conflict, a
        conversation busy here, a batch that failed as a whole)."""
        held, left = [], []
        for key in keys:
            lock = self._key_locks.setdefault(key, asyncio.Lock())
            if lock.locked():
                left.append(key)  # being applied by `process`: after it, that key goes one input at a time
            else:
                await lock.acquire()  # free: taken at once
                held.append((key, lock))
        done: list[Applied] = []
        try:
            await self._apply_held(held, done, left)
        except BaseException:
            for key, lock in held:
                self._release(key, lock)
            raise
        if wait:
            await self._send_and_release(done, held)
        else:
            self._spawn(self._send_and_release(done, held), "send a batch's replies")
        return left

    async def _send_and_release(self, done: list[Applied], held: list[tuple[str, asyncio.Lock]]) -> None:
        """Send a batch's replies; its conversations are free again once those have gone."""
        def release() -> None:
            while held:
                self._release(*held.pop())

        try:
            await self._send(Applied.merged(done), release)
        finally:
            release()

    async def _apply_held(self, held: list[tuple[str, asyncio.Lock]], done: list[Applied], left: list[str]) -> None:
        try:
            async with self.sessions() as tx, tx.begin():
                rows = await rows_of(tx)
                await rows.prefetch([key for key, _ in held])
                async with rows.deferred():  # on PostgreSQL the inputs' last writes go as one statement
                    for key, _ in held:
                        if not await self._apply_all_in(tx, key, done):
                            left.append(key)
                        await asyncio.sleep(0)  # statements may not yield (SQLite): let webhooks and sends go on
        except (SQLAlchemyError, OSError, BatchUndone):
            log.warning("a batch of %d conversations failed; they go one input at a time", len(held), exc_info=True)
            done.clear()
            left.extend(key for key, _ in held if key not in left)

    async def _apply_all_in(self, tx: AsyncSession, key: str, done: list[Applied]) -> bool:
        """Apply the inputs of `key` in `tx`, each in a savepoint (none on PostgreSQL: store/input_rows.py);
        False when one conflicted (it is left)."""
        rows = await rows_of(tx)
        while True:
            try:
                async with rows.savepoint(tx):
                    applied = await apply_in(self, tx, key)
            except (IntegrityError, VersionConflict):
                return False
            except (SQLAlchemyError, OSError, BatchUndone):
                raise  # the database is away, or the input's writes cannot be undone alone: the batch fails
            except Exception:  # noqa: BLE001  (a fault in a step must not block this conversation forever)
                log.exception("an input of %s could not be applied; it is set aside for staff", key)
                async with rows.savepoint(tx):
                    applied = await set_aside_in(self, tx, key)
            if applied is None:
                return True
            done.append(applied)
            if not applied.more:
                return True

    def _finished(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("applying %s failed; the sweep will retry", task.get_name(), exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for inputs being applied in the background (at shutdown, and in tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def fire_timers(self) -> int:
        """Feed timers that came due to their conversations, as inputs recorded once (the timer's id is the
        dedupe key, so a timer fires once even if two processes sweep at the same moment)."""
        async with self.sessions() as tx, tx.begin():
            timers = await queries.claim_due_timers(tx, self.clock())
            await (await rows_of(tx)).record([
                NewInput(
                    channel=timer.channel,
                    provider_message_id=message_ids.internal("timer", timer.id),
                    sender_id=timer.sender_id,
                    conversation_key=timer.conversation_key,
                    payload={"kind": "event", "choice": timer.kind, "event_text": timer.text},
                    received_at=self.clock(),
                )
                for timer in timers
            ])
        for key in {t.conversation_key for t in timers}:
            await self.process(key)
        return len(timers)

    async def resume_stale(self, older_than: timedelta = timedelta(seconds=5)) -> int:
        """Apply inputs that were recorded but never applied (the process died in between), until none older
        than `older_than` is left: conversations in key order, a page at a time, in batches whose replies go in
        the background (at the channel's pace, which must not hold the backlog up), those a batch left
        DRAIN_CONCURRENCY at once (each conversation's own inputs still one after another). The number of conversations resumed; a
        failure (the database away) is raised once the page is done, and the next sweep goes on."""
        cutoff, after, resumed = self.clock() - older_than, "", 0
        gate = asyncio.Semaphore(DRAIN_CONCURRENCY)

        async def resume(key: str) -> None:
            async with gate:
                await self.process(key)

        while True:
            async with self.sessions() as tx, tx.begin():
                keys = await queries.stale_inbound_keys(tx, cutoff, after, DRAIN_PAGE)
            if not keys:
                return resumed
            batches = asyncio.Semaphore(self._most_appliers)  # on PostgreSQL several at once: each waits on round trips

            async def apply(part: list[str]) -> list[str]:
                async with batches:
                    return await self.apply_batch(part, wait=False)

            parts = await asyncio.gather(*(apply(keys[i : i + BATCH]) for i in range(0, len(keys), BATCH)))
            left = [key for part in parts for key in part]
            outcomes = await asyncio.gather(*(resume(key) for key in left), return_exceptions=True)
            failed = next((o for o in outcomes if isinstance(o, BaseException)), None)
            if failed is not None:
                raise failed
            resumed, after = resumed + len(keys), keys[-1]
