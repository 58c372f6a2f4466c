"""A posted form, urlencoded or multipart, read within one byte budget per request (with or without a
Content-Length): the CSRF token is checked before anything large is read, and only a form that takes a file
accepts a file part, so nobody who is not signed in can make the server hold more than a few kilobytes."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from handlers.bounds import has_nul

MAX_FILE = 5 * 1024 * 1024  # one uploaded file
MAX_FIELD = 16 * 1024  # one text field
TEXT_BUDGET = 64 * 1024  # the whole body of a form without a file (the app's limit for urlencoded ones)
MAX_PARTS = 50
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
    """The body, a field or a file over its limit."""


class BadToken(Exception):
    """The CSRF token is missing, wrong, or not the multipart form's first part."""


class BadForm(Exception):
    """A body that is not a form this page sends (a file where none is taken, a malformed multipart)."""


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a submitted token with the expected one."""
    return bool(given) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def budget(upload: bool) -> int:
    """How many bytes a form's whole body may have: the text budget, and one file when the form takes one."""
    return TEXT_BUDGET + (MAX_FILE if upload else 0)


async def read_form(request: web.Request, csrf: str, *, upload: bool = False) -> Form:
    """The posted form once its `csrf` field matches; TooLarge, BadToken or BadForm otherwise."""
    if request.content_type == "multipart/form-data":
        try:
            return await _multipart(request, csrf, upload)
        except (ValueError, AssertionError):  # aiohttp's multipart reader on a malformed body
            raise BadForm from None
    if (request.content_length or 0) > TEXT_BUDGET:
        raise TooLarge
    try:
        posted = await request.post()  # reads at most the app's client_max_size (64 KiB), chunked or not
    except web.HTTPRequestEntityTooLarge:
        raise TooLarge from None
    except UnicodeDecodeError:  # bytes that are not UTF-8 (a browser percent-encodes them)
        raise BadForm from None
    form = Form({k: v for k, v in posted.items() if isinstance(v, str)})
    if not same_secret(form.fields.get("csrf", ""), csrf):
        raise BadToken
    if has_nul(*form.fields, *form.fields.values()):
        raise BadForm
    return form


async def _multipart(request: web.Request, csrf: str, upload: bool) -> Form:
    limit = budget(upload)
    if (request.content_length or 0) > limit:
        raise TooLarge
    reader = await request.multipart()
    fields: dict[str, str] = {}
    files: dict[str, Upload] = {}
    text = 0  # bytes of all text fields
    for _ in range(MAX_PARTS):
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader) or not part.name:
            raise BadForm
        if not fields:  # the token comes first: nothing more is read without it
            fields["csrf"] = await _token(request, part, csrf)
        elif part.filename is None:
            value = await _read(request, part, MAX_FIELD, limit)
            text += len(value)
            if text > TEXT_BUDGET:
                raise TooLarge
            fields[part.name] = value.decode("utf-8", errors="replace")
        elif not upload or files:  # a file on a form that takes none, or a second file
            raise BadForm
        elif data := await _read(request, part, MAX_FILE, limit):  # an empty file input sends an empty part
            files[part.name] = Upload(unquote(part.filename), data)  # browsers send " as %22, aiohttp %XX
    else:
        raise TooLarge
    if fields.get("csrf") != csrf:  # an empty body
        raise BadToken
    if request.content.total_bytes > limit:  # boundaries and part headers count too
        raise TooLarge
    if has_nul(*fields, *fields.values(), *(f.filename for f in files.values())):
        raise BadForm
    return Form(fields, files)


async def _token(request: web.Request, part: BodyPartReader, csrf: str) -> str:
    """The first part's value when it is the right CSRF token; BadToken for anything else."""
    if part.name != "csrf" or part.filename is not None:
        raise BadToken
    if not same_secret((await _read(request, part, MAX_FIELD)).decode("utf-8", "replace"), csrf):
        raise BadToken
    return csrf


async def _read(request: web.Request, part: BodyPartReader, limit: int, body: int | None = None) -> bytes:
    """A part's bytes; TooLarge as soon as the part, or the whole body received so far, is over its limit."""
    chunks, size = [], 0
    while chunk := await part.read_chunk(CHUNK):
        size += len(chunk)
        if size > limit or (body is not None and request.content.total_bytes > body):
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)
