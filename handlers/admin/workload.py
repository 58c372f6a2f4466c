"""What is waiting: the nav's live counts as a small JSON document for static/live.js, and "my work"."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import ENGINE
from handlers.admin.guard import ANYONE, requires
from handlers.admin.inbox import inbox_rows
from handlers.admin.pages import COUNTS, SIGNED, el, layout, t
from store import workload


@requires(*ANYONE)
async def counts(request: web.Request) -> web.Response:
    """The counts by name (read by static/live.js, never shown as they are); never cached."""
    response = web.json_response(request[COUNTS])
    response.headers["Cache-Control"] = "no-store"
    return response


@requires(*ANYONE)
async def my_work(request: web.Request) -> web.Response:
    """The live chats assigned to the signed-in staff member, and the chats past their answer time."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    async with engine.sessions() as tx:
        work = await workload.my_work(tx, staff.id, engine.clock())
        mine = await inbox_rows(request, tx, work.chats)
        late = await inbox_rows(request, tx, work.overdue)
    return layout(
        request,
        t(request, "mine_title"),
        el("section", el("h2", t(request, "mine_chats")), mine),
        el("section", el("h2", t(request, "mine_overdue")), late),
    )
