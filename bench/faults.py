"""Faults: the bot killed with SIGKILL during an inbound load and during a broadcast, its database away
for 10 s, and a backlog of inputs a crash left unapplied; what beneficiaries would notice (lost or doubled
answers, duplicate messages) and how long the bot takes to recover (or to drain the backlog). One JSON line
per scenario (also appended to bench/results/faults.jsonl)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Callable

from aiohttp import web
from sqlalchemy import func, select

from bench.broadcast import new_broadcast, seed
from bench.fault_load import Telegram, audit, new_session, settle, walk
from bench.inbound import SECRET, TOKEN, FakeApi, _emit, form
from bench.inbound_procs import ROOT, _bot_env, _database, _stop, _wait_until_up, free_port
from bench.tcp_proxy import TcpProxy
from bot.dispatcher import CONCURRENCY
from bot.engine import Engine, utc_now
from bot.incoming import Incoming
from conversations.profile import load as load_profile
from conversations.catalog import Catalog
from conversations.types import Inbound
from store.crypto import Keyring, new_key
from store.db import make_engine, make_sessions
from store.migrate import upgrade_async
from store.models import InboundMessage, OutboxMessage

RESULTS = Path(__file__).parent / "results"
SEND_DELAY = 0.002  # the slow fake's seconds per Bot API call: a broadcast lasts long enough to be killed
DISPATCH_BATCH = 200  # bot.dispatcher.Dispatcher's default batch
# The most rows one process has in flight: a pass writes one batch's outcomes while it sends the next, and on a
# channel without a rate limit has the batch after that claimed already.
IN_FLIGHT = 3 * DISPATCH_BATCH
STEPS = 2 + len(form(0))  # /start, English, then the form's answers


def log(*parts: object) -> None:
    """Progress, on stderr (stdout carries only the JSON lines)."""
    print(*parts, file=sys.stderr, flush=True)


class BotProcess:
    """`python -m bot run` on one port and one database, killed and started again as a supervisor would."""

    def __init__(self, env: dict, log_path: Path) -> None:
        self.env, self.log_path = env, log_path
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def webhook(self) -> str:
        """Where Telegram posts updates (the same port after every restart)."""
        return f"http://127.0.0.1:{self.env['PORT']}/webhooks/telegram"

    async def start(self) -> float:
        """Start it (again) and wait until it serves; the seconds that took."""
        started = time.perf_counter()
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT)
        await _wait_until_up(f"http://127.0.0.1:{self.env['PORT']}/healthz", self.proc)
        self.starts += 1
        return time.perf_counter() - started

    def kill(self) -> None:
        """SIGKILL, by pid: no cleanup, no goodbye, as when the machine loses power."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def alive(self) -> bool:
        """Still the process last started, running."""
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """SIGTERM at the end of a run (SIGKILL if it lingers)."""
        if self.proc is not None:
            _stop([self.proc])


def bot_env(db_url: str, api: FakeApi, keys: str, **extra: str) -> dict:
    """The bench's bot environment, with a quick sweep (stale inputs resumed in seconds) and a short lease."""
    env = _bot_env(db_url, free_port(), api.base_url, TOKEN, SECRET, keys)
    return {**env, "SWEEP_SECONDS": "1", "DISPATCH_LEASE_SECONDS": "5", **extra}


async def until(condition: Callable[[], object], timeout: float, what: str, every: float = 0.05) -> None:
    """Poll `condition` every `every` s; fail after `timeout` s."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(every)


def _users(count: int) -> dict[int, int]:
    """Fresh chat ids (each run its own) mapped to the user number whose form each walks."""
    base = 800_000_000 + uuid.uuid4().int % 10**6 * 1000
    return {base + n: n for n in range(count)}


def _first_after(moments: list[float], since: float) -> float | None:
    """Seconds from `since` to the first of `moments` at or after it; None if there is none."""
    later = [m for m in moments if m >= since]
    return round(min(later) - since, 3) if later else None


async def inbound_kill(args: argparse.Namespace, workdir: Path) -> dict:
    """N users walk the form; the bot is killed once a third of their updates were answered, and restarted."""
    api = FakeApi()
    await api.start()
    users, keys = _users(args.users), new_key()
    async with _database(args.db, workdir) as db_url:
        await upgrade_async(db_url)
        bot = BotProcess(bot_env(db_url, api, keys), workdir / "inbound-bot.log")
        try:
            await bot.start()
            async with new_session() as session:
                telegram = Telegram(session, bot.webhook)
                t0 = time.perf_counter()
                load = asyncio.gather(*(walk(telegram, api, n, chat) for chat, n in users.items()))
                third = len(users) * STEPS // 3  # and a POST in flight, so that one is cut off
                await until(lambda: len(telegram.acked) >= third and telegram.in_flight, 120, "kill", 0.001)
                bot.kill()
                killed, acked_at_kill, cut_off = time.perf_counter(), len(telegram.acked), telegram.in_flight
                restart_s = await bot.start()
                await load
                walked_s = time.perf_counter() - t0
            settle_s = await settle(db_url, [f"telegram:{c}" for c in users], 60)
            figures = await audit(db_url, keys, telegram, api, users)
        finally:
            bot.stop()
    await api.runner.cleanup()
    done = [a.started + a.seconds for a in telegram.attempts if a.status == 200]
    return {
        "scenario": "inbound_kill", "db": args.db, "users": len(users), "updates": len(users) * STEPS,
        "killed_after_acked": acked_at_kill, "posts_in_flight_at_kill": cut_off,
        "killed_at_s": round(killed - t0, 2), "restart_s": round(restart_s, 2),
        "first_200_after_kill_s": _first_after(done, killed), "attempts_by_answer": telegram.statuses(),
        **figures, "settled_after_load_s": settle_s, "walk_s": round(walked_s, 2),
    }


class SlowApi(FakeApi):
    """The fake Bot API, SEND_DELAY s per call: a broadcast long enough to be killed in the middle."""

    async def _handle(self, request: web.Request) -> web.Response:
        await asyncio.sleep(SEND_DELAY)
        return await super()._handle(request)


async def _outbox(db_url: str) -> dict[str, int]:
    """Outbox rows by status; right after a kill, those `sending` are what the dead process had in flight."""
    engine = make_engine(db_url)
    try:
        async with make_sessions(engine)() as tx:
            query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            return dict((await tx.execute(query)).all())
    finally:
        await engine.dispose()


async def _seed_broadcast(db_url: str, recipients: int) -> None:
    """`recipients` Telegram beneficiaries and one broadcast to all of them, due now."""
    engine = make_engine(db_url)
    try:
        sessions = make_sessions(engine)
        await seed(sessions, recipients)
        await new_broadcast(sessions)
    finally:
        await engine.dispose()


async def broadcast_kill(args: argparse.Namespace, workdir: Path) -> dict:
    """A broadcast to N recipients; the bot is killed a third of the way through, restarted, and finishes."""
    api = SlowApi()
    await api.start()
    n = args.recipients
    async with _database(args.db, workdir) as db_url:
        await upgrade_async(db_url)
        await _seed_broadcast(db_url, n)
        bot = BotProcess(bot_env(db_url, api, new_key()), workdir / "broadcast-bot.log")
        try:
            await bot.start()
            t0 = time.perf_counter()
            await until(lambda: api.calls.get("sendMessage", 0) >= n // 3, 300, "a third of the broadcast")
            bot.kill()
            killed, sent_at_kill = time.perf_counter(), api.calls.get("sendMessage", 0)
            in_flight = (await _outbox(db_url)).get("sending", 0)
            await bot.start()
            await until(lambda: len(api.chats) >= n, 600, "every recipient")
            reached = time.perf_counter()
            await asyncio.sleep(2.0)  # anything still to come (a duplicate) comes now
            final = await _outbox(db_url)
        finally:
            bot.stop()
    await api.runner.cleanup()
    duplicates = sum(len(chat.arrivals) - 1 for chat in api.chats.values())
    return {
        "scenario": "broadcast_kill", "db": args.db, "recipients": n, "sent_at_kill": sent_at_kill,
        "killed_at_s": round(killed - t0, 2), "rows_in_flight_at_kill": in_flight,
        "in_flight_bound": IN_FLIGHT, "concurrency": CONCURRENCY, "recipients_reached": len(api.chats),
        "duplicates": duplicates, "duplicates_within_in_flight": duplicates <= in_flight,
        "outbox_after": final,
        "recovered_all_s": round(reached - killed, 2), "total_s": round(reached - t0, 2),
    }


async def _hold_sqlite(path: str, seconds: float) -> None:
    """Another process's view of "the database is unavailable": an exclusive write lock held for `seconds`."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    try:
        await asyncio.to_thread(conn.execute, "BEGIN EXCLUSIVE")
        await asyncio.sleep(seconds)
        conn.execute("ROLLBACK")
    finally:
        conn.close()


async def _unavailable(proxy: TcpProxy | None, db_url: str, mode: str, seconds: float) -> None:
    """The database away for `seconds`: the proxy in front of PostgreSQL cut (`refuse`: connections reset;
    `blackhole`: never answered), or on SQLite another connection holding the write lock."""
    if proxy is None:
        await _hold_sqlite(db_url.split("///", 1)[1], seconds)
        return
    proxy.cut(blackhole=mode == "blackhole")
    await asyncio.sleep(seconds)
    proxy.restore()


async def outage(args: argparse.Namespace, workdir: Path, mode: str) -> dict:
    """Users walk the form at a human pace while the database is away for `args.outage` s; the answers during
    the outage, and the recovery after it without a restart."""
    api = FakeApi()
    await api.start()
    users, keys = _users(args.users), new_key()
    async with _database(args.db, workdir) as db_url:
        await upgrade_async(db_url)
        proxy = await TcpProxy.before(db_url).start() if args.db == "postgresql" else None
        bot_url = proxy.url(db_url) if proxy else db_url
        bot = BotProcess(bot_env(bot_url, api, keys), workdir / f"outage-{mode}.log")
        try:
            await bot.start()
            async with new_session() as session:
                telegram = Telegram(session, bot.webhook)
                walks = [walk(telegram, api, n, chat, think=args.think) for chat, n in users.items()]
                load = asyncio.gather(*walks)
                await asyncio.sleep(args.before)
                cut = time.perf_counter()
                await _unavailable(proxy, db_url, mode, args.outage)
                restored = time.perf_counter()
                await load
            settle_s = await settle(db_url, [f"telegram:{c}" for c in users], 60)
            figures = await audit(db_url, keys, telegram, api, users)
            alive = bot.alive()
        finally:
            bot.stop()
            if proxy is not None:
                await proxy.close()
    await api.runner.cleanup()
    during = [a.seconds for a in telegram.attempts if cut <= a.started < restored]
    done = [a.started + a.seconds for a in telegram.attempts if a.status == 200]
    replies = [t for chat in users for t in api.chat(chat).arrivals]
    return {
        "scenario": "outage", "db": args.db, "mode": mode, "outage_s": args.outage, "users": len(users),
        "answers_during_outage": telegram.statuses(cut, restored),
        "answer_s_during_outage_p50": round(statistics.median(during), 3) if during else None,
        "answer_s_during_outage_max": round(max(during), 3) if during else None,
        "answered_500": sum(1 for a in telegram.attempts if a.status == 500),
        "first_200_after_restore_s": _first_after(done, restored),
        "first_reply_after_restore_s": _first_after(replies, restored),
        "bot_alive_without_restart": alive and bot.starts == 1, **figures, "settled_after_load_s": settle_s,
    }


def _walk(n: int) -> list[Inbound]:
    """User n's inputs, as a crash leaves them: /start, English, then the whole help form."""
    return [Inbound("start"), Inbound("choice", text="English", choice="lang:en"), *(Inbound("text", text=t) for t in form(n))]


async def _record_backlog(db_url: str, keys: str, inputs: int, each: int) -> list[str]:
    """`inputs` Telegram inputs recorded a minute ago and never applied (as after a `kill -9`): the first
    `each` inputs of a walk through the form per conversation; the conversation keys."""
    engine = make_engine(db_url)
    try:
        profile = load_profile(str(ROOT / "tests/fixtures/profile.toml"))
        then = utc_now() - timedelta(minutes=1)
        recorder = Engine(make_sessions(engine), profile, Catalog.load(profile.texts), Keyring([keys]), clock=lambda: then)
        chats, done = _users((inputs + each - 1) // each), 0
        for chat, n in chats.items():
            for step, inbound in enumerate(_walk(n)[: min(each, inputs - done)]):
                await recorder.record(Incoming("telegram", str(chat), f"drain-{chat}-{step}", inbound))
                done += 1
        return [f"telegram:{c}" for c in chats]
    finally:
        await engine.dispose()


async def _drained(db_url: str) -> tuple[int, float | None, float | None]:
    """Inputs still waiting, and the first and last moment (epoch s) an input was applied."""
    engine = make_engine(db_url)
    try:
        async with make_sessions(engine)() as tx:
            waiting = await tx.scalar(select(func.count()).where(InboundMessage.status == "received"))
            first, last = (await tx.execute(select(func.min(InboundMessage.processed_at), func.max(InboundMessage.processed_at)))).one()
        return waiting or 0, first.timestamp() if first else None, last.timestamp() if last else None
    finally:
        await engine.dispose()


async def drain(args: argparse.Namespace, workdir: Path) -> dict:
    """N inputs recorded but not applied (a crash between the 200 and the apply); the bot started: how long
    until every one is applied, and at what rate once it began."""
    api = FakeApi()
    await api.start()
    keys = new_key()
    async with _database(args.db, workdir) as db_url:
        await upgrade_async(db_url)
        conversations = await _record_backlog(db_url, keys, args.inputs, args.each)
        bot = BotProcess(bot_env(db_url, api, keys, SWEEP_SECONDS="10"), workdir / "drain-bot.log")
        try:
            t0, wall0 = time.perf_counter(), time.time()
            up_s = await bot.start()
            while (state := await _drained(db_url))[0]:
                if time.perf_counter() - t0 > 600:
                    raise RuntimeError(f"{state[0]} inputs still waiting after 600 s")
                await asyncio.sleep(0.2)
            _, first, last = state
        finally:
            bot.stop()
    await api.runner.cleanup()
    span = max(last - first, 1e-3)
    return {
        "scenario": "drain", "db": args.db, "inputs": args.inputs, "conversations": len(conversations),
        "bot_up_s": round(up_s, 2), "first_applied_after_start_s": round(first - wall0, 2),
        "all_applied_after_start_s": round(last - wall0, 2),
        "drained_per_s": round(args.inputs / span, 1), "replies_sent": api.calls.get("sendMessage", 0),
    }


def _fresh(workdir: Path) -> Path:
    """A directory of its own for one scenario (its SQLite file, the bot's log)."""
    return Path(tempfile.mkdtemp(dir=workdir))


async def main(args: argparse.Namespace) -> None:
    """Run the chosen scenarios, each on a fresh database, one JSON line each."""
    RESULTS.mkdir(exist_ok=True)
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # the fake's calls cut by a kill
    out = RESULTS / args.out
    machine = {"python": platform.python_version(),
               "machine": f"{platform.platform()}; {os.cpu_count()} cpus"}
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        workdir = Path(tmp)
        for which in args.only or ["inbound", "broadcast", "outage", "drain"]:
            log(f"{which} on {args.db}")
            if which == "inbound":
                rows = [await inbound_kill(args, _fresh(workdir))]
            elif which == "broadcast":
                rows = [await broadcast_kill(args, _fresh(workdir))]
            elif which == "drain":
                rows = [await drain(args, _fresh(workdir))]
            else:
                modes = ["refuse", "blackhole"] if args.db == "postgresql" else ["exclusive_lock"]
                rows = [await outage(args, _fresh(workdir), mode) for mode in modes]
            for row in rows:
                _emit({**row, **machine}, out)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--only", choices=["inbound", "broadcast", "outage", "drain"], action="append",
                   help="run only these scenarios (repeatable); default: all four")
    p.add_argument("--users", type=int, default=40, help="users walking the form (inbound kill, outage)")
    p.add_argument("--recipients", type=int, default=20_000, help="the broadcast's recipients")
    p.add_argument("--inputs", type=int, default=1800, help="inputs left unapplied before the start (drain)")
    p.add_argument("--each", type=int, default=1, choices=range(1, STEPS + 1), metavar=f"1..{STEPS}",
                   help="of them per conversation, the first steps of the form (drain)")
    p.add_argument("--outage", type=float, default=10.0, help="seconds the database is away")
    p.add_argument("--before", type=float, default=3.0, help="seconds of load before the outage")
    p.add_argument("--think", type=float, default=0.75, help="a user's pause between answers (outage)")
    p.add_argument("--out", default="faults.jsonl", help="file name under bench/results/")
    return p.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
