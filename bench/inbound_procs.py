"""The processes under load for bench.inbound: our bot (SQLite, PostgreSQL, 1 or 2 processes) or the PTB baseline."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator

import aiohttp

from bench.cores import Placement, postgres_pids

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Target:
    """The webhook URLs to post to (round robin) and the processes that serve them."""

    urls: list[str]
    procs: list[subprocess.Popen] = field(default_factory=list)
    db_pinned: bool | None = None  # PostgreSQL moved to the generator's cores (None: not asked)

    def cpu_seconds(self) -> float:
        """User + system CPU of all the target's processes so far, from /proc/<pid>/stat."""
        total = 0
        for proc in self.procs:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return total / TICK

    def peak_rss_mb(self) -> float:
        """The largest peak resident set (VmHWM) among the target's processes, MiB."""
        peaks = []
        for proc in self.procs:
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return round(max(peaks), 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Poll `url` until the process answers anything over HTTP (it has bound its port)."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with session.get(url) as response:
                    await response.read()
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


def _stop(procs: list[subprocess.Popen]) -> None:
    """SIGTERM the processes we started (by pid), then SIGKILL any that linger."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _admin_sql(admin_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _postgres_pids(admin_url: str) -> list[int]:
    """PostgreSQL's processes on this machine, found from a backend while its connection is open."""
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return postgres_pids(await conn.fetchval("SELECT pg_backend_pid()"))
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def _database(kind: str, workdir: Path) -> AsyncIterator[str]:
    """A fresh database URL: a SQLite file in `workdir`, or a new PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
        return
    admin = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG
    name = f"bench_{uuid.uuid4().hex[:10]}"
    await _admin_sql(admin, f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await _admin_sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.asynccontextmanager
async def _db_placed(db: str, placement: Placement) -> AsyncIterator[bool | None]:
    """PostgreSQL on the generator's cores while the target runs, where the placement pins and PostgreSQL
    runs on this machine (the bot's connections come from its postmaster, so they follow); whether it is."""
    if db != "postgresql" or not placement.rest:
        yield None
        return
    pids = await _postgres_pids(os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG)
    if not pids:
        print("PostgreSQL is not on this machine: not pinned", file=sys.stderr, flush=True)
    with placement.others(pids):
        yield bool(pids)


def _bot_env(db_url: str, port: int, api_base: str, token: str, secret: str, keys: str, *, paced: bool = False,
             code: Path = ROOT) -> dict:
    """The environment of `python -m bot run`: loopback, the fake API, warnings only, and no rate limits
    unless `paced` (then Telegram's own defaults: per chat and overall); the bot's code from `code`."""
    unpaced = {} if paced else {"TELEGRAM_RATE_PER_SECOND": "100000", "TELEGRAM_RATE_PER_CHAT": "100000"}
    return {
        **os.environ, "HOST": "127.0.0.1", "PORT": str(port), "DATABASE_URL": db_url,
        "PROFILE": str(code / "tests/fixtures/profile.toml"), "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_WEBHOOK_SECRET": secret, "TELEGRAM_API_BASE_URL": api_base, **unpaced, "LOG_LEVEL": "WARNING",
        "DATA_KEYS": keys, "PYTHONPATH": str(code),
    }


@contextlib.asynccontextmanager
async def start_target(
    kind: str, args: argparse.Namespace, api_base: str, token: str, secret: str, placement: Placement
) -> AsyncIterator[Target]:
    """Start what is measured on its cores, wait until it listens, and stop it (and drop its database) afterwards.
    `args` may ask for the product's own rate limits (`paced`) and another checkout's bot (`code`)."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-inbound-"))
    procs: list[subprocess.Popen] = []
    try:
        if kind == "baseline":
            port = free_port()
            cmd = [sys.executable, "-m", "bench.baseline_ptb", "--port", str(port), "--api", api_base,
                   "--token", token, "--secret", secret, "--data", str(workdir / "ptb.pickle")]
            procs.append(subprocess.Popen(placement.bot_command(cmd), cwd=ROOT))
            await _wait_until_up(f"http://127.0.0.1:{port}/telegram", procs[0])
            yield Target([f"http://127.0.0.1:{port}/telegram"], procs)
            return
        from store.crypto import new_key

        paced, code = getattr(args, "paced", False), Path(getattr(args, "code", "") or ROOT).resolve()
        async with _database(args.db, workdir) as db_url, _db_placed(args.db, placement) as db_pinned:
            keys = new_key()
            env = _bot_env(db_url, 8080, api_base, token, secret, keys, paced=paced, code=code)
            subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=code, env=env, check=True,
                           stdout=subprocess.DEVNULL)
            ports = [free_port() for _ in range(args.processes)]
            for port in ports:
                env = _bot_env(db_url, port, api_base, token, secret, keys, paced=paced, code=code)
                prof = ["-m", "cProfile", "-o", f"{args.profile}.{port}"] if getattr(args, "profile", "") else []
                procs.append(subprocess.Popen(placement.bot_command([sys.executable, *prof, "-m", "bot", "run"]),
                                              cwd=code, env=env, stdout=subprocess.DEVNULL))
            for port, proc in zip(ports, procs):
                await _wait_until_up(f"http://127.0.0.1:{port}/healthz", proc)
            try:
                yield Target([f"http://127.0.0.1:{p}/webhooks/telegram" for p in ports], procs, db_pinned)
            finally:
                _stop(procs)  # before the database is dropped
    finally:
        _stop(procs)
        shutil.rmtree(workdir, ignore_errors=True)
