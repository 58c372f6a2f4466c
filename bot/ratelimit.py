"""Per-channel send rates: an overall token bucket and, where the provider asks for it, one per recipient."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class RateLimit:
    """At most `per_second` sends on the channel, and `per_recipient` sends a second to any one chat."""

    per_second: float
    per_recipient: float | None = None


class _Bucket:
    """Tokens refill at `rate` a second up to `burst`; `delay()` reserves one and says how long to wait."""

    def __init__(self, rate: float, burst: float, now: float):
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, now

    def delay(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class Limiter:
    """Waits as long as the channel's limits require before each send (in this process)."""

    def __init__(self, limit: RateLimit, monotonic: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.monotonic = monotonic
        self._overall = _Bucket(limit.per_second, max(1.0, limit.per_second), monotonic())
        self._recipients: dict[str, _Bucket] = {}

    def reserve(self, recipient: str) -> float:
        """Take a slot now; the seconds to wait before using it."""
        now = self.monotonic()
        wait = self._overall.delay(now)
        if self.limit.per_recipient:
            bucket = self._recipients.get(recipient)
            if bucket is None:
                bucket = self._recipients[recipient] = _Bucket(self.limit.per_recipient, 1.0, now)
            wait = max(wait, bucket.delay(now))
            if len(self._recipients) > 10_000:  # forget chats not written to for a minute: they have refilled
                self._recipients = {k: b for k, b in self._recipients.items() if now - b.stamp < 60}
        return wait

    async def acquire(self, recipient: str) -> None:
        wait = self.reserve(recipient)
        if wait > 0:
            await asyncio.sleep(wait)
