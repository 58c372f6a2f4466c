"""One dispatcher per rate-limited channel across processes: a PostgreSQL advisory lock per channel, held on
a connection of its own; when its process dies the connection closes and another process takes over."""

from __future__ import annotations

import logging
import zlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)


def lock_id(channel: str) -> int:
    """A stable 31-bit key for the channel's advisory lock."""
    return zlib.crc32(f"frontdesk-dispatch:{channel}".encode()) & 0x7FFFFFFF


class ChannelLocks:
    """Which channels this process may send on: those whose lock it holds, plus those with no rate limit."""

    def __init__(self, engine: AsyncEngine, limited: set[str]):
        self.engine = engine
        self.limited = limited
        self._conn: AsyncConnection | None = None
        self.held: set[str] = set()

    async def channels(self, senders: dict) -> list[str]:
        """Try for the locks not yet held (cheap, non-blocking); the channels this process serves now."""
        try:
            if self._conn is None or self._conn.closed:
                self._conn = await self.engine.connect()
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
