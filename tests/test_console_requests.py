"""The request queue and a request's page over HTTP: order, overdue, filters, the national ID by role,
audited views, and each action's status change, history line, audit row and event for the conversation."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import AsyncIterator

import pytest

from bot.appkeys import ENGINE
from store.models import Attachment, AuditLog, HelpRequest, InboundMessage, RequestEvent
from tests.test_console_support import MASKED_ID, NATIONAL_ID, Console, fresh_console, sqlite_url

PAGE = "/admin/requests/R-7K3P9Q"


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


def references(page: str) -> list[str]:
    return re.findall(r'href="/admin/requests/(R-[A-Z0-9]+)"', page)


async def test_the_queue_is_sorted_by_due_date_and_marks_the_overdue(console: Console):
    await console.request("R-LATER1", due_in=timedelta(days=10))
    await console.request("R-LATE22", due_in=timedelta(days=-2))
    await console.request("R-DONE33", due_in=timedelta(days=-3), status="accepted")
    await console.request(
        "R-SOON44", due_in=timedelta(days=1), status="needs_info", flags=("outside_area", "residency")
    )
    await console.signed_in_as("viewer")
    page = await (await console.client.get("/admin/requests")).text()
    assert references(page) == ["R-DONE33", "R-LATE22", "R-SOON44", "R-LATER1"]
    late_rows = re.findall(r'<tr class="late">.*?</tr>', page, flags=re.S)
    assert len(late_rows) == 1 and "R-LATE22" in late_rows[0] and "متأخر" in late_rows[0]
    soon = re.search(r"<tr>(?:(?!</tr>).)*R-SOON44.*?</tr>", page, flags=re.S).group(0)
    assert "بانتظار معلومات" in soon and ">2</td>" in soon and "سلة غذائية" in soon and "البكيرية" in soon
    assert "هـ" in soon  # the Hijri date beside the Gregorian one


async def test_the_queue_filters_by_status_category_and_city(console: Console):
    await console.request("R-FOOD11")
    await console.request("R-CASH22", category="cash_aid")
    await console.request("R-ELSE33", city="unaizah", status="accepted")
    await console.signed_in_as("coordinator")
    get = console.client.get
    assert references(await (await get("/admin/requests?status=accepted")).text()) == ["R-ELSE33"]
    assert references(await (await get("/admin/requests?category=food")).text()) == ["R-FOOD11", "R-ELSE33"]
    assert references(await (await get("/admin/requests?city=bukayriyah&category=cash_aid")).text()) == [
        "R-CASH22"
    ]
    assert references(await (await get("/admin/requests?status=rejected")).text()) == []
    page = await (await get("/admin/requests?status=accepted")).text()
    assert '<option value="accepted" selected>' in page


async def test_a_researcher_sees_the_whole_national_id_and_the_view_is_audited(console: Console):
    await console.request("R-7K3P9Q", flags=("outside_area",))
    staff = await console.signed_in_as("researcher")
    page = await (await console.client.get(PAGE)).text()
    assert (
        NATIONAL_ID in page
        and MASKED_ID not in page
        and "سارة محمد" in page
        and "خارج نطاق خدمة الجمعية" in page
    )
    view = await console.one(AuditLog, AuditLog.action == "view")
    assert (view.staff_id, view.subject) == (staff.id, "request:R-7K3P9Q")
    assert NATIONAL_ID not in str(view.detail) and "سارة" not in str(view.detail)


@pytest.mark.parametrize("role", ["coordinator", "viewer"])
async def test_other_roles_see_the_national_id_masked(console: Console, role):
    await console.request("R-7K3P9Q")
    await console.signed_in_as(role)
    page = await (await console.client.get(PAGE)).text()
    assert MASKED_ID in page and NATIONAL_ID not in page
    assert len(await console.all(AuditLog, AuditLog.action == "view")) == 1


async def test_an_unknown_reference_is_404(console: Console):
    await console.signed_in_as("admin")
    assert (await console.client.get("/admin/requests/R-NOPE00")).status == 404


async def events_for_the_beneficiary(console: Console) -> list[InboundMessage]:
    return await console.all(InboundMessage, InboundMessage.conversation_key.like("web:%"))


async def test_asking_for_information_waits_for_the_beneficiary(console: Console):
    row = await console.request("R-7K3P9Q")
    staff = await console.signed_in_as("researcher")
    response = await console.post(f"{PAGE}/info", {"question": "أرسل صورة سجل الأسرة"}, page=PAGE)
    assert response.status == 303 and response.headers["Location"] == PAGE
    request = await console.one(HelpRequest)
    assert (request.status, request.info_question) == ("needs_info", "أرسل صورة سجل الأسرة")
    event = await console.one(RequestEvent)
    assert (event.kind, event.actor, event.detail) == (
        "info_requested",
        f"staff:{staff.id}",
        {"question": "أرسل صورة سجل الأسرة"},
    )
    assert (await console.one(AuditLog, AuditLog.action == "info")).subject == "request:R-7K3P9Q"
    [inbound] = await events_for_the_beneficiary(console)
    assert inbound.conversation_key == row.conversation_key
    assert inbound.payload == {
        "kind": "event",
        "choice": "request_info:R-7K3P9Q",
        "event_text": "أرسل صورة سجل الأسرة",
    }
    await console.app[ENGINE].drain()
    assert (await console.one(InboundMessage)).status == "processed"


async def test_accepting_records_the_decision_and_tells_the_conversation(console: Console):
    await console.request("R-7K3P9Q", status="needs_info")
    staff = await console.signed_in_as("admin")
    response = await console.post(f"{PAGE}/accept", {"note": "نتواصل معك لموعد الاستلام", "confirmed": "yes"}, page=PAGE)
    assert response.status == 303
    request = await console.one(HelpRequest)
    assert (request.status, request.decided_by, request.decided_at) == (
        "accepted",
        staff.id,
        console.clock.now,
    )
    assert (await console.one(RequestEvent)).detail == {
        "status": "accepted",
        "text": "نتواصل معك لموعد الاستلام",
    }
    [inbound] = await events_for_the_beneficiary(console)
    assert inbound.payload["choice"] == "request_decided:R-7K3P9Q:accepted"
    assert inbound.payload["event_text"] == "نتواصل معك لموعد الاستلام"
    await console.app[ENGINE].drain()
    assert (await console.one(InboundMessage)).status == "processed"


async def test_rejecting_needs_a_reason_which_the_beneficiary_is_told(console: Console):
    await console.request("R-7K3P9Q")
    await console.signed_in_as("researcher")
    empty = await console.post(f"{PAGE}/reject", {"reason": "  "}, page=PAGE)
    assert empty.status == 400 and (await console.one(HelpRequest)).status == "submitted"
    assert await console.all(RequestEvent) == [] and await events_for_the_beneficiary(console) == []
    response = await console.post(f"{PAGE}/reject", {"reason": "خارج نطاق خدمة الجمعية", "confirmed": "yes"}, page=PAGE)
    assert response.status == 303
    request = await console.one(HelpRequest)
    assert (request.status, request.decision_reason) == ("rejected", "خارج نطاق خدمة الجمعية")
    assert (await console.one(RequestEvent)).kind == "decided"
    assert (await console.one(AuditLog, AuditLog.action == "reject")).detail == {"status": "rejected"}
    [inbound] = await events_for_the_beneficiary(console)
    assert inbound.payload["choice"] == "request_decided:R-7K3P9Q:rejected"
    assert inbound.payload["event_text"] == "خارج نطاق خدمة الجمعية"
    await console.app[ENGINE].drain()
    assert (await console.one(InboundMessage)).status == "processed"
    again = await console.post(f"{PAGE}/accept", {"note": "", "confirmed": "yes"}, page=PAGE)
    assert again.status == 409 and (await console.one(HelpRequest)).status == "rejected"


async def test_a_note_stays_with_staff(console: Console):
    await console.request("R-7K3P9Q")
    await console.signed_in_as("coordinator")
    assert (await console.post(f"{PAGE}/note", {"note": "اتصلت بها ولم ترد"}, page=PAGE)).status == 303
    note = await console.one(RequestEvent)
    assert (note.kind, note.detail) == ("note", {"text": "اتصلت بها ولم ترد"})
    assert await events_for_the_beneficiary(console) == []
    assert (await console.one(AuditLog, AuditLog.action == "note")).detail == {"status": "submitted"}
    assert "اتصلت بها ولم ترد" in await (await console.client.get(PAGE)).text()


async def test_delivery_needs_an_accepted_request_and_evidence(console: Console):
    await console.request("R-7K3P9Q")
    staff = await console.signed_in_as("coordinator")
    early = await console.post(
        f"{PAGE}/deliver", {"kind": "voucher", "reference": "V-1", "aid_kind": "in_kind"}, page=PAGE
    )
    assert early.status == 409 and (await console.one(HelpRequest)).status == "submitted"
    async with console.sessions() as tx, tx.begin():
        (await tx.get(HelpRequest, (await console.one(HelpRequest)).id)).status = "accepted"
    missing = await console.post(
        f"{PAGE}/deliver", {"kind": "bank_transfer", "reference": "", "aid_kind": "cash", "amount": "100"}, page=PAGE
    )
    assert missing.status == 400
    response = await console.post(
        f"{PAGE}/deliver",
        {"kind": "bank_transfer", "reference": "TRX-55821", "aid_kind": "cash", "amount": "500"},
        page=PAGE,
    )
    assert response.status == 303
    request = await console.one(HelpRequest)
    assert (request.status, request.delivered_by, request.delivered_at) == (
        "delivered",
        staff.id,
        console.clock.now,
    )
    assert request.evidence == {"kind": "bank_transfer", "reference": "TRX-55821"}
    assert (request.aid_kind, request.aid_halalas) == ("cash", 50000)
    assert (await console.one(RequestEvent)).kind == "delivered"
    [inbound] = await events_for_the_beneficiary(console)
    assert inbound.payload["choice"] == "request_delivered:R-7K3P9Q"
    await console.app[ENGINE].drain()
    assert (await console.one(InboundMessage)).status == "processed"


async def test_a_channel_document_never_fetched_says_so_instead_of_a_reference(console: Console):
    row = await console.request("R-7K3P9Q")
    async with console.sessions() as tx, tx.begin():
        request = await tx.get(HelpRequest, row.id)
        tx.add(
            Attachment(
                beneficiary_id=request.beneficiary_id,
                request_id=request.id,
                channel="telegram",
                kind="photo",
                reference="AgACAgQAAxkBAAIB",
                content_type="image/jpeg",
                file_name="<id>.jpg",
            )
        )
    await console.signed_in_as("researcher")
    page = await (await console.client.get(PAGE)).text()
    assert "AgACAgQAAxkBAAIB" not in page and "&lt;id&gt;.jpg" in page and "/files/" not in page
    assert "لم يُحفظ هذا الملف لدى الجمعية" in page
    channel_file = (await console.one(Attachment)).id
    assert (await console.client.get(f"{PAGE}/files/{channel_file}")).status == 404  # not fetched from here


async def test_logs_never_hold_the_national_id_or_the_full_name(console: Console, caplog):
    caplog.set_level(logging.DEBUG)
    await console.request("R-7K3P9Q", full_name="سارة محمد")
    await console.signed_in_as("admin")
    await console.client.get(PAGE)
    assert (await console.post(f"{PAGE}/accept", {"note": "", "confirmed": "yes"}, page=PAGE)).status == 303
    data = {"kind": "voucher", "reference": "V-9", "aid_kind": "service"}
    assert (await console.post(f"{PAGE}/deliver", data, page=PAGE)).status == 303
    await console.app[ENGINE].drain()
    assert caplog.records, "the actions were logged"
    assert NATIONAL_ID not in caplog.text and "سارة" not in caplog.text


async def test_the_queue_shows_one_calendar_with_the_other_beneath_and_the_full_date_on_hover(console: Console):
    await console.request("R-DATES1", due_in=timedelta(days=14))  # due 9 December 2026
    await console.signed_in_as("viewer")
    page = await (await console.client.get("/admin/requests")).text()
    submitted, due = re.findall(r"<time [^>]*>.*?</time>", page[page.index("R-DATES1") :], flags=re.S)[:2]
    assert "24 نوفمبر 2026" in submitted and 'title="الأربعاء، 9 ديسمبر 2026 (29 جمادى الآخرة 1448 هـ)"' in due
    assert '>9 ديسمبر 2026<small class="hijri">29 جمادى الآخرة 1448 هـ</small></time>' in due
    english = await (await console.client.get("/admin/requests?lang=en")).text()
    assert "9 December 2026<small" in english and "Jumada" in english
