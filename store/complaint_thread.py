"""A complaint's reply thread: staff may answer more than once until it is resolved. The first reply's time
stays the complaint's `replied_at` (answered within the deadline is measured by it); `reply` is the latest,
what the beneficiary reads when they follow the complaint up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Complaint, ComplaintReply

REPLYABLE = ("open", "answered")


async def add_reply(tx: AsyncSession, complaint: Complaint, staff_id: int, text: str, now: datetime) -> None:
    """One more staff message in the thread; the complaint is then answered."""
    tx.add(ComplaintReply(complaint_id=complaint.id, staff_id=staff_id, text=text, at=now))
    if complaint.replied_at is None:
        complaint.replied_at, complaint.replied_by = now, staff_id
    complaint.status, complaint.reply = "answered", text


async def thread(tx: AsyncSession, complaint: Complaint) -> list[ComplaintReply]:
    """The staff messages, oldest first."""
    query = select(ComplaintReply).where(ComplaintReply.complaint_id == complaint.id)
    return list((await tx.scalars(query.order_by(ComplaintReply.at, ComplaintReply.id))).all())
