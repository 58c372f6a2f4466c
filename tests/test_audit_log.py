"""The audit page's rows on SQLite and PostgreSQL: the latest ones, newest first, as many as asked."""

from __future__ import annotations

from datetime import timedelta

from store import audit_log
from store.models import AuditLog
from tests.conftest import T0


async def test_the_latest_rows_newest_first_up_to_the_limit(sessions):
    async with sessions() as tx, tx.begin():
        for n in range(4):
            tx.add(AuditLog(at=T0 + timedelta(minutes=n), staff_id=None, action="login", subject=f"staff:{n}",
                            detail={}))  # fmt: skip
    async with sessions() as tx:
        assert [row.subject for row in await audit_log.latest(tx, 3)] == ["staff:3", "staff:2", "staff:1"]
        assert len(await audit_log.latest(tx, 10)) == 4
