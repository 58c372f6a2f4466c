"""Decisions on a program's sign-ups on SQLite and PostgreSQL: only from the statuses that allow them, each
person told, a rejection's freed seat going to the longest-waiting person, a delivered service rated."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from store import registration_decisions as decisions
from store.models import Beneficiary, InboundMessage, Program, Rating, Registration, Staff
from tests.conftest import T0

DELAY = timedelta(minutes=30)


async def _program(sessions, kind: str, statuses: list[str], status: str = "published") -> list[int]:
    """A program with one sign-up per status, oldest first (the staff member is id 1); their ids."""
    async with sessions() as tx, tx.begin():
        tx.add(Staff(id=1, username="desk", password_hash="-", role="coordinator"))
        program = Program(id=1, kind=kind, status=status, title_ar="دورة", title_en="Course", capacity=2,
                          starts_at=T0 + timedelta(days=3))  # fmt: skip
        tx.add(program)
        people = [Beneficiary(display_name=f"p{n}") for n in range(len(statuses))]
        tx.add_all(people)
        await tx.flush()
        rows = [
            Registration(program_id=1, beneficiary_id=p.id, conversation_key=f"web:{p.id}", status=s,
                         created_at=T0 + timedelta(minutes=n))  # fmt: skip
            for n, (p, s) in enumerate(zip(people, statuses))
        ]
        tx.add_all(rows)
        await tx.flush()
        return [r.id for r in rows]


async def _statuses(tx) -> list[str]:
    return [r.status for r in (await tx.scalars(select(Registration).order_by(Registration.id))).all()]


async def _told(tx) -> list[tuple[str, str, str]]:
    events = (await tx.scalars(select(InboundMessage).order_by(InboundMessage.id))).all()
    return [(m.conversation_key, m.payload["choice"], m.payload["event_text"]) for m in events]


async def test_rejecting_frees_seats_for_the_longest_waiting_and_tells_everyone(sessions):
    statuses = ["accepted", "pending", "waitlisted", "waitlisted", "rejected"]
    ids = await _program(sessions, "registration", statuses)
    async with sessions() as tx, tx.begin():
        program = await tx.get(Program, 1, with_for_update=True)
        done = await decisions.decide(tx, program, "reject", [ids[0], ids[4]], "اكتمل العدد", 1, T0, DELAY)
        assert [r.id for r in done.decided] == [ids[0]]  # an already rejected one is left as it is
        assert [r.id for r in done.promoted] == [ids[2]]
        keys = [r.conversation_key for r in done.decided + done.promoted]
        assert done.told == keys
    async with sessions() as tx:
        assert await _statuses(tx) == ["rejected", "pending", "pending", "waitlisted", "rejected"]
        assert await _told(tx) == [
            (keys[0], "program_rejected:1", "اكتمل العدد"), (keys[1], "waitlist_promoted:1", "")
        ]  # fmt: skip
        assert (await tx.get(Registration, ids[0])).decided_by == 1


async def test_nothing_is_decided_from_the_wrong_status_or_on_a_cancelled_program(sessions):
    ids = await _program(sessions, "registration", ["accepted", "pending"])
    async with sessions() as tx, tx.begin():
        program = await tx.get(Program, 1, with_for_update=True)
        assert await decisions.decide(tx, program, "accept", [ids[0]], "", 1, T0, DELAY) is None
        assert await decisions.decide(tx, program, "deliver", ids, "", 1, T0, DELAY) is None
        program.status = "cancelled"
        assert await decisions.decide(tx, program, "accept", ids, "", 1, T0, DELAY) is None
    async with sessions() as tx:
        assert await _statuses(tx) == ["accepted", "pending"]
        assert await _told(tx) == []


async def test_a_delivered_service_is_rated_and_its_reason_is_not_sent(sessions):
    ids = await _program(sessions, "service", ["requested", "requested"])
    async with sessions() as tx, tx.begin():
        program = await tx.get(Program, 1, with_for_update=True)
        done = await decisions.decide(tx, program, "deliver", ids, "ignored", 1, T0, DELAY)
        assert (len(done.decided), done.promoted) == (2, [])
    async with sessions() as tx:
        assert await _statuses(tx) == ["delivered", "delivered"]
        assert [(choice, text) for _, choice, text in await _told(tx)] == [("service_delivered:1", "")] * 2
        ratings = (await tx.scalars(select(Rating).order_by(Rating.id))).all()
        rows = [await tx.get(Registration, rid) for rid in ids]
        assert [(r.service_kind, r.program_id, r.conversation_key) for r in ratings] == [
            ("service", 1, row.conversation_key) for row in rows
        ]
