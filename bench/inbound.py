"""Inbound load: N closed-loop Telegram users walk the English help form against the bot or the PTB baseline."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

from bench.cores import plan
from bench.inbound_procs import Target, start_target

RESULTS = Path(__file__).parent / "results"
TOKEN = "123456:" + "AAbbCCddEEffGGhhIIjjKKllMMnn-_"
SECRET = "s" * 32
STEP_TIMEOUT = 10.0  # a step whose replies have not all arrived by then counts as a timeout
QUIET = 0.3  # calibration: a step is over when no reply has come for this long
_ids = itertools.count(10_000)


# The fake Bot API: answers the calls and wakes the virtual user waiting on the chat


class Chat:
    """What the fake has sent to one chat: arrival times, the last keyboard, the last text."""

    __slots__ = ("arrivals", "markup", "text", "texts", "event")

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.markup: dict | None = None
        self.text = ""
        self.texts: list[str] = []
        self.event = asyncio.Event()


class FakeApi:
    """POST /bot{token}/{method} on loopback; sendMessage timestamps the reply for its chat."""

    def __init__(self) -> None:
        self.chats: dict[int, Chat] = {}
        self.calls: dict[str, int] = {}
        self._message_ids = itertools.count(1)
        self._me = {"id": 123456, "is_bot": True, "first_name": "Front Desk", "username": "frontdesk_test_bot"}
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        self.port = 0

    async def start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # the port the OS chose

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def chat(self, chat_id: int) -> Chat:
        return self.chats.setdefault(chat_id, Chat())

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls[method] = self.calls.get(method, 0) + 1
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        if method == "sendMessage":
            now = time.perf_counter()
            chat = self.chat(int(params["chat_id"]))
            chat.arrivals.append(now)
            markup = params.get("reply_markup")
            chat.markup = json.loads(markup) if isinstance(markup, str) else markup
            chat.text = params["text"]
            chat.texts.append(chat.text)
            chat.event.set()
            result: object = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": self._me,
                "text": params["text"],
            }
        elif method == "getMe":
            result = self._me
        else:  # answerCallbackQuery, setWebhook, deleteWebhook, …
            result = True
        return web.json_response({"ok": True, "result": result})


# Telegram Updates, shaped as in tests/test_telegram.py


def _user(chat_id: int) -> dict:
    return {"id": chat_id, "is_bot": False, "first_name": "Guest", "last_name": str(chat_id)}


def text(words: str, chat_id: int) -> dict:
    command = words.split()[0] if words.startswith("/") else ""
    entities = [{"type": "bot_command", "offset": 0, "length": len(command)}] if command else []
    chat = {"id": chat_id, "type": "private"}
    body = {"message_id": next(_ids), "date": int(time.time()), "chat": chat, "from": _user(chat_id),
            "text": words, "entities": entities}
    return {"update_id": next(_ids), "message": body}


def press(data: str, chat_id: int) -> dict:
    shown = {"message_id": 1, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"}, "text": "…"}
    query = {"id": f"cq-{next(_ids)}", "from": _user(chat_id), "chat_instance": "ci-1", "data": data,
             "message": shown}
    return {"update_id": next(_ids), "callback_query": query}


def national_id(n: int) -> str:
    """A valid national ID (starts with 1, Luhn check digit), distinct for each n."""
    body = f"1{n % 10**8:08d}"
    for check in "0123456789":
        digits, total = body + check, 0
        for position, char in enumerate(reversed(digits)):
            d = int(char) * (2 if position % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


def form(n: int) -> list[str]:
    """What user n types after choosing English: the whole help form, as in tests/test_e2e_requests.py."""
    return ["2", "1",  # apply for help, agree to the duties and the use of data
            "Sara Ahmed Alqahtani", national_id(n), f"055{n % 10**7:07d}",  # name, ID, phone
            "2", "3", "1", "1",  # city, household, income, category (food): a national ID, so no residency question
            "My husband lost his job and we need food for the children this month.",
            "1", "1", "1"]  # no documents, the summary is right, I declare


def english_key(chat: Chat) -> str:
    """The callback data of the greeting's English button."""
    rows = (chat.markup or {}).get("inline_keyboard", [])
    return next(b["callback_data"] for row in rows for b in row if b["text"] == "English")


# Driving one user


class Driver:
    """Posts Updates to the target's ports in turn (round robin) and waits for the replies at the fake."""

    def __init__(self, api: FakeApi, target: Target, session: ClientSession, rate: float) -> None:
        self.api, self.target, self.session = api, target, session
        self.turn = itertools.cycle(target.urls)
        self.interval = 1 / rate if rate else 0.0
        self.next_slot = 0.0
        self.latencies: list[float] = []  # POST start to the step's last reply, seconds
        self.firsts: list[float] = []  # POST start to the step's first reply
        self.non200 = self.timeouts = self.posted = 0

    async def _pace(self) -> None:
        """With --rate, start POSTs no faster than that overall (a paced, not saturating, load)."""
        if self.interval:
            now = time.perf_counter()
            self.next_slot = max(self.next_slot + self.interval, now)
            if self.next_slot > now:
                await asyncio.sleep(self.next_slot - now)

    async def step(self, update: dict, chat_id: int, expected: int | None) -> int:
        """Post one Update; wait for `expected` replies (None: until QUIET); the number that came."""
        chat = self.api.chat(chat_id)
        before = len(chat.arrivals)
        await self._pace()
        start = time.perf_counter()
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with self.session.post(next(self.turn), json=update, headers=headers) as response:
            await response.read()
            if response.status != 200:
                self.non200 += 1
                return 0
        self.posted += 1
        deadline = start + STEP_TIMEOUT
        while True:
            got = len(chat.arrivals) - before
            if expected is not None and got >= expected:
                break
            if expected is None and got and time.perf_counter() - chat.arrivals[-1] > QUIET:
                break
            left = deadline - time.perf_counter()
            if left <= 0:
                self.timeouts += 1
                return got
            chat.event.clear()
            try:
                await asyncio.wait_for(chat.event.wait(), min(left, QUIET))
            except TimeoutError:
                pass
        self.latencies.append(chat.arrivals[before + got - 1 if expected is None else before + expected - 1] - start)
        self.firsts.append(chat.arrivals[before] - start)
        return got

    async def walk(self, n: int, chat_id: int, counts: list[int] | None) -> list[int]:
        """User n walks the form in chat `chat_id`; the replies counted per step."""
        seen = [await self.step(text("/start", chat_id), chat_id, counts and counts[0])]
        seen.append(await self.step(press(english_key(self.api.chat(chat_id)), chat_id), chat_id, counts and counts[1]))
        for i, words in enumerate(form(n), start=2):
            seen.append(await self.step(text(words, chat_id), chat_id, counts and counts[i]))
        return seen


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2) if ordered else -1.0


async def measure(args: argparse.Namespace, target_kind: str) -> dict:
    """Start the target, calibrate the replies per step with one user, then run N users; one result row."""
    api = FakeApi()
    await api.start()
    placement = plan(args.processes if target_kind == "ours" else 1)
    async with start_target(target_kind, args, api.base_url, TOKEN, SECRET, placement) as target:
        print(f"{target_kind} pids: {' '.join(str(p.pid) for p in target.procs)}", file=sys.stderr, flush=True)
        connector = TCPConnector(limit=0, force_close=False)
        async with ClientSession(connector=connector, timeout=ClientTimeout(total=STEP_TIMEOUT)) as session:
            base = 700_000_000 + uuid.uuid4().int % 10**6 * 1000  # fresh chat ids for every run
            calibration = Driver(api, target, session, 0)
            counts = await calibration.walk(10**7 - 1, base - 1, None)
            # Proof that the walk filed a request: the last step's replies name its reference (H-…) or "received".
            final = " | ".join(api.chat(base - 1).texts[-counts[-1]:])
            driver = Driver(api, target, session, args.rate)
            with placement.others([os.getpid()]):  # the generator (and the fake API it serves) off the bot's cores
                cpu0, gen0, t0 = target.cpu_seconds(), time.process_time(), time.perf_counter()
                async def user(i: int) -> None:  # one slot walks the form `rounds` times, one after another
                    for r in range(args.rounds):
                        await driver.walk(r * args.users + i, base + r * args.users + i, counts)

                await asyncio.gather(*(user(i) for i in range(args.users)))
                seconds = time.perf_counter() - t0
            cpu = target.cpu_seconds() - cpu0
            gen_cpu = time.process_time() - gen0
            rss = target.peak_rss_mb()  # while the processes are still alive
    await api.runner.cleanup()
    return {
        "target": target_kind, "db": args.db if target_kind == "ours" else "pickle",
        "processes": args.processes if target_kind == "ours" else 1, "users": args.users, "rounds": args.rounds,
        "rate_limit": args.rate or None, "updates": driver.posted, "seconds": round(seconds, 3),
        "messages_per_s": round(driver.posted / seconds, 1),
        "p50_ms": _pct(driver.latencies, 0.50), "p95_ms": _pct(driver.latencies, 0.95),
        "p99_ms": _pct(driver.latencies, 0.99), "first_reply_p50_ms": _pct(driver.firsts, 0.50),
        "first_reply_p99_ms": _pct(driver.firsts, 0.99), "errors_non200": driver.non200 + calibration.non200,
        "errors_timeouts": driver.timeouts + calibration.timeouts, "bot_cpu_s": round(cpu, 3),
        "bot_cpu_ms_per_update": round(cpu * 1000 / max(driver.posted, 1), 3),
        "peak_rss_mb": rss, "generator_cpu_s": round(gen_cpu, 3),
        "replies_per_step": counts, "final_step_replies": final[:160],
        **placement.fields(), **({"db_pinned": target.db_pinned} if target.db_pinned is not None else {}),
    }


def _emit(row: dict, out: Path) -> None:
    line = json.dumps(row, ensure_ascii=False)
    print(line, flush=True)
    with out.open("a", encoding="utf-8") as f:
        f.write(line + "\n")


def _ratio(ours: list[dict], baseline: list[dict]) -> dict:
    """Ours divided by the baseline, run by run (interleaved), and the medians of those ratios."""
    tput = [o["messages_per_s"] / b["messages_per_s"] for o, b in zip(ours, baseline)]
    p99 = [o["p99_ms"] / b["p99_ms"] for o, b in zip(ours, baseline)]
    return {"ratio": "ours/baseline", "db": ours[0]["db"], "processes": ours[0]["processes"], "users": ours[0]["users"],
            "cores": ours[0]["cores"],
            "throughput_ratio_median": round(statistics.median(tput), 2), "throughput_ratios": [round(x, 2) for x in tput],
            "p99_ratio_median": round(statistics.median(p99), 3), "p99_ratios": [round(x, 3) for x in p99]}


def _medians(rows: list[dict]) -> dict:
    keys = ["messages_per_s", "p50_ms", "p95_ms", "p99_ms", "bot_cpu_ms_per_update", "peak_rss_mb"]
    head = {k: rows[0][k] for k in ("target", "db", "processes", "users", "rounds", "rate_limit", "cores", "note")}
    return {"median_of": len(rows), **head, **{k: round(statistics.median(r[k] for r in rows), 3) for k in keys},
            "errors": sum(r["errors_non200"] + r["errors_timeouts"] for r in rows)}


def half_of_measured(out: Path, args: argparse.Namespace) -> float:
    """Half of our median throughput in the closed-loop run of the same database and users kept in `out`."""
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    found = [r for r in lines if "median_of" in r and r["target"] == "ours" and r["db"] == args.db
             and r["users"] == args.users and r["processes"] == 1 and r["rate_limit"] is None]
    if not found:
        raise SystemExit(f"--rate half: no closed-loop run of {args.users} users on {args.db} in {out} yet")
    return round(found[-1]["messages_per_s"] / 2)


async def main(args: argparse.Namespace) -> None:
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / (args.out or f"inbound-{time.strftime('%Y%m%d-%H%M%S')}.jsonl")
    if args.rate == "half":
        args.rate = half_of_measured(out, args)
    args.rate = float(args.rate)
    kinds = ["ours", "baseline"] if args.target == "both" else [args.target]
    rows: dict[str, list[dict]] = {k: [] for k in kinds}
    for _ in range(args.repeat):  # interleaved, so both see the same machine noise
        for kind in kinds:
            row = await measure(args, kind)
            rows[kind].append(row)
            _emit(row, out)
    if args.repeat > 1:
        for kind in kinds:
            _emit(_medians(rows[kind]), out)
    if len(kinds) == 2:
        _emit(_ratio(rows["ours"], rows["baseline"]), out)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.inbound", description=__doc__)
    p.add_argument("--users", type=int, default=50, help="concurrent virtual users (closed loop)")
    p.add_argument("--rounds", type=int, default=1, help="each user slot walks the form this many times")
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--processes", type=int, choices=[1, 2], default=1, help="bot processes (2: PostgreSQL)")
    p.add_argument("--target", choices=["ours", "baseline", "both"], default="ours")
    p.add_argument("--rate", default="0", help="cap on POSTs per second overall (0: none; half: half of our "
                   "median throughput measured by an earlier run of the same users and database in --out)")
    p.add_argument("--repeat", type=int, default=1, help="runs (interleaved with --target both); medians")
    p.add_argument("--out", default="", help="file name under bench/results/")
    p.add_argument("--profile", default="", help="run our bot under cProfile, writing PATH.<port> (pstats)")
    args = p.parse_args(argv)
    if args.processes == 2 and args.db != "postgresql":
        p.error("--processes 2 needs --db postgresql (processes share the database)")
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
