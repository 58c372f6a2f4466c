"""Bad input (issue 7): a bounded fuzz run over the conversation steps, the channel parsers and the HTTP edge.
Random Unicode, right-to-left marks and zero-width characters, huge bodies, wrong types, missing fields:
no exception out of a pure step, no 5xx, and afterwards a normal message still gets its normal reply.

`make test` runs a short pass; FUZZ_EXAMPLES=2000 (as `make bench` sets it) runs a longer, still bounded one:
that many examples per state and per parser, and a tenth of it (at least 15) per HTTP endpoint."""

from __future__ import annotations

import copy
import functools
import json
import logging
import os
import random
import string
from urllib.parse import urlencode
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels import telegram as tg_channel
from bot.channels import whatsapp
from bot.incoming import Incoming
from conversations import router
from conversations.effects import Reply
from conversations.faq import FaqIndex
from conversations.flows import EVENTS, STATES
from conversations.types import Context, Inbound
from tests.conftest import T0

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
HTTP_EXAMPLES = max(15, EXAMPLES // 10) if "FUZZ_EXAMPLES" in os.environ else 15
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis directory in the work tree; a failure prints its input anyway
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# The characters that break naive text handling: bidi marks and overrides, zero-width ones, the BOM,
# Arabic letters with their diacritics and tatweel, Arabic-Indic and Persian digits.
MARKS = "\u200f\u200e\u200b\u202e\ufeff\u200c\u200d\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u061c"
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئىةـًٌٍَُِّْ"
DIGITS = "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹0123456789"
CHARS = st.one_of(st.characters(), st.sampled_from(MARKS + ARABIC + DIGITS + " \n\t\r"))
# Words that mean something everywhere, a little dressed up (the normaliser must not be fooled into a crash).
WORDS = [
    "menu", "القائمة", "رجوع", "back", "إلغاء", "cancel", "اللغة", "language", "شكرا", "thanks", "موظف",
    "staff", "الباحث", "نعم", "لا", "yes", "no", "١", "٢", "٩٩", "0", "-1", "1e9", "99999999999999999999999",
    "+966501234567", "٠٥٠١٢٣٤٥٦٧", "1234567890", "١٠٩٨٧٦٥٤٣٢", "H-000001", "C-000001", "2026-11-25",
    "26.14,43.66", "nan,inf", "", " ", "\u200f", "\ufeff1", "\u202e2",
]


def _dress(word: str, marks: list[str]) -> str:
    """A word with marks woven in at the start, the end and between its letters."""
    if not marks:
        return word
    out = marks[0]
    for i, ch in enumerate(word):
        out += ch + (marks[(i + 1) % len(marks)] if i % 2 else "")
    return out + marks[-1]


TEXTS = st.one_of(
    st.text(CHARS, max_size=40),
    st.text(CHARS, min_size=1000, max_size=5000),
    st.builds(_dress, st.sampled_from(WORDS), st.lists(st.sampled_from(MARKS), max_size=4)),
    st.sampled_from(WORDS),
)


# Pure steps: every registered state, with the data it normally has


@functools.cache
def _ctx() -> Context:
    from conversations.profile import load
    from conversations.catalog import Catalog
    from tests.conftest import FIXTURES

    profile = load(str(FIXTURES / "profile.toml"))
    return Context(
        profile=profile, texts=Catalog.load(profile.texts), faq=FaqIndex(profile), now=T0, channel="web",
        reference="H-000001",
    )


def _golden_inbound(step: dict) -> Inbound:
    from tests.test_golden import _inbound  # the golden suite's own reading of a step

    return _inbound(step)


@functools.cache
def _samples() -> dict[str, list[dict]]:
    """For each state, data dicts it really has: the golden transcripts replayed through the router (without
    the host's part, which is enough to get there), plus {"lang": …} with the choices the state's own prompt
    offers (for a state whose prompt needs more than the language, the replayed data it works with)."""
    from tests.test_golden import CASES

    ctx, seen = _ctx(), {}
    for path in CASES:
        case = json.loads(path.read_text(encoding="utf-8"))
        state, data = "", {}
        now = datetime.fromisoformat(case["now"]) if "now" in case else T0
        for raw in case["steps"]:
            now = datetime.fromisoformat(raw["now"]) if "now" in raw else now
            at = Context(**{**ctx.__dict__, "now": now, "channel": case.get("channel", "web")})
            result = router.step(state, data, _golden_inbound(raw), at)
            state, data = result.state, result.data
            seen.setdefault(state, []).append(data)
    replayed = [d for ds in seen.values() for d in ds]
    samples: dict[str, list[dict]] = {}
    for name, spec in STATES.items():
        found = seen.get(name, [])
        picked = [found[i] for i in sorted({0, len(found) // 2, len(found) - 1})] if found else []
        for lang in ("ar", "en"):
            for base in ({"lang": lang}, *(d for d in replayed if d.get("lang") == lang and "help" in d)):
                try:
                    effects = spec.prompt(base, ctx)
                except Exception:  # noqa: BLE001  (this state needs more than that to be entered)
                    continue
                offered = [[c.key, c.label] for e in effects if isinstance(e, Reply) for c in e.choices]
                picked.append({**base, "choices": offered})
                break
        samples[name] = picked
    return samples


@functools.cache
def _keys() -> list[str]:
    """Every choice key any sample offers, and the global ones."""
    keys = {k for ds in _samples().values() for d in ds for k, _ in d.get("choices", [])}
    return sorted(keys | {"menu", "talk_to_staff", "lang:ar", "lang:en", "menu:", "menu:nope"})


def _inbounds(keys: list[str]) -> st.SearchStrategy[Inbound]:
    choices = st.one_of(
        st.sampled_from(keys or ["menu"]),
        st.sampled_from(_keys()),
        st.text(CHARS, max_size=80),
        st.builds(lambda k, t: f"{k}:{t}", st.sampled_from(_keys()), st.text(CHARS, max_size=20)),
    )
    events = st.builds(
        lambda name, rest: f"{name}{rest}",
        st.sampled_from(sorted(EVENTS) + ["", "nope"]),
        st.one_of(st.just(""), st.builds(lambda t: ":" + t, st.text(CHARS, max_size=30)), st.just(":R-1:accepted")),
    )
    return st.one_of(
        st.builds(Inbound, st.just("text"), TEXTS),
        st.builds(Inbound, st.just("choice"), TEXTS, choices),
        st.builds(Inbound, st.just("choice"), st.just(""), st.none()),
        st.builds(Inbound, st.just("start"), TEXTS),
        st.builds(Inbound, st.sampled_from(["contact", "location", "attachment"]), TEXTS),
        st.builds(Inbound, st.just("unsupported"), TEXTS),
        st.builds(Inbound, st.just("event"), TEXTS, st.one_of(events, st.none())),
    )


@pytest.mark.parametrize("name", sorted(STATES))
def test_a_step_never_breaks_on_bad_input(name):
    # Found by this fuzz, since fixed: programs:condition whose program is no longer among ctx.programs
    # (withdrawn or unpublished mid-questions; here: the state's data without a program) re-asks with an
    # EMPTY Reply text after an unsupported input, a stale choice or an attachment, e.g.
    # step("programs:condition", {"lang": "ar", "program": {"id": 7, "asking": "question_0", "answers": {}}},
    #      Inbound("unsupported"), ctx) → effects [Reply("عذراً، …"), Reply(text="", choices=(نعم, لا))].
    samples = _samples()[name]
    assert samples, f"no data known for state {name}"
    keys = sorted({k for d in samples for k, _ in d.get("choices", [])})

    @FUZZ
    @given(data=st.sampled_from(samples), inbound=_inbounds(keys), reference=st.integers(1, 999_999))
    def run(data, inbound, reference):
        before = copy.deepcopy(data)
        ctx = Context(**{**_ctx().__dict__, "reference": f"H-{reference:06d}"})
        result = router.step(name, data, inbound, ctx)
        assert data == before, "the step changed the data it was given"
        assert result.state in STATES
        # the language may change (a language choice, Latin letters in the greeting) but is never lost
        assert isinstance(result.data, dict) and result.data.get("lang") in ("ar", "en")
        json.dumps(result.data, ensure_ascii=False)
        for effect in result.effects:
            if isinstance(effect, Reply):
                assert isinstance(effect.text, str) and effect.text.strip(), f"empty reply from {name}"

    run()


@pytest.mark.parametrize(
    "name, data, inbound",
    [  # found by the 2,000-example run (make bench), since fixed
        ("help:declaration", {"lang": "ar"}, Inbound("text", "رجوع")),  # back to a summary whose form is gone
        ("help:summary", {"lang": "ar"}, Inbound("text", "رجوع")),  # back to the documents question, form gone
        ("help:residency", {"lang": "ar"}, Inbound("event", "", "program_accepted:¹")),  # "¹".isdigit(), int() fails
        ("menu:main", {"lang": "ar"}, Inbound("text", "²")),  # a superscript is no menu number
    ],
    ids=["back-without-form", "back-to-documents-without-form", "superscript-program-id", "superscript-menu-number"],
)
def test_inputs_the_long_fuzz_run_found(name, data, inbound):
    result = router.step(name, data, inbound, _ctx())
    assert result.state in STATES
    assert all(e.text.strip() for e in result.effects if isinstance(e, Reply))


# Parsers: Twilio's form and Telegram's Update


def _form_values() -> st.SearchStrategy[str]:
    return st.one_of(
        TEXTS,
        st.sampled_from(["abc", "999999", "-5", "1e400", "nan", "inf", "-inf", "NaN", "90.0000001", "0x10", "٣"]),
        st.integers().map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.sampled_from(["whatsapp:+966501234567", "whatsapp:+1", "whatsapp:", "SM" + "a" * 32, "SM" + "g" * 32]),
        st.sampled_from(["https://api.twilio.com/x.jpg", "http://x", "ftp://x", "https://" + "a" * 1200]),
        st.text(CHARS, min_size=5000, max_size=20000),
    )


FIELDS = ["From", "MessageSid", "Body", "ButtonPayload", "ButtonText", "Latitude", "Longitude", "NumMedia",
          "ProfileName", "MediaUrl0", "MediaContentType0", "MediaUrl9", "MediaUrl10"]
FORMS = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), _form_values(), max_size=len(FIELDS)),
    st.dictionaries(st.text(CHARS, max_size=12), _form_values(), max_size=6),
    # a valid sender and message SID, so the rest of the form is read
    st.builds(
        lambda rest: {"From": "whatsapp:+966501234567", "MessageSid": "SM" + "ab" * 16, **rest},
        st.dictionaries(st.sampled_from(FIELDS[2:]), _form_values(), max_size=len(FIELDS)),
    ),
)


@FUZZ
@given(form=FORMS)
def test_the_whatsapp_form_never_breaks_the_parser(form):
    incoming = whatsapp.to_incoming(form)
    assert incoming is None or isinstance(incoming, Incoming)
    if incoming is not None:
        assert isinstance(incoming.inbound.text, str) and len(incoming.inbound.text) <= whatsapp.MAX_TEXT
        assert len(incoming.attachments) <= whatsapp.MAX_MEDIA


JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXTS,
)
JSON = st.recursive(
    JSON_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_CHATS = st.fixed_dictionaries(
    {"id": st.one_of(st.integers(), JSON), "type": st.one_of(st.sampled_from(["private", "group", "channel"]), JSON)}
)
_USERS = st.fixed_dictionaries(
    {"id": st.integers(), "is_bot": st.booleans(), "first_name": TEXTS},
    optional={"last_name": st.one_of(TEXTS, JSON), "username": JSON},
)
_ENTITIES = st.lists(
    st.fixed_dictionaries({"type": st.sampled_from(["bot_command", "bold", "url"]), "offset": st.integers(-5, 50),
                           "length": st.integers(-5, 50)}),
    max_size=3,
)
_MESSAGES = st.fixed_dictionaries(
    {"message_id": st.integers(), "date": st.integers(0, 2**31), "chat": _CHATS},
    optional={
        "from": _USERS,
        "text": st.one_of(TEXTS, st.builds(lambda t: "/" + t, TEXTS), JSON),
        "entities": st.one_of(_ENTITIES, JSON),
        "caption": st.one_of(TEXTS, JSON),
        "contact": st.fixed_dictionaries({"phone_number": st.one_of(TEXTS, JSON), "first_name": TEXTS},
                                         optional={"user_id": st.one_of(st.integers(), JSON)}),
        "location": st.fixed_dictionaries({"latitude": st.one_of(st.floats(), JSON),
                                           "longitude": st.one_of(st.floats(), JSON)}),
        "photo": st.lists(st.fixed_dictionaries({"file_id": TEXTS, "file_unique_id": TEXTS,
                                                 "width": st.integers(), "height": st.integers()}), max_size=3),
        "document": st.fixed_dictionaries({"file_id": TEXTS, "file_unique_id": TEXTS},
                                          optional={"mime_type": JSON, "file_name": JSON}),
        "voice": JSON,
    },
)
_CALLBACKS = st.fixed_dictionaries(
    {"id": st.one_of(TEXTS, JSON), "from": _USERS, "chat_instance": TEXTS},
    optional={"data": st.one_of(TEXTS, JSON), "message": _MESSAGES},
)
UPDATES = st.one_of(
    st.dictionaries(st.text(max_size=16), JSON, max_size=5),
    st.fixed_dictionaries(
        {"update_id": st.one_of(st.integers(), JSON)},
        optional={"message": st.one_of(_MESSAGES, JSON), "edited_message": _MESSAGES,
                  "callback_query": st.one_of(_CALLBACKS, JSON)},
    ),
)


@FUZZ
@given(update=UPDATES)
def test_a_telegram_update_never_breaks_the_parser_beyond_what_the_webhook_catches(update):
    # handlers/telegram.py wraps to_incoming in `except Exception` (→ 400): anything that is an Exception is
    # refused cleanly; only what escapes that (a BaseException) would take the handler down.
    try:
        incoming = tg_channel.to_incoming(update)
    except Exception:  # noqa: BLE001  (caught by the webhook: a 400)
        return
    assert incoming is None or isinstance(incoming, Incoming)


# HTTP: the real app, fuzzed at each endpoint, then a normal conversation


def _nasty_text(rng: random.Random, size: int | None = None) -> str:
    size = rng.choice([0, 1, 5, 40, 300, 2000]) if size is None else size
    pool = MARKS + ARABIC + DIGITS + string.printable + "\x00\x7f\u0085\u2028\u2029😀🏳️‍🌈\U0010fffd"
    return "".join(rng.choice(pool) for _ in range(size))


def _json_value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1, 2**31, 2**63, 2**64, -(2**70), 10**30])
    if kind == 3:
        return rng.choice([0.5, -1e308, 1e308])
    if kind in (4, 5):
        return _nasty_text(rng)
    if kind in (6, 7):
        return {_nasty_text(rng, 4): _json_value(rng, depth + 1) for _ in range(rng.randrange(4))}
    return [_json_value(rng, depth + 1) for _ in range(rng.randrange(4))]


def _errors(caplog) -> list[str]:
    """Errors logged by the app while it was fuzzed (a step that raised is logged and set aside)."""
    return [f"{r.name}: {r.getMessage()}\n{r.exc_text or ''}" for r in caplog.records if r.levelno >= logging.ERROR]


# -- website chat

def _chat_bodies(rng: random.Random, n: int) -> list[tuple[bytes, str]]:
    """(body, content type): hand-made nasty ones, then random JSON around the real fields, then raw bytes."""
    fields = ["id", "text", "choice", "after", "start"]
    cases = [
        (b"", "application/json"),
        (b"null", "application/json"),
        (b'"text"', "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        # Found by this fuzz, since fixed: a lone surrogate is valid JSON, passes every check, and the store
        # fails to encode it: 500 (UnicodeEncodeError from store/queries.py record_inbound).
        (b'{"id": "abcdefgh", "text": "\\ud800"}', "application/json"),
        (json.dumps({"id": "abcdefgh", "text": "\u200f\u202e\u200b\ufeff"}).encode(), "application/json"),
        (json.dumps({"id": "abcdefgh", "text": "ok", "choice": "x" * 65}).encode(), "application/json"),
        (json.dumps({"id": "abcdefgh", "text": "x" * 60_000}).encode(), "application/json"),
        (b"{" * 5000 + b"}" * 5000, "application/json"),  # deeply nested
        # Found by this fuzz, since fixed: 60 kB of "[" makes json.loads raise RecursionError, which
        # handlers/webchat.py does not catch (only ValueError, UnicodeDecodeError): 500.
        (b"[" * 60_000, "application/json"),
        # Found by this fuzz, since fixed: "after": true passes isinstance(after, int); the query
        # `OutboxMessage.id > True` raises sqlalchemy ArgumentError, answered as 503 "web_error".
        (json.dumps({"id": "abcdefgh", "text": "hi", "after": True}).encode(), "application/json"),
        (json.dumps({"id": "abcdefgh", "text": "hi"}).encode(), "text/plain"),
        (json.dumps({"id": "abcdefgh", "text": "hi"}).encode(), "application/json; charset=latin-1"),
    ]
    for i in range(n):
        if i % 4 == 3:
            cases.append((bytes(rng.randrange(256) for _ in range(rng.choice([1, 50, 3000]))), "application/json"))
            continue
        body = {f: _json_value(rng) for f in fields if rng.random() < 0.7}
        if rng.random() < 0.6:
            body["id"] = f"fuzz-{i:04d}-{rng.randrange(10**6)}"
        if rng.random() < 0.5:
            body["text"] = _nasty_text(rng)
        if rng.random() < 0.5:
            body["after"] = rng.choice([0, 1, -5, 10**6])
        cases.append((json.dumps(body, ensure_ascii=rng.random() < 0.5).encode(), "application/json"))
    return cases


@pytest.fixture
async def web_client(tmp_path):
    from aiohttp.test_utils import TestClient, TestServer

    from bot.app import create_app
    from bot.settings import Settings
    from store.migrate import upgrade_async
    from tests.conftest import FIXTURES

    url = f"sqlite+aiosqlite:///{tmp_path / 'fuzz.sqlite3'}"
    await upgrade_async(url)
    settings = Settings(_env_file=None, database_url=url, profile=str(FIXTURES / "profile.toml"))
    async with TestClient(TestServer(create_app(settings, background=False))) as c:
        yield c


async def _chat(client, **body) -> tuple[int, dict]:
    body.setdefault("id", f"ok-{random.randrange(10**9):09d}")
    response = await client.post("/api/chat/send", json=body)
    return response.status, await response.json()


async def test_the_web_chat_survives_fuzzed_posts(web_client, caplog):
    client, rng = web_client, random.Random(7)
    assert (await client.get("/")).status == 200  # the session cookie
    await _chat(client, start=True)
    await _chat(client, choice="lang:ar", text="العربية")
    failures = []
    for body, content_type in _chat_bodies(rng, HTTP_EXAMPLES):
        response = await client.post("/api/chat/send", data=body, headers={"Content-Type": content_type})
        if response.status >= 500:
            failures.append((response.status, body[:300], (await response.text())[:300]))
    assert failures == [], failures
    assert _errors(caplog) == []
    # The same conversation still answers normally: back to Arabic, then the menu.
    status, data = await _chat(client, choice="lang:ar", text="العربية")
    assert status == 200 and data["messages"]
    status, data = await _chat(client, text="القائمة")
    assert status == 200
    assert "menu:inquiry" in [k for m in data["messages"] for k, _ in m["choices"]]
    # And a newcomer gets the usual greeting.
    client.session.cookie_jar.clear()
    await client.get("/")
    status, data = await _chat(client, start=True)
    assert status == 200 and [c[1] for c in data["messages"][0]["choices"]] == ["العربية", "English"]


# -- WhatsApp through Twilio


def _twilio_forms(rng: random.Random, n: int) -> list[dict[str, str]]:
    from tests.test_whatsapp import message_form

    keys = ["Body", "ButtonPayload", "ButtonText", "Latitude", "Longitude", "NumMedia", "ProfileName",
            "MediaUrl0", "MediaContentType0", "From", "MessageSid"]
    odd = ["abc", "999999", "-1", "nan", "inf", "1e999", "٣", "", " ", "https://example.org/x.jpg", "lang:ar", "menu"]
    forms = [
        message_form("\u200f\u202e\u200b\ufeff"),
        message_form("x" * 4000 + "س" * 3000),
        message_form("", NumMedia="999999", MediaUrl0="https://example.org/a.jpg"),
        message_form("", NumMedia="abc"),
        message_form("", Latitude="nan", Longitude="inf"),
        message_form("", Latitude="26.14", Longitude="43.66"),
        message_form("", ButtonPayload="x" * 1000, ButtonText=""),
        message_form("hi", From="whatsapp:+966٥٠١٢٣٤٥٦٧"),
        message_form("hi", MessageSid="not-a-sid"),
        {},
    ]
    for _ in range(n):
        form = message_form(_nasty_text(rng)) if rng.random() < 0.7 else {}
        for key in rng.sample(keys, rng.randrange(len(keys))):
            form[key] = rng.choice([rng.choice(odd), _nasty_text(rng)])
        if form and rng.random() < 0.7:  # keep it a message from our user, so it reaches the conversation
            form["From"] = "whatsapp:+966501234567"
            form["MessageSid"] = f"SM{rng.getrandbits(128):032x}"
        form.update({_nasty_text(rng, 6): _nasty_text(rng) for _ in range(rng.randrange(3))})
        forms.append(form)
    # field names with NUL, CR or LF cannot be posted at all (aiohttp's client refuses them); values can
    return [{k: v.replace("\x00", "") for k, v in f.items() if not set(k) & {"\x00", "\r", "\n"}} for f in forms]


@pytest.fixture
async def twilio(tmp_path):
    from tests.fakes.twilio_api import FakeTwilioApi
    from tests.test_whatsapp import running, settings_for

    async with FakeTwilioApi() as fake, running(settings_for(tmp_path, fake.url), fake) as bot:
        yield bot


async def test_the_twilio_webhook_survives_fuzzed_forms(twilio, caplog):
    from tests.test_whatsapp import EMPTY_TWIML, INBOUND, STATUS, sign

    bot, rng = twilio, random.Random(11)
    await bot.say("مرحبا")
    await bot.say(ButtonPayload="lang:ar", ButtonText="العربية")
    async def post(path: str, form: dict[str, str], signature: str | None) -> tuple[int, str]:
        # the form encoded here, not by aiohttp's FormData (which turns odd field names into multipart)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature != "":
            headers["X-Twilio-Signature"] = sign(path, form) if signature is None else signature
        response = await bot.client.post(path, data=urlencode(form).encode(), headers=headers)
        return response.status, await response.text()

    failures = []
    for form in _twilio_forms(rng, HTTP_EXAMPLES):
        for path in (INBOUND, STATUS):
            status, body = await post(path, form, None)  # correctly signed: the fuzz reaches the parser
            if status >= 500:
                failures.append((path, status, form, body[:300]))
        assert (await post(INBOUND, form, ""))[0] == 403  # unsigned: refused before it is read
        assert (await post(INBOUND, form, "x" * 28))[0] == 403
    await bot.deliver()
    assert failures == [], failures
    assert _errors(caplog) == []
    # The conversation still answers normally.
    await bot.say(ButtonPayload="lang:ar", ButtonText="العربية")
    replies = await bot.say("القائمة")
    assert any("استفسار" in r for r in replies), replies
    assert await bot.post(INBOUND, {}) == (200, EMPTY_TWIML)  # not a message: ignored, as before


# -- Telegram


def _telegram_bodies(rng: random.Random, n: int) -> list[bytes]:
    from tests.test_telegram import message, press, text

    bodies = [
        b"", b"null", b"[]", b"\xff\xfe", b"{" * 5000 + b"}" * 5000,
        json.dumps({"update_id": "x"}).encode(),
        json.dumps({"update_id": 1, "message": "hi"}).encode(),
        json.dumps({"update_id": 1, "message": {"chat": {"id": 1, "type": "private"}}}).encode(),
        json.dumps(text("\u200f\u202e\u200b\ufeff")).encode(),
        json.dumps(text("/start " + "x" * 30_000)).encode(),
        json.dumps(press("x" * 500)).encode(),
        # Found by this fuzz, since fixed: PTB does not check types, so a latitude given as a string reaches
        # the engine, whose store/queries.py keep_attachments formats it with :.6f → ValueError, logged as
        # "an input of telegram:… could not be applied; it is set aside for staff" (the webhook itself says 200).
        json.dumps(message({"location": {"latitude": "nan", "longitude": 1e308}})).encode(),
        json.dumps(message({"contact": {"phone_number": "٠٥٠١٢٣٤٥٦٧", "first_name": "N", "user_id": "me"}})).encode(),
        json.dumps(message({"photo": [{"file_id": "p", "file_unique_id": "p", "width": "a", "height": 1}]})).encode(),
    ]
    for i in range(n):
        if i % 5 == 4:
            bodies.append(bytes(rng.randrange(256) for _ in range(rng.choice([1, 80, 2000]))))
            continue
        if rng.random() < 0.5:
            update = text(_nasty_text(rng)) if rng.random() < 0.5 else press(_nasty_text(rng, rng.choice([0, 10, 70])))
            body = update.get("message") or update["callback_query"]
            for _ in range(rng.randrange(4)):  # a wrong type or a missing field somewhere
                key = rng.choice(sorted(body))
                if rng.random() < 0.5:
                    del body[key]
                else:
                    body[key] = _json_value(rng)
        else:
            update = _json_value(rng)
            if not isinstance(update, dict) or rng.random() < 0.5:
                update = {"update_id": rng.randrange(10**9), rng.choice(["message", "callback_query"]): update}
        bodies.append(json.dumps(update).encode())
    return bodies


@pytest.fixture
async def telegram_client(tmp_path, clock):
    from tests.fakes.telegram_api import FakeBotApi
    from tests.test_telegram import TOKEN, running, settings_for, sqlite_url

    async with FakeBotApi(TOKEN) as api:
        async with running(settings_for(await sqlite_url(tmp_path), api.base_url), clock) as client:
            yield client, api


async def test_the_telegram_webhook_survives_fuzzed_updates(telegram_client, caplog):
    from handlers.telegram import SECRET_HEADER
    from bot.appkeys import ENGINE
    from tests.test_telegram import SECRET, choose_language, deliver, text

    client, api = telegram_client
    rng = random.Random(13)
    await choose_language(client, api, "ar")
    failures = []
    for body in _telegram_bodies(rng, HTTP_EXAMPLES):
        headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
        response = await client.post("/webhooks/telegram", data=body, headers=headers)
        if response.status >= 500:
            failures.append((response.status, body[:300], (await response.text())[:300]))
    await client.app[ENGINE].drain()
    assert failures == [], failures
    assert _errors(caplog) == []
    # The conversation still answers normally (in whichever language the fuzz left it).
    sent = await deliver(client, api, text("القائمة"))
    menu = json.dumps(sent, ensure_ascii=False)
    assert "استفسار" in menu or "Ask a question" in menu, sent
