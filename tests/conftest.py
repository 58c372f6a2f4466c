"""Shared fixtures: one store suite for SQLite and PostgreSQL, a fixed clock, the test profile."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from bot.engine import Engine
from conversations.profile import Profile, load
from conversations.catalog import Catalog
from store.crypto import Keyring, new_key
import store.migrate
from store.db import make_engine, make_sessions
from store.migrate import upgrade

FIXTURES = Path(__file__).parent / "fixtures"
os.environ.setdefault("DATA_KEYS", new_key())  # apps built in tests encrypt with a throwaway key
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
# Wednesday 25 November 2026, 11:00 in Riyadh: inside working hours.
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class References:
    """Predictable reference numbers: H-000001, H-000002, …"""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"H-{self.n:06d}"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def profile() -> Profile:
    return load(str(FIXTURES / "profile.toml"))


@pytest.fixture(scope="session")
def texts(profile: Profile) -> Catalog:
    return Catalog.load(profile.texts)


def run_sync(coro_fn, *args):
    """Run an async function to completion from sync code, even when an event loop is already running."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coro_fn(*args))).result()


def _pg_admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG


async def _pg_reachable(url: str) -> str | None:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001  (any failure means: not reachable)
        return f"{type(exc).__name__}: {exc}"
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A fresh PostgreSQL database for this test run, migrated; dropped at the end."""
    admin = _pg_admin_url()
    problem = run_sync(_pg_reachable, admin)
    if problem:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required (REQUIRE_POSTGRES=1) but {admin} is unreachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {admin}: {problem}")
    name = f"frontdesk_test_{uuid.uuid4().hex[:10]}"

    async def admin_sql(sql: str) -> None:
        engine = make_engine(admin)
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(sql))
        await engine.dispose()

    run_sync(admin_sql, f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    run_sync(asyncio.to_thread, upgrade, url)
    yield url
    run_sync(admin_sql, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _truncate(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head per test run: a test's fresh database is a copy of it."""
    path = tmp_path_factory.mktemp("migrated") / "head.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(autouse=True)
def fresh_sqlite_is_a_copy(monkeypatch: pytest.MonkeyPatch, migrated_sqlite: Path) -> None:
    """Migrating a SQLite file that does not exist yet to head copies the migrated file (milliseconds instead of
    half a second per test); any other upgrade runs Alembic as usual. The migrations themselves run once per
    test run here, and in full by the tests that start `python -m bot` and the ones that stop at a revision."""
    alembic = store.migrate.upgrade

    def upgrade_or_copy(url: str, revision: str = "head"):  # type: ignore[no-untyped-def]
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and revision == "head" and parsed.database:
            target = Path(parsed.database)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(migrated_sqlite, target)
                return None
        return alembic(url, revision)

    monkeypatch.setattr(store.migrate, "upgrade", upgrade_or_copy)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs twice: on a fresh SQLite file and on a clean PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
        await asyncio.to_thread(store.migrate.upgrade, url)
        return url
    url = request.getfixturevalue("postgres_url")
    await _truncate(url)
    return url


@pytest.fixture
async def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_sessions(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    return Keyring([new_key()])


@pytest.fixture
def engine(sessions, profile: Profile, texts: Catalog, keyring: Keyring, clock: Clock) -> Engine:
    return Engine(sessions, profile, texts, keyring, clock=clock, references=References())
