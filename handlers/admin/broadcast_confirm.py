"""The confirm steps of an announcement: before it goes out (how many people, on which channels, when) and before
it is cancelled (what stops and what cannot be recalled)."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import ENGINE
from handlers.admin.broadcast_draft import Draft
from handlers.admin.confirm import CONFIRMED, confirm_page
from handlers.admin.forms import FORM
from handlers.admin.pages import label, lang_of, problem, t, time_text
from store import broadcast_progress
from store.audience import reach_by_channel
from store.models import Broadcast

NOT_CARRIED = ("csrf", "step", CONFIRMED)


async def confirm_send(request: web.Request, tx, draft: Draft) -> web.Response:
    """Who the announcement will reach, per channel, and when; its button sends the same form confirmed."""
    engine = request.app[ENGINE]
    reach = await reach_by_channel(tx, draft.audience)
    join = engine.texts(lang_of(request), "list_separator").join
    total = sum(reach.values())
    effects: list[object] = [t(request, "confirm_b_reach", count=total)]
    if reach:
        effects.append(t(request, "confirm_b_channels", names=join(
            t(request, "confirm_b_on_channel", count=n, channel=label(request, "channel", c)) for c, n in reach.items()
        )))  # fmt: skip
    due = draft.send_at <= engine.clock()
    when = (
        t(request, "confirm_b_now")
        if due
        else t(request, "confirm_b_at", at=time_text(request, draft.send_at))
    )
    effects.append(when)
    keep = {k: v for k, v in request[FORM].fields.items() if k not in NOT_CARRIED} | {"step": "send"}
    return confirm_page(request, t(request, "confirm_b_title"), effects, "/admin/broadcasts/new", keep,
                        t(request, "confirm_b_button", count=total), "/admin/broadcasts")  # fmt: skip


async def confirm_cancel(request: web.Request, bid: int) -> web.Response:
    """What cancelling stops (the messages still waiting, or the whole sending) and what stays sent."""
    engine = request.app[ENGINE]
    page = f"/admin/broadcasts/{bid}"
    async with engine.sessions() as tx:
        broadcast = await tx.get(Broadcast, bid)
        if broadcast is None:
            return problem(request, 404, "error_not_found", back="/admin/broadcasts")
        by_status = await broadcast_progress.by_status(tx, bid)
        reach = sum((await reach_by_channel(tx, broadcast.audience)).values())
    waiting = by_status.get("pending", 0)
    gone = sum(n for s, n in by_status.items() if s not in ("pending", "cancelled"))
    effects: list[object] = []
    if broadcast.status == "scheduled" and not by_status:
        effects.append(t(request, "confirm_bc_none_sent", count=reach))
    else:
        effects.append(t(request, "confirm_bc_waiting", count=waiting))
        effects.append(t(request, "confirm_bc_gone", count=gone))
    effects.append(t(request, "confirm_bc_final"))
    return confirm_page(request, t(request, "confirm_bc_title", number=bid), effects, f"{page}/cancel", {},
                        t(request, "confirm_bc_button"), page)  # fmt: skip
