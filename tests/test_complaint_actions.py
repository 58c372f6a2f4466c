"""Replying to and resolving a complaint on SQLite and PostgreSQL: from which statuses, the events the
beneficiary's conversation gets, the rating once resolved; and what the complaint's page reads."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.admin.staff import create_staff
from store import complaint_actions as handling
from store.models import Attachment, AuditLog, InboundMessage, Rating
from tests.conftest import T0
from tests.work_seed import complaint, person

HOUR = timedelta(hours=1)


async def _seed(sessions) -> tuple[int, str]:
    staff = await create_staff(sessions, "noura", "correct horse battery", "researcher", "نورة")
    async with sessions() as tx, tx.begin():
        who = await person(tx)
        who.language = "ur"
        await complaint(tx, who, "C-000001", at=T0, due=T0 + 72 * HOUR)
    return staff.id, f"web:{who.id}"


async def test_replies_then_resolution_each_reach_the_beneficiary_and_a_rating_is_asked_once(sessions):
    staff_id, chat = await _seed(sessions)
    async with sessions() as tx, tx.begin():
        row = await handling.find(tx, "C-000001", lock=True)
        answered = handling.Handled("answered", chat)
        assert await handling.reply(tx, row, staff_id, "نتابع الأمر", T0 + HOUR) == answered
        assert await handling.reply(tx, row, staff_id, "تم الحل", T0 + 2 * HOUR) == answered
        resolved = await handling.resolve(tx, row, staff_id, T0 + 3 * HOUR, timedelta(minutes=30))
        assert resolved == handling.Handled("resolved", chat)
    async with sessions() as tx, tx.begin():
        row = await handling.find(tx, "C-000001", lock=True)
        assert (row.replied_at, row.reply, row.resolved_by) == (T0 + HOUR, "تم الحل", staff_id)
        assert await handling.reply(tx, row, staff_id, "مرة أخرى", T0 + 4 * HOUR) is None
        assert await handling.resolve(tx, row, staff_id, T0 + 4 * HOUR, timedelta(minutes=30)) is None
    async with sessions() as tx:
        events = (await tx.scalars(select(InboundMessage).order_by(InboundMessage.id))).all()
        assert [(m.conversation_key, m.payload["choice"], m.payload["event_text"]) for m in events] == [
            (chat, "complaint_replied:C-000001", "نتابع الأمر"),
            (chat, "complaint_replied:C-000001", "تم الحل"),
            (chat, "complaint_resolved:C-000001", ""),
        ]
        ratings = (await tx.scalars(select(Rating))).all()
        asked = [(r.service_kind, r.service_ref, r.staff_id) for r in ratings]
        assert asked == [("complaint", "C-000001", staff_id)]


async def test_the_page_reads_its_documents_history_and_language(sessions):
    staff_id, _ = await _seed(sessions)
    async with sessions() as tx, tx.begin():
        row = await handling.find(tx, "C-000001")
        tx.add(Attachment(beneficiary_id=row.beneficiary_id, complaint_id=row.id, channel="web", kind="photo",
                          reference="f1", content_type="image/jpeg", created_at=T0))  # fmt: skip
        for action in ("view", "complaint_replied", "complaint_resolved"):
            tx.add(AuditLog(at=T0, staff_id=staff_id, action=action, subject="complaint:C-000001", detail={}))
        other = AuditLog(at=T0, staff_id=staff_id, action="complaint_replied", subject="complaint:C-2", detail={})
        tx.add(other)
    async with sessions() as tx:
        row = await handling.find(tx, "C-000001")
        assert [d.reference for d in await handling.documents(tx, row)] == ["f1"]
        assert [a.action for a in await handling.history(tx, "C-000001")] == list(handling.SHOWN_ACTIONS)
        assert await handling.language(tx, row) == "ur"
        assert await handling.find(tx, "C-404") is None
