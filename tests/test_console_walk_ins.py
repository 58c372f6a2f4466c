"""Walk-ins over HTTP as staff would: a request for someone who came in person, with the signed declaration
uploaded; every problem said at once with the form kept; a request brought by a branch representative for
someone who has a chat, whose decision reaches that chat; viewers cannot record."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.appkeys import ENGINE, KEYRING
from store import sealed
from store.models import (
    Attachment,
    AuditLog,
    Beneficiary,
    Complaint,
    DeskIntake,
    HelpRequest,
    InboundMessage,
    OutboxMessage,
)
from tests.test_console_support import Console, Part, fresh_console, sqlite_url

PAGE = "/admin/walk-ins/new"
PDF = b"%PDF-1.4 signed declaration"
FIELDS = {
    "channel": "in_person", "full_name": "نورة عبدالله القحطاني", "national_id": "1012345672",
    "phone": "٠٥٠١٢٣٤٥٦٧", "city": "bukayriyah", "residency": "citizen", "household_size": "5",
    "income_bracket": "none", "category": "food", "description": "نحتاج سلة غذائية لهذا الشهر",
}  # fmt: skip


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


def walk_in(fields: dict, declaration: str | None = "upload", file: bytes | None = PDF) -> list[Part]:
    """The walk-in form's parts after the CSRF token: its fields, the declaration and the signed form."""
    parts: list[Part] = [(name, value, {}) for name, value in fields.items()]
    if declaration:
        parts.append(("declaration", declaration, {}))
    if file is not None:
        parts.append(("file", file, {"filename": "declaration.pdf", "content_type": "application/pdf"}))
    return parts


async def record(console: Console, **kw) -> object:
    return await console.post(PAGE, walk_in(**kw), page=PAGE)


async def test_a_walk_in_with_an_uploaded_declaration_files_a_request_for_a_new_person(console: Console):
    staff = await console.signed_in_as("coordinator")
    response = await record(console, fields=FIELDS)
    assert response.status == 303, await response.text()
    row = await console.one(HelpRequest)
    assert response.headers["Location"] == f"/admin/requests/{row.reference}?done=walk_in"
    page = await (await console.client.get(response.headers["Location"])).text()
    assert "سُجّل الطلب" in page and "حضور شخصي إلى الجمعية" in page and "موقَّع ورقيّاً، وصورته مرفقة" in page
    assert "coordinator person" in page  # who entered it
    person = await console.one(Beneficiary)
    assert person.national_id_hash == console.app[KEYRING].id_hash("1012345672")
    assert (row.channel, row.phone, row.household_size, row.status) == ("in_person", "+966501234567", 5, "submitted")
    intake = await console.one(DeskIntake)
    assert (intake.entered_by, intake.declaration) == (staff.id, "upload")
    upload = await console.one(Attachment)
    assert intake.declaration_attachment_id == upload.id and upload.request_id == row.id
    download = await console.client.get(f"/admin/requests/{row.reference}/files/{upload.id}")
    assert await download.read() == PDF
    audit = await console.one(AuditLog, AuditLog.action == "walk_in_recorded")
    assert audit.subject == f"request:{row.reference}" and audit.staff_id == staff.id


async def test_every_problem_is_said_at_once_and_the_form_is_kept(console: Console):
    await console.signed_in_as("researcher")
    bad = FIELDS | {"national_id": "1012345671", "channel": "representative", "household_size": "٤٠"}
    response = await record(console, fields=bad, declaration="upload", file=None)
    page = await response.text()
    assert response.status == 400
    for said in ("يبدو أن الرقم غير صحيح", "عدد أفراد الأسرة يكون من 1 إلى 30", "يلزم اسم المندوب ومكتبه الفرعي", "أرفق صورة الإقرار الموقَّع"):
        assert said in page, said
    assert 'value="نورة عبدالله القحطاني"' in page and "walkin_" not in page and "help_" not in page
    assert await console.all(HelpRequest) == [] and await console.all(Beneficiary) == []


async def test_a_representatives_request_for_someone_with_a_chat_gets_the_decision_there(console: Console):
    keyring = console.app[KEYRING]
    async with console.sessions() as tx, tx.begin():
        person, key = await console.person(tx, "Sara")
        person.national_id_hash, person.national_id_enc = keyring.id_hash("1012345672"), keyring.encrypt("1012345672")
    await console.signed_in_as("admin")
    fields = FIELDS | {"channel": "representative", "rep_name": "سعد الدوسري", "rep_office": "مكتب البكيرية"}
    response = await record(console, fields=fields, declaration="on_file", file=None)
    assert response.status == 303, await response.text()
    row = await console.one(HelpRequest)
    assert row.beneficiary_id == person.id and len(await console.all(Beneficiary)) == 1
    page = f"/admin/requests/{row.reference}"
    assert "سعد الدوسري" in await (await console.client.get(page)).text()
    accepted = await console.post(f"{page}/accept", {"note": "", "confirmed": "yes"}, page=page)
    assert accepted.status == 303
    await console.app[ENGINE].drain()
    [event] = await console.all(InboundMessage)
    assert event.conversation_key == key and event.status == "processed"
    sent = await console.all(OutboxMessage, OutboxMessage.conversation_key == key)
    texts = [sealed.output_payload(keyring, m).get("text", "") for m in sent]
    assert any(f"وافقت لجنة البحث على طلبك رقم {row.reference}" in text for text in texts)


async def test_a_viewer_cannot_record_a_walk_in(console: Console):
    await console.signed_in_as("viewer")
    assert (await console.client.get(PAGE)).status == 403
    response = await console.post(PAGE, walk_in(FIELDS), page="/admin/requests")
    assert response.status == 403 and await console.all(HelpRequest) == []


async def test_a_complaint_by_phone_for_someone_with_a_chat_gets_the_reply_there(console: Console):
    keyring = console.app[KEYRING]
    async with console.sessions() as tx, tx.begin():
        person, key = await console.person(tx, "Sara")
        person.national_id_hash, person.national_id_enc = keyring.id_hash("1012345672"), keyring.encrypt("1012345672")
    staff = await console.signed_in_as("coordinator")
    form = "/admin/walk-ins/complaint"
    short = await console.post(form, {"channel": "phone", "national_id": "1012345672", "kind": "complaint",
                                      "text": "تأخر"}, page=form)  # fmt: skip
    assert short.status == 400 and await console.all(Complaint) == []
    text = "تأخر تسليم السلة الغذائية أكثر من أسبوعين"
    response = await console.post(form, {"channel": "phone", "national_id": "١٠١٢٣٤٥٦٧٢", "kind": "complaint",
                                         "text": text}, page=form)  # fmt: skip
    assert response.status == 303, await response.text()
    row = await console.one(Complaint)
    assert (row.beneficiary_id, row.channel, row.text) == (person.id, "phone", text)
    assert response.headers["Location"] == f"/admin/complaints/{row.reference}?done=walk_in"
    assert "حُفظ التسجيل" in await (await console.client.get(response.headers["Location"])).text()
    intake = await console.one(DeskIntake)
    assert (intake.kind, intake.record_id, intake.entered_by) == ("complaint", row.id, staff.id)
    page = f"/admin/complaints/{row.reference}"
    replied = await console.post(f"{page}/reply", {"reply": "نعتذر، سيصلكم التسليم غدًا"}, page=page)
    assert replied.status == 303
    await console.app[ENGINE].drain()
    [event] = await console.all(InboundMessage)
    assert event.conversation_key == key and event.status == "processed"
    sent = await console.all(OutboxMessage, OutboxMessage.conversation_key == key)
    assert any("نعتذر، سيصلكم التسليم غدًا" in sealed.output_payload(keyring, m).get("text", "") for m in sent)


async def test_at_the_desk_a_trainee_is_entered_without_household_or_income(tmp_path, monkeypatch, clock):
    """Eligibility by type (amn, seed 004): the desk form asks the type; a trainee's request needs no
    household size or income, a family's still does, and a type is required."""
    trainee = {k: v for k, v in FIELDS.items() if k not in ("household_size", "income_bracket")}
    trainee |= {"city": "demo_town", "category": "training", "beneficiary_type": "trainee"}
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock, profile="amn", demo=True) as console:
        await console.signed_in_as("coordinator")
        empty = await (await console.client.get("/admin/walk-ins/new")).text()
        untyped = await record(console, fields={k: v for k, v in trainee.items() if k != "beneficiary_type"})
        untyped_page = await untyped.text()
        family = await record(console, fields=trainee | {"beneficiary_type": "community", "category": "other"})
        family_page = await family.text()
        filed = await record(console, fields=trainee)
        assert filed.status == 303, await filed.text()
        row = await console.one(HelpRequest)
    assert "فئة المستفيد" in empty and "متقدم لبرنامج تدريبي أو تأهيلي" in empty and "متطوع<" not in empty
    assert untyped.status == 400 and "<strong>فئة المستفيد</strong>" in untyped_page
    assert family.status == 400 and "فضلاً اكتب عدد أفراد الأسرة رقماً" in family_page
    assert (row.beneficiary_type, row.household_size, row.income_bracket) == ("trainee", 0, "")
