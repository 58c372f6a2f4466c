"""The association's file store: what beneficiaries send (images, PDF, audio), checked by its first bytes
against the limits of its kind and kept under a random name in FILES_DIR (directory 0700, files 0600)."""

from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
LIMITS = {"image": 10 * MB, "pdf": 15 * MB, "audio": 16 * MB}  # bytes per family (WhatsApp's own caps)
LARGEST = max(LIMITS.values())
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|jpg|png|ogg|wav|mp3|m4a|webm|amr)$")


@dataclass(frozen=True)
class FileType:
    """A type recognised by its first bytes: the content type to serve it with, its extension, its family."""

    content_type: str
    extension: str
    family: str  # image, pdf, audio


def _ftyp_audio(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in (b"M4A ", b"M4B ")


def _mp3(data: bytes) -> bool:
    return data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE6 == 0xE2)


_MAGIC = (  # (test, type); the first test that matches names the type
    (lambda d: d.startswith(b"%PDF-"), FileType("application/pdf", "pdf", "pdf")),
    (lambda d: d.startswith(b"\xff\xd8\xff"), FileType("image/jpeg", "jpg", "image")),
    (lambda d: d.startswith(b"\x89PNG\r\n\x1a\n"), FileType("image/png", "png", "image")),
    (lambda d: d.startswith(b"OggS"), FileType("audio/ogg", "ogg", "audio")),
    (lambda d: d[:4] == b"RIFF" and d[8:12] == b"WAVE", FileType("audio/wav", "wav", "audio")),
    (lambda d: d.startswith(b"#!AMR"), FileType("audio/amr", "amr", "audio")),
    (lambda d: d.startswith(b"\x1a\x45\xdf\xa3"), FileType("audio/webm", "webm", "audio")),
    (_ftyp_audio, FileType("audio/mp4", "m4a", "audio")),
    (_mp3, FileType("audio/mpeg", "mp3", "audio")),
)


def sniff(data: bytes) -> FileType | None:
    """The type the bytes start like; None for anything we do not accept."""
    return next((kind for test, kind in _MAGIC if test(data)), None)


def refusal(data: bytes) -> str | None:
    """Why a file cannot be kept ("type" or "too_large"), or None when it is accepted."""
    kind = sniff(data)
    if kind is None:
        return "type"
    return "too_large" if len(data) > LIMITS[kind.family] else None


def write(root: Path, data: bytes) -> tuple[str, FileType]:
    """Keep an accepted file (check `refusal` first) under a new random name; (name, type)."""
    kind = sniff(data)
    if kind is None:
        raise ValueError("not an accepted file type")
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{secrets.token_hex(16)}.{kind.extension}"
    fd = os.open(root / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return name, kind


def path_of(root: Path, name: str) -> Path | None:
    """Where a stored file is, when the name is one this store gives and the file is there."""
    if not STORED_NAME.match(name):
        return None
    path = root / name
    return path if path.is_file() else None


def remove_orphans(root: Path, kept: set[str], older_than: float = 3600) -> int:
    """Delete stored files no row names any more (their beneficiary's data was erased), once they are older
    than `older_than` seconds (a file just written may not have its row yet); how many were deleted."""
    if not root.is_dir():
        return 0
    cutoff, removed = time.time() - older_than, 0
    for path in root.iterdir():
        if STORED_NAME.match(path.name) and path.name not in kept and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
