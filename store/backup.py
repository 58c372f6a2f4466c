"""Backups while the bot runs, and restoring one into an empty database. A backup is a directory: the database
(SQLite through its online backup API, a consistent snapshot; PostgreSQL through `pg_dump`, one snapshot
transaction), then the uploaded files and the files beneficiaries sent (FILES_DIR), then a manifest. The database is copied first, so every file a copied
row names is already on disk when the files are copied. The data key is not in it: without DATA_KEYS or
./data/data.key the encrypted fields of a backup cannot be read, so keep the key too, somewhere else."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import URL, make_url

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
FILES = "uploads"
SENT = "files"  # what beneficiaries sent (FILES_DIR)
BUSY_SECONDS = 15  # as long as the bot waits for SQLite's lock
KEY_REMINDER = (
    "Keep the data key with the backup, but not in the same place: DATA_KEYS, or the file ./data/data.key. "
    "Without it the national IDs and names in the backup cannot be read."
)


class BackupError(Exception):
    """A backup or restore that cannot be done, said in one line."""


@dataclass(frozen=True)
class Done:
    """What a backup or restore did: the database kind, and how many uploaded files it carried."""

    database: str
    files: int


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("setting DATABASE_URL: an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL for pg_dump/pg_restore without the password, and the environment that carries the password."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    query = dict(url.query)
    if "ssl" in query:  # asyncpg's name for libpq's sslmode
        query["sslmode"] = query.pop("ssl")
    plain = URL.create(
        "postgresql", username=url.username, host=url.host, port=url.port, database=url.database, query=query
    )
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client of the server's version "
            f"(Debian: apt-get install postgresql-client), or run {name} yourself (pg_dump --format=custom)"
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
        raise BackupError(f"{Path(command[0]).name} failed: {lines[-1]}")


def _copy_files(source: Path, target: Path) -> int:
    if not source.is_dir():
        return 0
    shutil.copytree(source, target, dirs_exist_ok=True)
    return sum(1 for p in target.rglob("*") if p.is_file())


def backup(database_url: str, target: Path, files: Path, sent: Path | None = None) -> Done:
    """Copy the database, then the files directories `files` and `sent`, into the new directory `target`."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: give a new directory for the backup")
    target.mkdir(parents=True, exist_ok=True)
    os.chmod(target, 0o700)  # it holds personal data
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        kind = "sqlite"
        path = _sqlite_path(url)
        if not path.exists():
            raise BackupError(f"there is no database at {path}")
        source, copy = sqlite3.connect(path, timeout=BUSY_SECONDS), sqlite3.connect(target / SQLITE_FILE)
        try:
            source.backup(copy)  # all pages in one step: a snapshot, while the bot goes on writing (WAL)
        finally:
            copy.close()
            source.close()
    else:
        kind = "postgresql"
        address, env = _libpq(url)
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file",
              str(target / PG_FILE), address], env)  # fmt: skip
    count = _copy_files(files, target / FILES) + (_copy_files(sent, target / SENT) if sent else 0)
    manifest = {"database": kind, "files": count, "created_at": datetime.now(timezone.utc).isoformat()}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return Done(kind, count)


def _read_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"{source} is not a backup made by `python -m bot backup` (no readable {MANIFEST})") from None
    if manifest.get("database") not in ("sqlite", "postgresql"):
        raise BackupError(f"{source / MANIFEST} names no known database")
    return manifest


def _sqlite_empty(path: Path) -> bool:
    if not path.exists():
        return True
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0


def _postgres_empty(address: str, env: dict[str, str]) -> bool:
    query = "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
    result = subprocess.run([_tool("psql"), "-At", "-c", query, address], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["no output"]
        raise BackupError(f"psql failed: {lines[-1]}")
    return result.stdout.strip() == "0"


def restore(database_url: str, source: Path, files: Path, sent: Path | None = None) -> Done:
    """Restore the backup in `source` into the empty database at `database_url`, and its files into `files`
    and `sent`."""
    manifest = _read_manifest(source)
    url = make_url(database_url)
    kind = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
    if manifest["database"] != kind:
        raise BackupError(f"this backup is of a {manifest['database']} database; DATABASE_URL is {kind}")
    if kind == "sqlite":
        path = _sqlite_path(url)
        if not _sqlite_empty(path):
            raise BackupError(f"the database {path} is not empty: restore only into a new, empty database")
        path.parent.mkdir(parents=True, exist_ok=True)
        copy, target = sqlite3.connect(source / SQLITE_FILE), sqlite3.connect(path)
        try:
            copy.backup(target)
        finally:
            target.close()
            copy.close()
    else:
        address, env = _libpq(url)
        if not _postgres_empty(address, env):
            raise BackupError("the database of DATABASE_URL is not empty: restore only into a new, empty database")
        _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              "--dbname", address, str(source / PG_FILE)], env)  # fmt: skip
    return Done(kind, _copy_files(source / FILES, files) + (_copy_files(source / SENT, sent) if sent else 0))
