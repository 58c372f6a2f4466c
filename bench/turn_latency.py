"""Turn latency at light load over Telegram webhooks: a few users walk the help form one update at a time,
against the bot with Telegram's own rate limits (per chat and overall); from each webhook POST to the last
message of that turn arriving at the fake Bot API, p50/p95/p99 as a JSON line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid

from aiohttp import ClientSession, ClientTimeout, TCPConnector

from bench.inbound import RESULTS, SECRET, STEP_TIMEOUT, TOKEN, Driver, FakeApi, _pct, english_key, form, press, text
from bench.cores import plan
from bench.inbound_procs import start_target

SETTLE = 2.0  # calibration: after each step, time for the chat's send budget to fill again (1 a second, burst 3)


def typed(n: int, walk: str) -> list[str]:
    """What user n types after choosing English: the help form as it should be filled ("form"), or as people
    do ("slips"): a greeting at the menu, a wrong name, ID and mobile before the right ones, thanks at the end;
    each slip is answered with a notice and the question again."""
    words = form(n)
    if walk == "form":
        return words
    name, national_id, phone = words[2:5]
    return ["hello", *words[:2], "Sara 2", name, "123", national_id, "12", phone, *words[5:], "thanks"]


def updates(api: FakeApi, n: int, chat_id: int, walk: str) -> list:
    """User n's walk: /start, the English button, then what they type; each made when it is sent (the
    button's data comes from the greeting's keyboard)."""
    return [lambda: text("/start", chat_id), lambda: press(english_key(api.chat(chat_id)), chat_id),
            *(lambda words=words: text(words, chat_id) for words in typed(n, walk))]


async def calibrate(driver: Driver, api: FakeApi, chat_id: int, walk: str) -> list[int]:
    """The messages each step sends, counted in a chat of its own, each step after the budget filled again
    (so that no message is paced longer than the quiet time that ends a step)."""
    counts = []
    for make in updates(api, 10**7 - 1, chat_id, walk):
        counts.append(await driver.step(make(), chat_id, None))
        await asyncio.sleep(SETTLE)
    return counts


async def measure(args: argparse.Namespace) -> dict:
    """Start the bot, count the messages per step, then walk `users` forms interleaved, one update in flight."""
    api = FakeApi()
    await api.start()
    async with start_target("ours", args, api.base_url, TOKEN, SECRET, plan(1)) as target:
        print(f"pids: {' '.join(str(p.pid) for p in target.procs)}", file=sys.stderr, flush=True)
        async with ClientSession(connector=TCPConnector(limit=0), timeout=ClientTimeout(total=STEP_TIMEOUT)) as session:
            base = 800_000_000 + uuid.uuid4().int % 10**6 * 1000  # fresh chat ids for every run
            calibration, driver = Driver(api, target, session, 0), Driver(api, target, session, 0)
            counts = await calibrate(calibration, api, base - 1, args.walk)
            gap = args.think / args.users  # each chat's next update comes about `think` s after its last
            walks = [updates(api, r * args.users + i, base + r * args.users + i, args.walk)
                     for r in range(args.rounds) for i in range(args.users)]
            t0 = time.perf_counter()
            for r in range(args.rounds):
                for step, expected in enumerate(counts):
                    for i in range(args.users):
                        chat_id = base + r * args.users + i
                        await driver.step(walks[r * args.users + i][step](), chat_id, expected)
                        await asyncio.sleep(gap)
            seconds = time.perf_counter() - t0
    await api.runner.cleanup()
    return {
        "bench": "turn_latency", "walk": args.walk, "db": args.db, "code": args.code or "this checkout", "users": args.users,
        "rounds": args.rounds, "think_s": args.think, "rate_limits": "telegram defaults (1/s a chat, 25/s)",
        "turns": driver.posted, "seconds": round(seconds, 1),
        "messages_per_turn": round(sum(counts) / len(counts), 2), "replies_per_step": counts,
        "p50_ms": _pct(driver.latencies, 0.50), "p95_ms": _pct(driver.latencies, 0.95),
        "p99_ms": _pct(driver.latencies, 0.99), "first_reply_p50_ms": _pct(driver.firsts, 0.50),
        "first_reply_p99_ms": _pct(driver.firsts, 0.99), "errors_non200": driver.non200 + calibration.non200,
        "errors_timeouts": driver.timeouts + calibration.timeouts,
    }


async def main(args: argparse.Namespace) -> None:
    row = await measure(args)
    line = json.dumps(row, ensure_ascii=False)
    print(line, flush=True)
    if args.out:
        RESULTS.mkdir(exist_ok=True)
        with (RESULTS / args.out).open("a", encoding="utf-8") as f:
            f.write(line + "\n")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.turn_latency", description=__doc__)
    p.add_argument("--users", type=int, default=3, help="users taking turns, one update in flight at a time")
    p.add_argument("--rounds", type=int, default=2, help="each user slot walks the form this many times")
    p.add_argument("--walk", choices=["form", "slips"], default="slips", help="the form filled right, or with slips")
    p.add_argument("--think", type=float, default=1.0, help="seconds between one chat's turns (about)")
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--code", default="", help="measure the bot of another checkout (a git worktree) at PATH")
    p.add_argument("--out", default="", help="also append the line to this file under bench/results/")
    args = p.parse_args(argv)
    args.processes, args.paced = 1, True
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
