"""Staff open what beneficiaries sent: previews, a player for voice notes, downloads with the detected type's
extension, only when signed in with a role that may, never by a guessable address, every opening audited."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest

from bot.appkeys import KEYRING, SETTINGS
from store import file_store
from store.models import Attachment, AuditLog, Complaint
from tests.samples import JPEG, PDF, wav
from tests.test_console_support import Console, fresh_console, sqlite_url

PAGE = "/admin/requests/R-7K3P9Q"


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


async def sent_files(console: Console, **owner: int) -> list[Attachment]:
    """A photo, a PDF and a voice note in the file store, and two files that are not (pending, failed)."""
    root: Path = console.app[SETTINGS].files_dir
    rows = []
    for data, kind, name in ((JPEG, "photo", ""), (PDF, "document", "سجل الأسرة.pdf"), (wav(), "voice", "")):
        stored, file_type = file_store.write(root, data)
        said = console.app[KEYRING].encrypt("نحتاج <مساعدة> في الإيجار") if kind == "voice" else ""
        rows.append(Attachment(channel="whatsapp", kind=kind, reference="https://api.twilio.com/x",
                               file_name=name, content_type=file_type.content_type, fetch_status="stored",
                               stored_name=stored, size=len(data), transcript=said))  # fmt: skip
    rows.append(Attachment(channel="telegram", kind="photo", reference="f1", fetch_status="pending"))
    rows.append(Attachment(channel="telegram", kind="document", reference="f2", fetch_status="failed",
                           fetch_error="gone"))  # fmt: skip
    async with console.sessions() as tx, tx.begin():
        for row in rows:
            for (
                key,
                value,
            ) in owner.items():  # beneficiary_id, and the request, complaint or input it came with
                setattr(row, key, value)
            tx.add(row)
    return rows


async def test_a_researcher_sees_previews_a_player_and_downloads_each_audited(console: Console):
    request = await console.request()
    files = await sent_files(console, request_id=request.id, beneficiary_id=request.beneficiary_id)
    await console.signed_in_as("researcher")
    page = await (await console.client.get(PAGE)).text()
    photo, pdf, voice = files[:3]
    assert f'<img src="/admin/files/{photo.id}/{photo.stored_name}"' in page
    assert f'<iframe src="/admin/files/{pdf.id}/{pdf.stored_name}"' in page
    assert f'<audio controls preload="metadata" src="/admin/files/{voice.id}/{voice.stored_name}"' in page
    heard = '<p class="typed" dir="auto">نحتاج &lt;مساعدة&gt; في الإيجار</p>'
    assert f"نص الرسالة الصوتية</small>{heard}" in page
    assert "يجري جلب الملف" in page and "لم يعد الملف متاحاً لدى مزوّد القناة" in page
    assert "fetch_error" not in page and "gone" not in page
    for row, data, content_type in (
        (photo, JPEG, "image/jpeg"),
        (pdf, PDF, "application/pdf"),
        (voice, wav(), "audio/wav"),
    ):
        shown = await console.client.get(f"/admin/files/{row.id}/{row.stored_name}")
        assert shown.status == 200 and await shown.read() == data
        assert shown.headers["Content-Type"] == content_type and shown.headers[
            "Content-Disposition"
        ].startswith("inline;")
    saved = await console.client.get(f"/admin/files/{pdf.id}/{pdf.stored_name}?download=1")
    assert saved.headers["Content-Disposition"].startswith('attachment; filename="file-')
    assert saved.headers["Content-Disposition"].endswith(".pdf")
    voice_saved = await console.client.get(f"/admin/files/{voice.id}/{voice.stored_name}?download=1")
    assert (
        'filename="file-' in voice_saved.headers["Content-Disposition"]
        and ".wav" in voice_saved.headers["Content-Disposition"]
    )
    trail = [(a.action, a.subject) for a in await console.all(AuditLog) if a.subject.startswith("file:")]
    assert trail == [("file_view", f"file:{r.id}") for r in (photo, pdf, voice)] + [
        ("download", f"file:{pdf.id}"),
        ("download", f"file:{voice.id}"),
    ]


async def test_files_are_not_served_to_strangers_viewers_or_by_a_guessed_address(console: Console):
    request = await console.request()
    photo = (await sent_files(console, request_id=request.id, beneficiary_id=request.beneficiary_id))[0]
    url = f"/admin/files/{photo.id}/{photo.stored_name}"
    stranger = await console.client.get(url, allow_redirects=False)
    assert stranger.status in (303, 401) and await stranger.read() != JPEG
    await console.signed_in_as("viewer")
    assert (await console.client.get(url, allow_redirects=False)).status == 403
    assert "فتح الملفات متاح للباحث" in await (await console.client.get(PAGE)).text()
    await console.signed_in_as("admin")
    guessed = await console.client.get(f"/admin/files/{photo.id}/{'0' * 32}.jpg")
    assert guessed.status == 404
    assert (await console.client.get(url)).status == 200


async def test_complaint_and_live_chat_pages_show_the_voice_note(console: Console, clock):
    from datetime import timedelta

    from store.models import InboundMessage

    handoff = await console.handoff("C-ABCDEF", created=clock.now, due=clock.now + timedelta(days=1))
    async with console.sessions() as tx, tx.begin():
        key = handoff.conversation_key
        note = InboundMessage(channel="web", provider_message_id="m-voice", sender_id=key[4:],
                              conversation_key=key, text="", payload={"kind": "voice"},
                              status="done", received_at=clock.now)  # fmt: skip
        tx.add(note)
        complaint = Complaint(reference="S-ABCDEF", beneficiary_id=handoff.beneficiary_id,
                              conversation_key=key, channel="web", kind="complaint", text="شكوى",
                              created_at=clock.now, due_at=clock.now + timedelta(days=5))  # fmt: skip
        tx.add(complaint)
        await tx.flush()
        note_id, complaint_id = note.id, complaint.id
    voice = (await sent_files(console, beneficiary_id=handoff.beneficiary_id, inbound_id=note_id))[2]
    await sent_files(console, beneficiary_id=handoff.beneficiary_id, complaint_id=complaint_id)
    await console.signed_in_as("coordinator")
    inbox = await (await console.client.get("/admin/inbox/C-ABCDEF")).text()
    assert f'<audio controls preload="metadata" src="/admin/files/{voice.id}/{voice.stored_name}"' in inbox
    complaint_page = await (await console.client.get("/admin/complaints/S-ABCDEF")).text()
    assert complaint_page.count("<audio controls") == 1 and "<img src=" in complaint_page
