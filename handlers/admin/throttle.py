"""Sign-in throttling: failures counted per client address and per (username, address), each with its own
exponential back-off, and a gate that bounds how many password hashes run at once. Nobody can lock an
account for its owner: a username hammered from one address still signs in from another.

The counts live in memory, per process (with several processes each keeps its own, so an address gets at
most that many times the tries; a restart forgets them, which only gives back a few tries)."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import AsyncIterator

from aiohttp import web

PAIR_FREE = 5  # failures of one username from one address before it must wait
ADDRESS_FREE = 20  # failures from one address, any usernames, before it must wait
FIRST_WAIT = timedelta(minutes=1)  # doubled with each further failure
LONGEST_WAIT = timedelta(minutes=15)
FORGET = timedelta(hours=1)  # failures older than this no longer count
MAX_KEYS = 20_000  # the table's size: the oldest are forgotten first beyond it
HASHES_AT_ONCE = 2  # scrypt is CPU-bound: as many as there are cores to spare
HASHES_WAITING = 16  # beyond this, a sign-in is told to come back instead of queueing


class Busy(Exception):
    """Too many sign-ins are already waiting for a password check."""


@dataclass
class Failures:
    count: int
    last: datetime
    blocked_until: datetime | None = None


class LoginThrottle:
    """The failure table and the hashing gate of one process."""

    def __init__(self) -> None:
        self.failures: dict[tuple[str, ...], Failures] = {}
        self.gate = asyncio.Semaphore(HASHES_AT_ONCE)
        self.waiting = 0

    def _keys(self, address: str, username: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return ("address", address), ("pair", username, address)

    def _current(self, key: tuple[str, ...], now: datetime) -> Failures | None:
        entry = self.failures.get(key)
        if entry is not None and now - entry.last > FORGET:
            del self.failures[key]
            return None
        return entry

    def wait(self, address: str, username: str, now: datetime) -> int:
        """Seconds this address (for this username) must still wait before a try is looked at; 0 when free."""
        waits = [0.0]
        for key in self._keys(address, username):
            entry = self._current(key, now)
            if entry is not None and entry.blocked_until is not None and entry.blocked_until > now:
                waits.append((entry.blocked_until - now).total_seconds())
        return int(max(waits) + 0.999)

    def failed(self, address: str, username: str, now: datetime) -> bool:
        """Count a wrong sign-in; True when it makes the address or the pair wait."""
        blocked = False
        for key, free in zip(self._keys(address, username), (ADDRESS_FREE, PAIR_FREE), strict=True):
            entry = self._current(key, now) or Failures(0, now)
            entry.count, entry.last = entry.count + 1, now
            if entry.count >= free:
                entry.blocked_until = now + min(LONGEST_WAIT, FIRST_WAIT * 2 ** (entry.count - free))
                blocked = True
            self.failures.pop(key, None)
            self.failures[key] = entry  # newest last: the oldest are first to be forgotten
        while len(self.failures) > MAX_KEYS:
            del self.failures[next(iter(self.failures))]
        return blocked

    def succeeded(self, address: str, username: str) -> None:
        """The right password: this username from this address starts afresh (the address keeps its count)."""
        self.failures.pop(self._keys(address, username)[1], None)

    @contextlib.asynccontextmanager
    async def hashing(self) -> AsyncIterator[None]:
        """A turn to compute a password hash; Busy when too many are already waiting for one."""
        if self.gate.locked() and self.waiting >= HASHES_WAITING:
            raise Busy
        self.waiting += 1
        try:
            await self.gate.acquire()
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self.gate.release()


THROTTLE = web.AppKey("login_throttle", LoginThrottle)


def client_address(request: web.Request, trusted_proxies: frozenset[str]) -> str:
    """Who is signing in: the peer, or, when the peer is a trusted reverse proxy, the address it forwarded
    (the last X-Forwarded-For entry, the one that proxy added)."""
    peer = request.remote or ""
    if peer in trusted_proxies:
        forwarded = request.headers.get("X-Forwarded-For", "").rsplit(",", 1)[-1].strip()
        with contextlib.suppress(ValueError):
            return str(ipaddress.ip_address(forwarded))
    return peer
