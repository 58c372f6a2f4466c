"""What staff send into a live chat, on SQLite and PostgreSQL: a reply (with its file) sealed in the outbox
and shown in the chat's transcript; closing a chat once (its event, its rating, a second close refused)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.admin.staff import create_staff
from store import chat_replies, file_store, sealed
from store import inbox as chats
from store.models import InboundMessage, OutboxMessage, Rating
from tests.conftest import T0
from tests.work_seed import handoff, person

PDF = b"%PDF-1.4 receipt"
DELAY = timedelta(minutes=30)


async def test_a_reply_with_a_file_is_sealed_in_the_outbox_and_in_the_transcript(sessions, keyring):
    noura = await create_staff(sessions, "noura", "correct horse battery", "researcher", "نورة")
    async with sessions() as tx, tx.begin():
        chat = await handoff(tx, await person(tx), "H-000001", at=T0, key="web:a")
        sent = chat_replies.SentFile("0a1b.pdf", file_store.sniff(PDF), len(PDF), "إيصال.pdf")
        at = T0 + timedelta(minutes=1)
        await chat_replies.reply(tx, keyring, chat, noura.id, "نورة: تم التحويل", sent, at)
    async with sessions() as tx:
        row = (await tx.scalars(select(OutboxMessage))).one()
        where = (row.channel, row.recipient, row.subject, row.staff_id)
        assert where == ("web", "a", "handoff:H-000001", noura.id)
        assert "تم التحويل" not in str(row.payload)  # sealed at rest
        payload = sealed.output_payload(keyring, row)
        assert (payload["text"], payload["file"]["file_name"]) == ("نورة: تم التحويل", "إيصال.pdf")
        shown = await chats.transcript(tx, keyring, "web:a", await chats.chat_start(tx, chat), 200)
        assert [m.id for m in shown.outputs] == [row.id]
        assert [f.file_name for f in shown.sent.values()] == ["إيصال.pdf"]
        chat = await chats.find(tx, "H-000001")
        assert chats.answering(chat, T0 + timedelta(minutes=2)) == noura.id
        assert await chats.unread(tx, [chat], noura.id) == set()  # replying is reading


async def test_a_transcript_leaves_out_events_and_what_came_before_the_chat(sessions, keyring):
    async with sessions() as tx, tx.begin():
        chat = await handoff(tx, await person(tx), "H-000001", at=T0, key="web:a")
        for n, (text, kind, at) in enumerate(
            [("قديم", "text", T0 - timedelta(hours=2)), ("أريد موظفاً", "text", T0), ("", "event", T0)]
        ):
            payload = {"kind": "event", "choice": "timer"} if kind == "event" else {"kind": kind}
            tx.add(InboundMessage(channel="web", provider_message_id=f"m{n}", sender_id="a",
                                  conversation_key="web:a", text=text, payload=payload,
                                  received_at=at))  # fmt: skip
    async with sessions() as tx:
        this_chat = await chats.transcript(tx, keyring, "web:a", await chats.chat_start(tx, chat), 200)
        everything = await chats.transcript(tx, keyring, "web:a", None, 200)
    assert [m.text for m in this_chat.inputs] == ["أريد موظفاً"]
    assert [m.text for m in everything.inputs] == ["قديم", "أريد موظفاً"]
    assert (this_chat.outputs, this_chat.files, this_chat.sent) == ([], [], {})


async def test_closing_tells_the_conversation_asks_for_a_rating_and_happens_once(sessions):
    noura = await create_staff(sessions, "noura", "correct horse battery", "researcher", "نورة")
    async with sessions() as tx, tx.begin():
        await handoff(tx, await person(tx), "H-000001", at=T0, key="web:a")
    async with sessions() as tx, tx.begin():
        chat = await chats.find(tx, "H-000001", lock=True)
        assert await chat_replies.close(tx, chat, noura.id, T0 + DELAY, DELAY)
    async with sessions() as tx, tx.begin():
        chat = await chats.find(tx, "H-000001", lock=True)
        assert (chat.status, chat.closed_by, chat.closed_at) == ("closed", noura.id, T0 + DELAY)
        assert not await chat_replies.close(tx, chat, noura.id, T0 + 2 * DELAY, DELAY)
    async with sessions() as tx:
        events = (await tx.scalars(select(InboundMessage))).all()
        assert [(m.conversation_key, m.payload["choice"]) for m in events] == [("web:a", "handoff_closed")]
        ratings = (await tx.scalars(select(Rating))).all()
        asked = [(r.service_kind, r.service_ref, r.staff_id) for r in ratings]
        assert asked == [("handoff", "H-000001", noura.id)]
        assert (await chats.find(tx, "H-000001")).closed_at == T0 + DELAY
