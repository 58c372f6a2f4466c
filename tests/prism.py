"""Stoplight Prism as a validating proxy: outbound calls that break the provider's published OpenAPI schema
fail the test (422 for a bad request, 500 for a bad response from our fake)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRISM = ROOT / "tests" / "contract" / "node_modules" / ".bin" / "prism"
# The providers' specs live in the workplace's shared folder, beside the checkout (CI lays it there too).
_CANDIDATES = [os.environ.get("SPECS_DIR"), ROOT.parent / "shared" / "specs", "/work/shared/specs"]
SPECS = next((Path(c) for c in _CANDIDATES if c and (Path(c) / "twilio_api_v2010.json").exists()), ROOT.parent / "shared" / "specs")
TWILIO_SPEC = SPECS / "twilio_api_v2010.json"
TELEGRAM_SPEC = SPECS / "telegram_botapi_prism.json"
CONTENT_SPEC = SPECS / "twilio_content_v1.json"


def require(spec: Path) -> None:
    """Skip (or, with REQUIRE_CONTRACT=1, fail) when Prism or the spec is not here."""
    missing = [str(p) for p in (PRISM, spec) if not p.exists()]
    if missing:
        reason = f"contract test needs {', '.join(missing)} (make test installs Prism; specs come from ../shared/specs)"
        if os.environ.get("REQUIRE_CONTRACT") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def proxy(spec: Path, upstream: str, log: Path) -> Iterator[str]:
    """Run `prism proxy --errors` in front of `upstream`; yields the proxy's base URL."""
    require(spec)
    port = free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(PRISM), "proxy", "--errors", "-h", "127.0.0.1", "-p", str(port), str(spec), upstream],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while b"Prism is listening" not in log.read_bytes():
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"Prism did not start:\n{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
