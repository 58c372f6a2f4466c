"""Programs in the console: create, edit, publish and cancel with audit rows and validation messages; the
sign-ups accepted or rejected one by one and in bulk with the events for each conversation, a rejection
promoting the oldest on the waiting list; services delivered; roles, CSRF and escaping."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import AsyncIterator

import pytest

from bot.appkeys import ENGINE, KEYRING
from store.models import AuditLog, InboundMessage, Program, Registration
from tests.test_console_support import Console, fresh_console, sqlite_url

FORM = {
    "kind": "registration",
    "title_ar": "دورة الحاسب للمبتدئات",
    "title_en": "Computer course for beginners",
    "description_ar": "أساسيات الحاسب",
    "description_en": "Computer basics",
    "starts_at": "2026-12-20T17:00",
    "registration_deadline": "2026-12-15T23:00",
    "mode": "in_person",
    "place_ar": "مقر الجمعية",
    "place_en": "The association's office",
    "capacity": "20",
    "age_min": "18",
    "age_max": "40",
    "gender": "f",
    "city_bukayriyah": "on",
    "residency_citizen": "on",
    "residency_resident": "on",
    "q0_ar": "هل لديك حاسب محمول؟",
    "q0_en": "Do you have a laptop?",
    "q0_expect": "yes",
    "arrangements_ar": "أحضري الهوية",
    "arrangements_en": "Bring your ID",
}


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c
        await c.app[ENGINE].drain()


@pytest.fixture
async def console_db(db_url, tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    """The console on SQLite and on PostgreSQL."""
    async with fresh_console(db_url, tmp_path, monkeypatch, clock) as c:
        yield c
        await c.app[ENGINE].drain()


async def seed_program(
    console: Console,
    *,
    kind: str = "registration",
    status: str = "published",
    starts_in: timedelta = timedelta(days=25),
    capacity: int | None = None,
    title_ar: str = "دورة الحاسب",
) -> Program:
    async with console.sessions() as tx, tx.begin():
        program = Program(
            kind=kind,
            status=status,
            title_ar=title_ar,
            title_en="Computer course",
            starts_at=console.clock.now + starts_in,
            place_ar="مقر الجمعية",
            capacity=capacity,
            checkin_code="123456",
        )
        tx.add(program)
    return program


async def seed_signup(
    console: Console,
    program_id: int,
    status: str,
    name: str = "سارة",
    *,
    age: timedelta = timedelta(hours=1),
    full_name: str | None = None,
    city: str | None = "bukayriyah",
    phone: str | None = "+966500000001",
    note: str = "",
) -> Registration:
    """A sign-up by a new web-chat beneficiary, `age` old."""
    async with console.sessions() as tx, tx.begin():
        person, key = await console.person(tx, name)
        person.city, person.phone = city, phone
        if full_name:
            person.full_name_enc = console.app[KEYRING].encrypt(full_name)
        row = Registration(
            program_id=program_id,
            beneficiary_id=person.id,
            conversation_key=key,
            status=status,
            answers={"q0": "yes"},
            note=note,
            created_at=console.clock.now - age,
        )
        tx.add(row)
    return row


async def events(console: Console) -> list[tuple[str, str, str]]:
    """(conversation key, event, text) of every event recorded for a conversation."""
    rows = await console.all(InboundMessage)
    return [
        (r.conversation_key, r.payload["choice"], r.payload["event_text"])
        for r in rows
        if r.payload["kind"] == "event"
    ]


async def actions(console: Console) -> list[tuple[str, str]]:
    return [
        (a.action, a.subject)
        for a in await console.all(AuditLog)
        if a.action not in ("login", "logout", "staff_created")
    ]


async def test_creating_a_program_with_conditions_saves_a_draft_and_audits(console: Console):
    staff = await console.signed_in_as("coordinator")
    response = await console.post("/admin/programs/new", FORM, page="/admin/programs/new")
    assert response.status == 303, await response.text()
    program = await console.one(Program)
    assert response.headers["Location"] == f"/admin/programs/{program.id}"
    assert (program.status, program.kind, program.capacity, program.created_by) == (
        "draft",
        "registration",
        20,
        staff.id,
    )
    assert program.starts_at.isoformat() == "2026-12-20T14:00:00+00:00"  # 17:00 in Riyadh
    assert program.conditions == [
        {"key": "age_min", "value": 18},
        {"key": "age_max", "value": 40},
        {"key": "gender", "value": "f"},
        {"key": "city", "value": ["bukayriyah"]},
        {"key": "residency", "value": ["citizen", "resident"]},
        {"key": "question", "ar": "هل لديك حاسب محمول؟", "en": "Do you have a laptop?", "expect": "yes"},
    ]
    assert re.fullmatch(r"\d{6}", program.checkin_code)
    assert await actions(console) == [("program_created", f"program:{program.id}")]
    page = await (await console.client.get(f"/admin/programs/{program.id}")).text()
    assert "العمر من 18 إلى 40 سنة" in page and "للنساء فقط" in page and "البكيرية" in page
    assert "هـ" in page and program.checkin_code in page  # the Hijri date; the check-in code


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"title_ar": ""}, "العنوان بالعربية مطلوب."),
        ({"starts_at": "not a date"}, "أدخل تاريخ ووقت بدء البرنامج."),
        ({"starts_at": "2026-11-01T10:00"}, "موعد البرنامج قد مضى."),
        ({"age_min": "50"}, "ولا يزيد الأقل على الأعلى"),
        ({"mode": "remote", "link": ""}, "البرنامج عن بُعد يحتاج إلى رابطه"),
        ({"capacity": "-3"}, "عدد المقاعد رقم صحيح أكبر من صفر"),
        ({"q0_ar": ""}, "كل سؤال يحتاج إلى صيغته بالعربية"),
        ({"registration_deadline": "2026-12-21T10:00"}, "لا يتجاوز موعد البدء"),
    ],
)
async def test_a_wrong_program_form_comes_back_with_the_reason(console: Console, changes, message):
    await console.signed_in_as("admin")
    response = await console.post("/admin/programs/new", FORM | changes, page="/admin/programs/new")
    page = await response.text()
    assert response.status == 400 and message in page
    assert 'value="Computer course for beginners"' in page  # what was typed is kept
    assert await console.all(Program) == [] and await actions(console) == []


async def test_the_english_title_and_wording_are_optional_and_questions_as_many_as_needed(console: Console):
    await console.signed_in_as("coordinator")
    new = "/admin/programs/new"
    form = {k: v for k, v in FORM.items() if not k.startswith("q0_")} | {"title_en": ""}
    questions = {f"q{i}_ar": f"سؤال رقم {i}؟" for i in range(12)} | {"q5_en": "Question five?", "q7_expect": "no"}
    more = await console.post(new, form | questions | {"more": "1"}, page=new)  # "another question": not saved
    page = await more.text()
    assert more.status == 200 and await console.all(Program) == []
    assert 'value="سؤال رقم 11؟"' in page and 'name="q13_ar" value=""' in page  # twelve, and two blank rows
    assert "name=\"q14_ar\"" not in page and "سؤال آخر" in page
    assert re.search(r'data-hijri-for="starts_at"[^>]*>11 رجب 1448 هـ<', page)  # the Hijri beside the picker
    assert re.search(r'data-hijri-for="registration_deadline"[^>]*>6 رجب 1448 هـ<', page)
    assert (await console.post(new, form | questions, page=new)).status == 303
    program = await console.one(Program)
    asked = [c for c in program.conditions if c["key"] == "question"]
    assert [c["ar"] for c in asked] == [f"سؤال رقم {i}؟" for i in range(12)]
    assert asked[5]["en"] == "Question five?" and asked[0]["en"] == "" and asked[7]["expect"] == "no"
    listing = await (await console.client.get("/admin/programs?lang=en")).text()
    assert "دورة الحاسب للمبتدئات" in listing  # no English title: the Arabic one stands in
    edit = await (await console.client.get(f"/admin/programs/{program.id}/edit")).text()
    assert 'name="q11_ar" value="سؤال رقم 11؟"' in edit and 'name="q12_ar" value=""' in edit


async def test_editing_and_publishing_are_audited(console: Console):
    program = await seed_program(console, status="draft")
    await console.signed_in_as("admin")
    edit = f"/admin/programs/{program.id}/edit"
    form_page = await (await console.client.get(edit)).text()
    assert 'value="دورة الحاسب"' in form_page
    response = await console.post(
        edit, FORM | {"title_ar": "دورة الحاسب المتقدمة", "capacity": ""}, page=edit
    )
    assert response.status == 303
    page = f"/admin/programs/{program.id}"
    assert (await console.post(f"{page}/publish", {}, page=page)).status == 303
    saved = await console.one(Program)
    assert (saved.title_ar, saved.capacity, saved.status) == ("دورة الحاسب المتقدمة", None, "published")
    assert saved.checkin_code == "123456"
    assert await actions(console) == [
        ("program_edited", f"program:{program.id}"),
        ("program_published", f"program:{program.id}"),
    ]
    assert (await console.post(f"{page}/publish", {}, page=page)).status == 409


async def test_cancelling_a_published_program_tells_everyone_signed_up(console: Console):
    program = await seed_program(console)
    signed = [await seed_signup(console, program.id, s) for s in ("pending", "accepted", "waitlisted")]
    await seed_signup(console, program.id, "rejected")
    await console.signed_in_as("coordinator")
    page = f"/admin/programs/{program.id}"
    assert (await console.post(f"{page}/cancel", {}, page=page)).status == 303
    assert (await console.one(Program)).status == "cancelled"
    told = {(key, event) for key, event, _ in await events(console)}
    assert told == {(r.conversation_key, f"program_cancelled:{program.id}") for r in signed}
    cancelled = await console.one(AuditLog, AuditLog.action == "program_cancelled")
    assert cancelled.detail == {"was": "published", "told": 3}


async def test_accepting_one_records_the_event_and_the_audit_row(console_db: Console):
    console = console_db
    program = await seed_program(console)
    row = await seed_signup(console, program.id, "pending")
    other = await seed_signup(console, program.id, "pending", "هند")
    staff = await console.signed_in_as("coordinator")
    page = f"/admin/programs/{program.id}"
    response = await console.post(f"{page}/registrations", {"act": f"accept:{row.id}"}, page=page)
    assert response.status == 303
    saved = await console.one(Registration, Registration.id == row.id)
    assert (saved.status, saved.decided_by, saved.decided_at) == ("accepted", staff.id, console.clock.now)
    assert (await console.one(Registration, Registration.id == other.id)).status == "pending"
    assert await events(console) == [(row.conversation_key, f"program_accepted:{program.id}", "")]
    assert await actions(console) == [("registration_accept", f"registration:{row.id}")]


async def test_bulk_reject_frees_seats_and_promotes_the_oldest_waitlisted(console_db: Console):
    console = console_db
    program = await seed_program(console, capacity=2)
    first = await seed_signup(console, program.id, "accepted", "أ", age=timedelta(days=5))
    second = await seed_signup(console, program.id, "pending", "ب", age=timedelta(days=4))
    newer = await seed_signup(console, program.id, "waitlisted", "ج", age=timedelta(days=1))
    oldest = await seed_signup(console, program.id, "waitlisted", "د", age=timedelta(days=3))
    await console.signed_in_as("admin")
    page = f"/admin/programs/{program.id}"
    data = {"act": "reject", f"reg_{first.id}": "on", "reason": "اكتمل العدد"}
    assert (await console.post(f"{page}/registrations", data, page=page)).status == 303
    statuses = {r.id: r.status for r in await console.all(Registration)}
    assert statuses == {
        first.id: "rejected",
        second.id: "pending",
        newer.id: "waitlisted",
        oldest.id: "pending",
    }
    assert await events(console) == [
        (first.conversation_key, f"program_rejected:{program.id}", "اكتمل العدد"),
        (oldest.conversation_key, f"waitlist_promoted:{program.id}", ""),
    ]
    data = {"act": "accept", f"reg_{second.id}": "on", f"reg_{oldest.id}": "on", f"reg_{first.id}": "on"}
    assert (await console.post(f"{page}/registrations", data, page=page)).status == 303
    accepted = [r.id for r in await console.all(Registration, Registration.status == "accepted")]
    assert accepted == [second.id, oldest.id]  # the rejected one is left as it is
    assert [a for a, _ in await actions(console)] == [
        "registration_reject",
        "waitlist_promoted",
        "registration_accept",
        "registration_accept",
    ]


async def test_a_decision_no_selected_row_allows_is_refused(console: Console):
    program = await seed_program(console)
    row = await seed_signup(console, program.id, "rejected")
    await console.signed_in_as("admin")
    page = f"/admin/programs/{program.id}"
    assert (await console.post(f"{page}/registrations", {"act": f"accept:{row.id}"}, page=page)).status == 409
    assert (await console.post(f"{page}/registrations", {"act": "accept"}, page=page)).status == 400
    assert await events(console) == [] and await actions(console) == []


async def test_a_service_request_is_marked_delivered_and_volunteers_show_their_skills(console: Console):
    service = await seed_program(console, kind="service")
    row = await seed_signup(console, service.id, "requested", note="كرسي متحرك")
    volunteering = await seed_program(console, kind="volunteer")
    await seed_signup(console, volunteering.id, "interested", note="تصميم وتصوير")
    await console.signed_in_as("coordinator")
    page = f"/admin/programs/{service.id}"
    assert "كرسي متحرك" in await (await console.client.get(page)).text()
    assert (
        await console.post(f"{page}/registrations", {"act": f"deliver:{row.id}"}, page=page)
    ).status == 303
    assert (await console.one(Registration, Registration.id == row.id)).status == "delivered"
    assert await events(console) == [(row.conversation_key, f"service_delivered:{service.id}", "")]
    volunteers = await (await console.client.get(f"/admin/programs/{volunteering.id}")).text()
    assert "تصميم وتصوير" in volunteers and "متطوع مهتم" in volunteers


async def test_names_are_decrypted_and_a_malicious_title_is_escaped(console: Console):
    program = await seed_program(console, title_ar='<script>alert("x")</script>')
    await seed_signup(console, program.id, "pending", full_name="نورة عبدالله")
    await seed_signup(console, program.id, "pending", "<b>bold</b>")
    await console.signed_in_as("viewer")
    for path in ("/admin/programs", f"/admin/programs/{program.id}"):
        page = await (await console.client.get(path)).text()
        assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "نورة عبدالله" in page and "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page


@pytest.mark.parametrize("role", ["researcher", "viewer"])
async def test_readers_see_programs_but_cannot_change_them(console: Console, role):
    program = await seed_program(console)
    row = await seed_signup(console, program.id, "pending")
    await console.signed_in_as(role)
    page = f"/admin/programs/{program.id}"
    text = await (await console.client.get(page)).text()
    assert "دورة الحاسب" in text and f'value="accept:{row.id}"' not in text
    assert (await console.client.get("/admin/programs/new")).status == 403
    for path, data in [
        ("/admin/programs/new", FORM),
        (f"{page}/edit", FORM),
        (f"{page}/publish", {}),
        (f"{page}/cancel", {}),
        (f"{page}/registrations", {"act": f"accept:{row.id}"}),
    ]:
        assert (await console.post(path, data, page=page)).status == 403
    assert (await console.one(Registration)).status == "pending" and await actions(console) == []


async def test_every_program_post_needs_the_csrf_token(console: Console):
    program = await seed_program(console)
    row = await seed_signup(console, program.id, "pending")
    await console.signed_in_as("admin")
    page = f"/admin/programs/{program.id}"
    for path, data in [
        ("/admin/programs/new", FORM),
        (f"{page}/edit", FORM),
        (f"{page}/publish", {}),
        (f"{page}/cancel", {}),
        (f"{page}/registrations", {"act": f"accept:{row.id}"}),
        (f"{page}/attendance", {f"att_{row.id}": "on"}),
    ]:
        response = await console.client.post(path, data={"csrf": "forged", **data}, allow_redirects=False)
        assert response.status == 403, path
    assert (await console.one(Program)).status == "published" and await actions(console) == []


async def test_the_header_links_to_programs_and_announcements(console: Console):
    await console.signed_in_as("viewer")
    page = await (await console.client.get("/admin/programs?lang=en")).text()
    assert 'href="/admin/programs"' in page and 'href="/admin/broadcasts"' in page
    assert 'dir="ltr"' in page and "Programs and events" in page
