"""A program's life on SQLite and PostgreSQL: created as a draft, edited (what changed named), published
once, cancelled once — and only a published one's signed-up people told."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from store import program_changes as changes
from store.models import Beneficiary, InboundMessage, Program, Registration, Staff
from tests.conftest import T0

FIELDS = {"kind": "registration", "title_ar": "دورة", "title_en": "Course",
          "starts_at": T0 + timedelta(days=3)}


async def _draft(sessions, statuses: tuple[str, ...] = ()) -> int:
    async with sessions() as tx, tx.begin():
        tx.add(Staff(id=1, username="desk", password_hash="-", role="coordinator"))
        await tx.flush()
        program = await changes.create(tx, FIELDS, "K7Q2", 1, T0)
        for n, status in enumerate(statuses):
            person = Beneficiary(display_name=f"p{n}")
            tx.add(person)
            await tx.flush()
            tx.add(Registration(program_id=program.id, beneficiary_id=person.id, conversation_key=f"web:{n}",
                                status=status))  # fmt: skip
        return program.id


async def _told(tx) -> list[tuple[str, str]]:
    events = (await tx.scalars(select(InboundMessage).order_by(InboundMessage.id))).all()
    return [(m.conversation_key, m.payload["choice"]) for m in events]


async def test_a_draft_is_created_edited_and_published_once(sessions):
    pid = await _draft(sessions)
    async with sessions() as tx, tx.begin():
        program = await tx.get(Program, pid, with_for_update=True)
        assert (program.status, program.checkin_code, program.created_by) == ("draft", "K7Q2", 1)
        later = {**FIELDS, "title_en": "Sewing course", "starts_at": T0 + timedelta(days=5)}
        assert changes.edit(program, later, T0 + timedelta(hours=1)) == ["starts_at", "title_en"]
        assert changes.edit(program, later, T0 + timedelta(hours=2)) == []
        assert changes.publish(program, T0 + timedelta(hours=3))
        assert not changes.publish(program, T0 + timedelta(hours=4))
    async with sessions() as tx:
        program = await tx.get(Program, pid)
        saved = (program.status, program.title_en, program.updated_at)
        assert saved == ("published", "Sewing course", T0 + timedelta(hours=3))


async def test_cancelling_a_published_program_tells_those_still_signed_up(sessions):
    pid = await _draft(sessions, ("pending", "accepted", "waitlisted", "rejected", "cancelled"))
    async with sessions() as tx, tx.begin():
        program = await tx.get(Program, pid, with_for_update=True)
        changes.publish(program, T0)
        told = await changes.cancel(tx, program, T0 + timedelta(hours=1))
        assert sorted(told) == ["web:0", "web:1", "web:2"]
        assert await changes.cancel(tx, program, T0 + timedelta(hours=2)) is None
    async with sessions() as tx:
        assert (await tx.get(Program, pid)).status == "cancelled"
        assert sorted(await _told(tx)) == [(f"web:{n}", f"program_cancelled:{pid}") for n in range(3)]


async def test_cancelling_a_draft_tells_nobody(sessions):
    pid = await _draft(sessions, ("pending",))
    async with sessions() as tx, tx.begin():
        assert await changes.cancel(tx, await tx.get(Program, pid, with_for_update=True), T0) == []
    async with sessions() as tx:
        assert (await tx.get(Program, pid)).status == "cancelled"
        assert await _told(tx) == []
