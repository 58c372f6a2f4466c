"""A program's sign-ups on SQLite and PostgreSQL: oldest first, each with its person, only the statuses asked
for, another program's left out."""

from __future__ import annotations

from datetime import timedelta

from store.models import Beneficiary, Program, Registration
from store.program_signups import signups
from tests.conftest import T0


async def test_signups_oldest_first_with_their_people(sessions):
    async with sessions() as tx, tx.begin():
        tx.add_all([Program(id=n, kind="registration", status="published", title_ar="دورة", title_en="Course",
                            starts_at=T0 + timedelta(days=3)) for n in (1, 2)])  # fmt: skip
        people = [Beneficiary(display_name=name) for name in ("هند", "سارة", "ريم")]
        tx.add_all(people)
        await tx.flush()
        rows = zip(people, ("accepted", "pending", "pending"), (5, 1, 0), (1, 1, 2))
        for person, status, minutes, program in rows:
            at = T0 + timedelta(minutes=minutes)
            key = f"web:{person.id}"
            tx.add(Registration(program_id=program, beneficiary_id=person.id, conversation_key=key,
                                status=status, created_at=at))  # fmt: skip
    async with sessions() as tx:
        listed = [(r.status, p.display_name) for r, p in await signups(tx, 1)]
        assert listed == [("pending", "سارة"), ("accepted", "هند")]
        assert [p.display_name for _, p in await signups(tx, 1, "accepted")] == ["هند"]
        assert [p.display_name for _, p in await signups(tx, 2)] == ["ريم"]
        assert await signups(tx, 3) == []
