"""The handoff inbox over HTTP: open handoffs newest first, the conversation's transcript, a staff reply
through the outbox, closing with the `handoff_closed` event."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import AsyncIterator

import pytest

from bot.appkeys import ENGINE, KEYRING
from store import sealed
from store.models import Attachment, AuditLog, HandoffRequest, InboundMessage, OutboxMessage
from tests.test_console_support import Console, fresh_console, sqlite_url


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


async def test_open_handoffs_newest_first_with_late_answers_marked(console: Console):
    now = console.clock.now
    await console.handoff("H-OLD001", created=now - timedelta(hours=6), due=now - timedelta(hours=2))
    await console.handoff("H-NEW002", created=now - timedelta(hours=1), due=now + timedelta(hours=3))
    await console.handoff("H-SHUT03", created=now, due=now + timedelta(hours=4), status="closed")
    await console.signed_in_as("viewer")
    page = await (await console.client.get("/admin/inbox")).text()
    assert re.findall(r'href="/admin/inbox/(H-[A-Z0-9]+)"', page) == ["H-NEW002", "H-OLD001"]
    late = re.findall(r'<tr class="late(?: unread)?">.*?</tr>', page, flags=re.S)
    assert len(late) == 1 and "H-OLD001" in late[0]


async def seed_conversation(console: Console) -> HandoffRequest:
    """A handoff whose conversation has a question with a photo, a bot answer and an event (sealed at rest)."""
    now = console.clock.now
    handoff = await console.handoff("H-000001", created=now, due=now + timedelta(hours=4))
    key = handoff.conversation_key
    channel, sender = key.split(":", 1)
    keyring = console.app[KEYRING]
    async with console.sessions() as tx, tx.begin():
        asked = InboundMessage(
            channel=channel,
            provider_message_id="m1",
            sender_id=sender,
            conversation_key=key,
            status="processed",
            received_at=now - timedelta(minutes=3),
        )
        sealed.seal_input(keyring, asked, "متى يصرف الدعم؟", {"kind": "text"})  # as the engine keeps it
        tx.add(asked)
        await tx.flush()
        tx.add(
            Attachment(
                beneficiary_id=handoff.beneficiary_id,
                inbound_id=asked.id,
                channel=channel,
                kind="photo",
                reference="web-file-123",
                content_type="image/jpeg",
                file_name="بطاقة.jpg",
            )
        )
        tx.add(
            OutboxMessage(
                channel=channel,
                recipient=sender,
                conversation_key=key,
                status="sent",
                payload=sealed.seal_output(keyring, {"kind": "reply", "text": "سيتواصل معك موظف", "choices": []}),
                created_at=now - timedelta(minutes=2),
            )
        )
        tx.add(
            InboundMessage(
                channel=channel,
                provider_message_id="t1",
                sender_id=sender,
                conversation_key=key,
                payload={"kind": "event", "choice": "timer"},
                received_at=now - timedelta(minutes=1),
            )
        )
    return handoff


async def test_the_conversation_page_shows_the_transcript_in_order_and_is_audited(console: Console):
    await seed_conversation(console)
    staff = await console.signed_in_as("coordinator")
    page = await (await console.client.get("/admin/inbox/H-000001")).text()
    assert page.index("متى يصرف الدعم؟") < page.index("سيتواصل معك موظف")
    assert "web-file-123" not in page and "بطاقة.jpg" in page  # a channel's reference is no use to staff
    assert "timer" not in page  # events are not the beneficiary's words
    assert "لغة المستفيد: العربية" in page  # so that staff answer in the beneficiary's language
    view = await console.one(AuditLog, AuditLog.action == "view")
    assert (view.staff_id, view.subject) == (staff.id, "handoff:H-000001")


async def test_a_reply_goes_through_the_outbox_with_the_staff_member(console: Console):
    handoff = await seed_conversation(console)
    staff = await console.signed_in_as("researcher")
    page = "/admin/inbox/H-000001"
    empty = await console.post(f"{page}/reply", {"text": " "}, page=page)
    assert empty.status == 400
    response = await console.post(f"{page}/reply", {"text": "يصرف الدعم يوم الأحد إن شاء الله"}, page=page)
    assert response.status == 303 and response.headers["Location"] == page
    sent = await console.one(OutboxMessage, OutboxMessage.staff_id.is_not(None))
    channel, sender = handoff.conversation_key.split(":", 1)
    assert (sent.channel, sent.recipient, sent.conversation_key, sent.staff_id) == (
        channel,
        sender,
        handoff.conversation_key,
        staff.id,
    )
    signed = "👤 researcher person:\nيصرف الدعم يوم الأحد إن شاء الله"  # the beneficiary sees who answered
    assert "يصرف الدعم" not in str(sent.payload)  # what staff wrote is sealed in the row, like any reply
    assert sealed.output_payload(console.app[KEYRING], sent) == {"kind": "staff_reply", "text": signed, "choices": []}
    assert sent.status == "pending" and sent.next_attempt_at == console.clock.now
    assert (await console.one(AuditLog, AuditLog.action == "reply")).subject == "handoff:H-000001"
    transcript = await (await console.client.get(page)).text()
    assert "يصرف الدعم يوم الأحد" in transcript and "researcher person" in transcript


async def test_closing_a_handoff_records_the_event_for_the_conversation(console: Console):
    handoff = await console.handoff("H-000001", created=console.clock.now, due=console.clock.now)
    staff = await console.signed_in_as("coordinator")
    page = "/admin/inbox/H-000001"
    response = await console.post(f"{page}/close", {}, page=page)
    assert response.status == 303 and response.headers["Location"] == "/admin/inbox"
    closed = await console.one(HandoffRequest)
    assert (closed.status, closed.closed_by, closed.closed_at) == ("closed", staff.id, console.clock.now)
    event = await console.one(InboundMessage)
    assert event.conversation_key == handoff.conversation_key
    assert event.payload == {"kind": "event", "choice": "handoff_closed", "event_text": ""}
    assert (await console.one(AuditLog, AuditLog.action == "close")).staff_id == staff.id
    await console.app[ENGINE].drain()
    assert (await console.one(InboundMessage)).status == "processed"
    assert "H-000001" not in await (await console.client.get("/admin/inbox")).text()
    again = await console.post(f"{page}/close", {}, page=page)
    assert again.status == 409 and len(await console.all(InboundMessage)) == 1


async def test_a_viewer_sees_no_reply_form(console: Console):
    await console.handoff("H-000001", created=console.clock.now, due=console.clock.now)
    await console.signed_in_as("viewer")
    page = await (await console.client.get("/admin/inbox/H-000001")).text()
    assert "/reply" not in page and "/close" not in page
