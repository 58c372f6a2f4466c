"""Staff alerts, on SQLite and PostgreSQL: each new live chat, help request, complaint and low rating goes once
to the Telegram staff group and every alert address (however many processes sweep), held back outside working
hours unless the profile marks its kind urgent; and an alert e-mail reaches an SMTP server on loopback."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.channels.email import EmailSender
from bot.dispatcher import Recipient
from bot.engine import Engine
from conversations.profile import Alerts
from bot.settings import Settings, SettingsError, load_settings
from handlers.admin.alerts import alert_payload, queue_staff_alerts
from store.alerts import Item
from store.db import make_engine, make_sessions
from store.models import Alert, OutboxMessage
from tests.conftest import FIXTURES, T0, Clock
from tests.prism import free_port
from tests.work_seed import complaint, handoff, help_request, person, rating

SETTINGS = Settings(
    _env_file=None, profile=str(FIXTURES / "profile.toml"), telegram_bot_token="123456:" + "A" * 30,
    telegram_staff_chat_id="-100123", telegram_mode="polling", smtp_host="127.0.0.1", smtp_from="bot@assoc.sa",
    alert_emails="lead@assoc.sa, desk@assoc.sa", public_base_url="https://desk.assoc.sa",
)  # fmt: skip
NIGHT = T0 + timedelta(hours=12)  # Wednesday 23:00 in Riyadh: outside working hours
MORNING = T0 + timedelta(days=1)  # Thursday 11:00: working time again


async def _seed(sessions, at) -> None:
    async with sessions() as tx, tx.begin():
        who = await person(tx)
        await handoff(tx, who, "H-000001", at=at)
        await help_request(tx, who, "R-7K3P9Q", status="submitted", due=at + timedelta(days=14), at=at)
        await complaint(tx, who, "C-000001", at=at, due=at + timedelta(days=5))
        await complaint(tx, who, "C-000002", at=at, due=at + timedelta(days=5), kind="suggestion")  # no alert
        await rating(tx, who, "R-LOW001", score=2, at=at)
        await rating(tx, who, "R-TOP002", score=5, at=at)  # no alert


async def _outbox(sessions) -> list[OutboxMessage]:
    async with sessions() as tx:
        return list((await tx.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_each_item_is_announced_once_to_the_group_and_every_address(db_url, profile, texts, keyring):
    clock = Clock(T0 + timedelta(minutes=1))
    first, second = make_engine(db_url), make_engine(db_url)  # two processes sweeping the same database
    try:
        engines = [Engine(make_sessions(db), profile, texts, keyring, clock=clock) for db in (first, second)]
        await _seed(engines[0].sessions, T0)
        rounds = []
        for _ in range(3):
            rounds.append(sorted(await asyncio.gather(*(queue_staff_alerts(e, SETTINGS) for e in engines))))
            clock.now += timedelta(seconds=10)
        rows = await _outbox(engines[0].sessions)
        async with engines[0].sessions() as tx:
            keys = sorted(await tx.scalars(select(Alert.key)))
    finally:
        await first.dispose()
        await second.dispose()
    assert keys == ["complaint:C-000001", "handoff:H-000001", "rating:1", "request:R-7K3P9Q"]
    assert sum(sum(r) for r in rounds) == 4  # four items, each announced by one process, once
    assert sorted((r.channel, r.recipient) for r in rows) == sorted(
        [("telegram", "-100123"), ("email", "lead@assoc.sa"), ("email", "desk@assoc.sa")] * 4
    )
    group = [r.payload["text"] for r in rows if r.channel == "telegram"]
    assert "مستفيد يطلب التحدث مع موظف (رقم المحادثة H-000001)\nhttps://desk.assoc.sa/admin/inbox/H-000001" in group
    assert any(t.startswith("تقييم منخفض لخدمة (R-LOW001)") for t in group)
    assert all(r.status == "pending" for r in rows)  # the dispatcher sends them


async def test_at_night_alerts_wait_for_the_morning_except_urgent_ones(db_url, profile, texts, keyring):
    urgent = profile.model_copy(update={"alerts": Alerts(urgent=["handoff"])})
    clock = Clock(NIGHT)
    db = make_engine(db_url)
    try:
        engine = Engine(make_sessions(db), urgent, texts, keyring, clock=clock)
        await _seed(engine.sessions, NIGHT - timedelta(minutes=1))
        assert await queue_staff_alerts(engine, SETTINGS) == 1
        night = await _outbox(engine.sessions)
        clock.now = MORNING
        assert await queue_staff_alerts(engine, SETTINGS) == 3
        everything = await _outbox(engine.sessions)
    finally:
        await db.dispose()
    assert {r.payload["text"].split("\n")[0] for r in night} == {"مستفيد يطلب التحدث مع موظف (رقم المحادثة H-000001)"}
    assert len(everything) == 4 * 3 and all(r.created_at == MORNING for r in everything[len(night):])


async def test_without_a_staff_group_or_addresses_nothing_is_queued(db_url, profile, texts, keyring):
    db = make_engine(db_url)
    try:
        engine = Engine(make_sessions(db), profile, texts, keyring, clock=Clock(T0))
        await _seed(engine.sessions, T0)
        quiet = Settings(_env_file=None, profile=str(FIXTURES / "profile.toml"))
        assert await queue_staff_alerts(engine, quiet) == 0
        assert await _outbox(engine.sessions) == []
    finally:
        await db.dispose()


class _Inbox:
    """What the fake SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content.decode("utf-8")))
        return "250 OK"


async def test_an_alert_email_reaches_the_smtp_server():
    received = _Inbox()
    port = free_port()
    server = Controller(received, hostname="127.0.0.1", port=port)
    server.start()
    try:
        settings = SETTINGS.model_copy(update={"smtp_port": port, "smtp_starttls": False})
        item = Item("handoff", "handoff:H-000001", "H-000001", "/admin/inbox/H-000001")
        row = OutboxMessage(channel="email", recipient="lead@assoc.sa", conversation_key="staff:alerts",
                            payload=alert_payload(item, "en", settings.public_base_url))  # fmt: skip
        message_id = await EmailSender(settings).send(row, Recipient())
    finally:
        server.stop()
    [(sender, recipients, content)] = received.messages
    assert (sender, recipients) == ("bot@assoc.sa", ["lead@assoc.sa"])
    assert "Subject: A beneficiary asks to talk to a staff member (reference H-000001)" in content
    assert "https://desk.assoc.sa/admin/inbox/H-000001" in content and message_id in content


def test_the_smtp_password_is_never_repeated_in_a_settings_error():
    try:
        load_settings(_env_file=None, smtp_password=["not", "a", "string"], smtp_host="mail.assoc.sa")
    except SettingsError as exc:
        assert "SMTP_PASSWORD" in str(exc) and "(hidden)" in str(exc) and "not" not in str(exc)
    else:
        raise AssertionError("a list is not a password")
    try:
        load_settings(_env_file=None, smtp_host="mail.assoc.sa", alert_emails="lead@assoc.sa")
    except SettingsError as exc:
        assert "SMTP_FROM is required" in str(exc)
    else:
        raise AssertionError("alerts by e-mail need a sender address")


async def test_the_app_sweeps_a_new_chat_into_an_alert_e_mail_sent_by_the_dispatcher(tmp_path, clock):
    from aiohttp.test_utils import TestServer

    from bot.app import _sweep, create_app
    from bot.appkeys import DISPATCHER, ENGINE
    from store.crypto import new_key
    from store.migrate import upgrade_async

    received = _Inbox()
    port = free_port()
    server = Controller(received, hostname="127.0.0.1", port=port)
    server.start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.sqlite3'}"
    await upgrade_async(url)
    settings = Settings(
        _env_file=None, database_url=url, profile=str(FIXTURES / "profile.toml"), data_keys=new_key(),
        smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, smtp_from="bot@assoc.sa",
        alert_emails="lead@assoc.sa",
    )  # fmt: skip
    app = create_app(settings, clock=clock, background=False)
    try:
        async with TestServer(app):
            async with app[ENGINE].sessions() as tx, tx.begin():
                await handoff(tx, await person(tx), "H-000001", at=clock.now)
            await _sweep(app, clock)
            await _sweep(app, clock)  # a second sweep finds nothing new
            assert await app[DISPATCHER].run_once() == 1
            [row] = await _outbox(app[ENGINE].sessions)
    finally:
        server.stop()
    [(sender, recipients, content)] = received.messages
    assert (sender, recipients) == ("bot@assoc.sa", ["lead@assoc.sa"]) and "H-000001" in content
    assert (row.channel, row.status, row.provider_message_id in content) == ("email", "sent", True)
