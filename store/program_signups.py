"""A program's sign-ups with the people behind them, read by the program page and the attendance sheet, and
how many of its seats are taken (the chat's sign-ups, the desk's and staff's decisions count them alike)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Beneficiary, Registration

HOLDS_A_SEAT = ("pending", "accepted")


async def seats_taken(tx: AsyncSession, program_id: int) -> int:
    """The sign-ups holding a seat of the program."""
    query = select(func.count()).where(Registration.program_id == program_id, Registration.status.in_(HOLDS_A_SEAT))
    return (await tx.scalar(query)) or 0


async def signups(
    tx: AsyncSession, program_id: int, *statuses: str
) -> list[tuple[Registration, Beneficiary]]:
    """The program's registrations (only `statuses` when given), oldest first, each with its beneficiary."""
    query = (
        select(Registration, Beneficiary)
        .join(Beneficiary, Beneficiary.id == Registration.beneficiary_id)
        .where(Registration.program_id == program_id)
        .order_by(Registration.created_at, Registration.id)
    )
    if statuses:
        query = query.where(Registration.status.in_(statuses))
    return [(row, person) for row, person in (await tx.execute(query)).all()]
