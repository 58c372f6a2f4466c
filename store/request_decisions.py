"""What staff do to a help request (note, ask for information, accept, reject, deliver with evidence and aid):
from which statuses each is allowed, and what it writes in the caller's transaction — the request, its history
line, the rating to ask for once delivered, and the event for the beneficiary's conversation; and the history
and documents its page shows, and a staff upload to download."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store import queries, walk_ins
from store.models import Attachment, HelpRequest, RequestEvent
from store.ratings import schedule_rating

OPEN = ("submitted", "needs_info")
EVIDENCE_KINDS = ("bank_transfer", "voucher", "attendance", "file")
FROM = {  # the statuses each action may start from (None: any)
    "note": None,
    "info": OPEN,
    "accept": OPEN,
    "reject": OPEN,
    "deliver": ("accepted",),
}


def may(action: str, status: str) -> bool:
    """Whether `action` is allowed on a request in `status`."""
    starts = FROM[action]
    return starts is None or status in starts


@dataclass(frozen=True)
class By:
    """Who acts, when, and how long after a delivery the beneficiary is asked to rate it."""

    staff_id: int
    now: datetime
    rating_delay: timedelta


@dataclass(frozen=True)
class Upload:
    """A file staff uploaded, already kept on disk, to attach to the request."""

    name: str
    content_type: str
    file_name: str


@dataclass(frozen=True)
class Moved:
    """What an action did: the request's status now, and the conversation told (None: nobody was)."""

    status: str
    told: str | None


@dataclass(frozen=True)
class _Change:
    kind: str
    detail: dict = field(default_factory=dict)
    event: str | None = None
    event_text: str = ""


async def find(tx: AsyncSession, reference: str, lock: bool = False) -> HelpRequest | None:
    """The request with this reference (locked for the transaction when `lock`)."""
    query = select(HelpRequest).where(HelpRequest.reference == reference)
    return (await tx.scalars(query.with_for_update() if lock else query)).first()


async def history(tx: AsyncSession, row: HelpRequest) -> list[RequestEvent]:
    """The request's history lines, oldest first."""
    query = select(RequestEvent).where(RequestEvent.request_id == row.id)
    return list((await tx.scalars(query.order_by(RequestEvent.at, RequestEvent.id))).all())


async def documents(tx: AsyncSession, row: HelpRequest) -> list[Attachment]:
    """The files kept with the request (the beneficiary's, the delivery's evidence), in the order added."""
    query = select(Attachment).where(Attachment.request_id == row.id).order_by(Attachment.id)
    return list((await tx.scalars(query)).all())


async def attach(tx: AsyncSession, row: HelpRequest, upload: Upload, now: datetime) -> int:
    """Keep a file staff uploaded (a declaration, a delivery's evidence) with the request; its id."""
    item = Attachment(
        beneficiary_id=row.beneficiary_id, request_id=row.id, channel="console", kind="upload",
        reference=upload.name, content_type=upload.content_type, file_name=upload.file_name[-255:],
        created_at=now,
    )  # fmt: skip
    tx.add(item)
    await tx.flush()
    return item.id


async def upload(tx: AsyncSession, reference: str, attachment_id: int) -> Attachment | None:
    """A file staff uploaded to the request with this reference, by its id."""
    query = (
        select(Attachment)
        .join(HelpRequest, HelpRequest.id == Attachment.request_id)
        .where(HelpRequest.reference == reference, Attachment.id == attachment_id, Attachment.kind == "upload")
    )
    return (await tx.scalars(query)).first()


async def _record(tx: AsyncSession, row: HelpRequest, by: By, change: _Change) -> Moved:
    """The history line; the rating once delivered and the event, when the person has a chat to be told in."""
    row.updated_at = by.now
    tx.add(RequestEvent(request_id=row.id, at=by.now, actor=f"staff:{by.staff_id}", kind=change.kind,
                        detail=change.detail))  # fmt: skip
    chat = await walk_ins.decision_key(tx, row)  # a request entered at the desk: the person's latest chat
    if row.status == "delivered" and chat is not None:  # a service done: the beneficiary is asked to rate it
        await schedule_rating(
            tx, service_kind="help_request", service_ref=row.reference, conversation_key=chat,
            beneficiary_id=row.beneficiary_id, staff_id=by.staff_id, now=by.now, delay=by.rating_delay,
        )  # fmt: skip
    if change.event is None or chat is None:
        return Moved(row.status, None)
    await queries.record_event(tx, chat, change.event, change.event_text, by.now)
    return Moved(row.status, chat)


async def note(tx: AsyncSession, row: HelpRequest, by: By, text: str) -> Moved | None:
    """A note for colleagues; the beneficiary is not told. None: not allowed from the request's status."""
    if not may("note", row.status):
        return None
    return await _record(tx, row, by, _Change("note", {"text": text}))


async def ask_info(tx: AsyncSession, row: HelpRequest, by: By, question: str) -> Moved | None:
    """The request waits for the beneficiary's answer to `question`, which they are sent."""
    if not may("info", row.status):
        return None
    row.status, row.info_question = "needs_info", question
    change = _Change("info_requested", {"question": question}, f"request_info:{row.reference}", question)
    return await _record(tx, row, by, change)


async def decide(tx: AsyncSession, row: HelpRequest, by: By, outcome: str, text: str) -> Moved | None:
    """Accept or reject (`outcome`: accepted, rejected) with the note or reason the beneficiary is told."""
    if not may("accept" if outcome == "accepted" else "reject", row.status):
        return None
    row.status, row.decided_at, row.decided_by = outcome, by.now, by.staff_id
    row.decision_reason, row.info_question = text or None, None
    event = f"request_decided:{row.reference}:{outcome}"
    return await _record(tx, row, by, _Change("decided", {"status": outcome, "text": text}, event, text))


async def deliver(
    tx: AsyncSession, row: HelpRequest, by: By, *, kind: str, reference: str, upload: Upload | None,
    aid_kind: str | None, aid_halalas: int | None,
) -> Moved | None:  # fmt: skip
    """Delivered, with its evidence (a kind, a reference, the uploaded file attached) and the aid given."""
    if not may("deliver", row.status):
        return None
    evidence: dict = {"kind": kind, "reference": reference}
    if upload is not None:
        evidence["attachment_id"] = await attach(tx, row, upload, by.now)
    row.status, row.delivered_at, row.delivered_by, row.evidence = "delivered", by.now, by.staff_id, evidence
    row.aid_kind, row.aid_halalas = aid_kind, aid_halalas
    change = _Change("delivered", {"evidence": evidence}, f"request_delivered:{row.reference}")
    return await _record(tx, row, by, change)
