"""The audit trail as the admin's page reads it: the latest rows, newest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import AuditLog


async def latest(tx: AsyncSession, limit: int) -> list[AuditLog]:
    """The last `limit` audit rows, newest first."""
    query = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    return list((await tx.scalars(query)).all())
