"""What the browser tests share: the system Chromium (required in CI, skipped elsewhere), a driver that never
downloads anything, and `python -m bot run` started on a free port with a fresh SQLite file."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from tests.prism import free_port

TESTS = Path(__file__).resolve().parent
ARTIFACTS = TESTS / "artifacts"
WAIT = 10
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--disable-quic", "--window-size=1280,800"]  # fmt: skip


def _binary(path: str) -> str | None:
    return path if Path(path).is_file() and os.access(path, os.X_OK) else shutil.which(Path(path).name)


CHROMIUM, CHROMEDRIVER = _binary("/usr/bin/chromium"), _binary("/usr/bin/chromedriver")


def require_browser() -> None:
    """Skip the calling test module without Chromium, or fail it when REQUIRE_BROWSER=1 (CI)."""
    if CHROMIUM and CHROMEDRIVER:
        return
    missing = " and ".join(n for n, p in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if not p)
    reason = f"headless browser test needs {missing} (apt-get install chromium chromium-driver)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def status_of(url: str) -> int | None:
    """The HTTP status of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


@contextlib.contextmanager
def running_bot(home: Path, **settings: str) -> Iterator[tuple[str, str]]:
    """`python -m bot run` on a free port with a fresh SQLite file in `home`; yields (base URL, database URL)."""
    port = free_port()
    database = f"sqlite+aiosqlite:///{home / 'bot.sqlite3'}"
    env = os.environ | {
        "HOST": "127.0.0.1", "PORT": str(port), "LOG_LEVEL": "WARNING", "DATABASE_URL": database,
        "PROFILE": str(TESTS / "fixtures" / "profile.toml"), "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PYTHONPATH": str(TESTS.parent),  # this checkout's code, not whatever the environment installed
        **settings,
    }  # fmt: skip
    out = open(home / "server.log", "wb")  # a file, not a pipe: a chatty server never blocks
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while status_of(f"{base}/healthz") != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app did not answer /healthz within 20 s:\n{(home / 'server.log').read_text()}")
            time.sleep(0.1)
        yield base, database
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()


@contextlib.contextmanager
def chromium(profile_dir: Path) -> Iterator[object]:
    """A fresh headless Chromium with its own profile (so its own cookies); Selenium may not download."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={profile_dir}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
