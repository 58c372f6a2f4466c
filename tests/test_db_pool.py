"""PostgreSQL's pool: a connection the server dropped while it sat idle in the pool is replaced before use (the
next transaction works), and a connection in steady use is handed out without a ping."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

from store import db
from store.db import make_engine



async def _backend_pids(engine) -> set[int]:  # type: ignore[no-untyped-def]
    async with engine.connect() as a, engine.connect() as b:
        return {(await c.execute(text("SELECT pg_backend_pid()"))).scalar_one() for c in (a, b)}


async def test_a_connection_dropped_while_idle_is_replaced(postgres_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(db, "PG_PING_AFTER_IDLE_S", 0.0)
    engine, admin = make_engine(postgres_url), make_engine(postgres_url)
    try:
        pooled = await _backend_pids(engine)  # two connections now idle in the pool
        async with admin.connect() as conn:
            for pid in pooled:
                await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        async with engine.begin() as conn:  # what the person's next input would do
            assert (await conn.execute(text("SELECT 41 + 1"))).scalar_one() == 42
            assert (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one() not in pooled
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_a_connection_in_steady_use_is_not_pinged(postgres_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(db, "PG_PING_AFTER_IDLE_S", 60.0)
    engine = make_engine(postgres_url)
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    pings = []
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", lambda self: pings.append(self))
        for _ in range(3):
            async with engine.begin() as conn:
                await conn.execute(text("SELECT 2"))
        assert pings == [] and statements == ["SELECT 1", "SELECT 2", "SELECT 2", "SELECT 2"]
        monkeypatch.setattr(db, "PG_PING_AFTER_IDLE_S", 0.0)
        async with engine.begin() as conn:
            await conn.execute(text("SELECT 3"))
        assert len(pings) == 1
    finally:
        await engine.dispose()
