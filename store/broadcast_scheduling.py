"""Composing an announcement: the programs it can be about, how many people its audience reaches now, and the
scheduled Broadcast row that the fan-out later sends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.audience import audience_query
from store.models import Broadcast, Program


async def programs_to_announce(tx: AsyncSession, limit: int = 200) -> list[Program]:
    """The programs not cancelled, the latest start first (at most `limit`)."""
    query = select(Program).where(Program.status != "cancelled").order_by(Program.starts_at.desc())
    return list((await tx.scalars(query.limit(limit))).all())


async def audience_size(tx: AsyncSession, audience: dict) -> int:
    """How many channel identities the audience reaches now (opted-out and unreachable ones left out)."""
    return (await tx.scalar(select(func.count()).select_from(audience_query(audience).subquery()))) or 0


async def schedule(
    tx: AsyncSession, *, program_id: int | None, texts: dict[str, str], audience: dict, send_at: datetime,
    override_reason: str | None, staff_id: int, now: datetime,
) -> Broadcast:  # fmt: skip
    """The announcement, scheduled for `send_at` (its id assigned)."""
    broadcast = Broadcast(
        program_id=program_id, text_ar=texts["ar"], text_en=texts["en"], audience=audience, send_at=send_at,
        override_reason=override_reason, created_by=staff_id, created_at=now,
    )  # fmt: skip
    tx.add(broadcast)
    await tx.flush()
    return broadcast
