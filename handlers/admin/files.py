"""Proof-of-delivery files from staff: PDF, JPEG or PNG by their first bytes, kept in ./data/uploads/, served
and shown under their own name with the extension of the type their bytes were found to be."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from bot.appkeys import ENGINE
from bot.settings import DATA_DIR
from handlers.admin.audit import audit
from handlers.admin.guard import ANYONE, requires
from handlers.admin.pages import SIGNED, problem
from store import request_decisions
from store.models import Attachment
from store.private_files import private_dir

UPLOADS = DATA_DIR / "uploads"  # relative to the working directory, like the rest of ./data/
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|jpg|png)$")
MAGIC = (  # (first bytes, content type, extension)
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
TYPE_OF = {extension: content_type for _, content_type, extension in MAGIC}
EXTENSION_OF = {content_type: extension for _, content_type, extension in MAGIC}


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


def named_as(file_name: str, extension: str) -> str:
    """A name to show or save a file under: its own (no folders, no control or direction marks, no leading
    dots) with `extension` in place of the one it came with, so that a PDF named `x.html` is `x.pdf`."""
    base = "".join(c for c in file_name.replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable())
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem.strip().lstrip(".").strip()[:200]
    return f"{stem or 'evidence'}.{extension}"


def shown_name(item: Attachment) -> str:
    """An attachment's name as staff see it: a checked upload's with the extension of its detected type, a
    channel's file with the extension of its stated type when it is one of ours; '' when it has none."""
    if not item.file_name:
        return ""
    if item.kind == "upload" and STORED_NAME.match(item.reference):
        return named_as(item.file_name, item.reference.rsplit(".", 1)[1])
    extension = EXTENSION_OF.get(item.content_type or "")
    return named_as(item.file_name, extension) if extension else "".join(c for c in item.file_name if c.isprintable())


def disposition(name: str) -> str:
    """Content-Disposition for a download: always a file to save, the name percent-encoded (RFC 6266), with a
    plain ASCII fallback; nothing in it can end the header or add a parameter."""
    stem, _, extension = name.rpartition(".")
    plain = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")
    return f"attachment; filename=\"{plain or 'evidence'}.{extension}\"; filename*=UTF-8''{quote(name, safe='')}"


@requires(*ANYONE)
async def download(request: web.Request) -> web.StreamResponse:
    """A file staff attached to a request; the download is audited."""
    engine, signed = request.app[ENGINE], request[SIGNED]
    reference, attachment_id = request.match_info["reference"], int(request.match_info["attachment_id"])
    async with engine.sessions() as tx, tx.begin():
        item = await request_decisions.upload(tx, reference, attachment_id)
        if item is None or not STORED_NAME.match(item.reference):
            return problem(request, 404, "error_not_found")
        audit(tx, signed.staff.id, "download", f"request:{reference}", engine.clock(), attachment=item.id)
    path = UPLOADS / item.reference
    if not path.is_file():
        return problem(request, 404, "error_file_missing")
    extension = path.suffix[1:]  # the type found in the file's bytes when it was uploaded
    headers = {
        "Content-Type": TYPE_OF[extension],
        "Content-Disposition": disposition(named_as(item.file_name, extension)),
        "Cache-Control": "no-store",
    }
    return web.FileResponse(path, headers=headers)
