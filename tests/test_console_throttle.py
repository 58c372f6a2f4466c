"""Sign-in throttling over HTTP: per address and per (username, address) with back-off and Retry-After, the
owner still signs in from their own address while another hammers their username, and the hashing gate
bounds how many password checks run at once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import AsyncIterator

import pytest

from handlers.admin import auth, throttle
from handlers.admin.throttle import ADDRESS_FREE, PAIR_FREE, Busy, LoginThrottle
from store.models import StaffSession
from tests.test_console_support import PASSWORD, Console, csrf_of, fresh_console, sqlite_url

ATTACKER, OWNER, OTHER = "203.0.113.9", "198.51.100.7", "192.0.2.44"


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    """The console behind a reverse proxy on loopback, which names each client in X-Forwarded-For."""
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock, trusted_proxies="127.0.0.1") as c:
        yield c


async def login_from(console: Console, address: str, username: str, password: str):
    console.client.session.cookie_jar.clear()
    headers = {"X-Forwarded-For": f"10.0.0.1, {address}"}  # the proxy's own entry comes last
    page = await console.client.get("/admin/login", headers=headers)
    data = {"csrf": csrf_of(await page.text()), "username": username, "password": password}
    return await console.client.post("/admin/login", data=data, headers=headers, allow_redirects=False)


async def test_the_owner_signs_in_from_their_address_while_another_hammers_their_username(console: Console):
    await console.staff("researcher", "amal")
    for _ in range(PAIR_FREE):
        assert (await login_from(console, ATTACKER, "amal", "guess")).status == 401
    refused = await login_from(console, ATTACKER, "amal", PASSWORD)  # even the right password waits
    assert refused.status == 429 and refused.headers["Retry-After"] == "60"
    assert (await login_from(console, OWNER, "amal", PASSWORD)).status == 303
    assert len(await console.all(StaffSession)) == 1


async def test_the_wait_doubles_with_each_failure_and_ends(console: Console):
    await console.staff("researcher", "amal")
    for _ in range(PAIR_FREE):
        await login_from(console, ATTACKER, "amal", "guess")
    console.clock.now += timedelta(minutes=1)
    assert (await login_from(console, ATTACKER, "amal", "guess")).status == 401  # the sixth failure
    response = await login_from(console, ATTACKER, "amal", PASSWORD)
    assert response.status == 429 and response.headers["Retry-After"] == "120"
    console.clock.now += timedelta(minutes=2)
    assert (await login_from(console, ATTACKER, "amal", PASSWORD)).status == 303


async def test_an_address_trying_many_usernames_waits_for_all_of_them(console: Console, monkeypatch):
    await console.staff("researcher", "amal")
    hashed = []
    monkeypatch.setattr(auth, "verify_password", lambda p, h: hashed.append(p) or False)
    for n in range(ADDRESS_FREE):
        assert (await login_from(console, ATTACKER, f"user{n}", "guess")).status == 401
    for name in ("amal", "someone-else"):
        response = await login_from(console, ATTACKER, name, "guess")
        assert response.status == 429 and int(response.headers["Retry-After"]) == 60
    assert len(hashed) == ADDRESS_FREE  # a waiting address costs no password hash
    response = await login_from(console, OTHER, "someone-else", "guess")
    assert response.status == 401  # other addresses are not affected


async def test_a_forwarded_address_counts_only_from_a_trusted_proxy(tmp_path, monkeypatch, clock):
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as direct:
        await direct.staff("researcher", "amal")
        for n in range(PAIR_FREE):  # a client that names itself differently each time is still 127.0.0.1
            await login_from(direct, f"192.0.2.{n}", "amal", "guess")
        assert (await login_from(direct, OWNER, "amal", PASSWORD)).status == 429


async def test_the_hashing_gate_runs_two_at_once_and_turns_away_beyond_its_queue():
    gate, release = LoginThrottle(), asyncio.Event()
    running, most = [0], [0]

    async def sign_in() -> str:
        try:
            async with gate.hashing():
                running[0] += 1
                most[0] = max(most[0], running[0])
                await release.wait()
                running[0] -= 1
                return "checked"
        except Busy:
            return "busy"

    tasks = [asyncio.create_task(sign_in()) for _ in range(throttle.HASHES_AT_ONCE + throttle.HASHES_WAITING + 3)]
    for _ in range(100):  # let every task reach the gate (a few turns of the loop)
        await asyncio.sleep(0)
    assert gate.waiting == throttle.HASHES_WAITING and sum(t.done() for t in tasks) == 3
    assert running[0] == throttle.HASHES_AT_ONCE
    release.set()
    results = await asyncio.gather(*tasks)
    assert results.count("busy") == 3 and results.count("checked") == len(tasks) - 3
    assert most[0] == throttle.HASHES_AT_ONCE


def test_the_failure_table_stays_bounded():
    table = LoginThrottle()
    now = datetime(2026, 11, 25)
    for n in range(throttle.MAX_KEYS):
        table.failed(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", f"user{n}", now)
    assert len(table.failures) <= throttle.MAX_KEYS
    table.failed("192.0.2.1", "amal", now + timedelta(hours=2))
    assert table.wait("10.0.0.0", "user0", now + timedelta(hours=2)) == 0
