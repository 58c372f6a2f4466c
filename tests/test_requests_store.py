"""Help requests through the real engine on SQLite and PostgreSQL: what is filed, encrypted, linked, updated,
answered, exported and erased — the host side of the golden transcripts."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text

from bot.incoming import AttachmentRef, Incoming
from conversations.types import Inbound
from store import queries, sealed
from store.models import (
    Attachment,
    AuditLog,
    Beneficiary,
    HelpRequest,
    InboundMessage,
    OutboxMessage,
    RequestEvent,
    Timer,
)

GOLDEN = Path(__file__).parent / "golden"
_n = iter(range(1, 10_000))


def incoming(step: dict, sender: str = "u1") -> Incoming:
    """A golden transcript's step as the web channel would deliver it."""
    if "attach" in step:
        ref = AttachmentRef(kind="photo", reference=f"file-{next(_n)}", content_type="image/jpeg")
        return Incoming("web", sender, f"m{next(_n)}", Inbound("attachment", text=step["attach"]), attachments=(ref,))
    return Incoming("web", sender, f"m{next(_n)}", Inbound("text", text=step["send"]))


async def apply_happy_path(engine) -> list[str]:
    case = json.loads((GOLDEN / "help_happy_ar.json").read_text(encoding="utf-8"))
    said = []
    for step in case["steps"]:
        for row in await engine.handle(incoming(step)):
            said.append(row.payload["text"])
    return said


async def one(sessions, model, *where):
    async with sessions() as tx:
        return (await tx.scalars(select(model).where(*where))).one()


async def test_a_filed_request_is_encrypted_linked_and_in_my_requests(engine, sessions, keyring, clock):
    said = await apply_happy_path(engine)
    request = await one(sessions, HelpRequest)
    assert (request.category, request.city, request.household_size, request.status) == ("cash_aid", "bukayriyah", 5, "submitted")
    assert keyring.decrypt(request.national_id_enc) == "1012345672"
    assert keyring.decrypt(request.full_name_enc) == "نورة محمد الحربي"
    assert request.due_at == clock.now + timedelta(days=14)
    assert request.reference in "\n".join(said)  # the beneficiary was told the reference
    async with sessions() as tx:
        files = (await tx.scalars(select(Attachment).where(Attachment.request_id == request.id))).all()
        events = (await tx.scalars(select(RequestEvent.kind))).all()
        timers = (await tx.scalars(select(Timer.status))).all()
        raw = (await tx.execute(text("SELECT national_id_enc FROM helprequest"))).scalar()
    assert len(files) == 2 and events == ["submitted"]
    assert set(timers) == {"cancelled"}  # no reminder after the form was filed
    assert "1012345672" not in raw
    person = await one(sessions, Beneficiary)
    assert (person.city, person.household_size, person.phone, person.consent_at is not None) == ("bukayriyah", 5, "+966501234567", True)


async def test_staff_asks_for_more_and_the_answer_attaches_to_the_request(engine, sessions, clock):
    await apply_happy_path(engine)
    request = await one(sessions, HelpRequest)
    async with sessions() as tx, tx.begin():
        row = await tx.get(HelpRequest, request.id)
        row.status, row.info_question = "needs_info", "أرسلي صورة عقد الإيجار"
        await queries.record_event(tx, "web:u1", f"request_info:{request.reference}", "أرسلي صورة عقد الإيجار", clock.now)
    replies = await engine.process("web:u1")
    assert "أرسلي صورة عقد الإيجار" in replies[0].payload["text"]
    await engine.handle(incoming({"send": "العقد باسم أخي"}))
    await engine.handle(incoming({"attach": "عقد الإيجار"}))
    request = await one(sessions, HelpRequest)
    assert (request.status, request.info_question) == ("submitted", None)
    async with sessions() as tx:
        answers = (await tx.scalars(select(RequestEvent).where(RequestEvent.kind == "info_received"))).all()
        linked = (await tx.scalars(select(Attachment).where(Attachment.request_id == request.id))).all()
    assert [sealed.answer_text(engine.keyring, a.detail) for a in answers] == ["العقد باسم أخي", "عقد الإيجار"]
    assert not any("أخي" in str(a.detail) for a in answers)  # sealed at rest, like the description
    assert len(linked) == 3


async def test_a_decision_reaches_the_beneficiary_in_their_language_mid_form(engine, sessions, clock):
    await apply_happy_path(engine)
    request = await one(sessions, HelpRequest)
    await engine.handle(incoming({"send": "2"}))  # starts a second application: now mid-form
    async with sessions() as tx, tx.begin():
        await queries.record_event(tx, "web:u1", f"request_decided:{request.reference}:rejected", "الدخل أعلى من الحد", clock.now)
    replies = await engine.process("web:u1")
    assert request.reference in replies[0].payload["text"] and "الدخل أعلى من الحد" in replies[0].payload["text"]


async def test_update_my_data_is_written_into_the_open_request(engine, sessions):
    await apply_happy_path(engine)
    case = json.loads((GOLDEN / "requests_update_ar.json").read_text(encoding="utf-8"))
    for step in case["steps"]:
        if "send" in step:
            await engine.handle(incoming(step))
    async with sessions() as tx:
        updates = (await tx.scalars(select(RequestEvent).where(RequestEvent.kind == "data_updated"))).all()
    assert updates, "the change is in the request's history for staff"


async def test_copy_of_my_data_masks_the_id_and_erasure_keeps_only_delivered_aid(engine, sessions, clock):
    await apply_happy_path(engine)
    for text_ in ("القائمة", "طلباتي", "بياناتي والخصوصية", "نسخة من بياناتي"):
        replies = await engine.handle(incoming({"send": text_}))
    copy = next(r.payload["text"] for r in replies if "نسخة من بياناتك لدى" in r.payload["text"])
    assert "1•••••5672" in copy and "1012345672" not in copy and "نورة محمد الحربي" in copy
    request = await one(sessions, HelpRequest)
    async with sessions() as tx, tx.begin():
        (await tx.get(HelpRequest, request.id)).status = "delivered"
        noted = await tx.get(Beneficiary, request.beneficiary_id)  # as an imported sheet leaves them
        noted.category, noted.notes_enc = "food", "encrypted notes"
    for text_ in ("القائمة", "طلباتي", "بياناتي والخصوصية", "حذف بياناتي", "نعم، احذف بياناتي"):
        replies = await engine.handle(incoming({"send": text_}))
    confirmation = "\n".join(r.payload["text"] for r in replies)
    assert request.reference in confirmation and "حذفنا بياناتك" in confirmation
    person = await one(sessions, Beneficiary)
    assert (person.full_name_enc, person.national_id_enc, person.phone, person.erased_at is not None) == (None, None, None, True)
    assert (person.category, person.notes_enc) == (None, None)
    assert person.consent_at is None  # applying again, they read what they agree to again
    async with sessions() as tx:
        texts = (await tx.scalars(select(InboundMessage.text))).all()
        kept = await tx.get(HelpRequest, request.id)
        audit = (await tx.scalars(select(AuditLog.action))).all()
        sent_before = (await tx.scalars(select(OutboxMessage).where(OutboxMessage.status != "pending"))).all()
    assert "نورة محمد الحربي" not in texts and kept.national_id_enc != ""  # delivered aid stays documented
    assert {"beneficiary_export", "beneficiary_erase"} <= set(audit)
    assert all(r.payload.get("kind") == "erased" for r in sent_before)


async def test_an_unfinished_form_and_a_typed_id_are_not_readable_in_the_database(engine, sessions, keyring):
    case = json.loads((GOLDEN / "help_happy_ar.json").read_text(encoding="utf-8"))
    for step in case["steps"][:7]:  # up to and including the national ID
        await engine.handle(incoming(step))
    async with sessions() as tx:
        raw_data = (await tx.execute(text("SELECT data FROM conversation"))).scalar()
        inputs = (await tx.scalars(select(InboundMessage))).all()
    assert "1012345672" not in str(raw_data) and "نورة" not in str(raw_data)
    typed = [sealed.input_text(keyring, m) for m in inputs]  # what staff read, in clear
    assert "1012345672" not in typed and "١٠١٢٣٤٥٦٧٢" not in typed and "1•••••5672" in typed
    replies = await engine.handle(incoming({"send": "0501234567"}))  # and the form goes on from where it was
    assert "مدينة" in replies[0].payload["text"]


async def test_someone_elses_reference_reveals_nothing(engine, sessions):
    await apply_happy_path(engine)
    request = await one(sessions, HelpRequest)
    for words in ("مرحبا", "1", "طلباتي", request.reference):
        replies = await engine.handle(Incoming("web", "intruder", f"x{next(_n)}", Inbound("text", text=words)))
    shown = "\n".join(r.payload["text"] for r in replies)
    assert "لم نجد طلباً بهذا الرقم ضمن طلباتك" in shown
    assert "سلة" not in shown and "نورة" not in shown and "مقدّم" not in shown
