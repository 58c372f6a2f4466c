"""Per-channel send rates: evenly spaced sends on the channel (never more than the limit in any second),
and, where the provider asks for it, a rate per recipient with a short burst."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

RECIPIENT_BURST = 3  # a reply and its follow-up question may go together; the provider tolerates short bursts
# The provider counts arrivals, not our departures: a stall of the process or the network between two sends
# can bring them closer on its side, so a full second's quota waits this much longer than a second.
WINDOW_MARGIN = 0.02


@dataclass(frozen=True)
class RateLimit:
    """At most `per_second` sends on the channel, and `per_recipient` sends a second to any one chat."""

    per_second: float
    per_recipient: float | None = None


class _Pace:
    """The generic cell-rate algorithm: each send is due one interval after the previous one, with up to
    `burst` sends allowed ahead of that pace; `delay()` books a send and says how long to wait for it."""

    def __init__(self, rate: float, burst: int):
        self.interval = (1.0 / rate) * (1 + 1e-9)  # a hair longer, so rounding never packs one more into a second
        self.slack = (burst - 1) * self.interval
        self.due = 0.0

    def delay(self, now: float) -> float:
        self.due = max(self.due, now - self.slack)
        wait = max(0.0, self.due - now)
        self.due += self.interval
        return wait


class Limiter:
    """Waits as long as the channel's limits require before each send (in this process)."""

    def __init__(self, limit: RateLimit, monotonic: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.monotonic = monotonic
        self._overall = _Pace(limit.per_second, burst=1)
        self._recipients: dict[str, _Pace] = {}
        self._sent: deque[float] = deque(maxlen=max(1, math.floor(limit.per_second)))  # the last second's sends

    def reserve(self, recipient: str) -> float:
        """Book a slot; the seconds to wait before using it."""
        now = self.monotonic()
        wait = self._overall.delay(now)
        if self.limit.per_recipient:
            pace = self._recipients.get(recipient)
            if pace is None:
                pace = self._recipients[recipient] = _Pace(self.limit.per_recipient, burst=RECIPIENT_BURST)
            wait += pace.delay(now + wait)
            if len(self._recipients) > 10_000:  # forget chats not written to for a minute
                self._recipients = {k: p for k, p in self._recipients.items() if p.due > now - 60}
        return wait

    async def acquire(self, recipient: str) -> None:
        """Wait for the booked slot, then check actual send times: a late wake-up of the event loop must not
        let several sends that were due out together, over the limit in one second."""
        wait = self.reserve(recipient)
        if wait > 0:
            await asyncio.sleep(wait)
        window = self._sent
        while len(window) >= window.maxlen and self.monotonic() - window[0] < 1.0 + WINDOW_MARGIN:
            await asyncio.sleep(1.0 + WINDOW_MARGIN - (self.monotonic() - window[0]) + 1e-4)
        window.append(self.monotonic())
