"""The live-chat inbox's rules, on SQLite and PostgreSQL: unread per staff member, the beneficiary's actual
last message, where this chat begins, who is answering now, ready answers per language."""

from __future__ import annotations

from datetime import timedelta

from handlers.admin.staff import create_staff
from store import inbox as chats
from store.models import InboundMessage
from tests.conftest import T0
from tests.work_seed import handoff, person

MIN = timedelta(minutes=1)


def _said(key: str, text: str, at, n: int, kind: str = "text") -> InboundMessage:
    payload = {"kind": "event", "choice": "timer"} if kind == "event" else {"kind": kind}
    return InboundMessage(channel="web", provider_message_id=f"m{n}", sender_id="x", conversation_key=key,
                          text=text, payload=payload, received_at=at)  # fmt: skip


async def test_unread_until_opened_and_again_when_the_beneficiary_writes(sessions):
    noura = await create_staff(sessions, "noura", "correct horse battery", "researcher", "نورة")
    sami = await create_staff(sessions, "sami", "correct horse battery", "researcher", "سامي")
    async with sessions() as tx, tx.begin():
        who = await person(tx)
        chat = await handoff(tx, who, "H-000001", at=T0, key="web:a")
        tx.add(_said("web:a", "أحتاج موظفاً", T0, 1))
    async with sessions() as tx, tx.begin():
        assert await chats.unread(tx, [chat], noura.id) == {chat.id}
        await chats.mark_read(tx, chat.id, noura.id, T0 + MIN)
    async with sessions() as tx, tx.begin():
        assert await chats.unread(tx, [chat], noura.id) == set()
        assert await chats.unread(tx, [chat], sami.id) == {chat.id}  # each staff member's own state
        tx.add(_said("web:a", "هل من جديد؟", T0 + 5 * MIN, 2))
        tx.add(_said("web:a", "", T0 + 6 * MIN, 3, kind="event"))  # a timer is not the beneficiary
    async with sessions() as tx, tx.begin():
        assert await chats.unread(tx, [chat], noura.id) == {chat.id}
        assert (await chats.last_messages(tx, [chat]))[chat.id] == ("هل من جديد؟", T0 + 5 * MIN)
        await chats.mark_read(tx, chat.id, noura.id, T0 + 7 * MIN)
    async with sessions() as tx:
        assert await chats.unread(tx, [chat], noura.id) == set()


async def test_this_chat_starts_after_the_previous_one_closed(sessions):
    async with sessions() as tx, tx.begin():
        who = await person(tx)
        old = await handoff(tx, who, "H-000001", at=T0 - timedelta(days=3), key="web:a", status="closed")
        old.closed_at = T0 - timedelta(minutes=20)
        new = await handoff(tx, who, "H-000002", at=T0, key="web:a")
        lonely = await handoff(tx, who, "H-000003", at=T0, key="web:b")
    async with sessions() as tx:
        assert await chats.chat_start(tx, new) == T0 - timedelta(minutes=20)
        assert await chats.chat_start(tx, lonely) == T0 - chats.LEAD


async def test_someone_answering_shows_for_five_minutes(sessions):
    noura = await create_staff(sessions, "noura", "correct horse battery", "researcher", "نورة")
    async with sessions() as tx, tx.begin():
        chat = await handoff(tx, await person(tx), "H-000001", at=T0)
        assert chats.answering(chat, T0) is None
        chats.start_answering(chat, noura.id, T0)
    assert chats.answering(chat, T0 + 4 * MIN) == noura.id
    assert chats.answering(chat, T0 + 5 * MIN) is None


async def test_ready_answers_by_language(sessions):
    admin = await create_staff(sessions, "admin", "correct horse battery", "admin", "المدير")
    async with sessions() as tx, tx.begin():
        await chats.add_ready_answer(tx, "ar", "مواعيد العمل", "نعمل من الأحد إلى الخميس.", admin.id, T0)
        gone = await chats.add_ready_answer(tx, "ar", "قديم", "نص قديم", admin.id, T0)
        await chats.add_ready_answer(tx, "en", "Hours", "We work Sunday to Thursday.", admin.id, T0)
    async with sessions() as tx, tx.begin():
        assert await chats.remove_ready_answer(tx, gone.id)
        assert not await chats.remove_ready_answer(tx, gone.id + 100)
    async with sessions() as tx:
        assert [a.title for a in await chats.ready_answers(tx, "ar")] == ["مواعيد العمل"]
        assert [a.language for a in await chats.ready_answers(tx)] == ["ar", "en"]


async def test_open_chats_newest_first_and_who_can_be_assigned(sessions):
    await create_staff(sessions, "sami", "correct horse battery", "researcher", "سامي")
    await create_staff(sessions, "amal", "correct horse battery", "coordinator", "أمل")
    await create_staff(sessions, "reem", "correct horse battery", "viewer", "ريم")
    async with sessions() as tx, tx.begin():
        who = await person(tx)
        await handoff(tx, who, "H-000001", at=T0)
        await handoff(tx, who, "H-000002", at=T0 + MIN)
        await handoff(tx, who, "H-000003", at=T0 + 2 * MIN, status="closed")
    async with sessions() as tx:
        assert [h.reference for h in await chats.open_chats(tx, 200)] == ["H-000002", "H-000001"]
        assert [h.reference for h in await chats.open_chats(tx, 1)] == ["H-000002"]
        assert (await chats.find(tx, "H-000003")).status == "closed"
        assert await chats.find(tx, "H-999999") is None
        names = [s.display_name for s in await chats.repliers(tx, ("researcher", "coordinator"))]
        assert sorted(names) == ["أمل", "سامي"]
