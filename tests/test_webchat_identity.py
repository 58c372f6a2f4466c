"""The website chat's visitor identity over HTTP: only tokens the server issued are accepted, and the ids a page
chooses for its messages are that visitor's own, never the keys of timers or staff events."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given, strategies as st
from sqlalchemy import select, update

from bot.app import create_app
from bot.appkeys import ENGINE
from bot.incoming import Incoming
from bot.settings import Settings
from conversations.types import Inbound
from handlers import visitor_tokens
from handlers.webchat import CLIENT_ID, COOKIE
from store import message_ids
from store.crypto import Keyring, new_key
from store.migrate import upgrade_async
from store.models import InboundMessage, Timer
from tests.conftest import FIXTURES

_ids = itertools.count(1)
KEYRING = Keyring([new_key()])


@pytest.fixture
async def app(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'web.sqlite3'}"
    await upgrade_async(url)
    settings = Settings(_env_file=None, database_url=url, profile=str(FIXTURES / "profile.toml"))
    server = TestServer(create_app(settings, background=False))
    await server.start_server()
    yield server
    await server.close()


async def visitor(server) -> TestClient:
    client = TestClient(server, cookie_jar=CookieJar(unsafe=True))
    await client.start_server()
    await client.get("/")
    return client


async def say(client, text=None, *, msg_id=None, **body) -> list[str]:
    payload = {"id": msg_id or f"client-{next(_ids):06d}", "after": 0, **body}
    if text is not None:
        payload["text"] = text
    response = await client.post("/api/chat/send", json=payload)
    assert response.status == 200, await response.text()
    return [m["text"] for m in (await response.json())["messages"]]


def cookie_of(client) -> str:
    return next(c.value for c in client.session.cookie_jar if c.key == COOKIE)


async def test_a_cookie_the_server_did_not_issue_is_replaced_and_opens_nobodys_chat(app):
    victim = await visitor(app)
    await say(victim, start=True)
    await say(victim, choice="lang:ar", text="العربية")
    await say(victim, text="كيف أقدم على مساعدة؟")
    engine = app.app[ENGINE]
    async with engine.sessions() as tx:
        key = (await tx.scalars(select(InboundMessage.conversation_key))).first()

    # The conversation key (it appears in logs and the console) does not make a cookie: a page that sets the
    # victim's id as its cookie gets a fresh one of its own, and the victim's words are not shown to it.
    intruder = TestClient(app, cookie_jar=CookieJar(unsafe=True))
    await intruder.start_server()
    intruder.session.cookie_jar.update_cookies({COOKIE: key.split(":", 1)[1]})
    forged = await intruder.get("/api/chat/messages?after=0")
    assert "كيف أقدم على مساعدة؟" not in await forged.text()
    issued = (await intruder.get("/")).cookies[COOKIE].value
    assert key.split(":", 1)[1] not in issued and issued != cookie_of(victim)
    intruder.session.cookie_jar.clear()
    intruder.session.cookie_jar.update_cookies({COOKIE: issued})
    history = await (await intruder.get("/api/chat/messages?after=0")).json()
    assert history["messages"] == []
    # A made-up cookie cannot send either.
    intruder.session.cookie_jar.update_cookies({COOKIE: "0" * 32})
    response = await intruder.post("/api/chat/send", json={"id": "abcdefgh", "text": "مرحبا"})
    assert response.status == 403
    await intruder.close()
    await victim.close()


async def test_the_issued_cookie_keeps_its_conversation_across_reloads(app):
    client = await visitor(app)
    first = cookie_of(client)
    await say(client, start=True)
    await client.get("/")
    assert cookie_of(client) == first
    history = await (await client.get("/api/chat/messages?after=0")).json()
    assert len(history["messages"]) == 1
    await client.close()


async def test_message_ids_shaped_like_timer_keys_do_not_swallow_anyones_reminder(app):
    engine = app.app[ENGINE]
    async with engine.sessions() as tx, tx.begin():  # other people's earlier timers: the victim's gets id 10
        for _ in range(9):
            tx.add(Timer(conversation_key="web:x", channel="web", sender_id="x", kind="k", status="fired", due_at=engine.clock()))
    victim = await visitor(app)
    await say(victim, start=True)
    await say(victim, choice="lang:ar", text="العربية")
    await say(victim, text="2")  # apply for help
    await say(victim, text="1")  # agree: the form starts, with a reminder for tomorrow
    async with engine.sessions() as tx, tx.begin():
        assert (await tx.scalars(select(Timer.kind).where(Timer.status == "pending"))).all() == ["help_reminder", "help_expiry"]
        await tx.execute(update(Timer).where(Timer.kind == "help_reminder").values(due_at=engine.clock() - timedelta(seconds=1)))
    attacker = await visitor(app)
    await say(attacker, start=True)
    for n in range(10, 40):  # the ids the old timer and event keys had
        await say(attacker, text="مرحبا", msg_id=f"timer-{n}")
    assert await engine.fire_timers() == 1
    history = await (await victim.get("/api/chat/messages?after=0")).json()
    assert "تذكير لطيف" in "\n".join(m["text"] for m in history["messages"][-2:]), history  # the reminder came
    async with engine.sessions() as tx:
        fired = (await tx.scalars(select(InboundMessage).where(InboundMessage.payload["kind"].as_string() == "event"))).all()
    assert fired and all(row.conversation_key != f"web:{cookie_of(attacker)}" for row in fired)
    await attacker.close()
    await victim.close()


async def test_two_visitors_may_pick_the_same_message_id(app):
    one, two = await visitor(app), await visitor(app)
    assert await say(one, start=True, msg_id="same-id-1")
    assert await say(two, start=True, msg_id="same-id-1")  # not taken for a repeat of the first visitor's
    await one.close()
    await two.close()


def test_no_channel_can_give_an_input_an_internal_key():
    with pytest.raises(ValueError):
        Incoming("web", "a" * 32, message_ids.internal("timer", 1), Inbound("text", text="x"))


@given(
    visitor_id=st.from_regex(r"[0-9a-f]{32}", fullmatch=True),
    other=st.from_regex(r"[0-9a-f]{32}", fullmatch=True),
    client_id=st.from_regex(CLIENT_ID),
    kind=st.sampled_from(["timer", "event"]),
    n=st.integers(min_value=0) | st.uuids().map(lambda u: u.hex),
)
def test_web_ids_are_disjoint_from_internal_keys_and_from_other_visitors(visitor_id, other, client_id, kind, n):
    scoped = message_ids.web(visitor_id, client_id)
    assert scoped != message_ids.internal(kind, n) and not message_ids.is_internal(scoped)
    assert len(scoped) <= 128
    if other != visitor_id:
        assert scoped != message_ids.web(other, client_id)


def test_an_issued_cookie_outlives_a_key_rotation_and_no_other_key_makes_one():
    old, new = new_key(), new_key()
    cookie = visitor_tokens.issue(Keyring([old]))
    visitor = visitor_tokens.visitor_of(Keyring([new, old]), cookie)  # DATA_KEYS rotated: the old key still reads
    assert visitor is not None and cookie.startswith(visitor)
    assert visitor_tokens.visitor_of(Keyring([new]), cookie) is None  # the old key dropped: a fresh chat


@given(st.text(max_size=80) | st.from_regex(r"[0-9a-f]{32}\.[0-9a-f]{32}", fullmatch=True))
def test_a_cookie_value_the_server_did_not_make_names_no_visitor(cookie):
    assert visitor_tokens.visitor_of(KEYRING, cookie) is None
