"""The JSON Bot API client: Telegram's answers and the network's failures become the dispatcher's outcomes,
as PTB's exceptions did (the end-to-end refusals are in tests/test_telegram.py)."""

from __future__ import annotations

import socket

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given, strategies as st

from bot.channels.telegram_api import BotApi, BotApiError, failure
from bot.channels.telegram_updates import NotAnUpdate, to_incoming
from bot.dispatcher import PermanentFailure, TemporaryFailure


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_a_bot_api_nobody_answers_at_is_tried_again_later():
    api = BotApi(f"http://127.0.0.1:{closed_port()}/bot1:x")
    try:
        with pytest.raises(TemporaryFailure):
            await api.call("sendMessage", {"chat_id": 1, "text": "مرحبا"})
    finally:
        await api.close()


async def test_a_proxy_page_instead_of_json_is_tried_again_later_and_json_goes_as_utf8():
    seen: list[bytes] = []

    async def gateway(request: web.Request) -> web.Response:
        seen.append(await request.read())
        return web.Response(status=502, text="<html>Bad Gateway</html>", content_type="text/html")

    app = web.Application()
    app.router.add_post("/bot1:x/sendMessage", gateway)
    async with TestServer(app, host="127.0.0.1", port=0) as server:
        api = BotApi(f"http://127.0.0.1:{server.port}/bot1:x")
        try:
            with pytest.raises(TemporaryFailure, match="502"):
                await api.call("sendMessage", {"chat_id": 1, "text": "مرحبا"})
        finally:
            await api.close()
    assert seen == ['{"chat_id":1,"text":"مرحبا"}'.encode()]


@pytest.mark.parametrize(
    "error, kind, reason, unreachable",
    [
        (BotApiError(429, "Too Many Requests: retry after 7", {"retry_after": 7}), TemporaryFailure,
         "Retry in 7", None),
        (BotApiError(403, "Forbidden: bot was blocked by the user"), PermanentFailure, "blocked by the user",
         True),
        (BotApiError(400, "Bad Request: chat not found"), PermanentFailure, "Chat not found", True),
        (BotApiError(400, "Bad Request: message is too long"), PermanentFailure, "Message is too long",
         False),
        (BotApiError(409, "Conflict: terminated by other getUpdates request"), TemporaryFailure, "409",
         None),
        (BotApiError(500, "Internal Server Error"), TemporaryFailure, "Internal Server Error", None),
    ],
)
def test_telegrams_refusals_map_as_ptbs_exceptions_did(error, kind, reason, unreachable):
    outcome = failure(error)
    assert type(outcome) is kind and reason in str(outcome)
    if kind is PermanentFailure:
        assert outcome.unreachable is unreachable
    if error.status == 429:
        assert outcome.retry_after == 7


def words(most: int) -> st.SearchStrategy[str]:
    """Any text but NUL (which `Incoming` drops on purpose)."""
    return st.text(st.characters(blacklist_characters="\x00"), min_size=1, max_size=most)


IDS = st.integers(min_value=1, max_value=2**52)


@given(chat=IDS, update_id=IDS, first=words(40), said=words(200), data=words(64))
def test_a_private_message_or_button_becomes_the_same_input_whatever_it_says(chat, update_id, first, said,
                                                                            data):
    user = {"id": chat, "is_bot": False, "first_name": first}
    message = {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}, "from": user}
    typed = to_incoming({"update_id": update_id, "message": {**message, "text": said}})
    pressed = to_incoming({"update_id": update_id, "callback_query": {
        "id": "q", "from": user, "chat_instance": "c", "data": data, "message": message}})  # fmt: skip
    for incoming in (typed, pressed):
        assert (incoming.sender_id, incoming.provider_message_id) == (str(chat), str(update_id))
        assert incoming.display_name == first
    assert (typed.inbound.kind, typed.inbound.text) == ("text", said)  # no command entity: words as typed
    assert (pressed.inbound.kind, pressed.inbound.choice) == ("choice", data)
    in_a_group = {**message, "chat": {"id": -chat, "type": "group"}, "text": said}
    assert to_incoming({"update_id": update_id, "message": in_a_group}) is None


@given(chat=st.one_of(st.text(), st.floats(), st.booleans(), st.none()))
def test_an_update_whose_chat_has_no_numeric_id_is_refused(chat):
    with pytest.raises(NotAnUpdate):
        to_incoming({"update_id": 1, "message": {"message_id": 1, "date": 0,
                                                 "chat": {"id": chat, "type": "private"}}})
