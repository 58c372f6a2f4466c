"""Telegram's side of a fault run: updates posted again until answered 200, users walking the help form,
and the audit afterwards (every acknowledged update applied once, one right request per user)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.inbound import SECRET, FakeApi, english_key, form, national_id, press, text
from store import sealed
from store.crypto import Keyring
from store.db import make_engine, make_sessions
from store.models import HelpRequest, InboundMessage, OutboxMessage

REPLY_WAIT = 30.0  # a user gives up waiting for a reply after this and types the next answer anyway
RETRY_EVERY = 0.25  # how soon an update that was not answered 200 is posted again
ATTEMPT_TIMEOUT = 70.0  # longer than asyncpg's default connect timeout, so that a hang shows as a hang
# What form(n) chooses in the test profile (tests/fixtures/profile.toml): the second city, a citizen,
# a household of three, no income, a food basket.
EXPECTED = {"city": "hilaliyah", "residency": "citizen", "household_size": 3, "income_bracket": "none",
            "category": "food"}


@dataclass
class Attempt:
    """One POST of an update: when it started (perf_counter), how long it took, and the answer (a status,
    or the name of the connection error)."""

    started: float
    seconds: float
    status: int | str


@dataclass
class Telegram:
    """Posts updates as Telegram does: the same update (same update_id) again until it is answered 200."""

    session: aiohttp.ClientSession
    url: str
    attempts: list[Attempt] = field(default_factory=list)
    acked: dict[int, int] = field(default_factory=dict)  # update_id -> chat id, for those answered 200
    in_flight: int = 0  # POSTs sent and not yet answered

    async def deliver(self, update: dict, chat_id: int) -> None:
        """Post until 200; every attempt is kept."""
        while True:
            started = time.perf_counter()
            self.in_flight += 1
            try:
                status = await self._post(update)
            finally:
                self.in_flight -= 1
            self.attempts.append(Attempt(started, time.perf_counter() - started, status))
            if status == 200:
                self.acked[update["update_id"]] = chat_id
                return
            await asyncio.sleep(RETRY_EVERY)

    async def _post(self, update: dict) -> int | str:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        try:
            async with self.session.post(self.url, json=update, headers=headers) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, OSError) as exc:  # refused, reset, timed out: the bot is away
            return type(exc).__name__

    def statuses(self, since: float = 0.0, until: float = float("inf")) -> dict[str, int]:
        """Attempts started in [since, until) by their answer."""
        return dict(Counter(str(a.status) for a in self.attempts if since <= a.started < until))


def new_session() -> aiohttp.ClientSession:
    """A client that keeps no connection to a bot that may be killed, and waits longer than any hang."""
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=ATTEMPT_TIMEOUT))


async def _replied(api: FakeApi, chat_id: int, before: int) -> None:
    """Wait until the chat has a reply beyond the first `before`, or REPLY_WAIT s."""
    chat = api.chat(chat_id)
    deadline = time.perf_counter() + REPLY_WAIT
    while len(chat.arrivals) <= before and time.perf_counter() < deadline:
        chat.event.clear()
        try:
            await asyncio.wait_for(chat.event.wait(), deadline - time.perf_counter())
        except TimeoutError:
            return


async def walk(telegram: Telegram, api: FakeApi, n: int, chat_id: int, think: float = 0.0) -> None:
    """User n walks the English help form in `chat_id`: each answer delivered, its reply awaited, then
    `think` seconds before the next (inputs are applied in order, so a reply that is late does no harm)."""
    chat = api.chat(chat_id)
    steps = [lambda: text("/start", chat_id), lambda: press(english_key(chat), chat_id)]
    steps += [lambda words=words: text(words, chat_id) for words in form(n)]
    for make in steps:
        before = len(chat.arrivals)
        await telegram.deliver(make(), chat_id)
        await _replied(api, chat_id, before)
        await asyncio.sleep(think)


async def _pending(tx: AsyncSession, keys: list[str]) -> int:
    """Inputs of these conversations not yet applied, plus their replies not yet sent."""
    waiting = select(func.count()).select_from(InboundMessage).where(
        InboundMessage.conversation_key.in_(keys), InboundMessage.status == "received")
    unsent = select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.conversation_key.in_(keys), OutboxMessage.status.in_(("pending", "sending")))
    return await tx.scalar(waiting) + await tx.scalar(unsent)


async def settle(db_url: str, keys: list[str], timeout: float) -> float:
    """Wait until no input of these conversations waits to be applied and no reply waits to be sent; the
    seconds it took (timeout if it never settled)."""
    engine = make_engine(db_url)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout:
            async with make_sessions(engine)() as tx:
                if not await _pending(tx, keys):
                    break
            await asyncio.sleep(0.25)
    finally:
        await engine.dispose()
    return round(time.perf_counter() - started, 2)


def _wrong_fields(request: HelpRequest, n: int, keyring: Keyring) -> list[str]:
    """The fields of user n's request that differ from what they typed."""
    typed = form(n)
    wrong = [k for k, v in EXPECTED.items() if getattr(request, k) != v]
    if keyring.decrypt(request.full_name_enc) != typed[2]:
        wrong.append("full_name")
    if keyring.decrypt(request.national_id_enc) != national_id(n):
        wrong.append("national_id")
    if not request.phone.endswith(typed[4][1:]):
        wrong.append("phone")
    if sealed.description(keyring, request) != typed[9]:
        wrong.append("description")
    return wrong


async def _stored(db_url: str, keys: list[str]) -> tuple[dict[str, str], list[HelpRequest], dict[str, int]]:
    """For these conversations: each input's status by provider id, the help requests, replies per chat."""
    engine = make_engine(db_url)
    try:
        async with make_sessions(engine)() as tx:
            inputs = select(InboundMessage.provider_message_id, InboundMessage.status).where(
                InboundMessage.channel == "telegram", InboundMessage.conversation_key.in_(keys))
            requests = select(HelpRequest).where(HelpRequest.conversation_key.in_(keys))
            replies = select(OutboxMessage.recipient, func.count()).where(
                OutboxMessage.conversation_key.in_(keys)).group_by(OutboxMessage.recipient)
            return (dict((await tx.execute(inputs)).all()), list((await tx.scalars(requests)).all()),
                    dict((await tx.execute(replies)).all()))
    finally:
        await engine.dispose()


async def audit(db_url: str, data_keys: str, telegram: Telegram, api: FakeApi, users: dict[int, int]) -> dict:
    """What a beneficiary and an operator would notice, from the database and the fake: acknowledged updates
    lost or never applied, requests missing, doubled or wrong, and replies sent more than once.
    `users` maps each chat id to the n whose form it walked."""
    user_of = {f"telegram:{chat}": n for chat, n in users.items()}
    inputs, requests, queued = await _stored(db_url, list(user_of))
    acked = [str(u) for u in telegram.acked]
    per_user = Counter(r.conversation_key for r in requests)
    keyring = Keyring(data_keys.split(","))
    wrong = [r for r in requests if _wrong_fields(r, user_of[r.conversation_key], keyring)]
    sent = {str(chat): len(api.chat(chat).arrivals) for chat in users}
    return {
        "acked_updates": len(acked),
        "acked_then_lost": sum(1 for u in acked if u not in inputs),
        "acked_never_applied": sum(1 for u in acked if u in inputs and inputs[u] != "processed"),
        "users_without_request": sum(1 for k in user_of if per_user[k] == 0),
        "requests_applied_twice": sum(n - 1 for n in per_user.values() if n > 1),
        "requests_with_wrong_fields": len(wrong),
        "duplicate_replies": sum(max(0, n - queued.get(chat, 0)) for chat, n in sent.items()),
        "replies_never_sent": sum(max(0, queued.get(chat, 0) - n) for chat, n in sent.items()),
    }
