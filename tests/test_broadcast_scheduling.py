"""Composing an announcement on SQLite and PostgreSQL: the programs it can be about, the audience's size (the
opted-out and unreachable left out), the scheduled row."""

from __future__ import annotations

from datetime import timedelta

from store import broadcast_scheduling as scheduling
from store.models import Beneficiary, Broadcast, ChannelIdentity, Program, Staff
from tests.conftest import T0

DAY = timedelta(days=1)


async def test_programs_not_cancelled_latest_start_first(sessions):
    async with sessions() as tx, tx.begin():
        for n, status in enumerate(("published", "cancelled", "draft")):
            tx.add(Program(kind="registration", status=status, title_ar=f"برنامج {n}", title_en=f"P{n}",
                           starts_at=T0 + n * DAY))  # fmt: skip
    async with sessions() as tx:
        assert [p.title_en for p in await scheduling.programs_to_announce(tx)] == ["P2", "P0"]
        assert [p.title_en for p in await scheduling.programs_to_announce(tx, limit=1)] == ["P2"]


async def test_the_audience_size_leaves_out_the_opted_out_and_unreachable(sessions):
    async with sessions() as tx, tx.begin():
        cities = ["bukayriyah"] * 3 + ["unayzah"]
        people = [Beneficiary(display_name=f"p{n}", city=city) for n, city in enumerate(cities)]
        tx.add_all(people)
        await tx.flush()
        for n, person in enumerate(people):
            tx.add(ChannelIdentity(beneficiary_id=person.id, channel="whatsapp", external_id=f"9665000000{n}",
                                   opted_out=n == 1, unreachable="blocked" if n == 2 else None))  # fmt: skip
    async with sessions() as tx:
        assert await scheduling.audience_size(tx, {}) == 2
        assert await scheduling.audience_size(tx, {"cities": ["bukayriyah"]}) == 1
        assert await scheduling.audience_size(tx, {"channels": ["telegram"]}) == 0


async def test_an_announcement_is_scheduled_as_composed(sessions):
    async with sessions() as tx, tx.begin():
        tx.add(Staff(id=1, username="desk", password_hash="-", role="coordinator"))
        await tx.flush()
        row = await scheduling.schedule(
            tx, program_id=None, texts={"ar": "إعلان", "en": "Notice"}, audience={"cities": ["bukayriyah"]},
            send_at=T0 + DAY, override_reason=None, staff_id=1, now=T0,
        )  # fmt: skip
        assert row.id is not None
    async with sessions() as tx:
        saved = await tx.get(Broadcast, row.id)
        assert (saved.status, saved.text_ar, saved.audience, saved.send_at, saved.created_by) == (
            "scheduled", "إعلان", {"cities": ["bukayriyah"]}, T0 + DAY, 1
        )  # fmt: skip
