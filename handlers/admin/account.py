"""/admin/account: every staff member changes their own password (the current one required) and sees their
recent sign-ins and refused tries."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.appkeys import ENGINE
from handlers.admin.audit import audit
from handlers.admin.forms import FORM
from handlers.admin.guard import ANYONE, requires
from handlers.admin.pages import (
    SIGNED,
    done_notice,
    el,
    field,
    label,
    layout,
    post_form,
    problem,
    see_other,
    short_day,
    t,
    table,
)
from handlers.admin.passwords import MIN_LENGTH, hash_password, verify_password
from store import staff_accounts

HOME = "/admin/account"
MAX_PASSWORD = 1024


def _password_input(name: str, autocomplete: str) -> object:
    return el("input", name=name, type="password", autocomplete=autocomplete, required=True,
              maxlength=str(MAX_PASSWORD))


@requires(*ANYONE)
async def account_page(request: web.Request) -> web.Response:
    """The password form and the latest sign-ins of the signed-in staff member."""
    staff = request[SIGNED].staff
    async with request.app[ENGINE].sessions() as tx:
        tries = await staff_accounts.sign_ins(tx, staff.id)
    form = post_form(
        request,
        f"{HOME}/password",
        field(t(request, "account_current"), _password_input("current", "current-password")),
        field(t(request, "account_new", min=MIN_LENGTH), _password_input("new", "new-password")),
        field(t(request, "account_again"), _password_input("again", "new-password")),
        button=t(request, "account_change"),
    )
    rows = [
        ([short_day(request, row.at, with_time=True), label(request, "action", row.action)], None if row.action == "login" else "late")
        for row in tries
    ]
    return layout(
        request,
        t(request, "account_title"),
        done_notice(request, ("password",), "account_done"),
        el("section", el("h2", t(request, "account_password")), form),
        el("section", el("h2", t(request, "account_sign_ins")), table(request, ("col_at", "col_action"), rows)),
    )


@requires(*ANYONE)
async def change_password(request: web.Request) -> web.Response:
    """The current password proves it is them; the new one, typed twice, of at least MIN_LENGTH characters.
    Their other sessions end; this one goes on."""
    form, engine, signed = request[FORM], request.app[ENGINE], request[SIGNED]
    current = form.fields.get("current", "")[:MAX_PASSWORD]
    new, again = form.fields.get("new", "")[:MAX_PASSWORD], form.fields.get("again", "")[:MAX_PASSWORD]
    if not await asyncio.to_thread(verify_password, current, signed.staff.password_hash):
        async with engine.sessions() as tx, tx.begin():
            audit(tx, signed.staff.id, "password_change_refused", f"staff:{signed.staff.id}", engine.clock())
        return problem(request, 400, "account_error_current", back=HOME)
    if len(new) < MIN_LENGTH:
        return problem(request, 400, "account_error_short", back=HOME)
    if new != again:
        return problem(request, 400, "account_error_again", back=HOME)
    hashed = await asyncio.to_thread(hash_password, new)
    async with engine.sessions() as tx, tx.begin():
        ended = await staff_accounts.change_own_password(tx, signed.staff.id, hashed, signed.session.id)
        audit(tx, signed.staff.id, "password_changed", f"staff:{signed.staff.id}", engine.clock(),
              sessions_ended=ended)
    return see_other(f"{HOME}?done=password")
