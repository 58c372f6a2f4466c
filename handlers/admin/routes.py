"""The console's URL map on one screen; `setup_admin_routes(app)` is called from bot/routes.py."""

from __future__ import annotations

from aiohttp import web

from handlers.admin import (
    actions,
    attachments,
    attendance,
    audit,
    auth,
    broadcast_compose,
    broadcasts,
    complaints,
    digest,
    files,
    inbox,
    merge,
    programs,
    registrations,
    reports,
    request_page,
    requests,
)
from handlers.admin.pages import STATIC


async def home(_request: web.Request) -> web.Response:
    """/admin: the queue (which asks for a sign-in first when needed)."""
    return web.Response(status=303, headers={"Location": "/admin/requests"})


PROGRAM = r"/admin/programs/{program_id:\d{1,18}}"
BROADCAST = r"/admin/broadcasts/{broadcast_id:\d{1,18}}"


def _program_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/admin/programs", programs.program_list)
    router.add_get("/admin/programs/new", programs.new_program)
    router.add_post("/admin/programs/new", programs.create_program)
    router.add_get(PROGRAM, registrations.program_page)
    router.add_get(f"{PROGRAM}/edit", programs.edit_program)
    router.add_post(f"{PROGRAM}/edit", programs.update_program)
    router.add_post(f"{PROGRAM}/publish", programs.publish_program)
    router.add_post(f"{PROGRAM}/cancel", programs.cancel_program)
    router.add_post(f"{PROGRAM}/registrations", registrations.decide)
    router.add_post(f"{PROGRAM}/attendance", attendance.mark)
    router.add_get(f"{PROGRAM}/attendance.csv", attendance.export_csv)
    router.add_get(f"{PROGRAM}/attendance.xlsx", attendance.export_xlsx)


def _broadcast_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/admin/broadcasts", broadcasts.broadcast_list)
    router.add_get("/admin/broadcasts/new", broadcast_compose.compose_page)
    router.add_post("/admin/broadcasts/new", broadcast_compose.compose_post)
    router.add_get(BROADCAST, broadcasts.progress)
    router.add_post(f"{BROADCAST}/cancel", broadcasts.cancel)


def _oversight_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/admin/complaints", complaints.complaint_list)
    router.add_get("/admin/complaints/{reference}", complaints.complaint_page)
    router.add_post("/admin/complaints/{reference}/reply", complaints.reply)
    router.add_post("/admin/complaints/{reference}/resolve", complaints.resolve)
    router.add_get("/admin/reports", reports.reports_page)
    router.add_get("/admin/reports/monthly", reports.monthly_page)
    router.add_get("/admin/reports.csv", reports.export_csv)
    router.add_get("/admin/reports.xlsx", reports.export_xlsx)
    router.add_get("/admin/digest", digest.digest_page)


def setup_admin_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/admin", home)
    router.add_get("/admin/", home)
    router.add_get("/admin/login", auth.login_page)
    router.add_post("/admin/login", auth.login)
    router.add_post("/admin/logout", auth.logout)
    router.add_get("/admin/requests", requests.queue)
    router.add_get("/admin/requests/{reference}", request_page.request_page)
    router.add_post("/admin/requests/{reference}/note", actions.add_note)
    router.add_post("/admin/requests/{reference}/info", actions.ask_info)
    router.add_post("/admin/requests/{reference}/accept", actions.accept)
    router.add_post("/admin/requests/{reference}/reject", actions.reject)
    router.add_post("/admin/requests/{reference}/deliver", actions.deliver)
    router.add_get(r"/admin/requests/{reference}/files/{attachment_id:\d{1,18}}", files.download)
    router.add_get(r"/admin/files/{attachment_id:\d{1,18}}/{name}", attachments.serve)
    router.add_get("/admin/inbox", inbox.inbox)
    router.add_get("/admin/inbox/{reference}", inbox.conversation)
    router.add_post("/admin/inbox/{reference}/reply", inbox.reply)
    router.add_post("/admin/inbox/{reference}/close", inbox.close)
    router.add_get("/admin/audit", audit.audit_page)
    router.add_get("/admin/beneficiaries/merge", merge.compare_page)
    router.add_post("/admin/beneficiaries/merge", merge.confirm)
    _program_routes(router)
    _broadcast_routes(router)
    _oversight_routes(router)
    router.add_static("/admin/static/", STATIC, name="admin-static")
