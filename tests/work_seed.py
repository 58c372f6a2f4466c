"""Rows for the staff-work tests (counts, alerts, the inbox store): one of each thing staff act on."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Beneficiary, Complaint, HandoffRequest, HelpRequest, Rating


async def person(tx: AsyncSession, key: str = "web:seed") -> Beneficiary:
    row = Beneficiary(display_name="Sara", language="ar")
    tx.add(row)
    await tx.flush()
    return row


async def help_request(tx: AsyncSession, who: Beneficiary, reference: str, *, status: str, due: datetime,
                       at: datetime) -> HelpRequest:  # fmt: skip
    row = HelpRequest(
        reference=reference, beneficiary_id=who.id, conversation_key=f"web:{who.id}", channel="web",
        status=status, category="food", city="bukayriyah", residency="citizen", household_size=4,
        income_bracket="low", full_name_enc="x", national_id_enc="x", due_at=due, submitted_at=at, updated_at=at,
    )  # fmt: skip
    tx.add(row)
    return row


async def handoff(tx: AsyncSession, who: Beneficiary, reference: str, *, at: datetime, status: str = "open",
                  due: datetime | None = None, key: str | None = None) -> HandoffRequest:  # fmt: skip
    row = HandoffRequest(
        reference=reference, beneficiary_id=who.id, conversation_key=key or f"web:{who.id}", channel="web",
        reason="staff", status=status, answer_due_at=due or at + timedelta(hours=4), created_at=at,
    )  # fmt: skip
    tx.add(row)
    await tx.flush()
    return row


async def complaint(tx: AsyncSession, who: Beneficiary, reference: str, *, at: datetime, due: datetime,
                    kind: str = "complaint", status: str = "open") -> Complaint:  # fmt: skip
    row = Complaint(
        reference=reference, beneficiary_id=who.id, conversation_key=f"web:{who.id}", channel="web", kind=kind,
        text="تأخر الرد", status=status, due_at=due, created_at=at,
    )  # fmt: skip
    tx.add(row)
    return row


async def rating(tx: AsyncSession, who: Beneficiary, reference: str, *, score: int, at: datetime) -> Rating:
    row = Rating(
        beneficiary_id=who.id, conversation_key=f"web:{who.id}", channel="web", service_kind="help_request",
        service_ref=reference, status="answered", score=score, created_at=at, answered_at=at,
    )  # fmt: skip
    tx.add(row)
    return row
