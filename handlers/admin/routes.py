"""The console's URL map on one screen; `setup_admin_routes(app)` is called from bot/routes.py."""

from __future__ import annotations

from aiohttp import web

from handlers.admin import actions, audit, auth, files, inbox, request_page, requests
from handlers.admin.pages import STATIC


async def home(_request: web.Request) -> web.Response:
    """/admin: the queue (which asks for a sign-in first when needed)."""
    return web.Response(status=303, headers={"Location": "/admin/requests"})


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
    router.add_get("/admin/inbox", inbox.inbox)
    router.add_get("/admin/inbox/{reference}", inbox.conversation)
    router.add_post("/admin/inbox/{reference}/reply", inbox.reply)
    router.add_post("/admin/inbox/{reference}/close", inbox.close)
    router.add_get("/admin/audit", audit.audit_page)
    router.add_static("/admin/static/", STATIC, name="admin-static")
