"""Whether messages reached the beneficiary, in words: the state of each message staff caused, shown on the
page where they caused it, and the list of messages that have not arrived with what staff can do about them
(send again, send on another linked channel, record that they told the person by phone; each audited)."""

from __future__ import annotations

import re

from aiohttp import web

from bot.appkeys import DISPATCHER, ENGINE
from bot.whatsapp_templates import template_kind
from handlers.admin.audit import audit
from handlers.admin.guard import ANYONE, requires
from handlers.admin.pages import (
    SIGNED,
    TEXTS,
    Html,
    el,
    label,
    lang_of,
    layout,
    post_form,
    problem,
    see_other,
    short_day,
    t,
    table,
)
from store import undelivered
from store.models import OutboxMessage

ACTORS = ("admin", "researcher", "coordinator")
CODE = re.compile(r"error (\d{5})")
MOVED = re.compile(r"moved to (\w+)")
PAGES = {
    "request": "/admin/requests/{}",
    "complaint": "/admin/complaints/{}",
    "handoff": "/admin/inbox/{}",
    "program": "/admin/programs/{}",
}
LIST = "/admin/undelivered"


def _known(request: web.Request, key: str) -> bool:
    return key in TEXTS.languages()[lang_of(request)]


def reason(request: web.Request, row: OutboxMessage) -> str:
    """Why a message is where it is, in words ("" when there is nothing to explain)."""
    error = row.error or ""
    if row.status == "moved":
        found = MOVED.search(error)
        return t(
            request,
            "delivery_reason_moved",
            channel=label(request, "channel", found.group(1) if found else ""),
        )
    if row.status == "told_by_phone":
        return t(request, "delivery_reason_told")
    if row.status not in undelivered.NOT_ARRIVED:
        return ""
    code = CODE.search(error)
    if row.status == "needs_template" and (code is None or code.group(1) == "63016"):
        # an announcement goes to each channel of its own: it is never moved, so no other channel is claimed
        return t(request, "delivery_error_63016" if row.broadcast_id else "delivery_reason_needs_template")
    if code is not None:
        key = f"delivery_error_{code.group(1)}"
        return (
            t(request, key)
            if _known(request, key)
            else t(request, "delivery_error_other", code=code.group(1))
        )
    if error.startswith("unreachable"):
        return t(request, "delivery_error_unreachable")
    if "network" in error:
        return t(request, "delivery_error_network")
    return t(request, "delivery_error_unknown")


def what(request: web.Request, row: OutboxMessage) -> str:
    """The message's kind in words (the same words as its WhatsApp template)."""
    return t(request, f"wa_kind_{template_kind(row.payload)}")


def state(request: web.Request, row: OutboxMessage) -> str:
    """The message's state in words, with the reason when it did not arrive."""
    words = label(request, "delivery_state", row.status)
    why = reason(request, row)
    return f"{words}. {why}" if why else words


def delivery_section(
    request: web.Request, rows: list[OutboxMessage], to: dict[int, str] | None = None
) -> Html:
    """The messages this page's record caused, each with its channel, time and state (and, where the record
    concerns several people, `to`: the name of whom each row was for, by row id)."""
    if not rows:
        return Html("")
    cells = [
        (
            [
                short_day(request, row.created_at, with_time=True),
                what(request, row),
                *([el("bdi", to.get(row.id, "—"))] if to is not None else []),
                label(request, "channel", row.channel),
                el("span", state(request, row), class_="delivery", data_status=row.status),
            ],
            "late" if row.status in undelivered.NOT_ARRIVED else None,
        )
        for row in rows
    ]
    columns = (
        "col_at",
        "col_message",
        *(("col_name",) if to is not None else ()),
        "col_channel",
        "col_status",
    )
    return el(
        "section", el("h2", t(request, "delivery_title")), table(request, columns, cells, empty="empty_sent"), id="delivery"
    )


def reasons_list(request: web.Request, counted: list[tuple[OutboxMessage, int]]) -> Html:
    """Why a broadcast's messages did not arrive, in words, with how many for each reason."""
    totals: dict[str, int] = {}
    for row, n in counted:
        words = state(request, row)
        totals[words] = totals.get(words, 0) + n
    items = [
        el("li", t(request, "delivery_reason_count", reason=words, count=n)) for words, n in totals.items()
    ]
    return (
        el("section", el("h2", t(request, "delivery_reasons_title")), el("ul", *items)) if items else Html("")
    )


def about(request: web.Request, subject: str | None) -> Html | str:
    """The record a message was about, linked to its page."""
    area, _, reference = (subject or "").partition(":")
    if area not in PAGES:
        return t(request, "about_none")
    return el("a", t(request, f"about_{area}", reference=reference), href=PAGES[area].format(reference))


def _actions(request: web.Request, item: undelivered.Waiting) -> Html:
    base = f"{LIST}/{item.row.id}"
    forms = [post_form(request, f"{base}/again", button=t(request, "undelivered_send_again"))]
    if item.other_channel:
        channel = label(request, "channel", item.other_channel)
        forms.append(
            post_form(
                request, f"{base}/elsewhere", button=t(request, "undelivered_send_elsewhere", channel=channel)
            )
        )
    forms.append(post_form(request, f"{base}/phone", button=t(request, "undelivered_told_by_phone")))
    return el("div", *forms, class_="buttons")


@requires(*ANYONE)
async def undelivered_page(request: web.Request) -> web.Response:
    """Every message to a beneficiary that has not arrived, oldest first; viewing it is audited."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    async with engine.sessions() as tx, tx.begin():
        waiting = await undelivered.waiting(tx)
        audit(tx, staff.id, "view", "undelivered", engine.clock(), shown=len(waiting))
    acts = staff.role in ACTORS
    cells = [
        (
            [
                short_day(request, item.row.created_at, with_time=True),
                what(request, item.row),
                about(request, item.row.subject),
                label(request, "channel", item.row.channel),
                state(request, item.row),
                _actions(request, item) if acts else "—",
            ],
            None,
        )
        for item in waiting
    ]
    columns = ("col_at", "col_message", "col_about", "col_channel", "col_why", "col_actions")
    intro = el("p", t(request, "undelivered_intro"), class_="hint")
    return layout(request, t(request, "undelivered_title"), intro, table(request, columns, cells, empty="empty_undelivered"))


async def _handle(request: web.Request, action: str) -> web.Response:
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    row_id, now = int(request.match_info["row_id"]), engine.clock()
    async with engine.sessions() as tx, tx.begin():
        if action == "send_again":
            row = await undelivered.send_again(tx, row_id, now)
        elif action == "send_elsewhere":
            row = await undelivered.send_elsewhere(tx, row_id, now)
        else:
            row = await undelivered.told_by_phone(tx, row_id, staff.id)
        if row is None:
            key = "error_no_other_channel" if action == "send_elsewhere" else "error_undelivered_gone"
            return problem(request, 409, key, back=LIST)
        audit(tx, staff.id, action, f"outbox:{row_id}", now, about=row.subject or "")
    request.app[DISPATCHER].wake()
    return see_other(LIST)


@requires(*ACTORS)
async def send_again(request: web.Request) -> web.Response:
    return await _handle(request, "send_again")


@requires(*ACTORS)
async def send_elsewhere(request: web.Request) -> web.Response:
    return await _handle(request, "send_elsewhere")


@requires(*ACTORS)
async def told_by_phone(request: web.Request) -> web.Response:
    return await _handle(request, "told_by_phone")
