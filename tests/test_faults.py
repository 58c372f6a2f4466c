"""Faults a beneficiary must not notice: the bot killed with SIGKILL in the middle of a help form and started
again on the same database, and PostgreSQL going away under a running bot (the webhook answers 503 so that
Telegram delivers again, and the bot recovers by itself). Longer runs with figures: bench/faults.py."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bench.fault_load import Telegram, audit, new_session, settle, walk
from bench.faults import STEPS, BotProcess, bot_env, until
from bench.inbound import FakeApi
from bench.tcp_proxy import TcpProxy
from bot.app import create_app
from bot.appkeys import ENGINE
from bot.engine import Engine
from bot.incoming import Incoming
from conversations.types import Inbound
from store.crypto import new_key
from store.db import make_engine, make_sessions
from store.migrate import upgrade_async
from store.models import InboundMessage
from tests.conftest import _truncate
from tests.fakes.telegram_api import FakeBotApi
from tests.test_telegram import NOURA, SALEH, TOKEN, post, settings_for, text

USERS = {900_000_001: 1, 900_000_002: 2, 900_000_003: 3}  # chat id -> the user number whose form it walks


@pytest.fixture
async def fake_api():
    api = FakeApi()
    await api.start()
    yield api
    await api.runner.cleanup()


async def test_a_bot_killed_mid_form_applies_every_acknowledged_answer_once(tmp_path, fake_api):
    url = f"sqlite+aiosqlite:///{tmp_path / 'faults.sqlite3'}"
    await upgrade_async(url)
    keys = new_key()
    bot = BotProcess(bot_env(url, fake_api, keys), tmp_path / "bot.log")
    try:
        await bot.start()
        async with new_session() as session:
            telegram = Telegram(session, bot.webhook)
            load = asyncio.gather(*(walk(telegram, fake_api, n, chat) for chat, n in USERS.items()))
            await until(lambda: len(telegram.acked) >= len(USERS) * 5 and telegram.in_flight, 60,
                        "the users to be mid-form, an update on its way", every=0.001)
            bot.kill()
            assert len(telegram.acked) < len(USERS) * STEPS, "the kill came mid-form"
            await bot.start()  # on the same database; Telegram meanwhile delivers again what got no 200
            await asyncio.wait_for(load, 180)
        await settle(url, [f"telegram:{chat}" for chat in USERS], 60)
        found = await audit(url, keys, telegram, fake_api, USERS)
    finally:
        bot.stop()
    assert found["acked_updates"] == len(USERS) * STEPS
    assert found["acked_then_lost"] == found["acked_never_applied"] == 0
    assert found["users_without_request"] == found["requests_applied_twice"] == 0
    assert found["requests_with_wrong_fields"] == 0


@pytest.mark.parametrize("blackhole", [False, True], ids=["connections-refused", "nothing-answers"])
async def test_while_postgresql_is_away_the_webhook_answers_503_and_the_bot_recovers(postgres_url, blackhole):
    await _truncate(postgres_url)
    async with TcpProxy.before(postgres_url) as proxy, FakeBotApi(TOKEN) as api:
        settings = settings_for(proxy.url(postgres_url), api.base_url)
        async with TestClient(TestServer(create_app(settings))) as client:
            assert await post(client, text("/start", NOURA)) == 200
            await until(lambda: len(api.sent()) == 1, 30, "the greeting before the outage")
            proxy.cut(blackhole=blackhole)
            update = text("/start", SALEH)
            assert await asyncio.wait_for(post(client, update), 30) == 503  # Telegram will deliver it again
            proxy.restore()
            assert await post(client, update) == 200  # that delivery, with the same app still running
            await until(lambda: any(str(m["chat_id"]) == str(SALEH) for m in api.sent()), 30,
                        "the reply after the outage")
            async with client.app[ENGINE].sessions() as tx:
                recorded = await tx.scalar(select(func.count()).select_from(InboundMessage))
    assert recorded == 2


async def test_an_input_whose_apply_meets_the_outage_waits_for_the_database_and_is_not_set_aside(
    postgres_url, profile, texts, keyring, clock
):
    await _truncate(postgres_url)
    async with TcpProxy.before(postgres_url) as proxy:
        db = make_engine(proxy.url(postgres_url))
        engine = Engine(make_sessions(db), profile, texts, keyring, clock=clock)
        incoming = Incoming(channel="telegram", sender_id="1", provider_message_id="u1",
                            inbound=Inbound("start"))
        assert await engine.record(incoming)
        proxy.cut(blackhole=True)  # the apply's connection hangs, then is reset when the database is back
        applying = asyncio.create_task(engine.process(incoming.conversation_key))
        await asyncio.sleep(0.5)
        proxy.restore()
        with pytest.raises(SQLAlchemyError):  # "the database is away", not a fault of this input
            await applying
        assert await engine.resume_stale(older_than=timedelta(0)) == 1
        async with engine.sessions() as tx:
            statuses = (await tx.scalars(select(InboundMessage.status))).all()
        await db.dispose()
    assert statuses == ["processed"]  # applied, not set aside with an apology
