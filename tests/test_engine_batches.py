"""Inputs applied in batches on SQLite and PostgreSQL: one transaction for the conversations due together (a
fault sets aside only its input: on SQLite its savepoint is undone, on PostgreSQL the batch, whose conversations
then go one input at a time), each conversation's inputs in order, web-chat replies marked sent in the
transaction that writes them."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.channels.web import WebSender
from bot.dispatcher import Dispatcher
from bot.engine import Engine
from bot import apply_input
from conversations import router
from store import sealed
from store.models import Conversation, HandoffRequest, InboundMessage, OutboxMessage
from tests.conftest import References
from tests.test_store import said


async def statuses(sessions, sender: str) -> list[str]:
    async with sessions() as tx:
        query = select(InboundMessage.status).where(InboundMessage.sender_id == sender).order_by(InboundMessage.id)
        return list((await tx.scalars(query)).all())


async def test_conversations_due_together_are_applied_in_order_and_a_fault_stays_with_its_input(
    engine, sessions, keyring, monkeypatch
):
    real = router.step

    def faulty(state, data, inbound, ctx):
        if inbound.text == "boom":
            raise ZeroDivisionError("a bug")
        return real(state, data, inbound, ctx)

    monkeypatch.setattr(router, "step", faulty)
    people = [f"u{n}" for n in range(6)]
    for n, person in enumerate(people):  # all recorded first, then all due at once: one batch
        assert await engine.record(said("مرحبا", 10 * n, sender=person))
        assert await engine.record(said("boom" if person == "u3" else "1", 10 * n + 1, sender=person))
        assert await engine.record(said("1", 10 * n + 2, sender=person))
    for person in people:
        engine.process_later(f"web:{person}")
    await engine.drain()
    for person in people:
        expected = ["processed", "failed", "processed"] if person == "u3" else ["processed"] * 3
        assert await statuses(sessions, person) == expected
    async with sessions() as tx:
        states = dict((await tx.execute(select(Conversation.key, Conversation.state))).all())
        apology = (await tx.scalars(select(OutboxMessage).where(OutboxMessage.conversation_key == "web:u3")
                                     .order_by(OutboxMessage.id))).all()
    # "مرحبا" greets, "1" picks Arabic and "1" again opens the first menu entry: in order, or the state differs
    assert {states[f"web:{p}"] for p in people if p != "u3"} == {states["web:u0"]} and states["web:u0"] != "menu:main"
    assert states["web:u3"] == "menu:main"  # the input after the fault went on
    said_to_u3 = [sealed.output_payload(keyring, row)["text"] for row in apology]
    assert sum("حدث خطأ" in text for text in said_to_u3) == 1 and "حدث خطأ" not in said_to_u3[0]


async def test_two_writers_on_one_conversation_still_apply_each_input_once_in_order(sessions, profile, texts, keyring, clock):
    first = Engine(sessions, profile, texts, keyring, clock=clock, references=References())
    second = Engine(sessions, profile, texts, keyring, clock=clock, references=References())
    words = ["مرحبا", "1", "القائمة", "2", "القائمة", "3", "القائمة"]
    for n, text in enumerate(words):
        assert await first.record(said(text, n))
    first.process_later("web:u1")
    second.process_later("web:u1")
    await asyncio.gather(first.drain(), second.drain())
    assert await statuses(sessions, "u1") == ["processed"] * len(words)
    async with sessions() as tx:
        conv = (await tx.scalars(select(Conversation))).one()
    assert conv.version == len(words)  # one saved state per input: none applied twice, none skipped


async def test_web_chat_replies_are_sent_by_their_own_commit(sessions, profile, texts, keyring, clock):
    dispatcher = Dispatcher(sessions, {"web": WebSender()}, clock, keyring=keyring)
    engine = Engine(sessions, profile, texts, keyring, clock=clock, references=References(), dispatcher=dispatcher)
    await engine.handle(said("مرحبا", 1))
    async with sessions() as tx:
        row = (await tx.scalars(select(OutboxMessage))).one()
    assert (row.status, row.attempts, row.sent_at is not None) == ("sent", 1, True)
    assert await dispatcher.run_once() == 0  # nothing left for a pass


async def test_an_input_that_fails_after_writing_leaves_none_of_its_writes_and_the_batch_goes_on(engine, sessions, monkeypatch):
    real = apply_input.apply_effects

    async def writes_then_fails(at, effects):
        rows = await real(at, effects)
        if sealed.input_text(at.keyring, at.message) == "boom":
            at.tx.add(HandoffRequest(reference="H-BOOM01", beneficiary_id=at.conv.beneficiary_id,
                                     conversation_key=at.conv.key, channel="web", created_at=at.now))
            await at.tx.flush()  # written, then the fault: the savepoint must take it back
            raise ZeroDivisionError("a bug after writing")
        return rows

    monkeypatch.setattr(apply_input, "apply_effects", writes_then_fails)
    for n, person in enumerate(["a", "b", "c"]):
        assert await engine.record(said("مرحبا", 10 * n, sender=person))
        assert await engine.record(said("boom" if person == "b" else "1", 10 * n + 1, sender=person))
    for person in ["a", "b", "c"]:
        engine.process_later(f"web:{person}")
    await engine.drain()
    assert [await statuses(sessions, p) for p in "abc"] == [["processed"] * 2, ["processed", "failed"], ["processed"] * 2]
    async with sessions() as tx:
        states = dict((await tx.execute(select(Conversation.key, Conversation.state))).all())
        handoffs = (await tx.scalars(select(HandoffRequest))).all()
    assert handoffs == []
    assert states["web:a"] == states["web:c"] == "menu:main"  # the language chosen: the menu
    assert states["web:b"] != "menu:main"  # b's step undone with its writes: still asked for the language
