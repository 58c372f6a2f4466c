"""The rate limiter with a hand-moved clock: never more than the limit in any second, per channel and per chat."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ratelimit import Limiter, RateLimit


class Monotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def schedule(limiter: Limiter, clock: Monotonic, recipients: list[str]) -> list[float]:
    """When each send would go out if every caller waited as told, all asking at the same moment."""
    return [clock.t + limiter.reserve(r) for r in recipients]


def test_overall_rate_is_never_exceeded_in_any_second():
    clock = Monotonic()
    limiter = Limiter(RateLimit(per_second=80), monotonic=clock)
    times = schedule(limiter, clock, [f"chat{n}" for n in range(800)])
    for start in times:
        assert sum(1 for t in times if start <= t < start + 1.0) <= 80
    assert max(times) - clock.t < 10.1  # and the limit is used: 800 sends take about 10 s, not more


def test_one_chat_gets_at_most_its_own_rate():
    clock = Monotonic()
    limiter = Limiter(RateLimit(per_second=25, per_recipient=1), monotonic=clock)
    times = schedule(limiter, clock, ["same"] * 6)
    assert [round(t - 1000, 2) for t in times] == [0.0, 0.04, 0.08, 1.0, 2.0, 3.0]  # a short burst, then 1/s
    other = limiter.reserve("other")
    assert round(other, 2) == 0.24  # only the channel's pace (six slots of 1/25 s) holds another chat up


def test_an_idle_channel_sends_at_once():
    clock = Monotonic()
    limiter = Limiter(RateLimit(per_second=10), monotonic=clock)
    assert limiter.reserve("x") == 0
    assert limiter.reserve("x") > 0
    clock.t += 5
    assert limiter.reserve("y") == 0


@settings(max_examples=50)
@given(st.floats(min_value=0.5, max_value=200), st.integers(min_value=1, max_value=400))
def test_no_window_of_one_second_holds_more_than_the_limit(rate, n):
    clock = Monotonic()
    limiter = Limiter(RateLimit(per_second=rate), monotonic=clock)
    times = sorted(schedule(limiter, clock, [str(i) for i in range(n)]))
    for i, start in enumerate(times):
        in_window = sum(1 for t in times[i:] if t < start + 1.0)
        assert in_window <= math.ceil(rate)  # a fractional rate fits its ceiling in some windows


async def test_sends_that_wake_up_late_together_still_respect_the_limit_in_every_second():
    """The event loop may wake several waiting senders at once; actual send times are what the provider counts."""
    import asyncio
    import time

    limiter = Limiter(RateLimit(per_second=20))
    limiter._overall.delay = lambda now: 0.0  # every booked slot has already passed: the loop woke up late
    sent = []

    async def one() -> None:
        await limiter.acquire("y")
        sent.append(time.monotonic())

    await asyncio.gather(*(one() for _ in range(30)))
    for i, start in enumerate(sent):
        assert sum(1 for t in sent[i:] if t < start + 1.0) <= 20
