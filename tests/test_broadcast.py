"""Broadcasts reach every beneficiary exactly once: fan-out in batches at a recording fake (10,000 recipients),
opted-out and unreachable people skipped, a repeated fan-out adds nothing, and on PostgreSQL two bot processes,
one killed with SIGKILL mid-broadcast, still deliver to everyone with duplicates only from rows in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from bot.broadcast import fan_out
from bot.dispatcher import Dispatcher
from store.models import Beneficiary, Broadcast, ChannelIdentity, OutboxMessage
from tests.conftest import FIXTURES, _truncate
from tests.fakes.telegram_api import FakeBotApi
from tests.prism import free_port

TOKEN = "123456:" + "A" * 30
SECRET = "s" * 32


async def seed(sessions, n: int, channel: str = "telegram", opted_out_every: int = 20, unreachable_every: int = 100) -> set[str]:
    """`n` beneficiaries with one identity each; the ids that may be reached."""
    reachable = set()
    async with sessions() as tx, tx.begin():
        for start in range(0, n, 2000):
            people = [{"display_name": "", "language": "en" if i % 3 == 0 else "ar"} for i in range(start, min(n, start + 2000))]
            await tx.execute(insert(Beneficiary), people)
        ids = (await tx.scalars(select(Beneficiary.id).order_by(Beneficiary.id))).all()
        rows = []
        for i, pid in enumerate(ids):
            out, gone = i % opted_out_every == 1, i % unreachable_every == 2
            rows.append({"channel": channel, "external_id": str(10_000_000 + i), "beneficiary_id": pid,
                         "opted_out": out, "unreachable": "blocked" if gone else None})
            if not out and not gone:
                reachable.add(str(10_000_000 + i))
        for start in range(0, len(rows), 2000):
            await tx.execute(insert(ChannelIdentity), rows[start:start + 2000])
    return reachable


async def new_broadcast(sessions, clock) -> int:
    async with sessions() as tx, tx.begin():
        b = Broadcast(text_ar="برنامج جديد", text_en="A new program", audience={}, send_at=clock.now)
        tx.add(b)
    return b.id


class Recording:
    """The fake provider: counts what each recipient received."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.texts: dict[str, str] = {}

    async def send(self, row, recipient) -> str:
        self.received[row.recipient] += 1
        self.texts[row.recipient] = row.payload["text"]
        return f"p-{row.id}"


async def test_ten_thousand_recipients_each_get_exactly_one_message(sessions, clock):
    reachable = await seed(sessions, 10_000)
    broadcast_id = await new_broadcast(sessions, clock)
    assert await fan_out(sessions, broadcast_id, clock) == len(reachable)
    async with sessions() as tx, tx.begin():  # as if a second process, or a retry, fanned out again
        await tx.execute(update(Broadcast).values(status="scheduled", fanned_out_to=0))
    assert await fan_out(sessions, broadcast_id, clock) == 0
    fake = Recording()
    dispatcher = Dispatcher(sessions, {"telegram": fake}, clock, batch=500)
    while await dispatcher.run_once():
        pass
    assert set(fake.received) == reachable and set(fake.received.values()) == {1}
    assert fake.texts["10000000"] == "A new program" and fake.texts["10000003"] == "A new program"
    assert fake.texts["10000004"] == "برنامج جديد"  # each in their own language
    async with sessions() as tx:
        statuses = dict((await tx.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all())
    assert statuses == {"sent": len(reachable)}


async def test_a_cancelled_broadcast_stops_queueing(sessions, clock):
    await seed(sessions, 2500, opted_out_every=10_000, unreachable_every=10_000)
    broadcast_id = await new_broadcast(sessions, clock)
    assert await fan_out(sessions, broadcast_id, clock, batch=1000) == 2498  # one opted out, one unreachable
    other = await new_broadcast(sessions, clock)
    async with sessions() as tx, tx.begin():
        await tx.execute(update(Broadcast).where(Broadcast.id == other).values(status="cancelled"))
    assert await fan_out(sessions, other, clock) == 0


class SlowBotApi(FakeBotApi):
    """The fake Bot API, a little slow, so that a broadcast takes long enough to kill a process in the middle."""

    async def _sendMessage(self, params: dict) -> dict:  # noqa: N802  (the Bot API's method name)
        await asyncio.sleep(0.004)
        return await super()._sendMessage(params)


def start_bot(url: str, api: FakeBotApi, home: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "DATA_KEYS")} | {
        "DATABASE_URL": url, "PROFILE": str(FIXTURES / "profile.toml"), "PORT": str(free_port()), "LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_API_BASE_URL": api.base_url,
        # 150 a second: 1,410 messages take about 9 s, so the kill lands mid-broadcast however fast a send is
        "TELEGRAM_RATE_PER_SECOND": "150", "TELEGRAM_RATE_PER_CHAT": "2000",
        "SWEEP_SECONDS": "0.3", "DISPATCH_LEASE_SECONDS": "2",
        "PYTHONPATH": str(FIXTURES.parent.parent),  # this checkout's code, not whatever the environment has installed
    }
    log = open(home / f"bot-{time.monotonic_ns()}.log", "wb")
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)


async def until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_two_processes_one_killed_mid_broadcast_everyone_still_gets_it(postgres_url, tmp_path, clock):
    from store.db import make_engine, make_sessions

    await _truncate(postgres_url)
    engine = make_engine(postgres_url)
    sessions = make_sessions(engine)
    reachable = await seed(sessions, 1500)
    clock.now -= timedelta(seconds=1)
    await new_broadcast(sessions, clock)
    async with SlowBotApi(TOKEN) as api:
        first = start_bot(postgres_url, api, tmp_path)
        second = None
        try:
            await until(lambda: len(api.sent()) >= 300, 60, "the first process to be sending")
            second = start_bot(postgres_url, api, tmp_path)
            await asyncio.sleep(1.0)  # the second is up, waiting for the channel's lock
            first.send_signal(signal.SIGKILL)
            first.wait()
            at_kill = len(api.sent())
            assert at_kill < len(reachable), "the kill came mid-broadcast"
            await until(lambda: len({m["chat_id"] for m in api.sent()}) >= len(reachable), 90, "everyone to be reached")
            await asyncio.sleep(1.0)  # nothing more should arrive
        finally:
            for process in (first, second):
                if process and process.poll() is None:
                    process.terminate()
                    process.wait(timeout=10)
        per_chat = Counter(str(m["chat_id"]) for m in api.sent())
    assert set(per_chat) == reachable
    duplicates = sum(n - 1 for n in per_chat.values())
    assert duplicates <= 200, f"{duplicates} duplicates; at most one dispatcher batch may be in flight at the kill"
    await engine.dispose()
