"""A program's life from the console: created as a draft, its fields edited, published, cancelled — and on
cancelling a published one, everyone still signed up told through an event of their conversation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store import queries
from store.models import Program, Registration

SIGNED_UP = ("pending", "accepted", "waitlisted")


async def create(tx: AsyncSession, values: dict, checkin_code: str, staff_id: int, now: datetime) -> Program:
    """A new draft with these fields and check-in code."""
    program = Program(
        **values, checkin_code=checkin_code, created_by=staff_id, created_at=now, updated_at=now
    )
    tx.add(program)
    await tx.flush()
    return program


def edit(program: Program, values: dict, now: datetime) -> list[str]:
    """Set the fields; the names of those that changed, sorted."""
    changed = sorted(k for k, v in values.items() if getattr(program, k) != v)
    for key, value in values.items():
        setattr(program, key, value)
    program.updated_at = now
    return changed


def publish(program: Program, now: datetime) -> bool:
    """A draft becomes visible to beneficiaries; False when it is not a draft."""
    if program.status != "draft":
        return False
    program.status, program.updated_at = "published", now
    return True


async def cancel(tx: AsyncSession, program: Program, now: datetime) -> list[str] | None:
    """Cancel; when it was published, everyone pending, accepted or waitlisted gets `program_cancelled:{id}`.
    The conversations told (None: it already was cancelled)."""
    if program.status == "cancelled":
        return None
    was = program.status
    program.status, program.updated_at = "cancelled", now
    if was != "published":
        return []
    query = select(Registration).where(
        Registration.program_id == program.id, Registration.status.in_(SIGNED_UP)
    )
    keys = [row.conversation_key for row in (await tx.scalars(query)).all()]
    for key in keys:
        await queries.record_event(tx, key, f"program_cancelled:{program.id}", "", now)
    return keys
