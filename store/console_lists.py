"""The programs and announcements lists' queries, a page at a time: programs by date with how many signed up,
announcements newest first with the program they announce."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Broadcast, Program, Registration
from store.paging import Paged, paged


async def programs(tx: AsyncSession, page: int) -> Paged:
    """(Program, how many signed up and still count) rows, the latest start first."""
    signed_up = (
        select(Registration.program_id, func.count().label("n"))
        .where(Registration.status.not_in(("cancelled", "rejected")))
        .group_by(Registration.program_id)
        .subquery()
    )
    query = (
        select(Program, signed_up.c.n)
        .outerjoin(signed_up, signed_up.c.program_id == Program.id)
        .order_by(Program.starts_at.desc(), Program.id.desc())
    )
    return await paged(tx, query, page, tuples=True)


async def broadcasts(tx: AsyncSession, page: int) -> Paged:
    """(Broadcast, its Program or None) rows, newest first."""
    query = select(Broadcast, Program).outerjoin(Program, Program.id == Broadcast.program_id).order_by(Broadcast.id.desc())
    return await paged(tx, query, page, tuples=True)
