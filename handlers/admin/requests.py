"""The request queue: by decision deadline (or a column staff choose), overdue ones marked, filtered by status,
category and city, a page at a time, and exported with the same filters as Excel or CSV."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from bot.appkeys import ENGINE
from handlers.admin.audit import audit
from handlers.admin.guard import ANYONE, requires
from handlers.admin.listing import export_links, order_fields, order_of, pager
from handlers.admin.pages import (
    SIGNED, Html, cat, el, field, label, lang_of, layout, short_day, t, table, time_cell,
)  # fmt: skip
from handlers.admin.spreadsheet import csv_download, xlsx_download
from store import request_queue
from store.models import HelpRequest
from store.paging import page_number
from store.request_decisions import OPEN
from store.request_queue import FILTERS, SORTS, Chosen

STATUSES = ("submitted", "needs_info", "accepted", "rejected", "delivered")
SHEET = ("col_reference", "col_category", "col_city", "col_status", "col_channel", "col_submitted", "col_due",
         "col_decided", "col_delivered", "col_aid_kind", "col_aid_amount")  # fmt: skip
COLUMNS = ("col_reference", "col_category", "col_city", "col_status", "col_submitted", "col_due", "col_flags")


def overdue(row: HelpRequest, now: datetime) -> bool:
    """Past the committee's deadline and still waiting for a decision."""
    return row.status in OPEN and row.due_at < now


def late_badge(request: web.Request) -> Html:
    return el("strong", t(request, "overdue"), class_="badge late")


def names(request: web.Request) -> dict[str, dict[str, str]]:
    """Labels of statuses, and of the profile's categories and cities, in the staff's language."""
    lang, profile = lang_of(request), request.app[ENGINE].profile
    return {
        "status": {s: label(request, "status", s) for s in STATUSES},
        "category": {c.key: c.name.get(lang) for c in profile.categories},
        "city": {c.key: c.name.get(lang) for c in profile.service_area} | {"other": t(request, "city_other")},
    }


def _chosen(request: web.Request) -> Chosen:
    """The filters, and the order, the query string asks for."""
    values = {name: request.query.get(name, "")[:40] for name in FILTERS}
    sort, descending = order_of(request, tuple(SORTS), "due", False)
    return Chosen(**values, sort=sort, descending=descending)


def _filter_form(request: web.Request, chosen: Chosen) -> Html:
    labels = names(request)
    selects = []
    for name in FILTERS:
        options = [el("option", t(request, "all"), value="")]
        options += [
            el("option", text, value=k, selected=k == getattr(chosen, name)) for k, text in labels[name].items()
        ]
        selects.append(field(t(request, f"col_{name}"), el("select", options, name=name)))
    order = order_fields(request, tuple(SORTS), chosen.sort, chosen.descending)
    button = el("button", t(request, "filter"), type="submit")
    return el("form", *selects, *order, button, method="get", action="/admin/requests", class_="filters")


def _row(
    request: web.Request, row: HelpRequest, labels: dict[str, dict[str, str]], late: bool
) -> list[object]:
    return [
        el("a", row.reference, href=f"/admin/requests/{row.reference}", dir="ltr"),
        labels["category"].get(row.category, row.category),
        labels["city"].get(row.city, row.city),
        cat(labels["status"].get(row.status, row.status), " ", late_badge(request) if late else None),
        short_day(request, row.submitted_at),
        short_day(request, row.due_at),
        str(len(row.flags)),
    ]


@requires(*ANYONE)
async def queue(request: web.Request) -> web.Response:
    """Requests by due date, soonest first (or as chosen), a page at a time; filters by status, category and
    city; links to export them all."""
    engine, chosen = request.app[ENGINE], _chosen(request)
    async with engine.sessions() as tx:
        found = await request_queue.page_of(tx, chosen, page_number(request.query.get("page", "")))
    now, labels = engine.clock(), names(request)
    cells = [
        (_row(request, row, labels, overdue(row, now)), "late" if overdue(row, now) else None)
        for row in found.rows
    ]
    return layout(
        request,
        t(request, "queue_title"),
        _filter_form(request, chosen),
        export_links(request, "/admin/requests"),
        table(request, COLUMNS, cells, empty="empty_requests"),
        pager(request, found),
    )


async def _sheet(request: web.Request, kind: str) -> list[list[object]]:
    """Every request the queue's filters choose, in its order, in the staff's language; the export is audited.
    No names or ID numbers: those stay on each request's page, where their view is audited."""
    engine, chosen = request.app[ENGINE], _chosen(request)
    async with engine.sessions() as tx, tx.begin():
        rows = await request_queue.every(tx, chosen)
        audit(tx, request[SIGNED].staff.id, "requests_exported", "requests", engine.clock(), format=kind,
              rows=len(rows))  # fmt: skip
    labels = names(request)

    sheet: list[list[object]] = [[t(request, key) for key in SHEET]]
    for row in rows:
        sheet.append([
            row.reference, labels["category"].get(row.category, row.category), labels["city"].get(row.city, row.city),
            labels["status"].get(row.status, row.status), label(request, "channel", row.channel),
            *(time_cell(request, moment) for moment in (row.submitted_at, row.due_at, row.decided_at, row.delivered_at)),
            label(request, "aid", row.aid_kind) if row.aid_kind else "",
            row.aid_halalas / 100 if row.aid_halalas else None,
        ])  # fmt: skip
    return sheet


@requires(*ANYONE)
async def export_csv(request: web.Request) -> web.Response:
    return csv_download(await _sheet(request, "csv"), "requests.csv")


@requires(*ANYONE)
async def export_xlsx(request: web.Request) -> web.Response:
    return xlsx_download(await _sheet(request, "xlsx"), "requests.xlsx", t(request, "queue_title"))
