"""Messages not arrived and WhatsApp templates in the store, on SQLite and PostgreSQL: what the not-delivered
list holds and in which order, sending again, moving to a linked channel, a phone call clearing a message,
the dispatcher moving a message WhatsApp would not take, and the approved template in the person's language."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.dispatcher import Dispatcher, NeedsTemplate
from store import undelivered, wa_templates
from store.models import Beneficiary, Broadcast, ChannelIdentity, OutboxMessage
from tests.conftest import Clock


async def person(tx, clock: Clock, *channels: tuple[str, str], language: str = "ar") -> Beneficiary:
    who = Beneficiary(display_name="Sara", language=language)
    tx.add(who)
    await tx.flush()
    for channel, external_id in channels:
        tx.add(ChannelIdentity(channel=channel, external_id=external_id, beneficiary_id=who.id))
    await tx.flush()
    return who


def message(
    clock: Clock, channel: str, to: str, status: str, minutes_ago: int, subject: str | None = None, **kw
):
    at = clock.now - timedelta(minutes=minutes_ago)
    return OutboxMessage(
        channel=channel,
        recipient=to,
        conversation_key=f"{channel}:{to}",
        status=status,
        payload={"kind": "reply", "text": "نص"},
        subject=subject,
        created_at=at,
        next_attempt_at=at,
        **kw,
    )


async def test_the_list_holds_what_has_not_arrived_oldest_first(sessions, clock: Clock):
    async with sessions() as tx, tx.begin():
        await person(tx, clock, ("whatsapp", "+966500000001"), ("telegram", "501"))
        await person(tx, clock, ("whatsapp", "+966500000002"))
        rows = [
            message(clock, "whatsapp", "+966500000002", "failed", 10, "request:H-AAAAAA"),
            message(clock, "whatsapp", "+966500000001", "needs_template", 30, "request:H-BBBBBB"),
            message(clock, "whatsapp", "+966500000001", "delivered", 40),
            message(
                clock, "telegram", "-100200", "failed", 50
            ),  # the staff group's digest: nobody's identity
            message(clock, "whatsapp", "+966500000002", "undelivered", 5),
        ]
        tx.add_all(rows)
    async with sessions() as tx:
        waiting = await undelivered.waiting(tx)
        assert await undelivered.count(tx) == 3
    assert [w.row.subject for w in waiting] == ["request:H-BBBBBB", "request:H-AAAAAA", None]
    assert [w.other_channel for w in waiting] == ["telegram", None, None]


async def test_send_again_elsewhere_and_told_by_phone(sessions, clock: Clock):
    async with sessions() as tx, tx.begin():
        await person(tx, clock, ("whatsapp", "+966500000001"), ("telegram", "501"))
        first = message(
            clock, "whatsapp", "+966500000001", "needs_template", 30, "request:H-BBBBBB", staff_id=None
        )
        second = message(clock, "whatsapp", "+966500000001", "failed", 20, "complaint:C-CCCCCC", attempts=6)
        third = message(clock, "whatsapp", "+966500000001", "failed", 10, "handoff:S-DDDDDD")
        tx.add_all([first, second, third])
    async with sessions() as tx, tx.begin():
        moved = await undelivered.send_elsewhere(tx, first.id, clock.now)
        again = await undelivered.send_again(tx, second.id, clock.now)
        told = await undelivered.told_by_phone(tx, third.id, 7)
        assert await undelivered.told_by_phone(tx, third.id, 7) is None  # handled already
    assert (moved.channel, moved.recipient, moved.conversation_key) == ("telegram", "501", "telegram:501")
    assert moved.subject == "request:H-BBBBBB" and moved.status == "pending"
    assert (again.status, again.attempts, again.next_attempt_at) == ("pending", 0, clock.now)
    assert told.status == "told_by_phone"
    async with sessions() as tx:
        assert await undelivered.count(tx) == 0
        states = [(r.channel, r.status) for r in await undelivered.for_subject(tx, "request:H-BBBBBB")]
    assert states == [("whatsapp", "moved"), ("telegram", "pending")]


async def test_the_dispatcher_moves_what_whatsapp_will_not_take_to_a_linked_channel(sessions, clock: Clock):
    class Refusing:
        async def send(self, row, recipient):
            raise NeedsTemplate("outside the 24-hour window; no approved template for update")

    class Taking:
        def __init__(self):
            self.sent = []

        async def send(self, row, recipient):
            self.sent.append((row.recipient, row.payload["text"]))
            return f"tg-{len(self.sent)}"

    telegram = Taking()
    async with sessions() as tx, tx.begin():
        await person(tx, clock, ("whatsapp", "+966500000001"), ("telegram", "501"))
        await person(tx, clock, ("whatsapp", "+966500000002"))
        tx.add(message(clock, "whatsapp", "+966500000001", "pending", 0, "request:H-BBBBBB"))
        tx.add(message(clock, "whatsapp", "+966500000002", "pending", 0, "request:H-CCCCCC"))
        broadcast = Broadcast(text_ar="نص", text_en="text", send_at=clock.now)
        tx.add(broadcast)
        await tx.flush()
        tx.add(message(clock, "whatsapp", "+966500000001", "pending", 0, broadcast_id=broadcast.id))
    dispatcher = Dispatcher(sessions, {"whatsapp": Refusing(), "telegram": telegram}, clock)
    while await dispatcher.run_once():
        pass
    assert telegram.sent == [("501", "نص")]
    async with sessions() as tx:
        moved = [(r.channel, r.status) for r in await undelivered.for_subject(tx, "request:H-BBBBBB")]
        stuck = [(r.channel, r.status) for r in await undelivered.for_subject(tx, "request:H-CCCCCC")]
    assert moved == [("whatsapp", "moved"), ("telegram", "sent")]
    assert stuck == [("whatsapp", "needs_template")]
    async with sessions() as tx:  # an announcement went to each of the person's channels already: not moved
        (announcement,) = await tx.scalars(
            select(OutboxMessage).where(OutboxMessage.broadcast_id.is_not(None))
        )
    assert announcement.status == "needs_template"


async def test_only_an_approved_template_in_the_persons_language_is_used(sessions, clock: Clock):
    async with sessions() as tx, tx.begin():
        await person(tx, clock, ("whatsapp", "+966500000001"), language="en")
        await wa_templates.record(tx, "decision_accepted", "ar", "HX" + "a" * 32, "approved", "", clock.now)
        await wa_templates.record(tx, "decision_accepted", "en", "HX" + "b" * 32, "pending", "", clock.now)
    async with sessions() as tx:
        assert await wa_templates.approved_for(tx, "decision_accepted", "whatsapp", "+966500000001") is None
    async with sessions() as tx, tx.begin():
        await wa_templates.record(tx, "decision_accepted", "en", "HX" + "b" * 32, "approved", "", clock.now)
    async with sessions() as tx:
        found = await wa_templates.approved_for(tx, "decision_accepted", "whatsapp", "+966500000001")
        assert [(r.kind, r.language) for r in await wa_templates.all_templates(tx)] == [
            ("decision_accepted", "ar"),
            ("decision_accepted", "en"),
        ]
    assert found.content_sid == "HX" + "b" * 32
