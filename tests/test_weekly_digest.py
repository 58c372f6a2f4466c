"""The weekly digest as a due row, on SQLite and PostgreSQL: two processes' sweeps queue it once, a sweep after
a process was down at its time still queues it, and it leaves through the outbox like every other message."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.app import _sweep
from bot.appkeys import DISPATCHER, ENGINE, SETTINGS as APP_SETTINGS
from bot.dispatcher import Dispatcher
from bot.engine import Engine
from bot.settings import Settings
from handlers.admin.digest import latest_due, queue_weekly_digest, run_key
from store.db import make_engine, make_sessions
from store.models import Beneficiary, HelpRequest, OutboxMessage, PeriodicRun
from tests.conftest import FIXTURES, T0, Clock

SETTINGS = Settings(
    _env_file=None, profile=str(FIXTURES / "profile.toml"), telegram_bot_token="123456:" + "A" * 30,
    telegram_staff_chat_id="-100123", telegram_mode="polling",
)  # fmt: skip
SUNDAY_0800 = datetime(2026, 11, 29, 5, 0, tzinfo=timezone.utc)  # 08:00 in Riyadh (UTC+3)


def test_the_due_time_is_the_last_sunday_0800_in_the_association_time():
    zone = "Asia/Riyadh"
    assert latest_due(T0, zone) == SUNDAY_0800 - timedelta(days=7)  # Wednesday: the Sunday before
    assert latest_due(SUNDAY_0800 - timedelta(seconds=1), zone) == SUNDAY_0800 - timedelta(days=7)
    assert latest_due(SUNDAY_0800, zone) == SUNDAY_0800
    assert run_key(SUNDAY_0800, zone) == "digest:2026-W48"
    assert run_key(datetime(2027, 1, 3, 5, 0, tzinfo=timezone.utc), zone) == "digest:2026-W53"


async def _rows(sessions) -> tuple[list[OutboxMessage], list[str]]:
    async with sessions() as tx:
        rows = list((await tx.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())
        keys = list((await tx.scalars(select(PeriodicRun.key).order_by(PeriodicRun.id))).all())
    return rows, keys


async def test_two_processes_sweeping_at_once_queue_one_digest(db_url, profile, texts, keyring):
    clock = Clock(SUNDAY_0800 + timedelta(minutes=1))
    first, second = make_engine(db_url), make_engine(db_url)  # two processes: two pools on one database
    try:
        engines = [Engine(make_sessions(db), profile, texts, keyring, clock=clock) for db in (first, second)]
        rounds = []
        for _ in range(3):  # three sweeps each, both processes' at the same moment
            rounds.append(sorted(await asyncio.gather(*(queue_weekly_digest(e, SETTINGS) for e in engines))))
            clock.now += timedelta(seconds=10)
        rows, keys = await _rows(engines[0].sessions)
    finally:
        await first.dispose()
        await second.dispose()
    assert keys == ["digest:2026-W48"] and len(rows) == 1
    assert (rows[0].channel, rows[0].recipient) == ("telegram", "-100123")
    assert rounds == [[False, True], [False, False], [False, False]]


async def test_a_sweep_after_a_process_was_down_at_0800_still_queues_the_week(engine, sessions, clock):
    clock.now = SUNDAY_0800 - timedelta(hours=1)  # Sunday 07:00: the week before was queued then
    assert await queue_weekly_digest(engine, SETTINGS) is True
    assert await queue_weekly_digest(engine, SETTINGS) is False
    async with sessions() as tx, tx.begin():  # a request that became overdue meanwhile
        tx.add(HelpRequest(
            reference="R-LATE", beneficiary_id=await _person(tx), conversation_key="web:x", channel="web",
            category="food", city="bukayriyah", residency="citizen", household_size=2, income_bracket="low",
            full_name_enc="x", national_id_enc="x", due_at=SUNDAY_0800,
        ))  # fmt: skip
    clock.now = SUNDAY_0800 + timedelta(days=2, hours=3)  # down from Saturday to Tuesday 11:00
    assert await queue_weekly_digest(engine, SETTINGS) is True
    rows, keys = await _rows(sessions)
    assert keys == ["digest:2026-W47", "digest:2026-W48"]
    assert "R-LATE" not in rows[0].payload["text"] and "R-LATE" in rows[1].payload["text"]


async def _person(tx) -> int:
    person = Beneficiary()
    tx.add(person)
    await tx.flush()
    return person.id


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, row: OutboxMessage, _recipient) -> str:
        self.sent.append((row.recipient, row.payload["text"]))
        return f"tg-{len(self.sent)}"


async def test_the_digest_leaves_through_the_dispatcher_like_any_message(engine, sessions, clock):
    telegram = RecordingSender()
    dispatcher = Dispatcher(sessions, {"telegram": telegram}, clock)
    assert await queue_weekly_digest(engine, SETTINGS) is True
    assert await dispatcher.run_once() == 1
    [(chat, text)] = telegram.sent
    assert chat == "-100123" and "/admin/digest" in text
    rows, _ = await _rows(sessions)
    assert (rows[0].status, rows[0].provider_message_id) == ("sent", "tg-1")


async def test_every_process_s_periodic_sweep_queues_the_digest(engine, sessions, clock):
    telegram = RecordingSender()
    dispatcher = Dispatcher(sessions, {"telegram": telegram}, clock)
    await _sweep({ENGINE: engine, DISPATCHER: dispatcher, APP_SETTINGS: SETTINGS}, clock)
    rows, keys = await _rows(sessions)
    assert keys == ["digest:2026-W47"] and [r.recipient for r in rows] == ["-100123"]
