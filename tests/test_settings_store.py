"""Console-edited settings on SQLite and PostgreSQL: every change raises the version and is audited, FAQ entries
replace, add to or retire the file's, the running engine takes them up, the annual review is kept."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.live_settings import compose, refresh
from store import settings as stored
from store.models import AuditLog
from tests.conftest import T0


def _entry(question: str, answer: str) -> dict:
    return {
        "ar": {"questions": [question], "answer": answer},
        "en": {"questions": ["When?"], "answer": "Soon."},
    }


async def test_a_fresh_database_has_the_file_s_settings_at_version_zero(sessions, engine, profile):
    async with sessions() as tx:
        over = await stored.overlay(tx)
    assert over.version == 0 and compose(profile, over) == profile
    assert await refresh(engine) is False and engine.profile is profile


async def test_each_change_raises_the_version_and_is_audited_with_who(sessions):
    async with sessions() as tx, tx.begin():
        first = await stored.save_section(tx, "deadlines", {"decision_days": 10}, None, T0)
        second = await stored.save_faq(
            tx, "new_one", _entry("متى تفتحون", "الساعة الثامنة"), None, T0, "متى تفتحون"
        )
    assert (first, second) == (1, 2)
    async with sessions() as tx:
        rows = (await tx.scalars(select(AuditLog).order_by(AuditLog.id))).all()
        assert await stored.version(tx) == 2
    assert [(r.action, r.subject) for r in rows] == [
        ("settings_changed", "settings:deadlines"),
        ("settings_changed", "faq:new_one"),
    ]
    assert rows[1].detail["question"] == "متى تفتحون"


async def test_faq_entries_replace_add_to_and_retire_the_file_s(sessions, profile):
    first, second = profile.faq[0].id, profile.faq[1].id
    async with sessions() as tx, tx.begin():
        await stored.save_faq(tx, first, _entry("سؤال جديد", "جواب جديد"), None, T0)
        await stored.save_faq(tx, second, None, None, T0)
        await stored.save_faq(tx, "added", _entry("سؤال مضاف", "جواب مضاف"), None, T0)
    async with sessions() as tx:
        running = compose(profile, await stored.overlay(tx))
    ids = [e.id for e in running.faq]
    assert ids[0] == first and second not in ids and ids[-1] == "added"
    assert running.faq[0].ar.answer == "جواب جديد" and len(ids) == len(profile.faq)


async def test_the_engine_takes_up_a_change_and_answers_the_new_way(sessions, engine):
    entry = engine.profile.faq[0]
    content = entry.model_dump(mode="json") | {
        "ar": {"questions": entry.ar.questions, "answer": "الجواب المعدّل"}
    }
    async with sessions() as tx, tx.begin():
        await stored.save_faq(tx, entry.id, content, None, T0)
        await stored.save_section(tx, "working_hours", {"opens": "09:30:00"}, None, T0)
    assert await refresh(engine) is True
    assert engine.settings_version == 2 and engine.profile.working_hours.opens.hour == 9
    assert engine.faq.search(entry.ar.questions[0])[0].entry.ar.answer == "الجواب المعدّل"
    assert await refresh(engine) is False  # nothing new: one read, no swap


async def test_settings_the_file_no_longer_accepts_leave_the_file_in_force(sessions, engine, profile):
    async with sessions() as tx, tx.begin():
        await stored.save_section(tx, "texts", {"ar": {"no_such_text": "x"}}, None, T0)
    assert await refresh(engine) is True
    assert engine.profile == profile and engine.settings_version == 1


async def test_concurrent_changes_get_distinct_versions(sessions):
    async def change(n: int) -> int:
        async with sessions() as tx, tx.begin():
            return await stored.save_section(tx, "deadlines", {"decision_days": n}, None, T0)

    versions = await asyncio.gather(*(change(n) for n in range(1, 6)))
    assert sorted(versions) == [1, 2, 3, 4, 5]


async def test_the_review_is_due_until_marked_and_again_a_year_later(sessions):
    async with sessions() as tx:
        assert stored.review_due(await stored.review(tx), T0)
    async with sessions() as tx, tx.begin():
        await stored.mark_reviewed(tx, None, T0)
    async with sessions() as tx:
        last = await stored.review(tx)
        actions = (await tx.scalars(select(AuditLog.action))).all()
    assert last.at == T0 and actions == ["settings_reviewed"]
    assert not stored.review_due(last, T0 + timedelta(days=300))
    assert stored.review_due(last, T0 + timedelta(days=367))


async def test_the_weekly_digest_says_when_the_review_is_due(sessions):
    from handlers.admin.digest import digest_text, gather

    async def text() -> str:
        async with sessions() as tx:
            return digest_text(await gather(tx, T0), "en", "https://example.org/admin/digest")

    assert "The annual review of the policy and FAQ is due (never reviewed)." in await text()
    async with sessions() as tx, tx.begin():
        await stored.mark_reviewed(tx, None, T0 - timedelta(days=400))
    assert "The annual review of the policy and FAQ is due (last review: 2025-10-21)." in await text()
    async with sessions() as tx, tx.begin():
        await stored.mark_reviewed(tx, None, T0 - timedelta(days=10))
    assert "annual review" not in await text()
