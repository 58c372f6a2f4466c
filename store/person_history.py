"""One beneficiary's whole history for their console page: their channels with the last message on each, and
everything about them in time order (requests and their decisions, sign-ups and attendance, complaints, ratings,
live chats, documents, and the messages sent to them with how far each got)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store import sealed
from store.crypto import Keyring
from store.models import (
    Attachment,
    Beneficiary,
    ChannelIdentity,
    Complaint,
    Conversation,
    HandoffRequest,
    HelpRequest,
    InboundMessage,
    OutboxMessage,
    Program,
    Rating,
    Registration,
    RequestEvent,
)

MESSAGES = 200  # the latest messages sent; the page says when there are more


@dataclass(frozen=True)
class Channel:
    """A channel this person reaches us on, and the last thing they wrote there."""

    identity: ChannelIdentity
    last_text: str
    last_at: datetime | None


@dataclass(frozen=True)
class Entry:
    """One thing that happened: `kind` names it (request, request_event, registration, attendance, complaint,
    rating, handoff, document, message); `reference` is what it belongs to; `status` where it has one."""

    at: datetime
    kind: str
    reference: str = ""
    status: str = ""
    text: str = ""
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class History:
    person: Beneficiary
    channels: list[Channel]
    entries: list[Entry]
    requests: list[HelpRequest]
    messages_capped: bool

    @property
    def aid_delivered(self) -> tuple[int, int]:
        """(how many requests were delivered, the cash and vouchers among them in halalas)."""
        given = [r for r in self.requests if r.status == "delivered"]
        return len(given), sum(r.aid_halalas or 0 for r in given)


async def _channels(tx: AsyncSession, keyring: Keyring, pid: int) -> list[Channel]:
    identities = (
        await tx.scalars(
            select(ChannelIdentity).where(ChannelIdentity.beneficiary_id == pid).order_by(ChannelIdentity.id)
        )
    ).all()
    found = []
    for identity in identities:
        key = f"{identity.channel}:{identity.external_id}"
        query = (
            select(InboundMessage)
            .where(InboundMessage.conversation_key == key, InboundMessage.text != "")
            .order_by(InboundMessage.id.desc())
            .limit(1)
        )
        last = (await tx.scalars(query)).first()
        said = sealed.input_text(keyring, last) if last else ""
        found.append(Channel(identity, said, last.received_at if last else None))
    return found


async def _requests(tx: AsyncSession, pid: int) -> tuple[list[HelpRequest], list[Entry]]:
    rows = list((await tx.scalars(select(HelpRequest).where(HelpRequest.beneficiary_id == pid))).all())
    entries = [
        Entry(r.submitted_at, "request", r.reference, r.status, detail={"category": r.category}) for r in rows
    ]
    by_id = {r.id: r for r in rows}
    if by_id:
        query = select(RequestEvent).where(
            RequestEvent.request_id.in_(by_id), RequestEvent.kind.not_in(("submitted", "note"))
        )
        for event in (await tx.scalars(query)).all():
            detail = event.detail or {}
            evidence = detail.get("evidence") or {}
            row = by_id[event.request_id]
            given = {"aid_kind": row.aid_kind or "", "aid_halalas": row.aid_halalas} if event.kind == "delivered" else {}
            entries.append(
                Entry(
                    event.at,
                    "request_event",
                    by_id[event.request_id].reference,
                    str(detail.get("status", "")),
                    text=str(detail.get("text") or detail.get("question") or ""),
                    detail={"event": event.kind, "evidence": evidence.get("kind", ""), **given},
                )
            )  # fmt: skip
    return rows, entries


async def _programs(tx: AsyncSession, pid: int) -> list[Entry]:
    query = (
        select(Registration, Program)
        .join(Program, Program.id == Registration.program_id)
        .where(Registration.beneficiary_id == pid)
    )
    entries = []
    for row, program in (await tx.execute(query)).all():
        titles = {"ar": program.title_ar, "en": program.title_en, "program_kind": program.kind}
        entries.append(Entry(row.created_at, "registration", str(program.id), row.status, detail=titles))
        if row.attended_at is not None:
            entries.append(Entry(row.attended_at, "attendance", str(program.id), detail=titles))
    return entries


async def _feedback(tx: AsyncSession, pid: int) -> list[Entry]:
    entries = []
    for c in (await tx.scalars(select(Complaint).where(Complaint.beneficiary_id == pid))).all():
        entries.append(
            Entry(c.created_at, "complaint", c.reference, c.status, c.text, {"complaint_kind": c.kind})
        )
    query = select(Rating).where(Rating.beneficiary_id == pid, Rating.status == "answered")
    for r in (await tx.scalars(query)).all():
        detail = {"score": r.score, "service": r.service_kind}
        entries.append(
            Entry(r.answered_at or r.created_at, "rating", r.service_ref, text=r.comment, detail=detail)
        )
    for h in (await tx.scalars(select(HandoffRequest).where(HandoffRequest.beneficiary_id == pid))).all():
        entries.append(
            Entry(h.created_at, "handoff", h.reference, h.status, h.last_question, {"reason": h.reason})
        )
    for a in (await tx.scalars(select(Attachment).where(Attachment.beneficiary_id == pid))).all():
        detail = {"doc": a.kind, "name": a.file_name or a.content_type, "request_id": a.request_id}
        entries.append(Entry(a.created_at, "document", "", text="", detail=detail))
    return entries


async def _messages(
    tx: AsyncSession, keyring: Keyring, pid: int, channels: list[Channel]
) -> tuple[list[Entry], bool]:
    keys = {f"{c.identity.channel}:{c.identity.external_id}" for c in channels}
    keys |= set((await tx.scalars(select(Conversation.key).where(Conversation.beneficiary_id == pid))).all())
    if not keys:
        return [], False
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.conversation_key.in_(keys))
        .order_by(OutboxMessage.id.desc())
        .limit(MESSAGES + 1)
    )
    rows = list((await tx.scalars(query)).all())
    entries = [
        Entry(
            m.created_at,
            "message",
            m.channel,
            m.status,
            str(sealed.output_payload(keyring, m).get("text", "")),
            {"staff_id": m.staff_id},
        )
        for m in rows[:MESSAGES]
    ]
    return entries, len(rows) > MESSAGES


async def history(tx: AsyncSession, keyring: Keyring, pid: int) -> History | None:
    """Everything about this record, oldest first; None when there is no such record."""
    person = await tx.get(Beneficiary, pid)
    if person is None:
        return None
    channels = await _channels(tx, keyring, pid)
    requests, entries = await _requests(tx, pid)
    entries += await _programs(tx, pid)
    entries += await _feedback(tx, pid)
    messages, capped = await _messages(tx, keyring, pid, channels)
    entries += messages
    entries.sort(key=lambda e: (e.at, e.kind))
    return History(person, channels, entries, requests, capped)
