"""Complaints and suggestions (accountability, policy §2): the list, newest first, overdue ones marked; a
complaint's page; the reply, which reaches the beneficiary, and the resolution, which asks them to rate how it
was handled. Each action is audited and recorded as an event of their conversation in the same transaction."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from aiohttp import web

from bot.appkeys import ENGINE
from handlers.admin.attachments import attachment_list
from handlers.admin.audit import audit
from handlers.admin.delivery import delivery_section
from handlers.admin.forms import FORM
from handlers.admin.guard import ANYONE, requires
from handlers.admin.pages import (
    SIGNED,
    cat,
    day_text,
    done_notice,
    el,
    field,
    Html,
    label,
    language_name,
    layout,
    post_form,
    problem,
    see_other,
    short_day,
    t,
    table,
    time_cell,
    time_text,
    typed,
)
from handlers.admin.listing import export_links, order_fields, order_of, pager
from handlers.admin.requests import late_badge
from handlers.admin.spreadsheet import csv_download, xlsx_download
from store import complaint_actions as handling, complaint_list as listed, complaint_thread as thread_of
from store import staff_accounts, undelivered
from store.paging import page_number
from store.models import AuditLog, Complaint, ComplaintReply

log = logging.getLogger(__name__)
HANDLERS = ("admin", "researcher", "coordinator")
KINDS = ("complaint", "suggestion")
STATUSES = ("open", "answered", "resolved")
MAX_REPLY = 4000
COLUMNS = ("col_complaint_reference", "col_kind", "col_channel", "col_status", "col_received", "col_due")


def overdue(row: Complaint, now: datetime) -> bool:
    """Still waiting for an answer after its deadline."""
    return row.status == "open" and row.due_at < now


def page_of(reference: str) -> str:
    return f"/admin/complaints/{reference}"


def _chosen(request: web.Request) -> listed.Chosen:
    values = {name: request.query.get(name, "")[:20] for name in listed.FILTERS}
    sort, descending = order_of(request, tuple(listed.SORTS), "created", True)
    return listed.Chosen(**values, sort=sort, descending=descending)


def _filter_form(request: web.Request, chosen: listed.Chosen) -> Html:
    selects = []
    for name, values, prefix in (("kind", KINDS, "ckind"), ("status", STATUSES, "cstatus")):
        options = [el("option", t(request, "all"), value="")]
        options += [
            el("option", label(request, prefix, v), value=v, selected=v == getattr(chosen, name)) for v in values
        ]
        selects.append(field(t(request, f"col_{name}"), el("select", options, name=name)))
    order = order_fields(request, tuple(listed.SORTS), chosen.sort, chosen.descending)
    button = el("button", t(request, "filter"), type="submit")
    return el("form", *selects, *order, button, method="get", action="/admin/complaints", class_="filters")


def _status(request: web.Request, row: Complaint, now: datetime) -> Html:
    return cat(label(request, "cstatus", row.status), " ", late_badge(request) if overdue(row, now) else None)


@requires(*ANYONE)
async def complaint_list(request: web.Request) -> web.Response:
    """Complaints and suggestions, newest first (or as chosen), a page at a time, by kind and status; links to
    export them all."""
    engine, chosen = request.app[ENGINE], _chosen(request)
    async with engine.sessions() as tx:
        found = await listed.page_of(tx, chosen, page_number(request.query.get("page", "")))
    rows, now = found.rows, engine.clock()
    cells = [
        (
            [
                el("a", row.reference, href=page_of(row.reference), dir="ltr"),
                label(request, "ckind", row.kind),
                label(request, "channel", row.channel),
                _status(request, row, now),
                short_day(request, row.created_at),
                short_day(request, row.due_at),
            ],
            "late" if overdue(row, now) else None,
        )
        for row in rows
    ]
    body = table(request, COLUMNS, cells, empty="empty_complaints")
    return layout(request, t(request, "complaints_title"), _filter_form(request, chosen),
                  export_links(request, "/admin/complaints"), body, pager(request, found))  # fmt: skip


async def _sheet(request: web.Request, kind: str) -> list[list[object]]:
    """Every complaint the list's filters choose, in its order, in the staff's language; the export is audited.
    The text stays on each complaint's page (it may name people)."""
    engine, chosen = request.app[ENGINE], _chosen(request)
    async with engine.sessions() as tx, tx.begin():
        rows = await listed.every(tx, chosen)
        audit(tx, request[SIGNED].staff.id, "complaints_exported", "complaints", engine.clock(), format=kind,
              rows=len(rows))  # fmt: skip

    sheet: list[list[object]] = [[t(request, key) for key in COLUMNS]]
    for row in rows:
        sheet.append([row.reference, label(request, "ckind", row.kind), label(request, "channel", row.channel),
                      label(request, "cstatus", row.status), time_cell(request, row.created_at),
                      time_cell(request, row.due_at)])  # fmt: skip
    return sheet


@requires(*ANYONE)
async def export_csv(request: web.Request) -> web.Response:
    return csv_download(await _sheet(request, "csv"), "complaints.csv")


@requires(*ANYONE)
async def export_xlsx(request: web.Request) -> web.Response:
    return xlsx_download(await _sheet(request, "xlsx"), "complaints.xlsx", t(request, "complaints_title"))


def _when_who(request: web.Request, moment: datetime, staff_id: int | None, who: dict[int, str]) -> str:
    return f"{time_text(request, moment)} · {who.get(staff_id, '—')}"


def _facts(
    request: web.Request, row: Complaint, replies: list[ComplaintReply], who: dict[int, str], now: datetime,
    speaks: str,
) -> Html:
    items: list[tuple[str, object]] = [
        ("col_kind", label(request, "ckind", row.kind)),
        ("b_language", language_name(request, speaks)),
        ("col_status", _status(request, row, now)),
        ("f_channel", label(request, "channel", row.channel)),
        ("col_received", time_text(request, row.created_at)),
        ("col_due", day_text(request, row.due_at)),
        ("f_complaint_text", typed(row.text)),
    ]
    for message in replies:  # the thread, oldest first
        items.append(("f_replied", _when_who(request, message.at, message.staff_id, who)))
        items.append(("f_reply", typed(message.text)))
    if row.resolved_at:
        items.append(("f_resolved", _when_who(request, row.resolved_at, row.resolved_by, who)))
    return el("dl", *(cat(el("dt", t(request, k)), el("dd", v)) for k, v in items), class_="facts")


def _history(request: web.Request, row: Complaint, trail: list[AuditLog], who: dict[int, str]) -> Html:
    """Received, then every staff action on it (from the audit trail), oldest first."""
    cells = [([short_day(request, row.created_at, with_time=True), label(request, "actor", "beneficiary"),
               label(request, "ckind", row.kind)], None)]  # fmt: skip
    cells += [
        ([short_day(request, a.at, with_time=True), who.get(a.staff_id, "—"), label(request, "action", a.action)], None)
        for a in trail
    ]
    return table(request, ("col_at", "col_actor", "col_event"), cells)


def _forms(request: web.Request, row: Complaint) -> Html:
    """Reply (once or more: a thread) and resolve until it is resolved; only for the roles that handle
    complaints."""
    if request[SIGNED].staff.role not in HANDLERS or row.status == "resolved":
        return el("p", t(request, "no_actions"))
    page, forms = page_of(row.reference), []
    if row.status in thread_of.REPLYABLE:
        area = el("textarea", name="reply", rows="4", maxlength=str(MAX_REPLY), required=True)
        caption = field(t(request, "complaint_reply"), area)
        forms.append(post_form(request, f"{page}/reply", caption, button=t(request, "send_reply")))
    forms.append(post_form(request, f"{page}/resolve", button=t(request, "complaint_resolve")))
    return el("div", *(el("div", form, class_="action") for form in forms), class_="actions")


@requires(*ANYONE)
async def complaint_page(request: web.Request) -> web.Response:
    """A complaint's text, attachments, the beneficiary's channel, its history and the actions open now."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    reference = request.match_info["reference"]
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        row = await handling.find(tx, reference)
        if row is None:
            return problem(request, 404, "error_not_found", back="/admin/complaints")
        docs = await handling.documents(tx, row)
        trail = await handling.history(tx, reference)
        replies = await thread_of.thread(tx, row)
        speaks = await handling.language(tx, row)
        ids = {row.resolved_by, *(a.staff_id for a in trail), *(m.staff_id for m in replies)}
        who = await staff_accounts.names(tx, ids)
        audit(tx, staff.id, "view", f"complaint:{reference}", now)
        messages = await undelivered.for_subject(tx, f"complaint:{reference}")
    sections = [
        ("data", _facts(request, row, replies, who, now, speaks)),
        ("documents", attachment_list(request, docs)),
        ("actions", _forms(request, row)),
        ("history", _history(request, row, trail, who)),
    ]
    body = [el("section", el("h2", t(request, key)), content) for key, content in sections]
    body.insert(0, done_notice(request, ("walk_in",), "complaint_done"))
    body.insert(1, delivery_section(request, messages))
    return layout(request, t(request, f"complaint_title_{row.kind}", reference=reference), *body)


async def _act(request: web.Request, action: str, text: str = "") -> web.Response:
    """Lock the complaint, reply or resolve (refused from a status that does not allow it), audit it; then
    wake the conversation that was told."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    reference = request.match_info["reference"]
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        row = await handling.find(tx, reference, lock=True)
        if row is None:
            return problem(request, 404, "error_not_found", back="/admin/complaints")
        if action == "reply":
            done = await handling.reply(tx, row, staff.id, text, now)
        else:
            delay = timedelta(minutes=engine.profile.deadlines.rating_delay_minutes)
            done = await handling.resolve(tx, row, staff.id, now, delay)
        if done is None:
            return problem(request, 409, "error_status", back=page_of(reference))
        event = f"complaint_{'replied' if action == 'reply' else 'resolved'}"
        audit(tx, staff.id, event, f"complaint:{reference}", now, status=done.status)
    log.info("staff %s: %s on %s", staff.id, event, reference)
    if done.told is not None:
        engine.process_later(done.told)
    return see_other(page_of(reference))


@requires(*HANDLERS)
async def reply(request: web.Request) -> web.Response:
    """Answer the beneficiary (again, while it is not resolved): the text is what they receive."""
    text = request[FORM].get("reply")
    if not text or len(text) > MAX_REPLY:
        return problem(request, 400, "error_complaint_reply", back=page_of(request.match_info["reference"]))
    return await _act(request, "reply", text)


@requires(*HANDLERS)
async def resolve(request: web.Request) -> web.Response:
    """Close the matter; the beneficiary is told and, later, asked to rate how it was handled."""
    return await _act(request, "resolve")
