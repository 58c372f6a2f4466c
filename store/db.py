"""Async engines and sessions: aiosqlite (WAL, busy timeout, write-locking transactions) or asyncpg."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from store import sqlite_inline
from store.private_files import private_sqlite

SQLITE_BUSY_TIMEOUT_MS = 15_000
# asyncpg waits 60 s to connect by default, and a pool checkout 30 s: while the database is unreachable
# a webhook would hang that long instead of answering 503 (a waiter may pay both: 10 s at most here).
PG_CONNECT_TIMEOUT_S = 5
# A pooled PostgreSQL connection idle this long is pinged before use (a restart or a dropped link would fail
# its next transaction); one in steady use is not: asyncpg's ping is three round trips, more than most
# transactions' own work. A connection that breaks while in use fails that transaction, and SQLAlchemy then
# discards every connection of the pool opened before it.
PG_PING_AFTER_IDLE_S = 5.0


def make_engine(url: str, *, echo: bool = False, foreign_keys: bool = True) -> AsyncEngine:
    """An engine for `url`; on SQLite every transaction takes the write lock up front (BEGIN IMMEDIATE)
    so that two inputs never read the same conversation version and then both write. Migrations turn
    SQLite's foreign-key enforcement off: its table rebuilds (copy, drop, rename) would trip it."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            private_sqlite(Path(path.split("?", 1)[0]))
        # One connection, handed out in turn: SQLite has one writer at a time anyway (BEGIN IMMEDIATE), and a
        # queue for the connection is fair and prompt where waiters on the lock poll and sleep.
        wait = SQLITE_BUSY_TIMEOUT_MS / 1000
        pool = {"pool_size": 1, "max_overflow": 0, "pool_timeout": wait} if path and path != ":memory:" else {}
        connect_args = {"timeout": wait, "async_creator_fn": sqlite_inline.connect}
        engine = create_async_engine(url, echo=echo, connect_args=connect_args, **pool)
        _sqlite_pragmas(engine, foreign_keys)
        return engine
    engine = create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=10, pool_timeout=PG_CONNECT_TIMEOUT_S,
        connect_args={"timeout": PG_CONNECT_TIMEOUT_S},
    )
    _postgres_connect_errors(engine)
    _ping_when_idle(engine)
    return engine


def _sqlite_pragmas(engine: AsyncEngine, foreign_keys: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=0")  # waits for a lock happen in aiosqlite's thread (store/sqlite_inline.py)
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _postgres_connect_errors(engine: AsyncEngine) -> None:
    """asyncpg raises a refused, reset or timed-out connection as a bare OSError: raise it as the driver's
    OperationalError, so that callers see an SQLAlchemyError ("the database is away") like any other."""

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect, _record, cargs, cparams):  # type: ignore[no-untyped-def]
        try:
            return dialect.connect(*cargs, **cparams)
        except OSError as exc:
            raise dialect.loaded_dbapi.OperationalError(f"cannot connect: {exc!r}", exc) from exc


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a connection before handing it out when it sat in the pool longer than PG_PING_AFTER_IDLE_S, or
    since a connection was last found dead (the others may have died with it); a dead one is replaced (the pool
    tries a fresh connection on DisconnectionError)."""
    lost_at = [float("-inf")]

    @event.listens_for(engine.sync_engine, "invalidate")
    def _invalidated(_dbapi_conn, _record, _exc) -> None:  # type: ignore[no-untyped-def]
        lost_at[0] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or (time.monotonic() - idle_since < PG_PING_AFTER_IDLE_S and idle_since > lost_at[0]):
            return
        try:
            dbapi_conn.ping()
        except Exception as exc:  # noqa: BLE001  (whatever the driver raises, the connection is not usable)
            raise DisconnectionError(f"a pooled connection was dead: {exc!r}") from exc


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (the engine reads them to send replies)."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def one_statement(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncConnection]:
    """A connection for a write that is one statement (inputs recorded, a batch's outcomes): on PostgreSQL
    outside any transaction, where the statement commits by itself (one round trip instead of BEGIN, it and
    COMMIT); on SQLite in a write transaction as usual (a statement there is a call, not a round trip)."""
    bind = sessions.kw["bind"]
    if bind.dialect.name == "postgresql":
        async with bind.connect() as conn:
            yield await conn.execution_options(isolation_level="AUTOCOMMIT")
    else:
        async with bind.begin() as conn:
            yield conn
