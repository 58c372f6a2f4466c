"""Delivery in the console: a program's messages show, per person, whether they arrived and why not, in words;
a broadcast page says why its messages did not arrive; a staff reply in a live chat shows its state; the
WhatsApp templates page is for admins and speaks in words."""

from __future__ import annotations

from sqlalchemy import select

from bot.appkeys import ENGINE
from store.models import AuditLog, HandoffRequest, OutboxMessage, WhatsAppTemplate
from tests.test_console_broadcasts import seeded_broadcast
from tests.test_console_complaints import seed_complaint
from tests.test_console_programs import console, seed_program, seed_signup  # noqa: F401  (the fixture)


async def test_a_programs_messages_show_per_person_whether_they_arrived(console):  # noqa: F811
    program = await seed_program(console)
    signup = await seed_signup(console, program.id, "accepted", "سارة")
    channel, recipient = signup.conversation_key.split(":", 1)
    async with console.sessions() as tx, tx.begin():
        tx.add(
            OutboxMessage(
                channel=channel,
                recipient=recipient,
                conversation_key=signup.conversation_key,
                payload={"kind": "reply", "event": f"program_accepted:{program.id}"},
                subject=f"program:{program.id}",
                status="failed",
                error="failed: provider error 30003",
            )
        )
    await console.signed_in_as("viewer")
    page = await (await console.client.get(f"/admin/programs/{program.id}")).text()
    assert "قبول التسجيل في برنامج" in page and "<bdi>سارة</bdi>" in page
    assert "تعذّر إيصالها. هاتف المستفيد غير متاح أو مغلق." in page
    assert "30003" not in page and "provider error" not in page  # the reason in words, never the raw error


async def test_a_broadcast_page_says_why_messages_did_not_arrive(console):  # noqa: F811
    mine, _ = await seeded_broadcast(console)
    async with console.sessions() as tx, tx.begin():
        for n in range(2):
            tx.add(
                OutboxMessage(
                    channel="whatsapp",
                    recipient=f"+96650000010{n}",
                    conversation_key=f"whatsapp:{n}",
                    payload={"kind": "announcement"},
                    status="needs_template",
                    broadcast_id=mine,
                    error="outside the 24-hour window; no approved template for announcement",
                )
            )
    await console.signed_in_as("viewer")
    page = await (await console.client.get(f"/admin/broadcasts/{mine}")).text()
    assert "أسباب عدم وصول الرسائل" in page
    assert (
        "<li>لم تُرسل. مضى أكثر من أربع وعشرين ساعة على آخر رسالة من المستفيد، ولا يقبل واتساب إلا قالباً معتمداً. (2)</li>"
        in page
    )
    assert "<li>تعذّر إيصالها. لم يذكر مزوّد الخدمة السبب. (1)</li>" in page


async def test_a_staff_reply_in_a_live_chat_shows_its_state(console):  # noqa: F811
    async with console.sessions() as tx, tx.begin():
        person, key = await console.person(tx)
        tx.add(
            HandoffRequest(
                reference="S-7K3P9Q", beneficiary_id=person.id, conversation_key=key, channel="web"
            )
        )
    await console.signed_in_as("coordinator")
    page = "/admin/inbox/S-7K3P9Q"
    response = await console.post(f"{page}/reply", {"text": "أهلاً، كيف نخدمك؟"}, page)
    assert response.status == 303
    (row,) = await console.all(OutboxMessage)
    assert row.subject == "handoff:S-7K3P9Q"
    async with console.sessions() as tx, tx.begin():
        (await tx.get(OutboxMessage, row.id)).status = "read"
    shown = await (await console.client.get(page)).text()
    assert "رد الموظف في المحادثة" in shown and 'data-status="read">قُرئت</span>' in shown


async def test_the_templates_page_is_for_admins_and_in_words(console):  # noqa: F811
    async with console.sessions() as tx, tx.begin():
        tx.add(
            WhatsAppTemplate(
                kind="rating_prompt",
                language="en",
                content_sid="HX" + "c" * 32,
                status="rejected",
                rejection_reason="Buttons are not allowed for this category",
            )
        )
    await console.signed_in_as("researcher")
    assert (await console.client.get("/admin/whatsapp-templates")).status == 403
    admin = await console.signed_in_as("admin")
    response = await console.client.get("/admin/whatsapp-templates")
    page = await response.text()
    assert response.status == 200 and 'href="/admin/whatsapp-templates"' in page
    assert "طلب التقييم" in page and "الإنجليزية" in page and "رفضه واتساب" in page
    assert "Buttons are not allowed for this category" in page and "rating_prompt" not in page
    async with console.sessions() as tx:
        seen = (
            await tx.scalars(select(AuditLog).where(AuditLog.staff_id == admin.id, AuditLog.action == "view"))
        ).all()
    assert [a.subject for a in seen] == ["whatsapp_templates"]


async def test_a_complaint_reply_shows_on_the_complaint_page_whether_it_arrived(console):  # noqa: F811
    await seed_complaint(console, "C-1")
    await console.signed_in_as("coordinator")
    page = "/admin/complaints/C-1"
    assert (
        await console.post(f"{page}/reply", {"reply": "نعتذر، تم التواصل مع الباحث."}, page=page)
    ).status == 303
    await console.app[ENGINE].drain()
    (row,) = await console.all(OutboxMessage, OutboxMessage.subject == "complaint:C-1")
    async with console.sessions() as tx, tx.begin():
        sent = await tx.get(OutboxMessage, row.id)
        sent.status, sent.error = "undelivered", "undelivered: provider error 63024"
    shown = await (await console.client.get(page)).text()
    assert "الرد على شكوى أو اقتراح" in shown
    assert 'data-status="undelivered">تعذّر إيصالها. رقم المستفيد غير صالح لاستقبال الرسائل.</span>' in shown
