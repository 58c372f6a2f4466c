"""Signing in and out: wrong passwords make the address (and that username from it) wait, never lock the
account for its owner (handlers/admin/throttle.py); every try is audited."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from datetime import timedelta

from aiohttp import web

from bot.appkeys import ENGINE, SETTINGS
from bot.engine import Engine
from handlers.admin.audit import audit
from handlers.admin.forms import FORM
from handlers.admin.guard import ANYONE, SESSION_COOKIE, checked_form, requires, signed_in, token_hash
from handlers.admin.throttle import THROTTLE, Busy, LoginThrottle, client_address
from handlers.admin.pages import SIGNED, el, field, layout, problem, secure, see_other, t
from handlers.admin.passwords import dummy_hash, verify_password
from store import staff_accounts
from store.models import Staff

log = logging.getLogger(__name__)
LOGIN_COOKIE = "frontdesk_staff_login"  # the login form's own CSRF token (double submit): no session yet
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
HOME = "/admin/requests"


def _safe_next(target: str) -> str:
    """Where to go after signing in: a console page of this site, nothing else."""
    ok = (
        target.startswith("/admin")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    )
    return target if ok else HOME


def _login_form(request: web.Request, target: str, failed: bool = False) -> web.Response:
    token = request.cookies.get(LOGIN_COOKIE, "")
    token = token if TOKEN.match(token) else secrets.token_urlsafe(32)
    form = el(
        "form",
        el("input", type="hidden", name="csrf", value=token),
        el("input", type="hidden", name="next", value=target),
        field(
            t(request, "username"),
            el("input", name="username", autocomplete="username", required=True, dir="ltr"),
        ),
        field(
            t(request, "password"),
            el("input", name="password", type="password", autocomplete="current-password", required=True),
        ),
        el("button", t(request, "login"), type="submit"),
        method="post",
        action="/admin/login",
        class_="login",
    )
    notice = el("p", t(request, "login_failed"), class_="notice", role="alert") if failed else None
    response = layout(request, t(request, "login_title"), notice, form, status=401 if failed else 200)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/admin/login",
        httponly=True,
        samesite="Strict",
        secure=secure(request),
    )
    return response


def _throttled(request: web.Request, seconds: int) -> web.Response:
    """429: come back in `seconds` (Retry-After), said in words in the staff's language."""
    minutes = max(1, (seconds + 59) // 60)
    response = problem(request, 429, "error_throttled", back="/admin/login", minutes=minutes)
    response.headers["Retry-After"] = str(seconds)
    return response


async def login_page(request: web.Request) -> web.Response:
    """The login form; someone already signed in goes straight on."""
    target = _safe_next(request.query.get("next", ""))
    if await signed_in(request) is not None:
        return see_other(target)
    return _login_form(request, target)


def _refusal(staff: Staff | None, right: bool) -> str | None:
    """Why this sign-in is refused (kept in the audit log only; the person sees one generic message)."""
    if staff is None:
        return "unknown_user"
    if not staff.active:
        return "inactive"
    return None if right else "password"


async def sign_in(
    engine: Engine, username: str, password: str, hours: int, throttle: LoginThrottle | None = None
) -> str | None:
    """A new session token for the right password of an active account; None otherwise. The password is
    checked in the throttle's hashing gate (Busy when it is full)."""
    async with engine.sessions() as tx:
        found = await staff_accounts.by_username(tx, username)
    checked = found.password_hash if found is not None else dummy_hash()  # as slow for unknown names
    async with throttle.hashing() if throttle else contextlib.nullcontext():
        right = await asyncio.to_thread(verify_password, password, checked)
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        staff = await tx.get(Staff, found.id, with_for_update=True) if found is not None else None
        reason = _refusal(staff, right)
        if reason is not None:
            if reason == "password":
                staff.failed_logins += 1  # in a row, for the record; the throttle decides who waits
            subject = f"staff:{staff.id}" if staff else f"login:{username}"
            audit(tx, staff.id if staff else None, "login_failed", subject, now, reason=reason)
            log.info("refused a console sign-in (%s)", reason)
            return None
        staff.failed_logins = 0
        token = secrets.token_urlsafe(32)
        await staff_accounts.start_session(
            tx, staff.id, token_hash(token), secrets.token_urlsafe(32), now, now + timedelta(hours=hours)
        )
        audit(tx, staff.id, "login", f"staff:{staff.id}", now)
    return token


async def login(request: web.Request) -> web.Response:
    """Check the login form; a generic message for any failure, the session cookie on success."""
    refusal = await checked_form(request, request.cookies.get(LOGIN_COOKIE, ""), back="/admin/login")
    if refusal is not None:
        return refusal
    form = request[FORM]
    target = _safe_next(form.get("next"))
    settings, engine, throttle = request.app[SETTINGS], request.app[ENGINE], request.app[THROTTLE]
    username, password = form.get("username").lower()[:60], form.fields.get("password", "")[:1024]
    address = client_address(request, settings.trusted_proxy_set)
    wait = throttle.wait(address, username, engine.clock())
    if wait:
        return _throttled(request, wait)
    try:
        token = await sign_in(engine, username, password, settings.session_hours, throttle)
    except Busy:
        return _throttled(request, 1)
    if token is None:
        if throttle.failed(address, username, engine.clock()):
            log.warning("console sign-ins from %s as %r must wait: too many wrong passwords", address, username)
        return _login_form(request, target, failed=True)
    throttle.succeeded(address, username)
    response = see_other(target)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        path="/admin",
        httponly=True,
        samesite="Strict",
        secure=secure(request),
    )
    response.del_cookie(LOGIN_COOKIE, path="/admin/login")
    return response


@requires(*ANYONE)
async def logout(request: web.Request) -> web.Response:
    """End this session (its row is deleted) and forget the cookie."""
    engine, signed = request.app[ENGINE], request[SIGNED]
    async with engine.sessions() as tx, tx.begin():
        await staff_accounts.end_session(tx, signed.session.id)
        audit(tx, signed.staff.id, "logout", f"staff:{signed.staff.id}", engine.clock())
    response = see_other("/admin/login")
    response.del_cookie(SESSION_COOKIE, path="/admin")
    return response
