"""One dispatcher per rate-limited channel across processes: a PostgreSQL advisory lock per channel, held on
a connection of its own; when its process dies the connection closes and another process takes over. The same
connection listens for rows that another process wrote but may not send, so the holder sends them at once."""

from __future__ import annotations

import logging
import zlib

from typing import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

log = logging.getLogger(__name__)
NEW_ROWS = "frontdesk_outbox"  # the notification channel: rows wait for the process holding their channel


def lock_id(channel: str) -> int:
    """A stable 31-bit key for the channel's advisory lock."""
    return zlib.crc32(f"frontdesk-dispatch:{channel}".encode()) & 0x7FFFFFFF


class ChannelLocks:
    """Which channels this process may send on: those whose lock it holds, plus those with no rate limit."""

    def __init__(self, engine: AsyncEngine, limited: set[str]):
        self.engine = engine
        self.limited = limited
        self.on_new_rows: Callable[[], None] = lambda: None  # the dispatcher's wake-up
        self._conn: AsyncConnection | None = None
        self.held: set[str] = set()

    async def _connect(self) -> AsyncConnection:
        """The lock connection, listening for other processes' new rows."""
        conn = await self.engine.connect()
        raw = (await conn.get_raw_connection()).driver_connection
        await raw.add_listener(NEW_ROWS, lambda *_: self.on_new_rows())
        return conn

    @staticmethod
    async def announce(tx: AsyncSession) -> None:
        """Tell the process holding the channel, when this transaction commits, that rows wait for it."""
        await tx.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NEW_ROWS})

    async def channels(self, senders: dict) -> list[str]:
        """Try for the locks not yet held (cheap, non-blocking); the channels this process serves now."""
        try:
            if self._conn is None or self._conn.closed:
                self._conn = await self._connect()
                self.held.clear()
            for channel in sorted(self.limited - self.held):
                got = (await self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_id(channel)})).scalar()
                await self._conn.commit()
                if got:
                    self.held.add(channel)
                    log.info("this process now sends on %s", channel)
        except Exception:  # noqa: BLE001  (the database went away: serve only unlimited channels until it is back)
            log.exception("could not take the channel locks")
            self._conn, self.held = None, set()
        return [c for c in senders if c not in self.limited or c in self.held]

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn, self.held = None, set()
