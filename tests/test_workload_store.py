"""What is waiting for staff, on SQLite and PostgreSQL: the nav's counts and one staff member's own work."""

from __future__ import annotations

from datetime import timedelta

from handlers.admin.staff import create_staff
from store import inbox as chats
from store import workload
from tests.conftest import T0
from tests.work_seed import complaint, handoff, help_request, person

DAY = timedelta(days=1)


async def test_the_counts_are_what_staff_would_count_by_hand(sessions):
    async with sessions() as tx, tx.begin():
        who = await person(tx)
        await help_request(tx, who, "R-NEW001", status="submitted", due=T0 + 10 * DAY, at=T0)
        await help_request(tx, who, "R-LATE02", status="submitted", due=T0 - DAY, at=T0 - 20 * DAY)
        await help_request(tx, who, "R-INFO03", status="needs_info", due=T0 - DAY, at=T0 - 20 * DAY)
        await help_request(tx, who, "R-DONE04", status="accepted", due=T0 - DAY, at=T0 - 20 * DAY)
        await handoff(tx, who, "H-OPEN01", at=T0)
        await handoff(tx, who, "H-SHUT02", at=T0, status="closed")
        await complaint(tx, who, "C-LATE01", at=T0 - 9 * DAY, due=T0 - DAY)
        await complaint(tx, who, "C-SOON02", at=T0, due=T0 + 5 * DAY)
        await complaint(tx, who, "C-DONE03", at=T0 - 9 * DAY, due=T0 - DAY, status="resolved")
    async with sessions() as tx:
        counts = await workload.counts(tx, T0)
    assert counts == workload.Counts(
        new_requests=2, overdue_requests=2, waiting_chats=1, complaints_due=1, undelivered=0
    )


async def test_my_work_is_my_chats_and_the_late_ones_nobody_has_taken(sessions):
    noura = await create_staff(sessions, "noura", "correct horse battery", "researcher", "نورة")
    sami = await create_staff(sessions, "sami", "correct horse battery", "researcher", "سامي")
    async with sessions() as tx, tx.begin():
        who = await person(tx)
        mine = await handoff(tx, who, "H-MINE01", at=T0 - DAY, due=T0 - timedelta(hours=1))
        fresh = await handoff(tx, who, "H-MINE02", at=T0, due=T0 + timedelta(hours=4))
        his = await handoff(tx, who, "H-HIS003", at=T0 - DAY, due=T0 - timedelta(hours=1))
        await handoff(tx, who, "H-NONE04", at=T0 - DAY, due=T0 - timedelta(hours=2))
        assert await chats.assign(tx, mine, noura.id, ("researcher",))
        assert await chats.assign(tx, fresh, noura.id, ("researcher",))
        assert await chats.assign(tx, his, sami.id, ("researcher",))
        assert not await chats.assign(tx, his, sami.id, ("admin",))  # not a role that answers here
    async with sessions() as tx:
        work = await workload.my_work(tx, noura.id, T0)
    assert [h.reference for h in work.chats] == ["H-MINE01", "H-MINE02"]
    assert [h.reference for h in work.overdue] == ["H-NONE04", "H-MINE01"]
