"""Every route in the route table (bot/routes.py with Telegram and WhatsApp on, handlers/admin/routes.py),
signed in as admin: out-of-range, negative, huge, non-numeric and non-UTF-8 values in each query, path and form
parameter get an answer, never a 500 — on SQLite and PostgreSQL. And the cases the review found, one by one."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import AsyncIterator
from urllib.parse import quote, urlencode

import pytest
from aiohttp import web
from yarl import URL

from store.models import Beneficiary, Broadcast, InboundMessage
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.test_console_complaints import seed_complaint
from tests.test_console_programs import seed_program, seed_signup
from tests.test_console_support import Console, csrf_of, fresh_console
from tests.test_telegram import SECRET as TG_SECRET, TOKEN as TG_TOKEN
from tests.test_whatsapp import ACCOUNT, FROM, TOKEN as TWILIO_TOKEN

QUERY_NAMES = (
    "after", "month", "next", "lang", "status", "category", "city", "kind", "program", "keep", "drop", "page", "q",
    "order", "channel", "open", "opted_out", "sort", "dir",
)
BAD = (  # each already URL-encoded: %FF%FE is not UTF-8 once decoded
    "-1", "0", "1" + "0" * 30, "9" * 5000, "abc", "%D9%A1%D9%A2", "2077-11", "1999-12", "0000-00", "9999-12",
    "0001-01-01T00:00", "9999-12-31T23:59", "%FF%FE", "%00", "x" * 3000,
)
FALLBACK_FIELDS = ("text", "note", "question", "reason", "reply", "act", "kind", "reference", "username", "next")
BAD_PATH = ("-1", "0", "2147483648", "999999999", "1" * 18, "abc", "%FF%FE", "%D9%A1")


class Forms(HTMLParser):
    """The POST forms of a page: action -> {field: its value as the page fills it}."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self.current: dict[str, str] | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post":
            self.current = self.forms.setdefault(a["action"], {})
        elif self.current is not None and tag in ("input", "textarea", "select") and a.get("name"):
            if a.get("type") != "file":
                self.current.setdefault(a["name"], a.get("value", "on" if a.get("type") == "checkbox" else ""))
            self.select = a["name"] if tag == "select" else None
        elif tag == "option" and self.current is not None and self.select and not self.current[self.select]:
            self.current[self.select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


@pytest.fixture
async def console(db_url, tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with FakeBotApi(TG_TOKEN) as api, FakeTwilioApi() as twilio:
        channels = {
            "telegram_bot_token": TG_TOKEN, "telegram_webhook_secret": TG_SECRET,
            "telegram_api_base_url": api.base_url, "twilio_account_sid": ACCOUNT,
            "twilio_auth_token": TWILIO_TOKEN, "twilio_whatsapp_from": FROM, "twilio_api_base_url": twilio.url,
        }  # fmt: skip
        async with fresh_console(db_url, tmp_path, monkeypatch, clock, **channels) as c:
            yield c


async def seeded(console: Console) -> dict[str, str]:
    """A record behind each kind of path, and the values that reach it."""
    await console.request("R-7K3P9Q", status="accepted")
    await console.handoff("H-000001", created=console.clock.now, due=console.clock.now + timedelta(hours=4))
    await seed_complaint(console, "C-000001")
    program = await seed_program(console)
    await seed_signup(console, program.id, "pending")
    await seed_signup(console, program.id, "accepted")
    async with console.sessions() as tx, tx.begin():
        broadcast = Broadcast(text_ar="نص", text_en="text", send_at=console.clock.now, created_at=console.clock.now)
        tx.add(broadcast)
    person = (await console.all(Beneficiary))[0]
    colleague = await console.staff("viewer", "colleague")
    return {"program_id": str(program.id), "broadcast_id": str(broadcast.id), "attachment_id": "1",
            "person_id": str(person.id), "batch_id": "1", "staff_id": str(colleague.id), "row_id": "1", "answer_id": "1",
            "name": "0" * 32 + ".pdf", "key": "decision_time", "index": "0"}


def valid_path(formatter: str, ids: dict[str, str], **bad: str) -> str:
    """The route's path to a seeded record, with `bad` in place of some of its parameters."""
    references = {"/admin/requests/": "R-7K3P9Q", "/admin/inbox/": "H-000001", "/admin/complaints/": "C-000001"}
    reference = next((r for prefix, r in references.items() if formatter.startswith(prefix)), "R-7K3P9Q")
    return formatter.format(**{**ids, "reference": reference, **bad})


def routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, path formatter) of every route but the static files."""
    found = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        formatter = info.get("formatter") or info.get("path")
        if formatter and route.method in ("GET", "POST") and "prefix" not in info:
            found.append((route.method, formatter))
    return sorted(set(found), key=lambda r: (r[1] == "/admin/logout", r))  # signing out last


async def test_every_route_answers_bad_parameters_without_a_500(console: Console):
    ids = await seeded(console)
    await console.signed_in_as("admin")
    token = csrf_of(await (await console.client.get("/admin/requests")).text())
    table, failures, pages = routes(console.app), [], Forms()
    assert {"/admin/reports", "/api/chat/send", "/webhooks/telegram", "/webhooks/twilio"} <= {p for _, p in table}

    async def check(method: str, url: str, **kw) -> None:
        response = await console.client.request(method, URL(url, encoded=True), allow_redirects=False, **kw)
        if response.status >= 500:
            failures.append((method, url[:120], str(kw.get("data", ""))[:120], response.status))
        elif method == "GET" and response.content_type == "text/html":
            pages.feed(await response.text())

    await console.client.get("/")  # the web chat's cookie
    for method, formatter in table:
        path = valid_path(formatter, ids)
        if method == "GET":
            await check("GET", path)
            for value in BAD:
                await check("GET", f"{path}?{'&'.join(f'{name}={value}' for name in QUERY_NAMES)}")
        for name in re.findall(r"{(\w+)}", formatter):
            for value in BAD_PATH:
                await check(method, valid_path(formatter, ids, **{name: value}))
    for method, formatter in table:
        if method != "POST":
            continue
        path = valid_path(formatter, ids)
        form = pages.forms.get(path, dict.fromkeys(FALLBACK_FIELDS, ""))  # a form not on the seeded pages
        form = {**form, "csrf": token}
        form_type = {"Content-Type": "application/x-www-form-urlencoded"}
        for field in [f for f in form if f != "csrf"]:
            for value in BAD:
                body = urlencode({**form, field: ""}).replace(f"{quote(field)}=", f"{quote(field)}={value}", 1)
                await check("POST", path, data=body.encode(), headers=form_type)
            raw = urlencode({**form, field: ""}).encode() + b"&" + quote(field).encode() + b"=\xff\xfe"
            await check("POST", path, data=raw, headers=form_type)
        await check("POST", path, data=b"csrf=" + token.encode() + b"&\xff=\xfe", headers=form_type)
    assert failures == [], "\n".join(map(str, failures))


@pytest.mark.parametrize("after", [10**30, -10**30, 2**31, 1.5, "7", True])
async def test_the_chat_refuses_an_after_out_of_bounds_before_applying_the_message(console: Console, after):
    await console.client.get("/")
    sent = await console.client.post("/api/chat/send", json={"id": "abcdefgh1", "text": "مرحبا", "after": after})
    assert sent.status == 400 and "after" in await sent.text()
    assert await console.all(InboundMessage) == []  # nothing was applied
    if not isinstance(after, str):  # "7" is a fine query value; the JSON body wants a number
        read = await console.client.get("/api/chat/messages", params={"after": str(after)})
        assert read.status == 400 and "after" in await read.text()


REPORTS = ("/admin/reports", "/admin/reports/monthly", "/admin/reports.csv", "/admin/reports.xlsx")


async def test_a_report_month_outside_the_calendars_is_a_clear_400_page(console: Console):
    await console.signed_in_as("viewer")
    for path in REPORTS:
        for month in ("2077-11", "1999-12", "2026-13", "26-11", "٢٠٧٧-١١", "2026-1"):
            response = await console.client.get(path, params={"month": month})
            assert response.status == 400, (path, month)
            text = await response.text()
            assert "اختر شهراً بالصيغة سنة-شهر بين 2000-01 و2077-10" in text and "error_month" not in text
        assert (await console.client.get(path, params={"month": "2077-10"})).status == 200
        assert (await console.client.get(path, params={"month": "٢٠٢٦-١١"})).status == 200  # typed in Arabic-Indic


@pytest.mark.parametrize(
    "body",
    [
        {"id": "abcdefgh2", "text": "مرحبا\x00"},
        {"id": "abcdefgh3", "text": "١", "choice": "lang:ar\x00"},
        {"id": "abcdefgh4", "start": True, "after": 2**31 - 1},
        {"id": "abcdefgh5", "text": "x" * 100_000},
    ],
)
async def test_the_chat_body_never_causes_a_500(console: Console, body):
    await console.client.get("/")
    response = await console.client.post("/api/chat/send", json=body)
    assert response.status < 500, await response.text()


@pytest.mark.parametrize("query", ["program=abc", "program=2147483648", "program=-1", "program=%00"])
async def test_a_bad_program_to_announce_is_a_400_page_in_the_staffs_language(console: Console, query):
    await console.signed_in_as("admin")
    response = await console.client.get(URL(f"/admin/broadcasts/new?{query}", encoded=True))
    assert response.status == 400 and "في عنوان الصفحة قيمة غير صالحة" in await response.text()
