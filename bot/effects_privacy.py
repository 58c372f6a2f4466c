"""Appliers for the beneficiary's data rights (Saudi PDPL): a copy of their data, and erasure that keeps
only what a retention rule requires (records of aid delivered, the policy's proof of service, §10)."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from bot.effects import Applying, apply
from conversations.effects import EraseMyData, ExportMyData, Reply
from conversations.privacy_texts import erased_text, export_text
from store.models import (
    Attachment,
    AuditLog,
    Beneficiary,
    ChannelIdentity,
    Conversation,
    HandoffRequest,
    HelpRequest,
    InboundMessage,
    OutboxMessage,
)

RETAINED = ("delivered",)  # aid that reached the beneficiary stays documented


def _decrypted(at: Applying, token: str | None) -> str:
    return at.keyring.decrypt(token) if token else ""


@apply.register
async def _export(effect: ExportMyData, at: Applying) -> OutboxMessage:
    person = await at.tx.get(Beneficiary, at.conv.beneficiary_id)
    channels = (await at.tx.scalars(select(ChannelIdentity.channel).where(ChannelIdentity.beneficiary_id == person.id))).all()
    requests = (
        await at.tx.scalars(select(HelpRequest).where(HelpRequest.beneficiary_id == person.id).order_by(HelpRequest.id))
    ).all()
    lang = at.conv.data.get("lang", at.profile.default_language)
    text = export_text(
        at.texts,
        lang,
        at.profile,
        name=_decrypted(at, person.full_name_enc),
        national_id=_decrypted(at, person.national_id_enc),
        person=person,
        channels=sorted(set(channels)),
        requests=requests,
    )
    at.tx.add(AuditLog(at=at.now, action="beneficiary_export", subject=f"beneficiary:{person.id}"))
    return await apply(Reply(text), at)


@apply.register
async def _erase(effect: EraseMyData, at: Applying) -> OutboxMessage:
    """Anonymise the person, their messages and their requests, except delivered aid; say what is kept."""
    person = await at.tx.get(Beneficiary, at.conv.beneficiary_id)
    tx, pid = at.tx, person.id
    kept = (
        await tx.scalars(
            select(HelpRequest.reference).where(HelpRequest.beneficiary_id == pid, HelpRequest.status.in_(RETAINED))
        )
    ).all()
    await tx.execute(
        update(HelpRequest)
        .where(HelpRequest.beneficiary_id == pid, HelpRequest.status.not_in(RETAINED))
        .values(full_name_enc="", national_id_enc="", national_id_hash=None, phone="", description="", conditions=[], evidence={})
        .execution_options(synchronize_session=False)
    )
    retained_ids = select(HelpRequest.id).where(HelpRequest.beneficiary_id == pid, HelpRequest.status.in_(RETAINED))
    await tx.execute(
        delete(Attachment)
        .where(Attachment.beneficiary_id == pid, (Attachment.request_id.is_(None)) | Attachment.request_id.not_in(retained_ids))
        .execution_options(synchronize_session=False)
    )
    keys = select(ChannelIdentity.channel + ":" + ChannelIdentity.external_id).where(ChannelIdentity.beneficiary_id == pid)
    await tx.execute(
        update(InboundMessage)
        .where(InboundMessage.conversation_key.in_(keys), InboundMessage.id != at.message.id)
        .values(text="", payload={"kind": "erased"})
        .execution_options(synchronize_session=False)
    )
    await tx.execute(
        update(HandoffRequest).where(HandoffRequest.beneficiary_id == pid).values(last_question="")
        .execution_options(synchronize_session=False)
    )
    await tx.execute(
        update(Conversation).where(Conversation.beneficiary_id == pid, Conversation.id != at.conv.id)
        .values(data={}).execution_options(synchronize_session=False)
    )
    await tx.execute(
        update(OutboxMessage)
        .where(OutboxMessage.conversation_key.in_(keys), OutboxMessage.status != "pending")
        .values(payload={"kind": "erased", "text": "", "choices": []})
        .execution_options(synchronize_session=False)
    )
    person.full_name_enc = person.national_id_enc = person.national_id_hash = None  # delivered requests keep their own copy as proof
    person.display_name, person.phone = "", None
    person.verified_phone = person.phone_verified_at = None  # their channel verifies it again if they write
    person.city = person.residency = person.income_bracket = person.category = person.notes_enc = None
    person.household_size = person.consent_at = None  # applying again shows what they agree to again
    person.erased_at = at.now
    tx.add(AuditLog(at=at.now, action="beneficiary_erase", subject=f"beneficiary:{pid}", detail={"kept": list(kept)}))
    lang = at.conv.data.get("lang", at.profile.default_language)
    return await apply(Reply(erased_text(at.texts, lang, kept)), at)
