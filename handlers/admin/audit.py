"""The audit trail: the writer the console calls inside its transactions, and the admin's page."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.appkeys import ENGINE
from handlers.admin.audit_words import details, sentence
from handlers.admin.guard import requires
from handlers.admin.pages import el, layout, short_day, t, table
from store import audit_log, staff_accounts
from store.models import AuditLog

PAGE_SIZE = 200


def audit(
    tx: AsyncSession, staff_id: int | None, action: str, subject: str, now: datetime, **detail: object
) -> None:
    """An append-only row: who did what to which record, and when (never names or ID numbers in `detail`)."""
    tx.add(AuditLog(at=now, staff_id=staff_id, action=action, subject=subject[:80], detail=detail))


@requires("admin")
async def audit_page(request: web.Request) -> web.Response:
    """The latest 200 audit rows, newest first: when, who, what in a sentence, and the details in words."""
    async with request.app[ENGINE].sessions() as tx:
        rows = await audit_log.latest(tx, PAGE_SIZE)
        staff = {s.id: s.display_name or s.username for s in await staff_accounts.everyone(tx)}
    columns = ("col_at", "col_staff", "col_action", "col_detail")
    cells = [
        (
            [
                short_day(request, row.at, with_time=True),
                el("bdi", staff[row.staff_id]) if row.staff_id in staff else t(request, _nobody(row)),
                sentence(request, row, staff),
                details(request, row, staff),
            ],
            None,
        )
        for row in rows
    ]
    intro = el("p", t(request, "audit_intro", limit=PAGE_SIZE))
    return layout(request, t(request, "audit_title"), intro, table(request, columns, cells))


def _nobody(row: AuditLog) -> str:
    """Who acted when no staff member did: the beneficiary in their chat, someone not signed in, or the server
    itself (a command such as create-staff, a scheduled task)."""
    if row.subject.startswith("beneficiary:"):
        return "audit_by_beneficiary"
    return "audit_by_unknown" if row.action == "login_failed" else "audit_by_system"
