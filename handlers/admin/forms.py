"""A posted form, urlencoded or multipart, within limits: small text fields, files of 5 MB at most."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

MAX_FILE = 5 * 1024 * 1024
MAX_FIELD = 16 * 1024
MAX_PARTS = 20
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Upload:
    """A file sent with a form, as the browser named it."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Form:
    """The fields (text) and the files of a posted form."""

    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)

    def get(self, name: str) -> str:
        """A field's value without surrounding spaces; empty when it was not sent."""
        return self.fields.get(name, "").strip()


FORM = web.RequestKey("form", Form)  # set by guard.requires for every POST


class TooLarge(Exception):
    """A field or a file over its limit."""


async def read_form(request: web.Request) -> Form:
    """The posted form; TooLarge when a part is over its limit (the app body limit bounds urlencoded ones)."""
    if request.content_type == "multipart/form-data":
        return await _multipart(request)
    try:
        posted = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise TooLarge from None
    return Form({k: v for k, v in posted.items() if isinstance(v, str)})


async def _multipart(request: web.Request) -> Form:
    if (request.content_length or 0) > MAX_FILE + MAX_PARTS * MAX_FIELD:
        raise TooLarge
    reader = await request.multipart()
    fields: dict[str, str] = {}
    files: dict[str, Upload] = {}
    for _ in range(MAX_PARTS):
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader) or not part.name:
            raise web.HTTPBadRequest(text="unexpected form part")
        if part.filename is None:
            fields[part.name] = (await _read(part, MAX_FIELD)).decode("utf-8", errors="replace")
        elif data := await _read(part, MAX_FILE):  # a file input left empty sends an empty part
            files[part.name] = Upload(
                unquote(part.filename), data
            )  # browsers send " as %22, aiohttp all as %XX
    return Form(fields, files)


async def _read(part: BodyPartReader, limit: int) -> bytes:
    chunks, size = [], 0
    while chunk := await part.read_chunk(CHUNK):
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)
