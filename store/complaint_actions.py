"""What staff do to a complaint — reply (again, until it is resolved) and resolve — from which statuses, with
the event of the beneficiary's conversation and, once resolved, the rating of how it was handled; and what
its page reads: the complaint, its documents, its history from the audit trail, the language they speak."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store import complaint_thread, queries, walk_ins
from store.models import Attachment, AuditLog, Beneficiary, Complaint

log = logging.getLogger(__name__)
RESOLVABLE = ("open", "answered")
SHOWN_ACTIONS = ("complaint_replied", "complaint_resolved")  # a complaint's history, from the audit trail


@dataclass(frozen=True)
class Handled:
    """What an action did: the complaint's status now, and the conversation told (None: they have no chat)."""

    status: str
    told: str | None


async def find(tx: AsyncSession, reference: str, lock: bool = False) -> Complaint | None:
    """The complaint with this reference (locked for the transaction when `lock`)."""
    query = select(Complaint).where(Complaint.reference == reference)
    return (await tx.scalars(query.with_for_update() if lock else query)).first()


async def reply(tx: AsyncSession, row: Complaint, staff_id: int, text: str, now: datetime) -> Handled | None:
    """One more answer in the thread, sent to the beneficiary; None when the complaint is resolved."""
    if row.status not in complaint_thread.REPLYABLE:
        return None
    chat = await walk_ins.decision_key(tx, row)  # one received by phone or letter: the person's latest chat
    await complaint_thread.add_reply(tx, row, staff_id, text, now)
    return await _tell(tx, row, chat, "complaint_replied", text, now)


async def resolve(
    tx: AsyncSession, row: Complaint, staff_id: int, now: datetime, rating_delay: timedelta
) -> Handled | None:
    """Resolved: the beneficiary is told and, after `rating_delay`, asked to rate how it was handled; None
    when it already was."""
    if row.status not in RESOLVABLE:
        return None
    chat = await walk_ins.decision_key(tx, row)
    row.status, row.resolved_at, row.resolved_by = "resolved", now, staff_id
    if chat is not None:
        await _schedule_rating(tx, row, staff_id, now, rating_delay, chat)
    return await _tell(tx, row, chat, "complaint_resolved", "", now)


async def _schedule_rating(
    tx: AsyncSession, row: Complaint, staff_id: int, now: datetime, delay: timedelta, chat: str
) -> None:
    """Ask the beneficiary to rate how the complaint was handled, when the ratings module is installed."""
    try:
        ratings = importlib.import_module("store.ratings")
    except ModuleNotFoundError:
        log.warning("store.ratings is missing: no rating scheduled for %s", row.reference)
        return
    await ratings.schedule_rating(
        tx, service_kind="complaint", service_ref=row.reference, conversation_key=chat,
        beneficiary_id=row.beneficiary_id, staff_id=staff_id, program_id=None, now=now, delay=delay,
    )  # fmt: skip


async def _tell(
    tx: AsyncSession, row: Complaint, chat: str | None, event: str, text: str, now: datetime
) -> Handled:
    """The event of the beneficiary's conversation, when they have one."""
    if chat is not None:
        await queries.record_event(tx, chat, f"{event}:{row.reference}", text, now)
    return Handled(row.status, chat)


async def documents(tx: AsyncSession, row: Complaint) -> list[Attachment]:
    """The files that came with the complaint."""
    return list((await tx.scalars(select(Attachment).where(Attachment.complaint_id == row.id))).all())


async def history(tx: AsyncSession, reference: str) -> list[AuditLog]:
    """Its replies and resolution as the audit trail has them, oldest first."""
    query = select(AuditLog).where(
        AuditLog.subject == f"complaint:{reference}", AuditLog.action.in_(SHOWN_ACTIONS)
    )
    return list((await tx.scalars(query.order_by(AuditLog.id))).all())


async def language(tx: AsyncSession, row: Complaint) -> str:
    """The language the beneficiary speaks (Arabic when not known)."""
    return await tx.scalar(select(Beneficiary.language).where(Beneficiary.id == row.beneficiary_id)) or "ar"
