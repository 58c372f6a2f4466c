"""Ratings on both databases: one per service however often 'delivered' is clicked, its timer at the profile's
delay, and a prompt the channel cannot send recorded as not sent with the reason."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.dispatcher import Dispatcher, NeedsTemplate
from store import sealed
from store.models import Beneficiary, OutboxMessage, Rating, Timer
from store.ratings import rating_delay, schedule_rating


async def person(sessions) -> int:
    async with sessions() as tx, tx.begin():
        row = Beneficiary(display_name="س")
        tx.add(row)
    return row.id


async def test_one_rating_per_service_however_often_it_is_delivered(sessions, clock, profile):
    pid = await person(sessions)
    for _ in range(3):  # a second click, a retried request, a restart
        async with sessions() as tx, tx.begin():
            await schedule_rating(
                tx, service_kind="help_request", service_ref="H-AAAAAA", conversation_key="whatsapp:+966500000001",
                beneficiary_id=pid, staff_id=None, now=clock.now, delay=rating_delay(profile),
            )
    async with sessions() as tx:
        ratings = (await tx.scalars(select(Rating))).all()
        timers = (await tx.scalars(select(Timer))).all()
    assert len(ratings) == 1 and ratings[0].channel == "whatsapp" and ratings[0].status == "scheduled"
    assert [t.kind for t in timers] == [f"rating_prompt:{ratings[0].id}"]
    assert timers[0].due_at == clock.now + timedelta(minutes=profile.deadlines.rating_delay_minutes)


class NoWindow:
    async def send(self, row, recipient) -> str:
        raise NeedsTemplate("outside the 24-hour window; no template for kind rating_prompt")


async def test_a_prompt_that_cannot_go_is_recorded_as_not_sent_with_the_reason(sessions, clock, profile):
    pid = await person(sessions)
    async with sessions() as tx, tx.begin():
        rating = await schedule_rating(
            tx, service_kind="handoff", service_ref="H-BBBBBB", conversation_key="whatsapp:+966500000002",
            beneficiary_id=pid, staff_id=None, now=clock.now, delay=rating_delay(profile),
        )
        rating.status = "prompted"
        tx.add(OutboxMessage(channel="whatsapp", recipient="+966500000002", conversation_key="whatsapp:+966500000002",
                             payload={"kind": "rating_prompt", "text": "?", "choices": [], "rating_id": rating.id},
                             next_attempt_at=clock.now))
    await Dispatcher(sessions, {"whatsapp": NoWindow()}, clock).run_once()
    async with sessions() as tx:
        stored = await tx.get(Rating, rating.id)
    assert (stored.status, stored.reason) == ("not_sent", "outside the 24-hour window; no template for kind rating_prompt")


async def test_a_delivered_service_brings_a_prompt_after_the_delay_and_the_answer_is_kept(engine, sessions, clock, profile):
    from bot.incoming import Incoming
    from conversations.types import Inbound

    def said(words: str, n: int) -> Incoming:
        return Incoming("web", "u1", f"r{n}", Inbound("text", text=words))

    await engine.handle(said("مرحبا", 1))
    await engine.handle(said("1", 2))
    async with sessions() as tx:
        person = (await tx.scalars(select(Beneficiary))).one()
    async with sessions() as tx, tx.begin():
        rating = await schedule_rating(
            tx, service_kind="help_request", service_ref="H-CCCCCC", conversation_key="web:u1",
            beneficiary_id=person.id, staff_id=None, now=clock.now, delay=rating_delay(profile),
        )
    assert await engine.fire_timers() == 0  # not before the profile's delay
    clock.now += rating_delay(profile) + timedelta(seconds=1)
    assert await engine.fire_timers() == 1
    async with sessions() as tx:
        prompt = (await tx.scalars(select(OutboxMessage).where(OutboxMessage.payload["kind"].as_string() == "rating_prompt"))).one()
    assert prompt.payload["rating_id"] == rating.id and "H-CCCCCC" in sealed.output_payload(engine.keyring, prompt)["text"]
    await engine.handle(said("٥", 3))
    await engine.handle(said("خدمة ممتازة وسريعة", 4))
    async with sessions() as tx:
        stored = await tx.get(Rating, rating.id)
    assert (stored.status, stored.score, stored.comment) == ("answered", 5, "خدمة ممتازة وسريعة")
