"""./data and what lands in it are readable by this user only, whatever the umask: the SQLite database and
its -wal and -shm files, the key file, uploaded evidence."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from handlers.admin import files
from store.crypto import Keyring, keyring_from, new_key
from store.db import make_engine

PDF = b"%PDF-1.4 evidence"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    """The umask most systems give a service (files 0644, directories 0755 unless narrowed)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


async def test_the_database_directory_and_files_are_private(tmp_path):
    db = tmp_path / "data" / "frontdesk.sqlite3"
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (x TEXT)"))
        await conn.execute(text("INSERT INTO t VALUES ('زبرجد')"))
        wal, shm = db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")
        assert wal.exists() and shm.exists()  # while a connection is open, WAL mode keeps both
        assert (mode(db.parent), mode(db), mode(wal), mode(shm)) == (0o700, 0o600, 0o600, 0o600)
    await engine.dispose()


async def test_an_older_wider_database_is_narrowed_when_opened(tmp_path):
    db = tmp_path / "frontdesk.sqlite3"
    db.touch(mode=0o644)
    await make_engine(f"sqlite+aiosqlite:///{db}").dispose()
    assert mode(db) == 0o600


def test_the_key_file_and_its_directory_are_private(tmp_path):
    key_file = tmp_path / "data" / "data.key"
    keyring_from("", key_file)
    assert (mode(key_file.parent), mode(key_file)) == (0o700, 0o600)


def test_an_older_wider_data_directory_and_key_file_are_narrowed_when_the_key_is_read(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    key = new_key()
    (data / "data.key").write_text(key)
    (data / "data.key").chmod(0o644)
    assert keyring_from("", data / "data.key").decrypt(Keyring([key]).encrypt("x")) == "x"  # the same key
    assert (mode(data), mode(data / "data.key")) == (0o700, 0o600)


async def test_uploads_and_the_data_directory_above_them_are_private(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "UPLOADS", tmp_path / "data" / "uploads")
    stored = await files.store(PDF)
    assert stored is not None
    assert (mode(tmp_path / "data"), mode(stored.path.parent), mode(stored.path)) == (0o700, 0o700, 0o600)
