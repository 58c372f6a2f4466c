"""A complaint's reply thread, on SQLite and PostgreSQL: every staff message kept in order, the first one's
time kept as the answer time (the deadline measure), the latest one what the beneficiary reads."""

from __future__ import annotations

from datetime import timedelta

from handlers.admin.staff import create_staff
from store import complaint_thread
from store.models import Complaint
from tests.conftest import T0
from tests.work_seed import complaint, person


async def test_staff_write_more_than_once_and_the_first_answer_time_stays(sessions):
    sara = await create_staff(sessions, "sara", "correct horse battery", "coordinator", "سارة")
    ali = await create_staff(sessions, "ali", "correct horse battery", "admin", "علي")
    async with sessions() as tx, tx.begin():
        row = await complaint(tx, await person(tx), "C-000001", at=T0, due=T0 + timedelta(days=5))
        await tx.flush()
        await complaint_thread.add_reply(tx, row, sara.id, "نعتذر، نتابع الأمر.", T0 + timedelta(hours=1))
        await complaint_thread.add_reply(tx, row, ali.id, "تم حل المشكلة.", T0 + timedelta(days=1))
    async with sessions() as tx:
        row = await tx.get(Complaint, row.id)
        replies = await complaint_thread.thread(tx, row)
    assert [(m.staff_id, m.text) for m in replies] == [(sara.id, "نعتذر، نتابع الأمر."), (ali.id, "تم حل المشكلة.")]
    assert (row.status, row.replied_at, row.replied_by, row.reply) == (
        "answered", T0 + timedelta(hours=1), sara.id, "تم حل المشكلة."
    )  # fmt: skip


async def test_the_migration_opens_each_answered_complaint_thread_with_its_reply(tmp_path):
    from sqlalchemy import text

    from store.db import make_engine
    from store.migrate import upgrade_async

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
    await upgrade_async(url, "0010_identity")  # the schema before reply threads
    db = make_engine(url)
    try:
        async with db.begin() as conn:
            await conn.execute(text("INSERT INTO beneficiary (id, display_name, language, created_at) "
                                    "VALUES (1, 'Sara', 'ar', '2026-11-20 08:00:00')"))  # fmt: skip
            for ref, reply, at in (("C-1", "نعتذر، نتابع الأمر.", "'2026-11-21 09:00:00'"), ("C-2", "", "NULL")):
                await conn.execute(text(
                    "INSERT INTO complaint (reference, beneficiary_id, conversation_key, channel, kind, text, status,"
                    " due_at, reply, replied_at, created_at) VALUES (:ref, 1, 'web:a', 'web', 'complaint', 'تأخر',"
                    f" 'open', '2026-11-27 08:00:00', :reply, {at}, '2026-11-20 08:00:00')"
                ), {"ref": ref, "reply": reply})  # fmt: skip
        await upgrade_async(url)
        async with db.connect() as conn:
            rows = (await conn.execute(text("SELECT complaint_id, text FROM complaintreply"))).all()
    finally:
        await db.dispose()
    assert [tuple(r) for r in rows] == [(1, "نعتذر، نتابع الأمر.")]
