"""A SQLite connection whose statements run on the event loop's own thread: a statement on a local file takes
microseconds, while a hand-off to aiosqlite's thread and back costs more than that (a GIL switch each way).
The connection never waits for a lock inline (busy timeout 0): a statement that finds the database locked
by another process is run again in aiosqlite's thread with the real timeout, so the loop never blocks on it."""

from __future__ import annotations

import sqlite3
from functools import partial
from typing import Any, Callable

import aiosqlite

SQLITE_BUSY, SQLITE_LOCKED = 5, 6


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection, with every call run inline unless it has to wait for a lock."""

    wait_ms = 5000

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection itself, for statements run inline on a transaction already begun."""
        return self._connection

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or self._connection is None or _closes(fn):
            return await super()._execute(fn, *args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF not in (SQLITE_BUSY, SQLITE_LOCKED):
                raise
        return await super()._execute(_patiently, self._connection, self.wait_ms, partial(fn, *args, **kwargs))


def _closes(fn: Callable[..., Any]) -> bool:
    """Closing the connection stops aiosqlite's thread: that goes through the thread, in its queue's order."""
    return isinstance(getattr(fn, "__self__", None), sqlite3.Connection) and fn.__name__ == "close"


def _patiently(conn: sqlite3.Connection, wait_ms: int, call: Callable[[], Any]) -> Any:
    """Run `call` waiting up to `wait_ms` for the lock (in aiosqlite's thread), then stop waiting again."""
    conn.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
    try:
        return call()
    finally:
        conn.execute("PRAGMA busy_timeout=0")


def connect(database: str, *, iter_chunk_size: int = 64, timeout: float = 5.0, **kwargs: Any) -> InlineConnection:
    """What SQLAlchemy's aiosqlite dialect calls instead of `aiosqlite.connect` (its `async_creator_fn`): the
    sqlite3 connection is made in aiosqlite's thread and used from the loop's too, hence not thread-bound;
    `timeout` is how long a statement may wait for another process's lock."""
    kwargs.update(timeout=0, check_same_thread=False)
    connector = partial(sqlite3.connect, database, **kwargs)
    connection = InlineConnection(connector, iter_chunk_size)
    connection.wait_ms = int(timeout * 1000)
    return connection
