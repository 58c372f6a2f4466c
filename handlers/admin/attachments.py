"""What beneficiaries sent, for staff: images and PDFs previewed, voice notes in a player, each downloadable,
served from the file store only to signed-in staff, under the row's random name, and every opening audited."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from bot.appkeys import ENGINE, KEYRING, SETTINGS
from handlers.admin.audit import audit
from handlers.admin.files import named_as, shown_name
from handlers.admin.guard import requires
from handlers.admin.pages import SIGNED, Html, cat, el, label, problem, t, typed
from store import file_store, media_fetch
from store.models import Attachment

FILE_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"
OPENERS = ("admin", "researcher", "coordinator")  # viewers see that a file exists, not its content


def file_url(doc: Attachment, download: bool = False) -> str:
    """The file's address: its id and its random stored name, so it cannot be guessed from the id alone."""
    return f"/admin/files/{doc.id}/{doc.stored_name}" + ("?download=1" if download else "")


def _preview(request: web.Request, doc: Attachment) -> Html:
    name = shown_name(doc) or label(request, "doc", doc.kind)
    if doc.content_type.startswith("image/"):
        return el("img", src=file_url(doc), alt=name, class_="preview", loading="lazy")
    if doc.content_type == "application/pdf":
        return el("iframe", src=file_url(doc), title=name, class_="preview pdf")
    if doc.content_type.startswith("audio/"):
        return el("audio", controls=True, preload="metadata", src=file_url(doc), class_="voice")
    return Html("")


def _item(request: web.Request, doc: Attachment, can_open: bool) -> Html:
    head = el("strong", label(request, "doc", doc.kind))
    name = el("span", shown_name(doc), dir="auto") if doc.file_name else None
    if doc.kind == "location":
        return el("li", head, " ", el("span", doc.reference, dir="ltr"))
    if doc.fetch_status == "pending":
        body = el("p", t(request, "file_pending"), class_="hint")
    elif doc.fetch_status == "failed":
        body = el(
            "p",
            t(request, "file_failed", reason=label(request, "fetch_error", doc.fetch_error)),
            class_="error",
        )
    elif doc.fetch_status != "stored":
        body = el("p", t(request, "file_not_kept"), class_="hint")
    elif not can_open:
        body = el("p", t(request, "file_role"), class_="hint")
    else:
        link = el("a", t(request, "download"), href=file_url(doc, download=True))
        heard = request.app[KEYRING].decrypt(doc.transcript) if doc.transcript else ""
        said = cat(el("small", t(request, "transcript")), typed(heard)) if heard else None
        words = el("blockquote", said, class_="transcript") if said else None
        body = el("div", _preview(request, doc), words, el("p", link), class_="file-body")
    return el("li", head, " ", name, body, class_="file")


def attachment_list(request: web.Request, docs: list[Attachment]) -> Html:
    """The files as a list staff can open (for the request, complaint, live chat and beneficiary pages)."""
    if not docs:
        return el("p", t(request, "empty_files"), class_="empty")
    can_open = request[SIGNED].staff.role in OPENERS
    return el("ul", *(_item(request, doc, can_open) for doc in docs), class_="files")


def _disposition(doc: Attachment, extension: str, download: bool) -> str:
    fallback = f"file-{doc.id}.{extension}"
    name = named_as(doc.file_name, extension) if doc.file_name else fallback  # never a sent .html name
    kind = "attachment" if download else "inline"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@requires(*OPENERS)
async def serve(request: web.Request) -> web.StreamResponse:
    """A file a beneficiary sent, inline or (`?download=1`) as a download; each opening is audited."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    attachment_id, name = int(request.match_info["attachment_id"]), request.match_info["name"]
    download = request.query.get("download") == "1"
    async with engine.sessions() as tx, tx.begin():
        doc = await media_fetch.stored_file(tx, attachment_id, name)
        path = file_store.path_of(request.app[SETTINGS].files_dir, name) if doc else None
        if doc is None or path is None:
            return problem(request, 404, "error_file_missing")
        action = "download" if download else "file_view"
        audit(
            tx,
            staff.id,
            action,
            f"file:{doc.id}",
            engine.clock(),
            request=doc.request_id,
            complaint=doc.complaint_id,
        )
    headers = {
        "Content-Type": doc.content_type,
        "Content-Disposition": _disposition(doc, path.suffix[1:], download),
        "Cache-Control": "no-store",
        "Content-Security-Policy": FILE_POLICY,
    }
    return web.FileResponse(path, headers=headers)
