"""The WhatsApp templates created at Twilio, per kind and language, and their approval: read by the sender
(only an approved one is sent), written by `python -m bot whatsapp-templates sync|status`, shown to admins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Beneficiary, ChannelIdentity, WhatsAppTemplate


async def all_templates(tx: AsyncSession) -> list[WhatsAppTemplate]:
    """Every recorded template, by kind then language."""
    query = select(WhatsAppTemplate).order_by(WhatsAppTemplate.kind, WhatsAppTemplate.language)
    return list((await tx.scalars(query)).all())


async def record(
    tx: AsyncSession, kind: str, language: str, content_sid: str, status: str, reason: str, now: datetime
) -> WhatsAppTemplate:
    """Create or update the row for (kind, language)."""
    query = select(WhatsAppTemplate).where(
        WhatsAppTemplate.kind == kind, WhatsAppTemplate.language == language
    )
    row = (await tx.scalars(query)).first()
    if row is None:
        row = WhatsAppTemplate(kind=kind, language=language, content_sid=content_sid)
        tx.add(row)
    row.content_sid, row.status, row.rejection_reason, row.updated_at = content_sid, status, reason[:500], now
    await tx.flush()
    return row


async def approved_for(
    tx: AsyncSession, kind: str, channel: str, external_id: str
) -> WhatsAppTemplate | None:
    """The approved template of `kind` in the language of the person behind (channel, external_id)."""
    language = await tx.scalar(
        select(Beneficiary.language)
        .join(ChannelIdentity, ChannelIdentity.beneficiary_id == Beneficiary.id)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    )
    query = select(WhatsAppTemplate).where(
        WhatsAppTemplate.kind == kind,
        WhatsAppTemplate.language == (language or "ar"),
        WhatsAppTemplate.status == "approved",
    )
    return (await tx.scalars(query)).first()
