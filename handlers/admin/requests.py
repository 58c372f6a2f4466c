"""The request queue: by decision deadline, overdue ones marked, filtered by status, category and city."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.appkeys import ENGINE
from handlers.admin.actions import OPEN
from handlers.admin.guard import ANYONE, requires
from handlers.admin.pages import Html, cat, el, field, label, lang_of, layout, short_day, t, table
from store.models import HelpRequest, Staff

QUEUE_LIMIT = 500
STATUSES = ("submitted", "needs_info", "accepted", "rejected", "delivered")
FILTERS = ("status", "category", "city")
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


async def staff_names(tx: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    """Staff display names (or usernames) by id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = (await tx.scalars(select(Staff).where(Staff.id.in_(wanted)))).all()
    return {s.id: s.display_name or s.username for s in rows}


def _filter_form(request: web.Request, chosen: dict[str, str]) -> Html:
    labels = names(request)
    selects = []
    for name in FILTERS:
        options = [el("option", t(request, "all"), value="")]
        options += [
            el("option", text, value=k, selected=k == chosen[name]) for k, text in labels[name].items()
        ]
        selects.append(field(t(request, f"col_{name}"), el("select", options, name=name)))
    button = el("button", t(request, "filter"), type="submit")
    return el("form", *selects, button, method="get", action="/admin/requests", class_="filters")


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
    """Requests by due date, soonest first (at most 500); filters by status, category and city."""
    engine = request.app[ENGINE]
    chosen = {name: request.query.get(name, "")[:40] for name in FILTERS}
    query = select(HelpRequest).order_by(HelpRequest.due_at, HelpRequest.id).limit(QUEUE_LIMIT)
    for name, value in chosen.items():
        if value:
            query = query.where(getattr(HelpRequest, name) == value)
    async with engine.sessions() as tx:
        rows = (await tx.scalars(query)).all()
    now, labels = engine.clock(), names(request)
    cells = [
        (_row(request, row, labels, overdue(row, now)), "late" if overdue(row, now) else None) for row in rows
    ]
    filters = _filter_form(request, chosen)
    return layout(request, t(request, "queue_title"), filters, table(request, COLUMNS, cells))
