"""/admin/staff (admins): the staff accounts, creating one with a temporary password shown once, changing a
role, resetting a password, disabling after a confirmation (every session of the account ends at once)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.appkeys import ENGINE
from handlers.admin.audit import audit
from handlers.admin.forms import FORM
from handlers.admin.guard import requires
from handlers.admin.pages import (
    SIGNED,
    Html,
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
    time_text,
)
from handlers.admin.passwords import hash_password
from store import staff_accounts
from store.models import Staff
from store.staff_accounts import ROLES, AccountRefused

HOME = "/admin/staff"
DONE = ("created", "role", "disabled", "enabled", "reset")


def _role_select(request: web.Request, current: str | None = None) -> Html:
    options = [el("option", label(request, "role", r), value=r, selected=r == current) for r in ROLES]
    return el("select", options, name="role")


def _create_form(request: web.Request) -> Html:
    return el(
        "section",
        el("h2", t(request, "staff_new")),
        post_form(
            request,
            HOME,
            field(t(request, "username"), el("input", name="username", required=True, maxlength="60", dir="ltr",
                                             autocomplete="off")),
            field(t(request, "staff_display_name"), el("input", name="display_name", maxlength="120")),
            field(t(request, "staff_role"), _role_select(request, "viewer")),
            el("p", t(request, "staff_new_hint"), class_="hint"),
            button=t(request, "staff_create"),
        ),
    )


def _status(request: web.Request, staff: Staff) -> str:
    return t(request, "staff_active" if staff.active else "staff_disabled")


@requires("admin")
async def staff_list(request: web.Request) -> web.Response:
    """Every account with its role and status, and the form for a new one."""
    async with request.app[ENGINE].sessions() as tx:
        people = await staff_accounts.everyone(tx)
    columns = ("username", "staff_display_name", "staff_role", "staff_status", "staff_created_at")
    rows = [
        (
            [
                el("a", el("bdi", s.username), href=f"{HOME}/{s.id}", dir="ltr"),
                el("bdi", s.display_name or "—"),
                label(request, "role", s.role),
                _status(request, s),
                short_day(request, s.created_at, with_time=True),
            ],
            None if s.active else "off",
        )
        for s in people
    ]
    return layout(
        request, t(request, "staff_title"), done_notice(request, DONE, "staff_done"),
        table(request, columns, rows), _create_form(request),
    )


def _refused(request: web.Request, exc: AccountRefused, back: str) -> web.Response:
    status = 404 if exc.key == "error_not_found" else 400
    return problem(request, status, exc.key, back=back)


def _password_shown(request: web.Request, staff: Staff, password: str, key: str) -> web.Response:
    """The temporary password, shown this once (never stored in clear, never in a URL or a log)."""
    return layout(
        request,
        t(request, "staff_password_title"),
        el("p", t(request, key, username=staff.username), class_="notice done", role="status"),
        el("p", el("code", password, dir="ltr", class_="secret")),
        el("p", t(request, "staff_password_once"), class_="hint"),
        el("a", t(request, "back"), href=f"{HOME}/{staff.id}"),
    )


@requires("admin")
async def create(request: web.Request) -> web.Response:
    """A new account with a temporary password, shown once on the page that answers."""
    form, engine, actor = request[FORM], request.app[ENGINE], request[SIGNED].staff
    password = staff_accounts.temporary_password()
    hashed = await asyncio.to_thread(hash_password, password)
    now = engine.clock()
    try:
        async with engine.sessions() as tx, tx.begin():
            staff = await staff_accounts.add(
                tx, form.get("username"), form.get("display_name"), form.get("role"), hashed, now
            )
            audit(tx, actor.id, "staff_created", f"staff:{staff.id}", now, role=staff.role)
    except AccountRefused as exc:
        return _refused(request, exc, HOME)
    return _password_shown(request, staff, password, "staff_created_done")


def _staff_id(request: web.Request) -> int:
    return int(request.match_info["staff_id"])


async def _one(request: web.Request) -> Staff | None:
    async with request.app[ENGINE].sessions() as tx:
        return await tx.get(Staff, _staff_id(request))


def _facts(request: web.Request, staff: Staff) -> Html:
    pairs = (
        ("username", el("bdi", staff.username, dir="ltr")),
        ("staff_display_name", el("bdi", staff.display_name or "—")),
        ("staff_role", label(request, "role", staff.role)),
        ("staff_status", _status(request, staff)),
        ("staff_created_at", time_text(request, staff.created_at)),
    )
    return el("dl", [(el("dt", t(request, k)), el("dd", v)) for k, v in pairs], class_="facts")


def _manage_forms(request: web.Request, staff: Staff) -> list[Html]:
    base = f"{HOME}/{staff.id}"
    role = post_form(request, f"{base}/role", field(t(request, "staff_role"), _role_select(request, staff.role)),
                     button=t(request, "staff_change_role"))
    reset = post_form(request, f"{base}/reset", el("p", t(request, "staff_reset_hint"), class_="hint"),
                      button=t(request, "staff_reset"))
    if staff.active:
        status = el("a", t(request, "staff_disable"), href=f"{base}/disable", class_="danger")
    else:
        status = post_form(request, f"{base}/enable", button=t(request, "staff_enable"))
    return [el("div", form, class_="action") for form in (role, reset, status)]


@requires("admin")
async def staff_page(request: web.Request) -> web.Response:
    """One account: who they are and what an admin may change (not on their own account)."""
    staff = await _one(request)
    if staff is None:
        return problem(request, 404, "error_not_found", back=HOME)
    own = staff.id == request[SIGNED].staff.id
    manage = el("p", t(request, "staff_error_self"), class_="hint") if own else el(
        "div", *_manage_forms(request, staff), class_="actions"
    )
    back = el("p", el("a", t(request, "staff_all"), href=HOME))
    title = t(request, "staff_one_title", username=staff.username)
    return layout(request, title, done_notice(request, DONE, "staff_done"), _facts(request, staff), manage, back)


@requires("admin")
async def change_role(request: web.Request) -> web.Response:
    engine, actor, back = request.app[ENGINE], request[SIGNED].staff, f"{HOME}/{_staff_id(request)}"
    try:
        async with engine.sessions() as tx, tx.begin():
            staff, before = await staff_accounts.change_role(tx, _staff_id(request), request[FORM].get("role"),
                                                             actor.id)
            audit(tx, actor.id, "staff_role_changed", f"staff:{staff.id}", engine.clock(),
                  before=before, after=staff.role)
    except AccountRefused as exc:
        return _refused(request, exc, back)
    return see_other(f"{back}?done=role")


@requires("admin")
async def confirm_disable(request: web.Request) -> web.Response:
    """What disabling will do, before it is done: no more sign-ins, and the open sessions end now."""
    staff = await _one(request)
    if staff is None:
        return problem(request, 404, "error_not_found", back=HOME)
    back = f"{HOME}/{staff.id}"
    if staff.id == request[SIGNED].staff.id:
        return problem(request, 400, "staff_error_self", back=back)
    engine = request.app[ENGINE]
    async with engine.sessions() as tx:
        sessions = await staff_accounts.open_sessions(tx, staff.id, engine.clock())
    explained = el("ul", el("li", t(request, "staff_disable_effect_login")),
                   el("li", t(request, "staff_disable_effect_sessions", count=sessions)),
                   el("li", t(request, "staff_disable_effect_kept")))
    form = post_form(request, f"{back}/disable", button=t(request, "staff_disable_confirm"))
    return layout(request, t(request, "staff_disable_title", username=staff.username), explained, form,
                  el("p", el("a", t(request, "staff_disable_cancel"), href=back)))


@requires("admin")
async def disable(request: web.Request) -> web.Response:
    engine, actor, back = request.app[ENGINE], request[SIGNED].staff, f"{HOME}/{_staff_id(request)}"
    try:
        async with engine.sessions() as tx, tx.begin():
            staff, ended = await staff_accounts.disable(tx, _staff_id(request), actor.id)
            audit(tx, actor.id, "staff_disabled", f"staff:{staff.id}", engine.clock(), sessions_ended=ended)
    except AccountRefused as exc:
        return _refused(request, exc, back)
    return see_other(f"{back}?done=disabled")


@requires("admin")
async def enable(request: web.Request) -> web.Response:
    engine, actor, back = request.app[ENGINE], request[SIGNED].staff, f"{HOME}/{_staff_id(request)}"
    try:
        async with engine.sessions() as tx, tx.begin():
            staff = await staff_accounts.enable(tx, _staff_id(request), actor.id)
            audit(tx, actor.id, "staff_enabled", f"staff:{staff.id}", engine.clock())
    except AccountRefused as exc:
        return _refused(request, exc, back)
    return see_other(f"{back}?done=enabled")


@requires("admin")
async def reset(request: web.Request) -> web.Response:
    """A new temporary password, shown once; the old one and the account's sessions stop working."""
    engine, actor, back = request.app[ENGINE], request[SIGNED].staff, f"{HOME}/{_staff_id(request)}"
    password = staff_accounts.temporary_password()
    hashed = await asyncio.to_thread(hash_password, password)
    try:
        async with engine.sessions() as tx, tx.begin():
            staff, ended = await staff_accounts.reset_password(tx, _staff_id(request), hashed, actor.id)
            audit(tx, actor.id, "staff_password_reset", f"staff:{staff.id}", engine.clock(), sessions_ended=ended)
    except AccountRefused as exc:
        return _refused(request, exc, back)
    return _password_shown(request, staff, password, "staff_reset_done")
