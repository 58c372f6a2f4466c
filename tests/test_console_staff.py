"""Staff accounts over HTTP: an admin creates, changes a role, resets a password and disables an account, each
audited and confirmed on the page they land on; a disabled account's open session is refused at once; every
staff member changes their own password; non-admins get 403."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from store.models import AuditLog, Staff, StaffSession
from tests.test_console_support import PASSWORD, Console, csrf_of, fresh_console, sqlite_url

SECRET = re.compile(r'<code dir="ltr" class="secret">([^<]+)</code>')


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


async def _as(console: Console, username: str) -> None:
    response = await console.login(username)
    assert response.status == 303, await response.text()


async def test_a_disabled_staff_members_open_session_is_refused_on_its_next_request(console: Console):
    await console.staff("researcher", "amal")
    amal_browser = console.client.session.cookie_jar
    await _as(console, "amal")
    amal_cookie = amal_browser.filter_cookies(console.client.make_url("/admin"))["frontdesk_staff"].value
    assert (await console.client.get("/admin/requests")).url.path == "/admin/requests"

    await console.signed_in_as("admin")  # another browser
    amal = await console.one(Staff, Staff.username == "amal")
    confirm = await console.client.get(f"/admin/staff/{amal.id}/disable")
    text = await confirm.text()
    assert confirm.status == 200 and "تنتهي جلساته المفتوحة الآن (1) فوراً" in text
    response = await console.post(f"/admin/staff/{amal.id}/disable", {}, page=f"/admin/staff/{amal.id}/disable")
    assert response.status == 303 and response.headers["Location"] == f"/admin/staff/{amal.id}?done=disabled"
    landed = await console.client.get(response.headers["Location"])
    assert "أُوقف الحساب وأُنهيت جميع جلساته." in await landed.text()

    console.client.session.cookie_jar.clear()
    again = await console.client.get("/admin/requests", headers={"Cookie": f"frontdesk_staff={amal_cookie}"},
                                     allow_redirects=False)
    assert again.status == 303 and again.headers["Location"].startswith("/admin/login")
    assert await console.all(StaffSession, StaffSession.staff_id == amal.id) == []
    audit = await console.one(AuditLog, AuditLog.action == "staff_disabled")
    assert audit.subject == f"staff:{amal.id}" and audit.detail == {"sessions_ended": 1}
    assert (await console.login("amal")).status == 401


async def test_an_admin_creates_changes_the_role_resets_and_disables_each_audited(console: Console):
    admin = await console.signed_in_as("admin")
    created = await console.post("/admin/staff", {"username": "Noura", "display_name": "نورة", "role": "viewer"},
                                 page="/admin/staff")
    page = await created.text()
    assert created.status == 200 and "أُنشئ حساب noura" in page
    first_password = SECRET.search(page).group(1)
    noura = await console.one(Staff, Staff.username == "noura")
    assert noura.role == "viewer" and first_password not in noura.password_hash
    assert first_password not in await (await console.client.get(f"/admin/staff/{noura.id}")).text()

    role = await console.post(f"/admin/staff/{noura.id}/role", {"role": "researcher"}, page=f"/admin/staff/{noura.id}")
    assert role.headers["Location"] == f"/admin/staff/{noura.id}?done=role"
    assert "غُيّرت الصلاحية." in await (await console.client.get(role.headers["Location"])).text()

    reset = await console.post(f"/admin/staff/{noura.id}/reset", {}, page=f"/admin/staff/{noura.id}")
    second_password = SECRET.search(await reset.text()).group(1)
    assert second_password != first_password

    await console.post(f"/admin/staff/{noura.id}/disable", {}, page=f"/admin/staff/{noura.id}/disable")
    rows = await console.all(AuditLog, AuditLog.subject == f"staff:{noura.id}")
    assert [(r.action, r.staff_id) for r in rows] == [
        ("staff_created", admin.id), ("staff_role_changed", admin.id), ("staff_password_reset", admin.id),
        ("staff_disabled", admin.id),
    ]
    assert rows[1].detail == {"before": "viewer", "after": "researcher"}
    noura = await console.one(Staff, Staff.username == "noura")
    assert (noura.role, noura.active) == ("researcher", False)
    audit_page = await (await console.client.get("/admin/audit")).text()
    assert "غُيّرت صلاحية \u2068نورة\u2069" in audit_page and "أُوقف حساب \u2068نورة\u2069" in audit_page
    assert "من مطّلع إلى باحث اجتماعي" in audit_page and "<dt>الجلسات المنتهية</dt><dd>0</dd>" in audit_page
    assert "sessions_ended" not in audit_page and '"before"' not in audit_page

    enabled = await console.post(f"/admin/staff/{noura.id}/enable", {}, page=f"/admin/staff/{noura.id}")
    assert enabled.headers["Location"].endswith("?done=enabled")
    assert (await console.login("noura", first_password)).status == 401
    assert (await console.login("noura", second_password)).status == 303


async def test_a_taken_username_gets_a_polite_refusal(console: Console):
    await console.staff("viewer", "huda")
    await console.signed_in_as("admin")
    response = await console.post("/admin/staff", {"username": "huda", "role": "viewer"}, page="/admin/staff")
    assert response.status == 400 and "اسم المستخدم هذا مستخدم لحساب آخر" in await response.text()


@pytest.mark.parametrize("role", ["researcher", "coordinator", "viewer"])
async def test_a_non_admin_gets_403_on_the_staff_pages(console: Console, role):
    other = await console.staff("viewer", "huda")
    await console.signed_in_as(role)
    for path in ("/admin/staff", f"/admin/staff/{other.id}", f"/admin/staff/{other.id}/disable"):
        assert (await console.client.get(path)).status == 403, path
    for path, data in (("/admin/staff", {"username": "new1", "role": "admin"}),
                       (f"/admin/staff/{other.id}/role", {"role": "admin"}),
                       (f"/admin/staff/{other.id}/disable", {}), (f"/admin/staff/{other.id}/reset", {})):
        assert (await console.post(path, data, page="/admin/account")).status == 403, path
    assert (await console.one(Staff, Staff.id == other.id)).role == "viewer"
    assert "/admin/staff" not in await (await console.client.get("/admin/account")).text()


async def test_an_admin_cannot_disable_themselves(console: Console):
    admin = await console.signed_in_as("admin")
    response = await console.post(f"/admin/staff/{admin.id}/disable", {}, page="/admin/staff")
    assert response.status == 400 and "لا يمكنك تغيير صلاحية حسابك" in await response.text()
    assert (await console.one(Staff)).active


async def test_staff_change_their_own_password_with_the_current_one_and_see_their_sign_ins(console: Console):
    staff = await console.signed_in_as("viewer")
    wrong = await console.post("/admin/account/password", {"current": "not it at all", "new": "a new long secret",
                                                          "again": "a new long secret"}, page="/admin/account")
    assert wrong.status == 400 and "كلمة المرور الحالية غير صحيحة." in await wrong.text()
    short = await console.post("/admin/account/password", {"current": PASSWORD, "new": "short", "again": "short"},
                               page="/admin/account")
    assert short.status == 400
    changed = await console.post("/admin/account/password", {"current": PASSWORD, "new": "a new long secret",
                                                            "again": "a new long secret"}, page="/admin/account")
    assert changed.headers["Location"] == "/admin/account?done=password"
    page = await (await console.client.get(changed.headers["Location"])).text()  # this session goes on
    assert "غُيّرت كلمة المرور" in page and "تسجيل دخول" in page
    actions = [r.action for r in await console.all(AuditLog, AuditLog.staff_id == staff.id)]
    assert actions[-2:] == ["password_change_refused", "password_changed"]
    assert (await console.login(staff.username)).status == 401
    assert (await console.login(staff.username, "a new long secret")).status == 303
    assert csrf_of(await (await console.client.get("/admin/account")).text())
