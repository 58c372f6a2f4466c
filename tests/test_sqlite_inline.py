"""SQLite statements on the loop's own thread: a transaction that finds the database locked by another process
waits for it in aiosqlite's thread (the loop goes on meanwhile) and then commits; nothing is lost either way."""

from __future__ import annotations

import asyncio
import sqlite3

from sqlalchemy import func, select, text

from store.db import make_engine, make_sessions
from store.migrate import upgrade
from store.models import Beneficiary


async def test_a_transaction_waits_for_another_process_lock_without_blocking_the_loop(tmp_path):
    path = tmp_path / "locked.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    sessions = make_sessions(engine)
    other = sqlite3.connect(path, isolation_level=None)  # another process's connection, holding the write lock
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def write() -> None:
        async with sessions() as tx, tx.begin():
            tx.add(Beneficiary(display_name="Sara", language="ar"))

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    writing = asyncio.create_task(write())
    while ticks < 5:  # the loop keeps running while the write waits for the lock
        await asyncio.sleep(0.01)
    assert not writing.done()
    other.execute("COMMIT")
    await writing
    ticker.cancel()
    async with sessions() as tx:
        assert await tx.scalar(select(func.count()).select_from(Beneficiary)) == 1
        assert await tx.scalar(text("PRAGMA busy_timeout")) == 0  # the wait was the thread's alone
    other.close()
    await engine.dispose()
