"""Memory under a flood of oversized login forms: `python -m bot run` in its own process on loopback, N chunked
multipart POSTs to /admin/login at once (a valid login CSRF pair first, then parts of several MB, no
Content-Length), and the server's peak resident set (VmHWM) before and after, as one JSON line."""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp

from bench.inbound_procs import ROOT, _stop, _wait_until_up, free_port

CHUNK = 64 * 1024
BOUNDARY = "floodboundary7MA4YWxkTrZu0gW"
TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


async def _login_pair(base: str) -> tuple[str, str]:
    """A login CSRF cookie and the token of its form, as anyone can get them."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/admin/login") as response:
            page = await response.text()
            cookie = response.cookies["frontdesk_staff_login"].value
    return cookie, TOKEN.search(page).group(1)


def _chunked(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


async def _body(writer: asyncio.StreamWriter, token: str, parts: int, part_bytes: int, files: bool) -> None:
    """The multipart body, chunk by chunk: the CSRF token, then `parts` files (or text fields) of `part_bytes`."""
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{token}\r\n'
    writer.write(_chunked(head.encode()))
    filler = b"A" * CHUNK
    for n in range(parts):
        disposition = f'form-data; name="file{n}"' + (f'; filename="f{n}.bin"' if files else "")
        part = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\nContent-Type: application/octet-stream\r\n\r\n"
        writer.write(_chunked(part.encode()))
        for _ in range(part_bytes // CHUNK):
            writer.write(_chunked(filler))
            await writer.drain()
        writer.write(_chunked(b"\r\n"))
    writer.write(_chunked(f"--{BOUNDARY}--\r\n".encode()) + b"0\r\n\r\n")
    await writer.drain()


async def _flood_one(port: int, cookie: str, token: str, parts: int, part_bytes: int, files: bool) -> str:
    """One chunked POST; the status line's code, or what happened to the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST /admin/login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: chunked\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Cookie: frontdesk_staff_login={cookie}\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode())
    sending = asyncio.create_task(_body(writer, token, parts, part_bytes, files))
    try:
        line = await reader.readline()
        return line.split()[1].decode() if line.startswith(b"HTTP/") else "closed"
    except (ConnectionError, OSError):
        return "reset"
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError, OSError):
            await sending
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


async def run(args: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-form-flood-"))
    port = free_port()
    env = {
        **os.environ, "HOST": "127.0.0.1", "PORT": str(port), "LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'flood.sqlite3'}",
        "PROFILE": str(ROOT / "tests/fixtures/profile.toml"), "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=workdir, env=env, stdout=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        await _wait_until_up(f"{base}/healthz", proc)
        cookie, token = await _login_pair(base)
        before = _status(proc.pid)
        statuses = await asyncio.gather(
            *(_flood_one(port, cookie, token, args.parts, args.part_mb * 1024 * 1024, args.kind == "file")
              for _ in range(args.requests))
        )
        await asyncio.sleep(1)  # let the server finish with the last connections before the final reading
        after = _status(proc.pid)
    finally:
        _stop([proc])
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "bench": "form_flood",
        "requests": args.requests,
        "parts": args.parts,
        "part_mb": args.part_mb,
        "kind": args.kind,
        "statuses": dict(collections.Counter(statuses)),
        "rss_before_mb": round(before["VmRSS"] / 1024, 1),
        "peak_rss_mb": round(after["VmHWM"] / 1024, 1),
        "peak_increase_mb": round((after["VmHWM"] - before["VmRSS"]) / 1024, 1),
        "rss_after_mb": round(after["VmRSS"] / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=30, help="requests sent at once")
    parser.add_argument("--parts", type=int, default=20, help="file parts per request")
    parser.add_argument("--part-mb", type=int, default=5, help="size of each part, MiB")
    parser.add_argument("--kind", choices=("file", "field"), default="file", help="file parts or text fields")
    print(json.dumps(asyncio.run(run(parser.parse_args()))), flush=True)


if __name__ == "__main__":
    main()
