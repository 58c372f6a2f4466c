"""The admins' page of WhatsApp templates: each kind and language, WhatsApp's verdict and its reason if refused,
as `python -m bot whatsapp-templates status` last brought them back."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import ENGINE
from handlers.admin.audit import audit
from handlers.admin.guard import requires
from handlers.admin.pages import SIGNED, el, layout, short_day, t, table
from store import wa_templates


@requires("admin")
async def templates_page(request: web.Request) -> web.Response:
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    async with engine.sessions() as tx, tx.begin():
        rows = await wa_templates.all_templates(tx)
        audit(tx, staff.id, "view", "whatsapp_templates", engine.clock())
    cells = [
        (
            [
                t(request, f"wa_kind_{row.kind}"),
                t(request, f"wa_language_{row.language}"),
                t(request, f"wa_status_{row.status}"),
                row.rejection_reason or "—",
                short_day(request, row.updated_at, with_time=True),
            ],
            "late" if row.status in ("rejected", "paused", "disabled") else None,
        )
        for row in rows
    ]
    columns = ("col_kind", "col_language", "col_template_status", "col_rejection", "col_at")
    intro = el("p", t(request, "wa_templates_intro"), class_="hint")
    return layout(request, t(request, "wa_templates_title"), intro, table(request, columns, cells))
