"""The staff console over HTTP on the real app: sign-in and lockout, sessions, roles, CSRF, the language
switch, escaping of what beneficiaries typed."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import AsyncIterator

import pytest

from handlers.admin.pages import el
from store.models import AuditLog, HelpRequest, InboundMessage, RequestEvent, Staff, StaffSession
from tests.test_console_support import PASSWORD, Console, csrf_of, fresh_console, sqlite_url

GENERIC = "تعذّر تسجيل الدخول"


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


async def test_login_sets_a_strict_httponly_cookie_and_stores_only_its_hash(console: Console):
    staff = await console.staff("researcher", "amal")
    response = await console.login("Amal", PASSWORD)  # usernames are not case-sensitive
    assert response.status == 303 and response.headers["Location"] == "/admin/requests"
    cookie = response.cookies["frontdesk_staff"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/admin"
    assert not cookie["secure"]  # PUBLIC_BASE_URL is http:// here
    assert int(cookie["max-age"]) == 12 * 3600
    session = await console.one(StaffSession)
    assert session.token_hash == hashlib.sha256(cookie.value.encode()).hexdigest() != cookie.value
    assert session.expires_at == console.clock.now + timedelta(hours=12)
    audit = await console.one(AuditLog, AuditLog.action == "login")
    assert (audit.staff_id, audit.subject) == (staff.id, f"staff:{staff.id}")
    page = await console.client.get("/admin/requests")
    assert page.status == 200 and "researcher person" in await page.text()


async def test_the_session_cookie_is_secure_when_the_public_url_is_https(tmp_path, monkeypatch, clock):
    public = "https://frontdesk.example.org"
    async with fresh_console(
        sqlite_url(tmp_path), tmp_path, monkeypatch, clock, public_base_url=public
    ) as https:
        await https.staff("admin", "root")
        form = await https.client.get("/admin/login")
        login_cookie = form.cookies["frontdesk_staff_login"]
        assert login_cookie["secure"]
        data = {"csrf": csrf_of(await form.text()), "username": "root", "password": PASSWORD}
        headers = {
            "Cookie": f"frontdesk_staff_login={login_cookie.value}"
        }  # a browser sends it over https only
        response = await https.client.post("/admin/login", data=data, headers=headers, allow_redirects=False)
        assert response.status == 303 and response.cookies["frontdesk_staff"]["secure"]


async def test_a_wrong_password_gets_a_generic_answer_is_audited_and_five_make_that_address_wait(console: Console):
    staff = await console.staff("researcher", "amal")
    unknown = await console.login("nobody", PASSWORD)
    assert unknown.status == 401 and GENERIC in await unknown.text()
    for attempt in range(1, 6):
        response = await console.login("amal", "wrong password!")
        assert response.status == 401 and GENERIC in await response.text()
        assert (await console.one(Staff)).failed_logins == attempt

    right_but_too_soon = await console.login("amal", PASSWORD)
    assert right_but_too_soon.status == 429 and right_but_too_soon.headers["Retry-After"] == "60"
    assert "محاولات دخول خاطئة كثيرة" in await right_but_too_soon.text()
    failures = await console.all(AuditLog, AuditLog.action == "login_failed")
    assert [f.detail["reason"] for f in failures] == ["unknown_user"] + ["password"] * 5
    assert failures[0].subject == "login:nobody" and failures[0].staff_id is None
    assert {f.staff_id for f in failures[1:]} == {staff.id}
    assert await console.all(StaffSession) == []

    console.clock.now += timedelta(minutes=1)
    assert (await console.login("amal", PASSWORD)).status == 303
    assert (await console.one(Staff)).failed_logins == 0


async def test_console_pages_need_a_login(console: Console):
    await console.request("R-7K3P9Q")
    for path in ("/admin/requests", "/admin/requests/R-7K3P9Q", "/admin/inbox", "/admin/audit", "/admin"):
        response = await console.client.get(path)
        assert response.status == 200 and response.url.path == "/admin/login", path
    response = await console.client.get("/admin/requests?status=submitted", allow_redirects=False)
    assert response.headers["Location"] == "/admin/login?next=%2Fadmin%2Frequests%3Fstatus%3Dsubmitted"
    posted = await console.client.post(
        "/admin/requests/R-7K3P9Q/accept", data={"note": "x"}, allow_redirects=False
    )
    assert posted.status == 303 and posted.headers["Location"].startswith("/admin/login")
    assert (await console.one(HelpRequest)).status == "submitted"


async def test_after_login_the_page_asked_for_opens(console: Console):
    await console.staff("viewer", "huda")
    page = await console.client.get("/admin/login?next=%2Fadmin%2Finbox")
    data = {
        "csrf": csrf_of(await page.text()),
        "username": "huda",
        "password": PASSWORD,
        "next": "/admin/inbox",
    }
    response = await console.client.post("/admin/login", data=data, allow_redirects=False)
    assert response.headers["Location"] == "/admin/inbox"
    await console.client.post(
        "/admin/logout", data={"csrf": csrf_of(await (await console.client.get("/admin/inbox")).text())}
    )
    data["next"] = "https://evil.example/admin"
    data["csrf"] = csrf_of(await (await console.client.get("/admin/login")).text())
    response = await console.client.post("/admin/login", data=data, allow_redirects=False)
    assert response.headers["Location"] == "/admin/requests"


@pytest.mark.parametrize(
    "role, path, data",
    [
        ("viewer", "/admin/requests/R-7K3P9Q/note", {"note": "hello"}),
        ("coordinator", "/admin/requests/R-7K3P9Q/accept", {"note": ""}),
        ("coordinator", "/admin/requests/R-7K3P9Q/info", {"question": "?"}),
        ("viewer", "/admin/requests/R-7K3P9Q/reject", {"reason": "no"}),
        ("researcher", "/admin/requests/R-7K3P9Q/deliver", {"kind": "voucher", "reference": "V-1", "aid_kind": "in_kind"}),
        ("viewer", "/admin/inbox/H-000001/reply", {"text": "hello"}),
        ("viewer", "/admin/inbox/H-000001/close", {}),
    ],
)
async def test_roles_are_enforced_on_actions(console: Console, role, path, data):
    await console.request("R-7K3P9Q")
    await console.handoff("H-000001", created=console.clock.now, due=console.clock.now + timedelta(hours=4))
    await console.signed_in_as(role)
    response = await console.post(path, data, page="/admin/requests")
    assert response.status == 403
    assert (await console.one(HelpRequest)).status == "submitted"
    assert await console.all(RequestEvent) == [] and await console.all(InboundMessage) == []


async def test_only_an_admin_sees_the_audit_log(console: Console):
    for role in ("viewer", "coordinator", "researcher"):
        await console.signed_in_as(role)
        assert (await console.client.get("/admin/audit")).status == 403
        assert "/admin/audit" not in await (await console.client.get("/admin/requests")).text()
    await console.signed_in_as("admin")
    page = await console.client.get("/admin/audit")
    assert page.status == 200 and "تسجيل دخول" in await page.text()


@pytest.mark.parametrize("token", [None, "", "not-the-token", "تزوير"])
async def test_a_post_without_the_right_csrf_token_is_refused_and_changes_nothing(console: Console, token):
    await console.request("R-7K3P9Q")
    await console.signed_in_as("researcher")
    data = {"reason": "outside the area"} | ({} if token is None else {"csrf": token})
    response = await console.client.post("/admin/requests/R-7K3P9Q/reject", data=data, allow_redirects=False)
    assert response.status == 403
    assert (await console.one(HelpRequest)).status == "submitted"
    assert await console.all(RequestEvent) == [] and await console.all(InboundMessage) == []
    assert await console.all(AuditLog, AuditLog.action == "reject") == []


async def test_a_cross_origin_post_is_refused_even_with_the_token(console: Console):
    await console.request("R-7K3P9Q")
    await console.signed_in_as("researcher")
    headers = {"Origin": "https://evil.example"}
    response = await console.post(
        "/admin/requests/R-7K3P9Q/reject", {"reason": "x"}, "/admin/requests", headers=headers
    )
    assert response.status == 403
    assert (await console.one(HelpRequest)).status == "submitted"
    own = {"Origin": str(console.client.make_url("/")).rstrip("/")}
    response = await console.post(
        "/admin/requests/R-7K3P9Q/reject", {"reason": "x", "confirmed": "yes"}, "/admin/requests", headers=own
    )
    assert response.status == 303


async def test_the_login_form_has_its_own_csrf_token(console: Console):
    await console.staff("admin", "root")
    await console.client.get("/admin/login")
    response = await console.client.post("/admin/login", data={"username": "root", "password": PASSWORD})
    assert response.status == 403
    assert await console.all(StaffSession) == []


async def test_logout_ends_the_session(console: Console):
    staff = await console.signed_in_as("coordinator")
    token = csrf_of(await (await console.client.get("/admin/requests")).text())
    response = await console.client.post("/admin/logout", data={"csrf": token}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/admin/login"
    assert await console.all(StaffSession) == []
    assert (await console.one(AuditLog, AuditLog.action == "logout")).staff_id == staff.id
    assert (await console.client.get("/admin/requests")).url.path == "/admin/login"


async def test_a_session_ends_after_session_hours(console: Console):
    await console.signed_in_as("viewer")
    console.clock.now += timedelta(hours=11, minutes=59)
    assert (await console.client.get("/admin/requests")).url.path == "/admin/requests"
    console.clock.now += timedelta(minutes=2)
    assert (await console.client.get("/admin/requests")).url.path == "/admin/login"


async def test_a_deactivated_account_is_signed_out(console: Console):
    staff = await console.signed_in_as("researcher")
    async with console.sessions() as tx, tx.begin():
        (await tx.get(Staff, staff.id)).active = False
    assert (await console.client.get("/admin/requests")).url.path == "/admin/login"
    assert (await console.login(staff.username)).status == 401


async def test_arabic_right_to_left_by_default_and_an_english_switch(console: Console):
    await console.request("R-7K3P9Q")
    await console.signed_in_as("researcher")
    page = await (await console.client.get("/admin/requests")).text()
    assert (
        '<html lang="ar" dir="rtl">' in page
        and "طلبات الدعم" in page
        and 'href="/admin/requests?lang=en"' in page
    )
    english = await console.client.get("/admin/requests?lang=en")
    assert '<html lang="en" dir="ltr">' in await english.text()
    assert english.cookies["frontdesk_staff_lang"].value == "en"
    following = await (await console.client.get("/admin/requests/R-7K3P9Q")).text()
    assert '<html lang="en" dir="ltr">' in following and "Full name" in following
    assert '<html lang="ar" dir="rtl">' in await (await console.client.get("/admin/requests?lang=ar")).text()


async def test_what_a_beneficiary_typed_is_shown_as_text(console: Console):
    script = "<script>alert(1)</script>"
    await console.request(
        "R-7K3P9Q",
        full_name=f"{script} سارة",
        description='<img src=x onerror="alert(2)">',
        flags=("<b>flag</b>",),
    )
    await console.handoff("H-000001", created=console.clock.now, due=console.clock.now, question=script)
    await console.signed_in_as("researcher")
    for path in ("/admin/requests/R-7K3P9Q", "/admin/inbox"):
        page = await (await console.client.get(path)).text()
        page = page.replace('<script src="/admin/static/live.js" defer></script>', "")  # the console's own file
        assert "<script" not in page and "<img" not in page and "<b>" not in page
    page = await (await console.client.get("/admin/requests/R-7K3P9Q")).text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; سارة" in page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page and "&lt;b&gt;flag&lt;/b&gt;" in page
    assert "&lt;script&gt;" in await (await console.client.get("/admin/inbox")).text()


async def test_pages_are_not_cached_and_the_stylesheet_is_served(console: Console):
    await console.signed_in_as("viewer")
    page = await console.client.get("/admin/requests")
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    css = await console.client.get("/admin/static/admin.css")
    assert css.status == 200 and "@media (max-width: 640px)" in await css.text()


def test_markup_helpers_escape_text_and_attributes():
    assert el("a", "<b>", href='" onclick="x') == '<a href="&quot; onclick=&quot;x">&lt;b&gt;</a>'
    assert el("p", el("b", "ok"), [" & ", "more"]) == "<p><b>ok</b> &amp; more</p>"
    assert el("input", name="n", required=True, disabled=False, title=None) == '<input name="n" required>'
