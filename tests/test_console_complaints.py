"""Complaints and suggestions in the console: the list (newest first, filters, overdue marked), a complaint's
page (escaped text, attachments), the reply and the resolution (events for the beneficiary, audit rows, the
rating scheduled), CSRF and roles."""

from __future__ import annotations

import sys
import types
from datetime import timedelta
from typing import AsyncIterator

import pytest

from bot.appkeys import ENGINE
from store.models import Attachment, AuditLog, Complaint, InboundMessage, Rating
from tests.test_console_support import Console, fresh_console, sqlite_url

MALICIOUS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c
        await c.app[ENGINE].drain()


async def seed_complaint(
    console: Console,
    reference: str,
    *,
    kind: str = "complaint",
    status: str = "open",
    age: timedelta = timedelta(days=1),
    due_in: timedelta = timedelta(days=4),
    text: str = "تأخر الرد على طلبي",
) -> Complaint:
    """A complaint from a web-chat beneficiary, `age` old, with a photo they sent."""
    async with console.sessions() as tx, tx.begin():
        person, key = await console.person(tx)
        row = Complaint(
            reference=reference, beneficiary_id=person.id, conversation_key=key, channel="web", kind=kind,
            text=text, status=status, due_at=console.clock.now + due_in, created_at=console.clock.now - age,
        )  # fmt: skip
        tx.add(row)
        await tx.flush()
        tx.add(Attachment(beneficiary_id=person.id, complaint_id=row.id, channel="web", kind="photo",
                          reference="web-file-123", content_type="image/jpeg"))  # fmt: skip
    return row


async def test_the_list_is_newest_first_filtered_with_overdue_ones_marked(console: Console):
    await seed_complaint(console, "C-OLD", age=timedelta(days=9), due_in=-timedelta(days=2))
    await seed_complaint(console, "C-NEW", kind="suggestion")
    late = -timedelta(days=1)
    await seed_complaint(console, "C-DONE", status="resolved", age=timedelta(days=5), due_in=late)
    await console.signed_in_as("viewer")
    page = await (await console.client.get("/admin/complaints")).text()
    assert page.index("C-NEW") < page.index("C-DONE") < page.index("C-OLD")
    late_row = page[page.index('<tr class="late">') :]
    assert late_row.index("C-OLD") < late_row.index("</tr>") and page.count('<tr class="late">') == 1
    assert "متأخر" in page and "الشكاوى" in page
    assert "<th>رقم الشكوى</th>" in page and "رقم الطلب" not in page  # a complaint is not a request
    suggestions = await (await console.client.get("/admin/complaints?kind=suggestion")).text()
    assert "C-NEW" in suggestions and "C-OLD" not in suggestions
    resolved = await (await console.client.get("/admin/complaints?status=resolved")).text()
    assert "C-DONE" in resolved and "C-NEW" not in resolved


async def test_the_page_escapes_the_text_and_shows_attachments_and_channel(console: Console):
    await seed_complaint(console, "C-XSS", text=MALICIOUS)
    staff = await console.signed_in_as("viewer")
    response = await console.client.get("/admin/complaints/C-XSS")
    page = await response.text()
    assert response.status == 200
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "web-file-123" not in page and "دردشة الموقع" in page  # the file by its kind, not a channel's id
    assert "<strong>صورة</strong>" in page
    assert "/reply" not in page and "/resolve" not in page  # a viewer only reads
    view = await console.one(AuditLog, AuditLog.action == "view")
    assert (view.staff_id, view.subject) == (staff.id, "complaint:C-XSS")
    assert (await console.client.get("/admin/complaints/C-NONE")).status == 404


async def test_a_reply_reaches_the_beneficiary_and_is_audited(console: Console):
    row = await seed_complaint(console, "C-1")
    staff = await console.signed_in_as("coordinator")
    page = "/admin/complaints/C-1"
    response = await console.post(f"{page}/reply", {"reply": "نعتذر، تم التواصل مع الباحث."}, page=page)
    assert response.status == 303 and response.headers["Location"] == page
    done = await console.one(Complaint, Complaint.reference == "C-1")
    assert (done.status, done.reply, done.replied_at, done.replied_by) == (
        "answered", "نعتذر، تم التواصل مع الباحث.", console.clock.now, staff.id
    )  # fmt: skip
    event = await console.one(InboundMessage, InboundMessage.conversation_key == row.conversation_key)
    assert event.payload["choice"] == "complaint_replied:C-1"
    assert event.payload["event_text"] == "نعتذر، تم التواصل مع الباحث."
    audit = await console.one(AuditLog, AuditLog.action == "complaint_replied")
    assert (audit.staff_id, audit.subject) == (staff.id, "complaint:C-1")
    assert audit.detail == {"status": "answered"}
    shown = await (await console.client.get(page)).text()
    assert "رد على شكوى" in shown  # in the history
    first_answered = console.clock.now
    console.clock.now += timedelta(hours=2)
    again = await console.post(f"{page}/reply", {"reply": "وصلنا ردّ الباحث: سيزورك يوم الأحد."}, page=page)
    assert again.status == 303  # a thread: staff may write again until it is resolved
    done = await console.one(Complaint, Complaint.reference == "C-1")
    assert (done.replied_at, done.reply) == (first_answered, "وصلنا ردّ الباحث: سيزورك يوم الأحد.")
    events = await console.all(InboundMessage, InboundMessage.conversation_key == row.conversation_key)
    assert [e.payload["event_text"] for e in events][-1] == "وصلنا ردّ الباحث: سيزورك يوم الأحد."
    shown = await (await console.client.get(page)).text()
    assert shown.index("نعتذر، تم التواصل مع الباحث.") < shown.index("وصلنا ردّ الباحث: سيزورك يوم الأحد.")
    assert (await console.post(f"{page}/resolve", {}, page=page)).status == 303
    assert "/reply" not in await (await console.client.get(page)).text()  # resolved: the thread is closed
    rating = await console.one(Rating)  # by store.ratings: the beneficiary is asked later how it went
    assert (rating.service_kind, rating.service_ref, rating.staff_id) == ("complaint", "C-1", staff.id)


async def test_resolving_tells_the_beneficiary_and_schedules_a_rating(console: Console, monkeypatch):
    calls: list[dict] = []

    async def schedule_rating(tx, **kw) -> None:
        calls.append(kw)

    monkeypatch.setitem(sys.modules, "store.ratings", types.SimpleNamespace(schedule_rating=schedule_rating))
    row = await seed_complaint(console, "C-2")
    staff = await console.signed_in_as("researcher")
    page = "/admin/complaints/C-2"
    assert (await console.post(f"{page}/resolve", {}, page=page)).status == 303
    done = await console.one(Complaint, Complaint.reference == "C-2")
    assert (done.status, done.resolved_at, done.resolved_by) == ("resolved", console.clock.now, staff.id)
    event = await console.one(InboundMessage, InboundMessage.conversation_key == row.conversation_key)
    assert event.payload["choice"] == "complaint_resolved:C-2"
    assert (await console.one(AuditLog, AuditLog.action == "complaint_resolved")).staff_id == staff.id
    [call] = calls
    assert (call["service_kind"], call["service_ref"], call["staff_id"]) == ("complaint", "C-2", staff.id)
    assert (call["conversation_key"], call["beneficiary_id"], call["program_id"]) == (
        row.conversation_key, row.beneficiary_id, None
    )  # fmt: skip
    assert call["now"] == console.clock.now and call["delay"] == timedelta(minutes=120)
    assert (await console.post(f"{page}/resolve", {}, page=page)).status == 409


async def test_resolving_works_without_the_ratings_module(console: Console, monkeypatch):
    monkeypatch.setitem(sys.modules, "store.ratings", None)  # as if store/ratings.py did not exist
    await seed_complaint(console, "C-3")
    await console.signed_in_as("admin")
    page = "/admin/complaints/C-3"
    assert (await console.post(f"{page}/resolve", {}, page=page)).status == 303
    assert (await console.one(Complaint, Complaint.reference == "C-3")).status == "resolved"


async def test_csrf_roles_and_bad_replies_are_refused(console: Console):
    await seed_complaint(console, "C-4")
    page = "/admin/complaints/C-4"
    await console.signed_in_as("admin")
    forged = await console.post(f"{page}/reply", {"csrf": "forged", "reply": "x"}, page=page)
    assert forged.status == 403
    assert (await console.post(f"{page}/reply", {"reply": "  "}, page=page)).status == 400
    assert (await console.post(f"{page}/reply", {"reply": "x" * 4001}, page=page)).status == 400
    await console.signed_in_as("viewer")
    assert (await console.post(f"{page}/reply", {"reply": "x"}, page="/admin/complaints")).status == 403
    assert (await console.post(f"{page}/resolve", {}, page="/admin/complaints")).status == 403
    assert (await console.one(Complaint, Complaint.reference == "C-4")).status == "open"
    assert await console.all(InboundMessage) == []
    assert not await console.all(AuditLog, AuditLog.action.in_(("complaint_replied", "complaint_resolved")))


async def test_the_header_links_to_complaints_and_reports_in_both_languages(console: Console):
    await console.signed_in_as("viewer")
    arabic = await (await console.client.get("/admin/complaints")).text()
    assert 'href="/admin/complaints">الشكاوى<' in arabic and 'href="/admin/reports">التقارير<' in arabic
    assert 'dir="rtl"' in arabic
    english = await (await console.client.get("/admin/complaints?lang=en")).text()
    assert ">Complaints<" in english and ">Reports<" in english and 'dir="ltr"' in english
