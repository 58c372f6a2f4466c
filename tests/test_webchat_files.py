"""Files on the website chat over HTTP: the attach flag only at steps that take files, an upload checked by
its first bytes and kept in the file store, refusals in the visitor's language, the signed cookie required."""

from __future__ import annotations

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.appkeys import ENGINE, FETCHER
from bot.settings import Settings
from store import file_store
from store.migrate import upgrade_async
from store.models import Attachment, Complaint
from tests.conftest import FIXTURES
from tests.samples import EXE, PDF, wav
from tests.test_webchat import msg_id, send


@pytest.fixture
async def client(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'web.sqlite3'}"
    await upgrade_async(url)
    settings = Settings(_env_file=None, database_url=url, profile=str(FIXTURES / "profile.toml"),
                        files_dir=tmp_path / "files")  # fmt: skip
    async with TestClient(TestServer(create_app(settings, background=False))) as c:
        yield c


def upload_form(data: bytes, name: str, after: int) -> FormData:
    form = FormData()
    form.add_field("id", msg_id())
    form.add_field("after", str(after))
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    return form


async def to_complaint_attachments(client) -> dict:
    """A new visitor, in Arabic, who has typed a complaint and is now asked for files."""
    await client.get("/")
    _, data = await send(client, start=True)
    _, data = await send(client, data["last"], choice="lang:ar", text="العربية")
    assert data["attach"] is None  # the menu takes no files
    _, data = await send(client, data["last"], choice="menu:complaints", text="الشكاوى")
    _, data = await send(client, data["last"], choice="complaints:new:complaint", text="شكوى")
    assert data["attach"] == "files"  # the complaint's text may come with files
    _, data = await send(client, data["last"], text="تأخر الرد على طلبي أكثر من شهر")
    assert data["attach"] == "files"
    return data


async def rows(client, model):
    async with client.app[ENGINE].sessions() as tx:
        return list((await tx.scalars(select(model).order_by(model.id))).all())


async def test_a_pdf_and_a_voice_recording_are_kept_with_the_complaint(client, tmp_path):
    data = await to_complaint_attachments(client)
    response = await client.post("/api/chat/upload", data=upload_form(PDF, "تقرير.pdf", data["last"]))
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert answer["messages"] and answer["attach"] == "files"
    response = await client.post("/api/chat/upload", data=upload_form(wav(), "note.wav", answer["last"]))
    answer = await response.json()
    _, done = await send(client, answer["last"], choice="complaints:send", text="إرسال")
    [complaint] = await rows(client, Complaint)
    files = await rows(client, Attachment)
    assert [(f.kind, f.content_type, f.fetch_status, f.complaint_id) for f in files] == [
        ("document", "application/pdf", "stored", complaint.id),
        ("voice", "audio/wav", "stored", complaint.id),
    ]
    assert files[0].file_name == "تقرير.pdf"
    assert file_store.path_of(tmp_path / "files", files[0].stored_name).read_bytes() == PDF


async def test_what_is_not_accepted_is_refused_in_words_and_nothing_is_kept(client, tmp_path, texts):
    data = await to_complaint_attachments(client)
    refused = await client.post("/api/chat/upload", data=upload_form(EXE, "x.pdf", data["last"]))
    assert refused.status == 415
    assert (await refused.json())["error"].startswith(texts("ar", "file_not_accepted", image_mb=10, pdf_mb=15,
                                                            audio_mb=16)[:20])  # fmt: skip
    big = b"%PDF-" + b"0" * file_store.LARGEST
    too_big = await client.post("/api/chat/upload", data=upload_form(big, "big.pdf", data["last"]))
    assert too_big.status == 413 and "PDF" in (await too_big.json())["error"]
    assert await rows(client, Attachment) == [] and not list((tmp_path / "files").glob("*"))


async def test_files_are_refused_where_the_step_takes_none_and_without_the_cookie(client):
    await client.get("/")
    _, data = await send(client, start=True)
    _, data = await send(client, data["last"], choice="lang:ar", text="العربية")
    at_menu = await client.post("/api/chat/upload", data=upload_form(PDF, "a.pdf", data["last"]))
    assert at_menu.status == 415
    client.session.cookie_jar.clear()
    stranger = await client.post("/api/chat/upload", data=upload_form(PDF, "a.pdf", 0))
    assert stranger.status == 403 and await rows(client, Attachment) == []


async def test_the_page_has_an_attach_button_hidden_until_a_step_takes_files(client):
    html = await (await client.get("/")).text()
    assert '<button type="button" id="attach" class="attach"' in html and "hidden>إرفاق ملف</button>" in html


async def test_with_transcription_on_a_recorded_question_is_answered_from_the_faq(tmp_path):
    from aiohttp import web

    async def transcriptions(request: web.Request) -> web.Response:
        return web.json_response({"text": "متى يطلع الرد على طلبي؟"})

    app = web.Application()
    app.router.add_post("/v1/audio/transcriptions", transcriptions)
    async with TestServer(app, host="127.0.0.1") as server:
        url = f"sqlite+aiosqlite:///{tmp_path / 'web.sqlite3'}"
        await upgrade_async(url)
        settings = Settings(_env_file=None, database_url=url, profile=str(FIXTURES / "profile.toml"),
                            files_dir=tmp_path / "files",
                            transcribe_url=f"http://127.0.0.1:{server.port}/v1/audio/transcriptions")  # fmt: skip
        async with TestClient(TestServer(create_app(settings, background=False))) as client:
            await client.get("/")
            _, data = await send(client, start=True)
            _, data = await send(client, data["last"], choice="lang:ar", text="العربية")
            _, data = await send(client, data["last"], choice="menu:inquiry", text="استفسار")
            assert data["attach"] == "audio"  # a question may be recorded
            recorded = upload_form(wav(), "q.wav", data["last"])
            sent = await client.post("/api/chat/upload", data=recorded)
            last = (await sent.json())["last"]
            await client.app[FETCHER].settled()
            await client.app[ENGINE].drain()
            later = await (await client.get(f"/api/chat/messages?after={last}")).json()
    said = "\n".join(m["text"] for m in later["messages"])
    assert "متى يطلع الرد على طلبي؟" in said and "خلال أسبوعين" in said
