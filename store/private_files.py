"""Directories and files only this user may read (0700, 0600): ./data and what lands in it — the SQLite
database with its -wal and -shm files, the key file, uploads — hold personal data and its key."""

from __future__ import annotations

import os
from pathlib import Path

SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")  # SQLite gives these the database file's own mode


def private_dir(path: Path, *, narrow: bool = False) -> Path:
    """`path` and any missing parents, created 0700 (the umask narrowed around the creation only); with
    `narrow`, an existing `path` (of an older, wider install) is made 0700 too."""
    old = os.umask(0o077)
    try:
        path.mkdir(parents=True, exist_ok=True)
    finally:
        os.umask(old)
    if narrow:
        path.chmod(0o700)
    return path


def private_sqlite(path: Path) -> None:
    """The database file made 0600 before SQLite opens it (an empty file is an empty database), so that the
    -wal and -shm files SQLite creates beside it are 0600 too; those of an older, wider install narrowed."""
    private_dir(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for suffix in SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.chmod(0o600)
