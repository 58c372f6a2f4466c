"""The inbox as a team tool over HTTP: ready answers managed by admins and offered in the beneficiary's
language, this chat's transcript (earlier messages a click away), the reason in words, who is answering now,
and the reply signed with the team's name when the association prefers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.appkeys import ENGINE
from store import sealed
from store.models import AuditLog, InboundMessage, OutboxMessage, ReadyAnswer
from tests.test_console_support import Console, fresh_console, sqlite_url


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


async def _said(console: Console, key: str, text: str, minutes_ago: float, n: int) -> None:
    async with console.sessions() as tx, tx.begin():
        tx.add(InboundMessage(
            channel="web", provider_message_id=f"m{n}", sender_id=key.split(":", 1)[1], conversation_key=key,
            text=text, payload={"kind": "text"}, status="processed",
            received_at=console.clock.now - timedelta(minutes=minutes_ago),
        ))  # fmt: skip


async def test_admins_manage_ready_answers_and_staff_get_those_in_the_beneficiary_language(console: Console):
    now = console.clock.now
    await console.signed_in_as("admin")
    page = "/admin/ready-answers"
    for language, title, text in (("ar", "مواعيد العمل", "نعمل من الأحد إلى الخميس."),
                                  ("en", "Hours", "We work Sunday to Thursday.")):  # fmt: skip
        added = await console.post(page, {"language": language, "title": title, "text": text}, page=page)
        assert added.status == 303
    refused = await console.post(page, {"language": "xx", "title": "?", "text": "?"}, page=page)
    assert refused.status == 400 and "أكمل العنوان" in await refused.text()
    listing = await (await console.client.get(page)).text()
    assert "مواعيد العمل" in listing and "English" in listing
    audit = await console.all(AuditLog, AuditLog.action == "ready_answer_added")
    assert len(audit) == 2
    await console.handoff("H-000001", created=now, due=now + timedelta(hours=4))  # an Arabic conversation
    await console.signed_in_as("researcher")
    chat = await (await console.client.get("/admin/inbox/H-000001")).text()
    assert 'data-text="نعمل من الأحد إلى الخميس."' in chat and "We work Sunday" not in chat
    assert 'class="ready-search"' in chat and '<script src="/admin/static/inbox.js" defer></script>' in chat
    await console.signed_in_as("researcher")
    assert (await console.client.get(page, allow_redirects=False)).status == 403  # admins only
    [gone] = await console.all(ReadyAnswer, ReadyAnswer.language == "en")
    await console.signed_in_as("admin")
    assert (await console.post(f"{page}/{gone.id}/remove", {}, page=page)).status == 303
    assert len(await console.all(ReadyAnswer)) == 1


async def test_the_chat_shows_this_chat_the_reason_in_words_and_the_last_message(console: Console):
    now = console.clock.now
    handoff = await console.handoff("H-000001", created=now, due=now + timedelta(hours=4), question="سؤال قديم")
    key = handoff.conversation_key
    await _said(console, key, "رسالة من الشهر الماضي", 60 * 24 * 30, 1)
    await _said(console, key, "أريد التحدث مع موظف", 2, 2)
    await _said(console, key, "هل يصرف الدعم هذا الشهر؟", 0, 3)
    await console.signed_in_as("viewer")
    listing = await (await console.client.get("/admin/inbox")).text()
    assert "هل يصرف الدعم هذا الشهر؟" in listing and "سؤال قديم" not in listing  # the actual last message
    assert 'class="badge unread"' in listing  # unread for this staff member
    chat = await (await console.client.get("/admin/inbox/H-000001")).text()
    assert "أريد التحدث مع موظف" in chat and "رسالة من الشهر الماضي" not in chat
    assert 'href="/admin/inbox/H-000001?all=1"' in chat
    assert "رسالة من الشهر الماضي" in await (await console.client.get("/admin/inbox/H-000001?all=1")).text()
    listing = await (await console.client.get("/admin/inbox")).text()
    assert 'class="badge unread"' not in listing  # opened: read
    for page in (listing, chat):
        assert "سؤال لم يجد له المساعد الآلي إجابة" in page  # the reason `inquiry`, in words


async def test_a_colleague_sees_who_is_answering_and_the_team_signs_when_preferred(console: Console):
    now = console.clock.now
    await console.handoff("H-000001", created=now, due=now + timedelta(hours=4))
    await console.signed_in_as("researcher")  # "researcher person" opens the chat to answer it
    await console.client.get("/admin/inbox/H-000001")
    await console.signed_in_as("coordinator")
    chat = await (await console.client.get("/admin/inbox/H-000001")).text()
    assert "يجيب عنها الآن: researcher person" in chat
    listing = await (await console.client.get("/admin/inbox")).text()
    assert "يجيب عنها الآن: researcher person" in listing
    engine = console.app[ENGINE]
    engine.profile = engine.profile.model_copy(update={"staff_signature": "team"})
    page = "/admin/inbox/H-000001"
    assert (await console.post(f"{page}/reply", {"text": "أهلاً بك"}, page=page)).status == 303
    text = sealed.output_payload(engine.keyring, await console.one(OutboxMessage))["text"]
    assert text == "👤 فريق جمعية الاختبار:\nأهلاً بك"
    assert not re.search(r"researcher person:", text)
