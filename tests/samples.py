"""Small real files of each accepted kind (and one that is not), built in memory for tests."""

from __future__ import annotations

import io
import math
import struct
import wave

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" + b"%" * 64 + b"\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 200


def png(width: int = 8, height: int = 8) -> bytes:
    """A valid PNG of one colour."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + b"\x30\x90\xc0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def wav(seconds: float = 1.5, rate: int = 8000) -> bytes:
    """A real WAV: a quiet 440 Hz tone, so a browser reports its duration."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = (int(3000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(seconds * rate)))
        w.writeframes(b"".join(struct.pack("<h", f) for f in frames))
    return out.getvalue()
