"""Shared by the console tests (no tests here): the real app with the console routes, a client that signs in,
seeded records."""

from __future__ import annotations

import contextlib
import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import AsyncIterator

import pytest
from aiohttp import ClientResponse, FormData
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.appkeys import ENGINE, KEYRING
from bot.settings import Settings
from handlers.admin import passwords
from handlers.admin.routes import setup_admin_routes
from handlers.admin.staff import create_staff
from store.crypto import new_key
from store.migrate import upgrade_async
from store.models import Beneficiary, ChannelIdentity, Conversation, HandoffRequest, HelpRequest, Staff
from tests.conftest import FIXTURES, Clock

PASSWORD = "correct horse battery"
NATIONAL_ID = "1087654321"
MASKED_ID = "1•••••4321"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
Part = tuple[str, object, dict]  # a multipart field: name, value, add_field's options (filename, content_type)
FAST = passwords.Cost(n=2**10, r=8, p=1)  # tests hash many passwords; the real cost is tested on its own


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


class Console:
    """A test client on the console, with helpers to sign in, post forms and seed records."""

    def __init__(self, client: TestClient, clock: Clock):
        self.client, self.clock = client, clock
        self.app = client.server.app

    @property
    def sessions(self):
        return self.app[ENGINE].sessions

    async def staff(self, role: str, username: str | None = None) -> Staff:
        return await create_staff(self.sessions, username or role, PASSWORD, role, f"{role} person")

    async def login(self, username: str, password: str = PASSWORD) -> ClientResponse:
        self.client.session.cookie_jar.clear()  # as if from another browser
        page = await self.client.get("/admin/login")
        data = {"csrf": csrf_of(await page.text()), "username": username, "password": password}
        return await self.client.post("/admin/login", data=data, allow_redirects=False)

    async def signed_in_as(self, role: str) -> Staff:
        """A new staff member of `role`, signed in on this client."""
        staff = await self.staff(role, f"{role}-{uuid.uuid4().hex[:6]}")
        response = await self.login(staff.username)
        assert response.status == 303, await response.text()
        return staff

    async def post(self, path: str, data: dict | list[Part], page: str, **kw) -> ClientResponse:
        """Post `data` with the CSRF token of the form on `page` first, as a browser does (unless `data` sets
        its own); a list of parts is sent as multipart/form-data."""
        token = csrf_of(await (await self.client.get(page)).text())
        if isinstance(data, dict):
            body: dict | FormData = {"csrf": token, **data}
        else:
            body = FormData()
            body.add_field("csrf", token)
            for name, value, options in data:
                body.add_field(name, value, **options)
        return await self.client.post(path, data=body, allow_redirects=False, **kw)

    async def all(self, model, *where) -> list:
        async with self.sessions() as tx:
            return list((await tx.scalars(select(model).where(*where).order_by(model.id))).all())

    async def one(self, model, *where):
        rows = await self.all(model, *where)
        assert len(rows) == 1, rows
        return rows[0]

    async def person(self, tx, name: str = "Sara") -> tuple[Beneficiary, str]:
        """A beneficiary who talks to us on the web chat, with a conversation in the main menu."""
        person = Beneficiary(display_name=name, language="ar")
        tx.add(person)
        await tx.flush()
        token = uuid.uuid4().hex
        tx.add(ChannelIdentity(channel="web", external_id=token, beneficiary_id=person.id))
        tx.add(
            Conversation(key=f"web:{token}", beneficiary_id=person.id, state="menu:main", data={"lang": "ar"})
        )
        return person, f"web:{token}"

    async def request(
        self,
        reference: str = "R-7K3P9Q",
        *,
        status: str = "submitted",
        due_in: timedelta = timedelta(days=14),
        category: str = "food",
        city: str = "bukayriyah",
        full_name: str = "سارة محمد",
        description: str = "نحتاج سلة غذائية",
        flags: tuple[str, ...] = (),
    ) -> HelpRequest:
        """A help request with its name and national ID encrypted by the app's keyring."""
        keyring = self.app[KEYRING]
        async with self.sessions() as tx, tx.begin():
            person, key = await self.person(tx)
            row = HelpRequest(
                reference=reference,
                beneficiary_id=person.id,
                conversation_key=key,
                channel="web",
                status=status,
                category=category,
                city=city,
                residency="citizen",
                household_size=4,
                income_bracket="under_3000",
                description=description,
                full_name_enc=keyring.encrypt(full_name),
                national_id_enc=keyring.encrypt(NATIONAL_ID),
                phone="+966500000001",
                flags=list(flags),
                due_at=self.clock.now + due_in,
                submitted_at=self.clock.now - timedelta(days=1),
                updated_at=self.clock.now,
            )
            tx.add(row)
        return row

    async def handoff(
        self,
        reference: str,
        *,
        created: datetime,
        due: datetime,
        question: str = "سؤال",
        status: str = "open",
    ) -> HandoffRequest:
        async with self.sessions() as tx, tx.begin():
            person, key = await self.person(tx)
            row = HandoffRequest(
                reference=reference,
                beneficiary_id=person.id,
                conversation_key=key,
                channel="web",
                reason="inquiry",
                last_question=question,
                status=status,
                answer_due_at=due,
                created_at=created,
            )
            tx.add(row)
        return row


@contextlib.asynccontextmanager
async def console_on(url: str, clock: Clock, middlewares: tuple = (), **settings: object) -> AsyncIterator[Console]:
    """The app as `create_app` builds it, with the console routes (added here until bot/routes.py does) and
    any extra middlewares a test observes requests with."""
    config = Settings(
        _env_file=None,
        database_url=url,
        data_keys=new_key(),
        **{"profile": str(FIXTURES / "profile.toml"), **settings},
    )
    app = create_app(config, clock=clock, background=False)
    app.middlewares.extend(middlewares)
    if not any(resource.canonical == "/admin/login" for resource in app.router.resources()):
        setup_admin_routes(app)
    async with TestClient(TestServer(app)) as client:
        yield Console(client, clock)


@contextlib.asynccontextmanager
async def fresh_console(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: Clock, **settings: object
) -> AsyncIterator[Console]:
    """The console on a migrated database, run from the test's own directory (uploads: ./data/uploads/)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(passwords, "COST", FAST)
    await upgrade_async(url)
    async with console_on(url, clock, **settings) as console:
        yield console


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'console.sqlite3'}"
