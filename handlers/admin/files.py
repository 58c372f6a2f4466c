"""Proof-of-delivery files from staff: PDF, JPEG or PNG by their first bytes, kept in ./data/uploads/."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import select

from bot.appkeys import ENGINE
from bot.settings import DATA_DIR
from handlers.admin.audit import audit
from handlers.admin.guard import ANYONE, requires
from handlers.admin.pages import SIGNED, problem
from store.models import Attachment, HelpRequest
from store.private_files import private_dir

UPLOADS = DATA_DIR / "uploads"  # relative to the working directory, like the rest of ./data/
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|jpg|png)$")
MAGIC = (  # (first bytes, content type, extension)
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


@dataclass(frozen=True)
class Stored:
    """A file written to disk: its random name there and its checked type."""

    name: str
    content_type: str

    @property
    def path(self) -> Path:
        return UPLOADS / self.name


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) when the bytes start like a PDF, JPEG or PNG; None for anything else."""
    for magic, content_type, extension in MAGIC:
        if data.startswith(magic):
            return content_type, extension
    return None


def _write(path: Path, data: bytes) -> None:
    private_dir(path.parent, narrow=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


async def store(data: bytes) -> Stored | None:
    """Keep an accepted file under a random name; None (nothing written) when its type is not allowed."""
    kind = sniff(data)
    if kind is None:
        return None
    stored = Stored(f"{secrets.token_hex(16)}.{kind[1]}", kind[0])
    await asyncio.to_thread(_write, stored.path, data)
    return stored


def discard(stored: Stored) -> None:
    """Remove a file whose action did not happen."""
    stored.path.unlink(missing_ok=True)


def _disposition(file_name: str, extension: str) -> str:
    """Download as a file, under its original name (with a plain ASCII fallback)."""
    name = quote(file_name or f"evidence.{extension}", safe="")
    return f"attachment; filename=\"evidence.{extension}\"; filename*=UTF-8''{name}"


@requires(*ANYONE)
async def download(request: web.Request) -> web.StreamResponse:
    """A file staff attached to a request; the download is audited."""
    engine, signed = request.app[ENGINE], request[SIGNED]
    reference, attachment_id = request.match_info["reference"], int(request.match_info["attachment_id"])
    query = (
        select(Attachment)
        .join(HelpRequest, HelpRequest.id == Attachment.request_id)
        .where(
            HelpRequest.reference == reference, Attachment.id == attachment_id, Attachment.kind == "upload"
        )
    )
    async with engine.sessions() as tx, tx.begin():
        item = (await tx.scalars(query)).first()
        if item is None or not STORED_NAME.match(item.reference):
            return problem(request, 404, "error_not_found")
        audit(tx, signed.staff.id, "download", f"request:{reference}", engine.clock(), attachment=item.id)
    path = UPLOADS / item.reference
    if not path.is_file():
        return problem(request, 404, "error_file_missing")
    headers = {
        "Content-Type": item.content_type,
        "Content-Disposition": _disposition(item.file_name, path.suffix[1:]),
        "Cache-Control": "no-store",
    }
    return web.FileResponse(path, headers=headers)
