"""Announcements already composed: the list, a broadcast's progress (its outbox rows counted by status, the
page reloading itself while it is sent) and cancelling one (its unsent messages are cancelled; audited)."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import ENGINE
from handlers.admin.audit import audit
from handlers.admin.broadcast_confirm import confirm_cancel
from handlers.admin.confirm import confirmed
from handlers.admin.delivery import reasons_list
from handlers.admin.guard import ANYONE, requires
from handlers.admin.listing import pager
from handlers.admin.pages import (
    SIGNED,
    Html,
    cat,
    done_notice,
    el,
    label,
    lang_of,
    language_name,
    layout,
    post_form,
    problem,
    see_other,
    short_day,
    t,
    table,
    time_text,
    typed,
)
from handlers.admin.programs import EDITORS, title_of
from store import broadcast_progress, console_lists, undelivered
from store.paging import page_number
from store.models import Broadcast, Program

REFRESH_SECONDS = 5


def broadcast_id(request: web.Request) -> int:
    return int(request.match_info["broadcast_id"])


def audience_text(request: web.Request, audience: dict) -> str:
    """Who a broadcast is for, in words; everyone opted in when nothing narrows it."""
    engine, lang = request.app[ENGINE], lang_of(request)
    cities = {c.key: c.name.get(lang) for c in engine.profile.service_area}
    join, parts = engine.texts(lang, "list_separator").join, []
    if audience.get("cities"):
        parts.append(t(request, "aud_in_cities", names=join(cities.get(c, c) for c in audience["cities"])))
    if audience.get("languages"):
        names = join(language_name(request, g) for g in audience["languages"])
        parts.append(t(request, "aud_in_languages", names=names))
    if audience.get("channels"):
        names = join(label(request, "channel", c) for c in audience["channels"])
        parts.append(t(request, "aud_on_channels", names=names))
    if audience.get("past_participants_of"):
        parts.append(t(request, "aud_past_of", program=audience["past_participants_of"]))
    if audience.get("volunteers"):
        parts.append(t(request, "aud_volunteers_label"))
    return " · ".join(parts) or t(request, "aud_all")


@requires(*ANYONE)
async def broadcast_list(request: web.Request) -> web.Response:
    """The latest announcements, newest first, a page at a time."""
    async with request.app[ENGINE].sessions() as tx:
        found = await console_lists.broadcasts(tx, page_number(request.query.get("page", "")))
    rows = found.rows
    cells = [
        (
            [
                el("a", f"#{b.id}", href=f"/admin/broadcasts/{b.id}", dir="ltr"),
                short_day(request, b.send_at, with_time=True),
                label(request, "bstatus", b.status),
                el("bdi", title_of(request, program)) if program else t(request, "free_text"),
                audience_text(request, b.audience),
            ],
            None,
        )
        for b, program in rows
    ]
    new = None
    if request[SIGNED].staff.role in EDITORS:
        new = el("p", el("a", t(request, "broadcast_new"), href="/admin/broadcasts/new", class_="button"))
    columns = ("col_number", "col_send_at", "col_status", "col_program", "col_audience")
    return layout(request, t(request, "broadcasts_title"), new, table(request, columns, cells, empty="empty_broadcasts"), pager(request, found))


async def _counts(request: web.Request, bid: int) -> tuple[Broadcast | None, Program | None, dict[str, int]]:
    async with request.app[ENGINE].sessions() as tx:
        broadcast = await tx.get(Broadcast, bid)
        program = await tx.get(Program, broadcast.program_id) if broadcast and broadcast.program_id else None
        counts = await broadcast_progress.grouped(tx, bid)
    return broadcast, program, counts


def _facts(request: web.Request, b: Broadcast, program: Program | None) -> Html:
    link = (
        el("a", el("bdi", title_of(request, program)), href=f"/admin/programs/{program.id}")
        if program
        else None
    )
    items: list[tuple[str, object]] = [
        ("col_status", label(request, "bstatus", b.status)),
        ("col_send_at", time_text(request, b.send_at)),
        ("col_program", link or t(request, "free_text")),
        ("col_audience", audience_text(request, b.audience)),
    ]
    if b.override_reason:
        items.append(("override_reason", typed(b.override_reason)))
    items += [(f"text_{g}", typed(getattr(b, f"text_{g}"))) for g in ("ar", "en")]
    return el("dl", *(cat(el("dt", t(request, k)), el("dd", v)) for k, v in items), class_="facts")


@requires(*ANYONE)
async def progress(request: web.Request) -> web.Response:
    """How far a broadcast has gone: its messages counted by status; reloads every 5 s while it goes out."""
    engine, bid = request.app[ENGINE], broadcast_id(request)
    broadcast, program, counts = await _counts(request, bid)
    if broadcast is None:
        return problem(request, 404, "error_not_found", back="/admin/broadcasts")
    async with engine.sessions() as tx:
        reasons = await undelivered.broadcast_reasons(tx, bid)
    status, due = broadcast.status, broadcast.send_at <= engine.clock()
    live = status != "cancelled" and (
        status == "sending" or counts["queued"] > 0 or (status == "scheduled" and due)
    )
    grid = el(
        "dl",
        *(
            cat(el("dt", t(request, f"outbox_{g}")), el("dd", str(n), class_=f"count {g}"))
            for g, n in counts.items()
        ),
        class_="facts counts",
    )
    cancel = None
    if request[SIGNED].staff.role in EDITORS and broadcast.status != "cancelled":
        cancel = post_form(request, f"/admin/broadcasts/{bid}/cancel", button=t(request, "broadcast_cancel"))
    response = layout(
        request,
        t(request, "broadcast_title", number=bid),
        done_notice(request, ("created", "cancelled"), "broadcast_done"),
        el(
            "section",
            el("h2", t(request, "progress")),
            grid,
            el("p", t(request, "progress_hint"), class_="hint"),
        ),
        reasons_list(request, reasons),
        el("section", el("h2", t(request, "broadcast_data")), _facts(request, broadcast, program)),
        cancel,
    )
    if live:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@requires(*EDITORS)
async def cancel(request: web.Request) -> web.Response:
    """Stop a broadcast: no more fan-out, and its messages still pending are cancelled (sent ones stay)."""
    engine, staff, bid = request.app[ENGINE], request[SIGNED].staff, broadcast_id(request)
    if not confirmed(request):
        return await confirm_cancel(request, bid)
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        broadcast = await tx.get(Broadcast, bid, with_for_update=True)
        if broadcast is None:
            return problem(request, 404, "error_not_found", back="/admin/broadcasts")
        was = broadcast.status
        cancelled = await broadcast_progress.cancel(tx, broadcast)
        if cancelled is None:
            return problem(request, 409, "error_b_cancelled", back=f"/admin/broadcasts/{bid}")
        audit(tx, staff.id, "broadcast_cancelled", f"broadcast:{bid}", now, was=was, messages=cancelled)
    return see_other(f"/admin/broadcasts/{bid}?done=cancelled")
