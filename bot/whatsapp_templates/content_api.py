"""The shipped templates at Twilio: created through the Content API with the twilio SDK, submitted for
WhatsApp's approval, and their approval status brought back (`python -m bot whatsapp-templates sync|status`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList
from twilio.rest.content.v1.content.approval_create import ApprovalCreateList

from bot.whatsapp_templates import Definition, definitions
from store import wa_templates
from store.models import WhatsAppTemplate

CODE_MINUTES = 10
COPY_CODE = {"ar": "نسخ الرمز", "en": "Copy code"}


def name_of(d: Definition) -> str:
    """The template's name at WhatsApp: lower-case letters, digits and underscores."""
    return f"frontdesk_{d.kind}_{d.language}"


def types_of(d: Definition) -> dict:
    """The Content API's types for a definition: a one-time code button, quick replies, or plain text."""
    if d.category == "authentication":
        action = {"type": "COPY_CODE", "copy_code_text": COPY_CODE[d.language]}
        return {
            "whatsapp/authentication": {
                "add_security_recommendation": True,
                "code_expiration_minutes": CODE_MINUTES,
                "actions": [action],
            }
        }
    if d.buttons:
        actions = [{"type": "QUICK_REPLY", "title": b, "id": f"{d.button_prefix}{b}"} for b in d.buttons]
        return {"twilio/quick-reply": {"body": d.body, "actions": actions}}
    return {"twilio/text": {"body": d.body}}


async def create(client: Client, d: Definition) -> tuple[str, str, str]:
    """Create the content and ask WhatsApp to approve it: its SID, the approval status and any reason."""
    request = ContentList.ContentCreateRequest(
        {"friendly_name": name_of(d), "language": d.language, "variables": d.sample(), "types": types_of(d)}
    )
    content = await client.content.v1.contents.create_async(request)
    approval = ApprovalCreateList.ContentApprovalRequest({"name": name_of(d), "category": d.category.upper()})
    submitted = await client.content.v1.contents(content.sid).approval_create.create_async(approval)
    return content.sid, (submitted.status or "received").lower(), submitted.rejection_reason or ""


async def approval(client: Client, content_sid: str) -> tuple[str, str]:
    """WhatsApp's current verdict on a content: status and rejection reason."""
    fetched = await client.content.v1.contents(content_sid).approval_fetch().fetch_async()
    whatsapp = fetched.whatsapp or {}
    return str(whatsapp.get("status") or "unsubmitted").lower(), str(whatsapp.get("rejection_reason") or "")


async def sync(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
) -> list[WhatsAppTemplate]:
    """Create and submit every shipped template not recorded yet; every recorded template afterwards."""
    async with sessions() as tx:
        known = {(row.kind, row.language) for row in await wa_templates.all_templates(tx)}
    for key, definition in definitions().items():
        if key in known:
            continue
        sid, status, reason = await create(client, definition)
        async with sessions() as tx, tx.begin():  # recorded at once: a later failure does not lose the SID
            await wa_templates.record(tx, *key, sid, status, reason, clock())
    async with sessions() as tx:
        return await wa_templates.all_templates(tx)


async def refresh(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
) -> list[WhatsAppTemplate]:
    """Bring back WhatsApp's verdict on every recorded template."""
    async with sessions() as tx:
        rows = await wa_templates.all_templates(tx)
    for row in rows:
        status, reason = await approval(client, row.content_sid)
        async with sessions() as tx, tx.begin():
            await wa_templates.record(tx, row.kind, row.language, row.content_sid, status, reason, clock())
    async with sessions() as tx:
        return await wa_templates.all_templates(tx)
