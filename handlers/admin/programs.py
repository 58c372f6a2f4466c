"""Programs (policy §6): the list, the create and edit forms, publishing and cancelling; each change audited.
Cancelling a published program tells everyone still signed up, through an event of their conversation."""

from __future__ import annotations

import logging
import secrets

from aiohttp import web

from bot.appkeys import ENGINE
from handlers.admin.audit import audit
from handlers.admin.forms import FORM
from handlers.admin.guard import ANYONE, requires
from handlers.admin.listing import pager
from handlers.admin.pages import (
    SIGNED,
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
from handlers.admin.program_form import program_form, raw_of, read_program
from store import console_lists, program_changes
from store.paging import page_number
from store.models import Program

log = logging.getLogger(__name__)
EDITORS = ("admin", "coordinator")


def program_id(request: web.Request) -> int:
    return int(request.match_info["program_id"])


def page_of(pid: int) -> str:
    return f"/admin/programs/{pid}"


def new_checkin_code() -> str:
    """Six digits the beneficiary sends on the day to be marked present."""
    return f"{secrets.randbelow(10**6):06d}"


@requires(*ANYONE)
async def program_list(request: web.Request) -> web.Response:
    """Programs by date, the latest first, with how many signed up, a page at a time."""
    async with request.app[ENGINE].sessions() as tx:
        found = await console_lists.programs(tx, page_number(request.query.get("page", "")))
    rows = found.rows
    cells = [
        (
            [
                el("a", el("bdi", title_of(request, program)), href=page_of(program.id)),
                label(request, "kind", program.kind),
                short_day(request, program.starts_at, with_time=True),
                label(request, "pstatus", program.status),
                str(n or 0),
            ],
            None,
        )
        for program, n in rows
    ]
    columns = ("col_title", "col_kind", "col_starts", "col_status", "col_signed_up")
    new = None
    if request[SIGNED].staff.role in EDITORS:
        new = el("p", el("a", t(request, "program_new"), href="/admin/programs/new", class_="button"))
    return layout(request, t(request, "programs_title"), new, table(request, columns, cells, empty="empty_programs"), pager(request, found))


def title_of(request: web.Request, program: Program) -> str:
    """The program's title in the staff member's language."""
    return (program.title_en if lang_of(request) == "en" else "") or program.title_ar


def _form_page(request: web.Request, title: str, action: str, raw: dict, errors: list[str]) -> web.Response:
    return layout(request, title, program_form(request, action, raw, errors), status=400 if errors else 200)


@requires(*EDITORS)
async def new_program(request: web.Request) -> web.Response:
    """An empty program form (registration, in person)."""
    raw = {"kind": "registration", "mode": "in_person"}
    return _form_page(request, t(request, "program_new"), "/admin/programs/new", raw, [])


@requires(*EDITORS)
async def create_program(request: web.Request) -> web.Response:
    """Save a new program as a draft, with a fresh check-in code ("another question" only adds a row)."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    if request[FORM].get("more"):
        return _form_page(request, t(request, "program_new"), "/admin/programs/new", request[FORM].fields, [])
    checked, now = read_program(request[FORM], engine.profile), engine.clock()
    if checked.values["starts_at"] is not None and checked.values["starts_at"] <= now:
        checked.refuse("error_p_past")
    if checked.errors:
        return _form_page(
            request, t(request, "program_new"), "/admin/programs/new", request[FORM].fields, checked.errors
        )
    async with engine.sessions() as tx, tx.begin():
        program = await program_changes.create(tx, checked.values, new_checkin_code(), staff.id, now)
        audit(tx, staff.id, "program_created", f"program:{program.id}", now, kind=program.kind)
    log.info("staff %s created program %s", staff.id, program.id)
    return see_other(page_of(program.id))


@requires(*EDITORS)
async def edit_program(request: web.Request) -> web.Response:
    """The program's form, filled in; a cancelled program is not edited any more."""
    engine, pid = request.app[ENGINE], program_id(request)
    async with engine.sessions() as tx:
        program = await tx.get(Program, pid)
    if program is None:
        return problem(request, 404, "error_not_found", back="/admin/programs")
    if program.status == "cancelled":
        return problem(request, 409, "error_p_cancelled", back=page_of(pid))
    action = f"{page_of(pid)}/edit"
    return _form_page(request, t(request, "program_edit"), action, raw_of(program, engine.profile), [])


@requires(*EDITORS)
async def update_program(request: web.Request) -> web.Response:
    """Save the edited fields (the check-in code and status stay); a moved date must not be in the past.
    "Another question" only adds a row to the form."""
    engine, staff, pid = request.app[ENGINE], request[SIGNED].staff, program_id(request)
    if request[FORM].get("more"):
        action = f"{page_of(pid)}/edit"
        return _form_page(request, t(request, "program_edit"), action, request[FORM].fields, [])
    checked, now = read_program(request[FORM], engine.profile), engine.clock()
    async with engine.sessions() as tx, tx.begin():
        program = await tx.get(Program, pid, with_for_update=True)
        if program is None:
            return problem(request, 404, "error_not_found", back="/admin/programs")
        if program.status == "cancelled":
            return problem(request, 409, "error_p_cancelled", back=page_of(pid))
        moved = checked.values["starts_at"]
        if moved is not None and moved != program.starts_at and moved <= now:
            checked.refuse("error_p_past")
        if checked.errors:
            return _form_page(
                request,
                t(request, "program_edit"),
                f"{page_of(pid)}/edit",
                request[FORM].fields,
                checked.errors,
            )
        changed = program_changes.edit(program, checked.values, now)
        audit(tx, staff.id, "program_edited", f"program:{pid}", now, fields=changed)
    return see_other(page_of(pid))


@requires(*EDITORS)
async def publish_program(request: web.Request) -> web.Response:
    """A draft becomes visible to beneficiaries in the bot's menu."""
    engine, staff, pid = request.app[ENGINE], request[SIGNED].staff, program_id(request)
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        program = await tx.get(Program, pid, with_for_update=True)
        if program is None:
            return problem(request, 404, "error_not_found", back="/admin/programs")
        if not program_changes.publish(program, now):
            return problem(request, 409, "error_p_status", back=page_of(pid))
        audit(tx, staff.id, "program_published", f"program:{pid}", now)
    return see_other(page_of(pid))


@requires(*EDITORS)
async def cancel_program(request: web.Request) -> web.Response:
    """Cancel; everyone pending, accepted or waitlisted gets the event `program_cancelled:{id}`."""
    engine, staff, pid = request.app[ENGINE], request[SIGNED].staff, program_id(request)
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        program = await tx.get(Program, pid, with_for_update=True)
        if program is None:
            return problem(request, 404, "error_not_found", back="/admin/programs")
        was = program.status
        keys = await program_changes.cancel(tx, program, now)
        if keys is None:
            return problem(request, 409, "error_p_status", back=page_of(pid))
        audit(tx, staff.id, "program_cancelled", f"program:{pid}", now, was=was, told=len(keys))
    for key in dict.fromkeys(keys):
        engine.process_later(key)
    return see_other(page_of(pid))


def status_forms(request: web.Request, program: Program) -> Html | None:
    """Edit, publish and cancel, for the roles that edit, in the statuses that allow them."""
    if request[SIGNED].staff.role not in EDITORS or program.status == "cancelled":
        return None
    base = page_of(program.id)
    parts: list[Html] = [el("a", t(request, "program_edit"), href=f"{base}/edit", class_="button")]
    if program.status == "draft":
        parts.append(post_form(request, f"{base}/publish", button=t(request, "program_publish")))
    parts.append(
        el("a", t(request, "announce"), href=f"/admin/broadcasts/new?program={program.id}", class_="button")
    )
    parts.append(post_form(request, f"{base}/cancel", button=t(request, "program_cancel")))
    return el("div", *parts, class_="toolbar")
