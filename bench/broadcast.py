"""Broadcast benchmark: fan-out and dispatch throughput, peak memory, and the channel rate limit, on SQLite or PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, insert, select, text

from bot.broadcast import BATCH as FAN_OUT_BATCH
from bot.broadcast import fan_out
from bot.dispatcher import Dispatcher
from bot.ratelimit import RateLimit
from store import crypto
from store.db import make_engine, make_sessions
from store.migrate import upgrade
from store.models import Beneficiary, Broadcast, ChannelIdentity, OutboxMessage

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SEED_BATCH = 5000
BASE_ID = 10_000_000  # recipient i is Telegram chat BASE_ID + i
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def rss_mb() -> float:
    """The resident set size now, from /proc/self/statm (second field, in pages)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


class PeakRss:
    """Samples RSS every 20 ms in a thread (a busy event loop cannot starve it) and keeps the peak of a phase."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            self._stop.wait(0.02)

    def __enter__(self) -> PeakRss:
        self.peak = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = round(max(self.peak, rss_mb()), 1)


class Recording:
    """The fake provider: counts sends per recipient in a bytearray (1 byte each, so that the fake itself
    stays small at a million recipients), and records the monotonic time of each send when asked to."""

    def __init__(self, n: int, times: bool = False) -> None:
        self.counts = bytearray(n)
        self.times: list[float] | None = [] if times else None

    async def send(self, row, recipient) -> str:  # noqa: ANN001  (the Sender protocol)
        if self.times is not None:
            self.times.append(time.monotonic())
        i = int(row.recipient) - BASE_ID
        self.counts[i] = min(255, self.counts[i] + 1)
        return f"p-{row.id}"

    def exactly_once(self) -> bool:
        return self.counts.count(1) == len(self.counts)


async def seed(sessions, n: int) -> None:  # noqa: ANN001
    """`n` beneficiaries with one Telegram identity each, inserted in batches of SEED_BATCH (never all in memory)."""
    for start in range(0, n, SEED_BATCH):
        count = min(n, start + SEED_BATCH) - start
        async with sessions() as tx, tx.begin():
            people = [{"display_name": "", "language": "en" if (start + i) % 3 == 0 else "ar"} for i in range(count)]
            ids = (await tx.scalars(insert(Beneficiary).returning(Beneficiary.id, sort_by_parameter_order=True), people)).all()
            identities = [{"channel": "telegram", "external_id": str(BASE_ID + start + i), "beneficiary_id": pid}
                          for i, pid in enumerate(ids)]
            await tx.execute(insert(ChannelIdentity), identities)
        if (start // SEED_BATCH) % 20 == 19:
            log(f"  seeded {start + count:,}")


async def analyzed(sessions) -> None:  # noqa: ANN001
    """On PostgreSQL, the planner's statistics of the people just seeded, as a live database has them (its
    autovacuum analyzes such tables; a test server may run without autovacuum, and then every fan-out batch
    is planned for empty tables and reads all of them)."""
    async with sessions() as tx:
        if tx.get_bind().dialect.name == "postgresql":
            await tx.execute(text("ANALYZE beneficiary, channelidentity"))
            await tx.commit()


async def new_broadcast(sessions) -> int:  # noqa: ANN001
    async with sessions() as tx, tx.begin():
        broadcast = Broadcast(text_ar="برنامج جديد", text_en="A new program", audience={}, send_at=utc_now())
        tx.add(broadcast)
    return broadcast.id


async def drain(dispatcher: Dispatcher) -> int:
    """Dispatch until run_once finds nothing due; the rows handled."""
    handled = 0
    while n := await dispatcher.run_once():
        handled += n
    return handled


async def bench_throughput(sessions, n: int, name: str, dispatch_batch: int) -> dict:  # noqa: ANN001
    """Seed, fan out and dispatch `n` recipients with no rate limit; rates, exactly-once, and peak RSS per phase."""
    t = time.perf_counter()
    await seed(sessions, n)
    await analyzed(sessions)
    seed_s = time.perf_counter() - t
    log(f"  seeded {n:,} in {seed_s:.1f} s; fanning out")
    broadcast_id = await new_broadcast(sessions)
    rss_before = rss_mb()
    with PeakRss() as fan_peak:
        t = time.perf_counter()
        queued = await fan_out(sessions, broadcast_id, utc_now)
        fan_s = time.perf_counter() - t
    log(f"  fanned out {queued:,} in {fan_s:.1f} s; dispatching")
    fake = Recording(n)
    dispatcher = Dispatcher(sessions, {"telegram": fake}, utc_now, batch=dispatch_batch)
    with PeakRss() as send_peak:
        t = time.perf_counter()
        handled = await drain(dispatcher)
        send_s = time.perf_counter() - t
    async with sessions() as tx:
        sent = await tx.scalar(select(func.count()).where(OutboxMessage.status == "sent"))
    return {
        "bench": name, "recipients": n, "queued": queued, "handled": handled,
        "seed_s": round(seed_s, 2), "fan_out_s": round(fan_s, 2), "fan_out_rows_per_s": round(queued / fan_s),
        "dispatch_s": round(send_s, 2), "dispatch_msgs_per_s": round(handled / send_s),
        "exactly_once": fake.exactly_once() and queued == handled == sent == n,
        "rss_before_fan_out_mb": round(rss_before, 1), "rss_peak_fan_out_mb": fan_peak.peak,
        "rss_peak_dispatch_mb": send_peak.peak, "ru_maxrss_mb": round(maxrss_mb(), 1),
        "fan_out_batch": FAN_OUT_BATCH, "dispatch_batch": dispatch_batch,
    }


def max_in_window(times: list[float], width: float = 1.0) -> int:
    """The most sends in any half-open window [t, t + width), sliding over every recorded send time."""
    best, j = 0, 0
    for i, start in enumerate(times):
        while j < len(times) and times[j] < start + width:
            j += 1
        best = max(best, j - i)
    return best


async def bench_rate(sessions, rate: float, seconds: float) -> dict:  # noqa: ANN001
    """Send rate × seconds messages through a channel limited to `rate` a second; the pace achieved and the worst second."""
    n = int(rate * seconds)
    await seed(sessions, n)
    await analyzed(sessions)
    queued = await fan_out(sessions, await new_broadcast(sessions), utc_now)
    fake = Recording(n, times=True)
    dispatcher = Dispatcher(sessions, {"telegram": fake}, utc_now, limits={"telegram": RateLimit(rate)})
    log(f"  sending {queued:,} at {rate:g}/s (about {queued / rate:.0f} s)")
    t = time.monotonic()
    handled = await drain(dispatcher)
    wall = time.monotonic() - t
    times = sorted(fake.times or [])
    achieved = (len(times) - 1) / (times[-1] - times[0])  # evenly spaced sends: n - 1 intervals
    worst = max_in_window(times)
    return {
        "bench": "rate_limit", "recipients": n, "limit_per_s": rate, "handled": handled, "wall_s": round(wall, 2),
        "achieved_per_s": round(achieved, 2), "achieved_over_limit": round(achieved / rate, 4),
        "wall_rate_over_limit": round(handled / wall / rate, 4), "max_in_any_1s_window": worst,
        "never_above_limit": worst <= rate, "exactly_once": fake.exactly_once(),
    }


async def admin_sql(url: str, sql: str) -> None:
    engine = make_engine(url)
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(sql))
    await engine.dispose()


async def fresh_database(kind: str, workdir: Path) -> tuple[str, str | None]:
    """A migrated empty database: a temp SQLite file, or a new PostgreSQL database (its name, to drop it later)."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.sqlite3'}"
        await asyncio.to_thread(upgrade, url)
        return url, None
    admin = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG
    name = f"bench_{uuid.uuid4().hex[:10]}"
    await admin_sql(admin, f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    await asyncio.to_thread(upgrade, url)
    return url, name


async def run_one(args: argparse.Namespace, which: str, workdir: Path) -> dict:
    """One measurement on its own fresh database, dropped afterwards."""
    url, pg_name = await fresh_database(args.db, workdir)
    engine = make_engine(url)
    sessions = make_sessions(engine)
    try:
        if which == "throughput":
            figures = await bench_throughput(sessions, args.recipients, "fan_out_dispatch", args.dispatch_batch)
        elif which == "memory":
            figures = await bench_throughput(sessions, args.memory_recipients, "memory", args.dispatch_batch)
        else:
            figures = await bench_rate(sessions, args.rate, args.seconds)
    finally:
        await engine.dispose()
        if pg_name:
            await admin_sql(os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    return {"bench": figures.pop("bench"), "db": args.db, **figures,
            "python": platform.python_version(), "machine": f"{platform.platform()}; {os.cpu_count()} cpus"}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--only", choices=("throughput", "memory", "rate"), action="append",
                        help="run only these measurements (repeatable); default: all three")
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--memory-recipients", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=80.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--dispatch-batch", type=int, default=200, help="Dispatcher batch (the bot's default is 200)")
    parser.add_argument("--repeat", type=int, default=1, help="run each measurement this many times")
    args = parser.parse_args()
    os.environ.setdefault("DATA_KEYS", crypto.new_key())
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as workdir:
        for which in args.only or ["throughput", "memory", "rate"]:
            for round_ in range(args.repeat):
                log(f"{which} on {args.db}, round {round_ + 1}/{args.repeat}")
                print(json.dumps(await run_one(args, which, Path(workdir)), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
