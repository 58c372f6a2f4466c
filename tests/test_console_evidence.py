"""Proof of delivery over HTTP: an evidence file is checked by its first bytes, kept under ./data/uploads/
and downloadable; anything else is refused and leaves nothing behind. A decision and a delivery on both
databases."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import quote
from typing import AsyncIterator

import pytest
from bot.appkeys import ENGINE
from store.models import Attachment, AuditLog, HelpRequest, InboundMessage, RequestEvent
from tests.test_console_support import Console, Part, fresh_console, sqlite_url

PAGE = "/admin/requests/R-7K3P9Q"
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


def upload(name: str, data: bytes, content_type: str = "application/pdf", kind: str = "file") -> list[Part]:
    """The delivery form's parts after the CSRF token: the kind, what was given, a reference and the file."""
    file = {"filename": name, "content_type": content_type}
    return [("kind", kind, {}), ("aid_kind", "in_kind", {}), ("reference", "", {}), ("file", data, file)]


async def test_an_evidence_pdf_is_kept_and_can_be_downloaded(console: Console):
    await console.request("R-7K3P9Q", status="accepted")
    await console.signed_in_as("admin")
    response = await console.post(f"{PAGE}/deliver", upload("إيصال التسليم.pdf", TINY_PDF), page=PAGE)
    assert response.status == 303, await response.text()
    item = await console.one(Attachment)
    assert (item.kind, item.content_type, item.file_name, item.channel) == (
        "upload",
        "application/pdf",
        "إيصال التسليم.pdf",
        "console",
    )
    stored = Path("data/uploads") / item.reference
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", item.reference) and stored.read_bytes() == TINY_PDF
    request = await console.one(HelpRequest)
    assert request.status == "delivered" and request.evidence["attachment_id"] == item.id
    page = await (await console.client.get(PAGE)).text()
    link = f"/admin/requests/R-7K3P9Q/files/{item.id}"
    assert link in page
    download = await console.client.get(link)
    assert download.status == 200 and await download.read() == TINY_PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert (await console.one(AuditLog, AuditLog.action == "download")).detail == {"attachment": item.id}


@pytest.mark.parametrize(
    "name, data",
    [
        ("evidence.pdf", b"MZ\x90\x00 not a pdf at all"),
        ("notes.txt", b"just text"),
        ("x.pdf", b"<html>%PDF-</html>"),
    ],
)
async def test_a_file_that_is_not_pdf_jpeg_or_png_is_refused(console: Console, name, data):
    await console.request("R-7K3P9Q", status="accepted")
    await console.signed_in_as("coordinator")
    response = await console.post(f"{PAGE}/deliver", upload(name, data), page=PAGE)
    assert response.status == 400
    assert (await console.one(HelpRequest)).status == "accepted"
    assert await console.all(Attachment) == [] and await console.all(RequestEvent) == []
    assert not Path("data/uploads").exists() or list(Path("data/uploads").iterdir()) == []


async def test_a_file_over_5_mb_is_refused(console: Console):
    await console.request("R-7K3P9Q", status="accepted")
    await console.signed_in_as("coordinator")
    big = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)
    response = await console.post(f"{PAGE}/deliver", upload("big.pdf", big), page=PAGE)
    assert response.status == 413
    assert (await console.one(HelpRequest)).status == "accepted" and await console.all(Attachment) == []


async def test_an_evidence_upload_on_a_request_not_yet_accepted_leaves_no_file(console: Console):
    await console.request("R-7K3P9Q")
    await console.signed_in_as("coordinator")
    response = await console.post(
        f"{PAGE}/deliver", upload("e.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64), page=PAGE
    )
    assert response.status == 409
    assert list(Path("data/uploads").iterdir()) == [] and await console.all(Attachment) == []


async def test_a_decision_and_a_delivery_on_both_databases(db_url, tmp_path, monkeypatch, clock):
    async with fresh_console(db_url, tmp_path, monkeypatch, clock) as c:
        await c.request("R-7K3P9Q")
        await c.signed_in_as("admin")
        assert (await c.post(f"{PAGE}/accept", {"note": "", "confirmed": "yes"}, page=PAGE)).status == 303
        assert (
            await c.post(f"{PAGE}/deliver", upload("e.pdf", TINY_PDF, kind="voucher"), page=PAGE)
        ).status == 303
        await c.app[ENGINE].drain()
        assert [e.kind for e in await c.all(RequestEvent)] == ["decided", "delivered"]
        assert {m.status for m in await c.all(InboundMessage)} == {"processed"}
        assert (await c.one(HelpRequest)).evidence["kind"] == "voucher"


@pytest.mark.parametrize(
    "sent_as, data, saved_as, plain",
    [
        ("receipt.html", TINY_PDF, "receipt.pdf", "receipt.pdf"),
        ('..\\evil"; filename=x.html.svg', TINY_PDF, 'evil"; filename=x.html.pdf', "evil_filename_x_html.pdf"),
        ("\u202egnp.exe", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "gnp.png", "gnp.png"),
        ("صورة الإيصال.htm", b"\xff\xd8\xff\xe0" + b"\0" * 64, "صورة الإيصال.jpg", "evidence.jpg"),
    ],
)
async def test_a_file_is_served_and_shown_under_the_extension_of_its_detected_type(
    console: Console, sent_as, data, saved_as, plain
):
    await console.request("R-7K3P9Q", status="accepted")
    await console.signed_in_as("admin")
    assert (await console.post(f"{PAGE}/deliver", upload(sent_as, data), page=PAGE)).status == 303
    item = await console.one(Attachment)
    download = await console.client.get(f"/admin/requests/R-7K3P9Q/files/{item.id}")
    expected_type = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}[saved_as.rsplit(".")[-1]]
    assert download.status == 200 and download.headers["Content-Type"] == expected_type
    disposition = download.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(saved_as, safe='')}"
    page = await (await console.client.get(PAGE)).text()
    assert html.escape(saved_as) in page and html.escape(item.file_name) not in page
