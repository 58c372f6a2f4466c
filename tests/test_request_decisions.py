"""Help-request transitions on SQLite and PostgreSQL: which are allowed from which status, and what each
one leaves behind — the request, its history line, the beneficiary's event, the rating once delivered."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.admin.staff import create_staff
from store import request_decisions as decisions
from store.models import Attachment, InboundMessage, Rating, RequestEvent
from tests.conftest import T0
from tests.work_seed import help_request, person

DELAY = timedelta(minutes=30)


async def _seed(sessions, status: str) -> tuple[int, str]:
    staff = await create_staff(sessions, "noura", "correct horse battery", "admin", "نورة")
    async with sessions() as tx, tx.begin():
        who = await person(tx)
        await help_request(tx, who, "R-000001", status=status, due=T0 + timedelta(days=14), at=T0)
    return staff.id, f"web:{who.id}"


async def _events(tx, key: str) -> list[tuple[str, str]]:
    rows = (await tx.scalars(select(InboundMessage).where(InboundMessage.conversation_key == key))).all()
    return [(m.payload["choice"], m.payload["event_text"]) for m in rows]


async def test_accepting_tells_the_beneficiary_and_writes_the_history(sessions):
    staff_id, chat = await _seed(sessions, "needs_info")
    async with sessions() as tx, tx.begin():
        row = await decisions.find(tx, "R-000001", lock=True)
        moved = await decisions.decide(tx, row, decisions.By(staff_id, T0, DELAY), "accepted", "مرحباً")
    assert moved == decisions.Moved("accepted", chat)
    async with sessions() as tx:
        row = await decisions.find(tx, "R-000001")
        assert (row.status, row.decided_by, row.decision_reason, row.info_question) == (
            "accepted", staff_id, "مرحباً", None
        )
        history = (await tx.scalars(select(RequestEvent))).all()
        assert [(e.kind, e.actor, e.detail) for e in history] == [
            ("decided", f"staff:{staff_id}", {"status": "accepted", "text": "مرحباً"})
        ]
        assert await _events(tx, chat) == [("request_decided:R-000001:accepted", "مرحباً")]


async def test_a_decided_request_cannot_be_decided_again_and_nothing_is_written(sessions):
    staff_id, chat = await _seed(sessions, "rejected")
    by = decisions.By(staff_id, T0, DELAY)
    async with sessions() as tx, tx.begin():
        row = await decisions.find(tx, "R-000001", lock=True)
        assert await decisions.decide(tx, row, by, "accepted", "") is None
        assert await decisions.ask_info(tx, row, by, "؟") is None
        assert await decisions.deliver(tx, row, by, kind="voucher", reference="V1", upload=None,
                                       aid_kind=None, aid_halalas=None) is None  # fmt: skip
    async with sessions() as tx:
        assert (await decisions.find(tx, "R-000001")).status == "rejected"
        assert (await tx.scalars(select(RequestEvent))).all() == []
        assert await _events(tx, chat) == []


async def test_a_note_is_kept_from_any_status_and_the_beneficiary_is_not_told(sessions):
    staff_id, chat = await _seed(sessions, "rejected")
    async with sessions() as tx, tx.begin():
        row = await decisions.find(tx, "R-000001", lock=True)
        moved = await decisions.note(tx, row, decisions.By(staff_id, T0, DELAY), "اتصلت بها")
    assert moved == decisions.Moved("rejected", None)
    async with sessions() as tx:
        assert [e.detail for e in (await tx.scalars(select(RequestEvent))).all()] == [{"text": "اتصلت بها"}]
        assert await _events(tx, chat) == []


async def test_asking_for_information_waits_for_the_answer(sessions):
    staff_id, chat = await _seed(sessions, "submitted")
    async with sessions() as tx, tx.begin():
        row = await decisions.find(tx, "R-000001", lock=True)
        moved = await decisions.ask_info(tx, row, decisions.By(staff_id, T0, DELAY), "ما عدد أفراد الأسرة؟")
    assert moved == decisions.Moved("needs_info", chat)
    async with sessions() as tx:
        assert (await decisions.find(tx, "R-000001")).info_question == "ما عدد أفراد الأسرة؟"
        assert await _events(tx, chat) == [("request_info:R-000001", "ما عدد أفراد الأسرة؟")]


async def test_delivery_keeps_its_evidence_and_asks_for_a_rating_once(sessions):
    staff_id, chat = await _seed(sessions, "accepted")
    upload = decisions.Upload("abc.pdf", "application/pdf", "إيصال.pdf")
    async with sessions() as tx, tx.begin():
        row = await decisions.find(tx, "R-000001", lock=True)
        moved = await decisions.deliver(tx, row, decisions.By(staff_id, T0, DELAY), kind="file", reference="",
                                        upload=upload, aid_kind="cash", aid_halalas=50_000)  # fmt: skip
    assert moved == decisions.Moved("delivered", chat)
    async with sessions() as tx, tx.begin():
        row = await decisions.find(tx, "R-000001", lock=True)
        file = (await tx.scalars(select(Attachment))).one()
        assert (file.request_id, file.file_name, file.reference) == (row.id, "إيصال.pdf", "abc.pdf")
        assert row.evidence == {"kind": "file", "reference": "", "attachment_id": file.id}
        given = (row.status, row.delivered_by, row.aid_kind, row.aid_halalas)
        assert given == ("delivered", staff_id, "cash", 50_000)
        assert await _events(tx, chat) == [("request_delivered:R-000001", "")]
        await decisions.note(tx, row, decisions.By(staff_id, T0 + DELAY, DELAY), "سُلّمت")
    async with sessions() as tx:
        ratings = (await tx.scalars(select(Rating))).all()
        assert [(r.service_ref, r.conversation_key) for r in ratings] == [("R-000001", chat)]


def test_which_actions_each_status_allows():
    def allowed(status: str) -> list[str]:
        return [action for action in decisions.FROM if decisions.may(action, status)]

    assert allowed("submitted") == allowed("needs_info") == ["note", "info", "accept", "reject"]
    assert allowed("accepted") == ["note", "deliver"]
    assert allowed("delivered") == allowed("rejected") == ["note"]


async def test_the_page_reads_the_history_oldest_first_and_the_documents(sessions):
    staff_id, _ = await _seed(sessions, "submitted")
    async with sessions() as tx, tx.begin():
        row = await decisions.find(tx, "R-000001", lock=True)
        await decisions.note(tx, row, decisions.By(staff_id, T0 + DELAY, DELAY), "الثانية")
        await decisions.note(tx, row, decisions.By(staff_id, T0, DELAY), "الأولى")
        await decisions.decide(tx, row, decisions.By(staff_id, T0 + 2 * DELAY, DELAY), "accepted", "")
        receipt = decisions.Upload("a.pdf", "application/pdf", "إيصال.pdf")
        await decisions.deliver(tx, row, decisions.By(staff_id, T0 + 3 * DELAY, DELAY), kind="file",
                                reference="", upload=receipt, aid_kind=None, aid_halalas=None)  # fmt: skip
    async with sessions() as tx:
        row = await decisions.find(tx, "R-000001")
        assert [e.kind for e in await decisions.history(tx, row)] == ["note", "note", "decided", "delivered"]
        assert [e.detail.get("text") for e in await decisions.history(tx, row)][:2] == ["الأولى", "الثانية"]
        assert [d.file_name for d in await decisions.documents(tx, row)] == ["إيصال.pdf"]
        assert await decisions.find(tx, "R-404") is None


async def test_an_upload_is_kept_with_the_request_under_a_bounded_name(sessions):
    await _seed(sessions, "submitted")
    async with sessions() as tx, tx.begin():
        row = await decisions.find(tx, "R-000001")
        long_name = "ا" * 300 + ".pdf"
        kept = await decisions.attach(tx, row, decisions.Upload("d.pdf", "application/pdf", long_name), T0)
    async with sessions() as tx:
        [doc] = await decisions.documents(tx, await decisions.find(tx, "R-000001"))
        assert (doc.id, doc.kind, doc.channel, doc.reference) == (kept, "upload", "console", "d.pdf")
        assert doc.file_name == long_name[-255:] and doc.file_name.endswith(".pdf")


async def test_a_download_finds_only_a_staff_upload_of_that_request(sessions):
    await _seed(sessions, "submitted")
    async with sessions() as tx, tx.begin():
        row = await decisions.find(tx, "R-000001")
        kept = await decisions.attach(tx, row, decisions.Upload("d.pdf", "application/pdf", "إقرار.pdf"), T0)
        own = Attachment(beneficiary_id=row.beneficiary_id, request_id=row.id, channel="web", kind="photo",
                         reference="p.jpg", created_at=T0)  # fmt: skip
        other = await help_request(tx, await person(tx), "R-000002", status="submitted", due=T0, at=T0)
        tx.add(own)
        await tx.flush()
        foreign = await decisions.attach(tx, other, decisions.Upload("e.pdf", "application/pdf", "x.pdf"), T0)
    async with sessions() as tx:
        assert (await decisions.upload(tx, "R-000001", kept)).file_name == "إقرار.pdf"
        assert await decisions.upload(tx, "R-000001", own.id) is None  # the beneficiary's own file
        assert await decisions.upload(tx, "R-000001", foreign) is None  # another request's
