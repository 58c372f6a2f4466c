"""Who may do what: the staff session from its cookie, roles, and the checks of every POST (origin, CSRF)."""

from __future__ import annotations

import functools
import hashlib
import logging
from typing import Awaitable, Callable
from urllib.parse import quote, urlsplit

from aiohttp import web

from bot.appkeys import ENGINE, SETTINGS
from handlers.admin.forms import FORM, BadForm, BadToken, TooLarge, read_form
from handlers.admin.pages import COUNTS, SIGNED, Signed, problem, see_other
from store import staff_accounts, workload
from store.staff_accounts import ROLES

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION_COOKIE = "frontdesk_staff"
ANYONE = ROLES


def token_hash(token: str) -> str:
    """What is stored of a session token: its SHA-256, so a copy of the database signs nobody in."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def signed_in(request: web.Request) -> Signed | None:
    """The staff member and session behind the session cookie, if it is current and they are active."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token or len(token) > 128:
        return None
    engine = request.app[ENGINE]
    async with engine.sessions() as tx:
        found = await staff_accounts.current_session(tx, token_hash(token), engine.clock())
    return Signed(staff=found[1], session=found[0]) if found else None


def same_origin(request: web.Request) -> bool:
    """A POST from another site is refused when the browser says where it comes from (Origin)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    public = urlsplit(request.app[SETTINGS].public_base_url)
    return origin in {str(request.url.origin()), f"{public.scheme}://{public.netloc}"}


async def checked_form(
    request: web.Request, expected: str, *, upload: bool = False, back: str | None = None
) -> web.Response | None:
    """Read the posted form into request[FORM] (the CSRF token before anything large, a file only where
    `upload`); a refusal page for a wrong origin, size, shape or token."""
    if not same_origin(request):
        log.warning("refused a cross-origin POST to %s", request.path)
        return problem(request, 403, "error_origin", back=back)
    try:
        request[FORM] = await read_form(request, expected, upload=upload)
    except TooLarge:
        return problem(request, 413, "error_too_large", back=back)
    except BadForm:
        return problem(request, 400, "error_form", back=back)
    except BadToken:
        log.warning("refused a POST to %s without a valid CSRF token", request.path)
        return problem(request, 403, "error_csrf", back=back)
    return None


def _to_login(request: web.Request) -> web.Response:
    target = request.rel_url.path_qs if request.method == "GET" else "/admin/requests"
    return see_other(f"/admin/login?next={quote(target, safe='')}")


async def live_counts(request: web.Request) -> dict:
    """What is waiting (the nav's counts), by name."""
    engine = request.app[ENGINE]
    async with engine.sessions() as tx:
        return (await workload.counts(tx, engine.clock())).as_dict()


def requires(*roles: str, upload: bool = False) -> Callable[[Handler], Handler]:
    """Only signed-in staff holding one of `roles` reach the handler; a POST must also pass `checked_form`
    (`upload`: the form may carry one file)."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            signed = await signed_in(request)
            if signed is None:
                return _to_login(request)
            request[SIGNED] = signed
            if signed.staff.role not in roles:
                return problem(request, 403, "error_forbidden")
            if request.method == "POST":
                refusal = await checked_form(request, signed.session.csrf_token, upload=upload)
                if refusal is not None:
                    return refusal
            else:
                request[COUNTS] = await live_counts(request)
            return await handler(request)

        return guarded

    return wrap
