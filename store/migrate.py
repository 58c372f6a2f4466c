"""Apply the Alembic migrations to a database (used by `python -m bot migrate`, `make run` and tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> list[str]:
    """Bring the schema at `url` up to `revision`; safe to run again. The revisions applied, in order."""
    config = alembic_config(url)
    config.attributes["applied"] = []
    command.upgrade(config, revision)
    return config.attributes["applied"]


def outcome(applied: list[str]) -> str:
    """What a migration run did, in a line: "created" (a new database), "up to date", or what it applied."""
    if not applied:
        return "up to date"
    if applied[0] == ScriptDirectory.from_config(alembic_config("")).get_base():
        return "created"
    return f"applied {', '.join(applied)}"


async def upgrade_async(url: str, revision: str = "head") -> None:
    """The same from inside a running event loop (Alembic's env runs its own loop, so use a thread)."""
    await asyncio.to_thread(upgrade, url, revision)
