"""Backups while inputs keep arriving, restored into a fresh database (SQLite and PostgreSQL), and the
commands as staff run them."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bot.incoming import Incoming
from conversations.types import Inbound
from store.backup import BackupError, _libpq, backup, restore
from store.db import make_engine, make_sessions
from store.models import InboundMessage, OutboxMessage
from tests.test_cli import bot

PDF = b"%PDF-1.4 proof of delivery"


async def _fresh_database(db_url: str, tmp_path: Path) -> tuple[str, str | None]:
    """An empty database of the same kind: (its URL, the name to drop afterwards on PostgreSQL)."""
    if db_url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{tmp_path / 'restored.sqlite3'}", None
    name = f"frontdesk_restore_{uuid.uuid4().hex[:10]}"
    admin = make_engine(db_url)
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return db_url.rsplit("/", 1)[0] + f"/{name}", name


async def _drop(db_url: str, name: str | None) -> None:
    if name is None:
        return
    admin = make_engine(db_url)
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def test_a_backup_while_inputs_arrive_restores_every_acknowledged_input(db_url, engine, tmp_path):
    acknowledged: list[str] = []
    stop = asyncio.Event()

    async def traffic() -> None:  # five web-chat users writing one after another, as fast as the bot answers
        n = 0
        while not stop.is_set():
            n += 1
            await engine.handle(Incoming("web", f"user{n % 5}", f"m{n}", Inbound("text", text="مرحبا")))
            acknowledged.append(f"m{n}")  # handle returned: the input is committed and answered

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "proof.pdf").write_bytes(PDF)
    task = asyncio.create_task(traffic())
    while len(acknowledged) < 20:
        await asyncio.sleep(0.01)
    before = set(acknowledged)
    done = await asyncio.to_thread(backup, db_url, tmp_path / "backup", uploads)
    at_end = len(acknowledged)
    while len(acknowledged) < at_end + 5:  # the bot kept answering through and after the backup
        await asyncio.sleep(0.01)
    stop.set()
    await task

    restored_url, name = await _fresh_database(db_url, tmp_path)
    restored_files = tmp_path / "restored_uploads"
    try:
        assert await asyncio.to_thread(restore, restored_url, tmp_path / "backup", restored_files) == done
        restored = make_engine(restored_url)
        async with make_sessions(restored)() as tx:
            inputs = {row.provider_message_id: row.status for row in (await tx.scalars(select(InboundMessage))).all()}
            replies = set((await tx.scalars(select(OutboxMessage.conversation_key))).all())
        await restored.dispose()
        with pytest.raises(BackupError, match="not empty"):  # never over a database in use
            await asyncio.to_thread(restore, restored_url, tmp_path / "backup", restored_files)
    finally:
        await _drop(db_url, name)
    assert before <= set(inputs) and all(inputs[m] == "processed" for m in before)
    assert {f"web:user{n}" for n in range(5)} <= replies
    assert (done.files, (restored_files / "proof.pdf").read_bytes()) == (1, PDF)


def test_the_commands_back_up_restore_refuse_a_used_database_and_remind_of_the_key(tmp_path):
    assert bot(tmp_path, "migrate").returncode == 0
    (tmp_path / "data" / "uploads").mkdir(parents=True)
    (tmp_path / "data" / "uploads" / "a.pdf").write_bytes(PDF)
    (tmp_path / "data" / "files").mkdir(parents=True)
    (tmp_path / "data" / "files" / "voice.ogg").write_bytes(b"OggS voice")  # what a beneficiary sent
    made = bot(tmp_path, "backup", str(tmp_path / "nightly"))
    assert made.returncode == 0, made.stderr
    assert "2 uploaded files" in made.stdout and "DATA_KEYS" in made.stdout and "data.key" in made.stdout
    again = bot(tmp_path, "backup", str(tmp_path / "nightly"))
    assert again.returncode == 2 and "not empty" in again.stderr and "Traceback" not in again.stderr

    refused = bot(tmp_path, "restore", str(tmp_path / "nightly"))  # the database in use is not empty
    assert refused.returncode == 2 and "not empty" in refused.stderr and "Traceback" not in refused.stderr
    elsewhere = tmp_path / "new_machine"
    elsewhere.mkdir()
    fresh = f"sqlite+aiosqlite:///{elsewhere / 'data' / 'frontdesk.sqlite3'}"
    restored = bot(elsewhere, "restore", str(tmp_path / "nightly"), DATABASE_URL=fresh)
    assert restored.returncode == 0, restored.stderr
    assert "DATA_KEYS" in restored.stdout and (elsewhere / "data" / "uploads" / "a.pdf").read_bytes() == PDF
    assert (elsewhere / "data" / "files" / "voice.ogg").read_bytes() == b"OggS voice"
    assert bot(elsewhere, "migrate", DATABASE_URL=fresh).returncode == 0
    not_a_backup = bot(elsewhere, "restore", str(elsewhere))
    assert not_a_backup.returncode == 2 and "not a backup" in not_a_backup.stderr


def test_pg_dump_gets_the_password_from_the_environment_not_the_command_line():
    address, env = _libpq(make_url("postgresql+asyncpg://frontdesk:s3cret@db:5432/frontdesk?ssl=require"))
    assert address == "postgresql://frontdesk@db:5432/frontdesk?sslmode=require"  # visible in `ps`: no secret
    assert env["PGPASSWORD"] == "s3cret"
