"""The store and the engine on SQLite and PostgreSQL: schema, dedupe, one transaction per input, no interleaving."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.dispatcher import Dispatcher
from bot.engine import Engine
from bot.incoming import Incoming
from conversations.types import Inbound
from store.db import make_engine, make_sessions
from store.models import Beneficiary, ChannelIdentity, Conversation, HandoffRequest, InboundMessage, OutboxMessage
from tests.conftest import References


def said(text: str, n: int, sender: str = "u1", channel: str = "web") -> Incoming:
    return Incoming(channel, sender, f"m{n}", Inbound("text", text=text))


async def count(sessions, model, *where) -> int:
    async with sessions() as tx:
        return (await tx.scalar(select(func.count()).select_from(model).where(*where))) or 0


async def test_migrations_match_the_models(db_url):
    engine = make_engine(db_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata))
    await engine.dispose()
    assert diff == []


async def test_first_message_creates_person_identity_and_conversation(engine, sessions):
    replies = await engine.handle(said("السلام عليكم", 1))
    assert "اختر اللغة" in replies[0].payload["text"]
    assert await count(sessions, Beneficiary) == 1
    assert await count(sessions, ChannelIdentity, ChannelIdentity.external_id == "u1") == 1
    async with sessions() as tx:
        conv = (await tx.scalars(select(Conversation))).one()
    assert (conv.key, conv.state, conv.version) == ("web:u1", "greeting:choose_language", 1)


async def test_a_repeated_provider_id_has_no_second_effect(engine, sessions):
    await engine.handle(said("مرحبا", 1))
    first = await count(sessions, OutboxMessage)
    again = await engine.handle(said("مرحبا", 1))
    assert again == []
    assert await count(sessions, OutboxMessage) == first
    assert await count(sessions, InboundMessage) == 1
    async with sessions() as tx:
        assert (await tx.scalars(select(Conversation.version))).one() == 1


async def test_language_choice_is_remembered_on_the_person(engine, sessions):
    await engine.handle(said("hello", 1))
    await engine.handle(Incoming("web", "u1", "m2", Inbound("choice", text="English", choice="lang:en")))
    async with sessions() as tx:
        person = (await tx.scalars(select(Beneficiary))).one()
    assert person.language == "en"


async def test_talk_to_staff_records_one_handoff_with_due_time(engine, sessions, clock):
    for n, text in enumerate(["مرحبا", "1", "6"], start=1):
        replies = await engine.handle(said(text, n))
    assert "T-" in replies[0].payload["text"]  # a staff chat has its own letter
    await engine.handle(said("6", 4))  # asking again does not open a second request
    async with sessions() as tx:
        handoffs = (await tx.scalars(select(HandoffRequest))).all()
    assert len(handoffs) == 1
    assert handoffs[0].status == "open" and handoffs[0].answer_due_at > clock.now


class Ticking:
    """A clock that moves on a millisecond each time it is read, so that order shows in timestamps."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        self.now += timedelta(milliseconds=1)
        return self.now


async def test_concurrent_inputs_to_one_conversation_never_interleave(db_url, profile, texts, keyring, clock):
    """Two engines (as two processes would) apply 20 inputs at once; each is applied exactly once, in order."""
    clock = Ticking(clock.now)
    pools = [make_engine(db_url) for _ in range(2)]
    engines = [Engine(make_sessions(p), profile, texts, keyring, clock=clock, references=References()) for p in pools]
    inputs = [said("مرحبا" if n == 0 else f"سؤال رقم {n}", n) for n in range(20)]
    for incoming in inputs:  # record in a known order first, then apply concurrently
        assert await engines[0].record(incoming)
    await asyncio.gather(*(engines[n % 2].process("web:u1") for n in range(20)))
    sessions = engines[0].sessions
    async with sessions() as tx:
        conv = (await tx.scalars(select(Conversation))).one()
        statuses = (await tx.scalars(select(InboundMessage.status))).all()
        processed = (await tx.scalars(select(InboundMessage.processed_at).order_by(InboundMessage.id))).all()
    assert conv.version == 20
    assert set(statuses) == {"processed"}
    assert processed == sorted(processed) and len(set(processed)) == 20
    for pool in pools:
        await pool.dispose()


async def test_concurrent_first_contacts_on_one_key_make_one_person(db_url, profile, texts, keyring, clock):
    pools = [make_engine(db_url) for _ in range(2)]
    engines = [Engine(make_sessions(p), profile, texts, keyring, clock=clock) for p in pools]
    await asyncio.gather(*(engines[n % 2].handle(said("مرحبا", n)) for n in range(6)))
    sessions = engines[0].sessions
    assert await count(sessions, Beneficiary) == 1
    assert await count(sessions, Conversation) == 1
    assert await count(sessions, InboundMessage, InboundMessage.status == "processed") == 6
    for pool in pools:
        await pool.dispose()


async def test_inputs_recorded_but_not_applied_are_resumed(engine, sessions, clock):
    assert await engine.record(said("مرحبا", 1))  # as if the process died right after the 200
    clock.now += timedelta(seconds=30)
    assert await engine.resume_stale() == 1
    assert await count(sessions, InboundMessage, InboundMessage.status == "processed") == 1
    assert await count(sessions, OutboxMessage) == 1


class FlakySender:
    """Fails the first `failures` sends, then delivers; records what it delivered."""

    def __init__(self, failures: int):
        self.failures = failures
        self.delivered: list[str] = []

    async def send(self, row: OutboxMessage, recipient) -> str:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("provider unavailable")
        self.delivered.append(row.payload["text"])
        return f"p-{row.id}"


async def test_dispatcher_sends_after_commit_and_retries_with_backoff(engine, sessions, keyring, clock):
    sender = FlakySender(failures=1)
    dispatcher = Dispatcher(sessions, {"web": sender}, clock, keyring=keyring)
    await engine.handle(said("مرحبا", 1))
    assert await dispatcher.run_once() == 1
    async with sessions() as tx:
        row = (await tx.scalars(select(OutboxMessage))).one()
    assert (row.status, row.attempts) == ("pending", 1) and "ConnectionError" in row.error
    assert await dispatcher.run_once() == 0  # not due yet
    clock.now += timedelta(seconds=7)  # the first back-off is 5 s plus up to a quarter of jitter
    assert await dispatcher.run_once() == 1
    async with sessions() as tx:
        row = (await tx.scalars(select(OutboxMessage))).one()
    assert (row.status, row.provider_message_id) == ("sent", f"p-{row.id}")
    assert len(sender.delivered) == 1


async def test_a_row_left_sending_by_a_dead_dispatcher_is_sent_again(engine, sessions, keyring, clock):
    await engine.handle(said("مرحبا", 1))
    async with sessions() as tx, tx.begin():
        row = (await tx.scalars(select(OutboxMessage))).one()
        row.status, row.next_attempt_at = "sending", clock.now + timedelta(seconds=60)
    sender = FlakySender(failures=0)
    dispatcher = Dispatcher(sessions, {"web": sender}, clock, keyring=keyring)
    assert await dispatcher.run_once() == 0  # its lease has not run out
    clock.now += timedelta(seconds=61)
    assert await dispatcher.run_once() == 1
    assert len(sender.delivered) == 1


async def test_migrations_keep_existing_rows(db_url, sessions):
    """Upgrading a database that already holds beneficiaries keeps them and their links."""
    from sqlalchemy import text

    from store.migrate import upgrade_async

    await asyncio.to_thread(_downgrade, db_url, "0001")
    async with sessions() as tx, tx.begin():
        await tx.execute(text("INSERT INTO beneficiary (display_name, language, opted_out, created_at) VALUES ('س', 'ar', false, CURRENT_TIMESTAMP)"))
        await tx.execute(text("INSERT INTO channelidentity (channel, external_id, beneficiary_id, created_at) VALUES ('web', 'u1', 1, CURRENT_TIMESTAMP)"))
        await tx.execute(text("INSERT INTO conversation (key, beneficiary_id, flow, state, data, version, updated_at) VALUES ('web:u1', 1, 'menu', 'menu:main', '{}', 3, CURRENT_TIMESTAMP)"))
    await upgrade_async(db_url)
    async with sessions() as tx:
        identity = (await tx.scalars(select(ChannelIdentity))).one()
        conv = (await tx.scalars(select(Conversation))).one()
    assert (identity.beneficiary_id, identity.opted_out, conv.version) == (1, False, 3)


def _downgrade(url: str, revision: str) -> None:
    from alembic import command

    from store.migrate import alembic_config

    command.downgrade(alembic_config(url), revision)


async def test_a_due_timer_fires_once_as_an_input_and_does_not_open_the_whatsapp_window(db_url, profile, texts, keyring, clock):
    from store.models import Timer

    pools = [make_engine(db_url) for _ in range(2)]
    engines = [Engine(make_sessions(p), profile, texts, keyring, clock=clock) for p in pools]
    sessions = engines[0].sessions
    await engines[0].handle(said("مرحبا", 1))
    async with sessions() as tx, tx.begin():
        before = (await tx.scalars(select(ChannelIdentity))).one().last_inbound_at
        tx.add(Timer(conversation_key="web:u1", channel="web", sender_id="u1", kind="form_reminder", due_at=clock.now + timedelta(hours=1)))
    assert await engines[0].fire_timers() == 0  # not due yet
    clock.now += timedelta(hours=2)
    fired = await asyncio.gather(engines[0].fire_timers(), engines[1].fire_timers())
    assert sorted(fired) == [0, 1]
    async with sessions() as tx:
        event = (await tx.scalars(select(InboundMessage).where(InboundMessage.provider_message_id.like("~timer:%")))).one()
        identity = (await tx.scalars(select(ChannelIdentity))).one()
        timer = (await tx.scalars(select(Timer))).one()
    assert (event.status, event.payload["kind"], event.payload["choice"]) == ("processed", "event", "form_reminder")
    assert identity.last_inbound_at == before
    assert timer.status == "fired"
    assert await count(sessions, OutboxMessage) == 1  # the greeting only: the greeting ignores a stray event
    for pool in pools:
        await pool.dispose()


async def test_a_fault_in_a_step_sets_the_input_aside_apologises_and_the_conversation_goes_on(engine, sessions, monkeypatch):
    from conversations import router

    real = router.step

    def faulty(state, data, inbound, ctx):
        if inbound.text == "boom":
            raise ZeroDivisionError("a bug")
        return real(state, data, inbound, ctx)

    monkeypatch.setattr(router, "step", faulty)
    await engine.handle(said("مرحبا", 1))
    replies = await engine.handle(said("boom", 2))
    assert "حدث خطأ" in replies[0].payload["text"]
    after = await engine.handle(said("1", 3))
    assert "ستكون المحادثة باللغة العربية" in after[0].payload["text"]
    async with sessions() as tx:
        statuses = (await tx.scalars(select(InboundMessage.status).order_by(InboundMessage.id))).all()
    assert statuses == ["processed", "failed", "processed"]


async def test_an_input_that_conflicts_on_every_attempt_is_set_aside_and_the_conversation_goes_on(
    sessions, profile, texts, keyring, clock
):
    same = Engine(sessions, profile, texts, keyring, clock=clock, references=lambda: "H-SAME01")  # every reference taken
    for n, words in enumerate(("مرحبا", "1", "موظف")):
        await same.handle(said(words, n, sender="first"))
    await same.handle(said("مرحبا", 10, sender="second"))
    await same.handle(said("1", 11, sender="second"))
    replies = await same.handle(said("موظف", 12, sender="second"))  # its handoff's reference is never free
    assert "حدث خطأ" in replies[0].payload["text"]
    after = await same.handle(said("القائمة", 13, sender="second"))
    assert after and await count(sessions, HandoffRequest) == 1
    async with sessions() as tx:
        statuses = (await tx.scalars(select(InboundMessage.status).where(InboundMessage.sender_id == "second")
                                     .order_by(InboundMessage.id))).all()
    assert statuses == ["processed", "processed", "failed", "processed"]
    assert await same.resume_stale(older_than=timedelta(0)) == 0  # nothing left for the sweep to retry


async def test_one_resume_applies_the_inputs_of_every_conversation_a_crash_left_behind(engine, sessions, clock):
    conversations = 130  # more than a page of the old sweep (100)
    for n in range(conversations):
        assert await engine.record(said("مرحبا", n, sender=f"u{n:03d}"))
        assert await engine.record(said("1", 1000 + n, sender=f"u{n:03d}"))
    clock.now += timedelta(seconds=6)
    assert await engine.resume_stale() == conversations
    assert await count(sessions, InboundMessage, InboundMessage.status == "received") == 0
    assert await count(sessions, Conversation, Conversation.state == "menu:main") == conversations  # in order
