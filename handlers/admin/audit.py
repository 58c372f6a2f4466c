"""The audit trail: the writer the console calls inside its transactions, and the admin's page."""

from __future__ import annotations

import json
from datetime import datetime

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.appkeys import ENGINE
from handlers.admin.guard import requires
from handlers.admin.pages import el, label, layout, short_day, t, table
from store.models import AuditLog, Staff

PAGE_SIZE = 200


def audit(
    tx: AsyncSession, staff_id: int | None, action: str, subject: str, now: datetime, **detail: object
) -> None:
    """An append-only row: who did what to which record, and when (never names or ID numbers in `detail`)."""
    tx.add(AuditLog(at=now, staff_id=staff_id, action=action, subject=subject[:80], detail=detail))


def _detail(request: web.Request, row: AuditLog) -> object:
    """A merge in words (the rows it moved per table stay in the row for whoever investigates); others as stored."""
    if row.action == "beneficiary_merge":
        detail = row.detail
        moved, stayed = sum(detail.get("moved", {}).values()), sum(detail.get("stayed", {}).values())
        return t(request, "audit_merge_detail", drop=detail.get("merged"), moved=moved, stayed=stayed)
    worded = _staff_detail(request, row)
    if worded is not None:
        return worded
    return el("code", json.dumps(row.detail, ensure_ascii=False, sort_keys=True))


def _staff_detail(request: web.Request, row: AuditLog) -> str | None:
    """The details of staff-account and desk actions in words: a role change, sessions ended, a channel."""
    detail = row.detail or {}
    if row.action == "staff_role_changed":
        before, after = (label(request, "role", detail.get(k, "")) for k in ("before", "after"))
        return t(request, "audit_role_detail", before=before, after=after)
    if row.action in ("staff_disabled", "staff_password_reset", "password_changed"):
        return t(request, "audit_sessions_detail", count=detail.get("sessions_ended", 0))
    if row.action == "staff_created":
        return label(request, "role", detail.get("role", ""))
    if row.action in ("walk_in_recorded", "walk_in_complaint"):
        return label(request, "channel", detail.get("channel", ""))
    return None


@requires("admin")
async def audit_page(request: web.Request) -> web.Response:
    """The latest 200 audit rows, newest first."""
    query = (
        select(AuditLog, Staff.username)
        .outerjoin(Staff, Staff.id == AuditLog.staff_id)
        .order_by(AuditLog.id.desc())
        .limit(PAGE_SIZE)
    )
    async with request.app[ENGINE].sessions() as tx:
        rows = (await tx.execute(query)).all()
    columns = ("col_at", "col_staff", "col_action", "col_subject", "col_detail")
    cells = [
        (
            [
                short_day(request, row.at, with_time=True),
                username or "—",
                label(request, "action", row.action),
                el("span", row.subject, dir="ltr"),
                _detail(request, row),
            ],
            None,
        )
        for row, username in rows
    ]
    intro = el("p", t(request, "audit_intro", limit=PAGE_SIZE))
    return layout(request, t(request, "audit_title"), intro, table(request, columns, cells))
