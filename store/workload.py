"""What is waiting for staff: the counts in the console's nav, and one staff member's own work ("my work")."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store import undelivered
from store.models import Complaint, HandoffRequest, HelpRequest
from store.request_decisions import OPEN



@dataclass(frozen=True)
class Counts:
    """The nav's live counts, `undelivered` being the messages to beneficiaries that have not arrived
    (store/undelivered.py)."""

    new_requests: int
    overdue_requests: int
    waiting_chats: int
    complaints_due: int
    undelivered: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


async def _count(tx: AsyncSession, model: type, *where: object) -> int:
    return int(await tx.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def counts(tx: AsyncSession, now: datetime) -> Counts:
    """New requests (not yet looked at), open requests past their decision date, live chats waiting for
    staff, and complaints still unanswered whose answer is due by now."""
    return Counts(
        new_requests=await _count(tx, HelpRequest, HelpRequest.status == "submitted"),
        overdue_requests=await _count(
            tx, HelpRequest, HelpRequest.status.in_(OPEN), HelpRequest.due_at < now
        ),
        waiting_chats=await _count(tx, HandoffRequest, HandoffRequest.status == "open"),
        complaints_due=await _count(tx, Complaint, Complaint.status == "open", Complaint.due_at < now),
        undelivered=await undelivered.count(tx),
    )


@dataclass(frozen=True)
class MyWork:
    """A staff member's live chats (assigned to them), and the open ones past their answer time."""

    chats: list[HandoffRequest]
    overdue: list[HandoffRequest]


async def my_work(tx: AsyncSession, staff_id: int, now: datetime) -> MyWork:
    """The open live chats assigned to `staff_id`, oldest first; and of those and the unassigned ones, the
    chats whose answer time has passed (nobody else will pick up an unassigned one)."""
    mine = select(HandoffRequest).where(HandoffRequest.status == "open", HandoffRequest.assigned_to == staff_id)
    late = select(HandoffRequest).where(
        HandoffRequest.status == "open",
        HandoffRequest.answer_due_at < now,
        or_(HandoffRequest.assigned_to == staff_id, HandoffRequest.assigned_to.is_(None)),
    )
    order = (HandoffRequest.created_at, HandoffRequest.id)
    return MyWork(
        list((await tx.scalars(mine.order_by(*order))).all()),
        list((await tx.scalars(late.order_by(HandoffRequest.answer_due_at, HandoffRequest.id))).all()),
    )
