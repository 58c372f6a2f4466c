"""Golden transcripts: conversations as data files (inputs, and the replies, state and data expected after each),
run through the real Engine on a fresh SQLite database, its real effect appliers included.
`UPDATE_GOLDEN=1 make test` rewrites the expectations; read the diff before committing it.

A step sends text (`send`), picks a choice (`choose`), sends a file (`attach`: its caption), shares a contact
(`contact`), or is an event (`event`, with `text`); `now` sets the clock for that step (the case's `now`
otherwise). Each step is one input handled by `Engine.handle` (an event: recorded, then `Engine.process`), and
its replies are the outbox rows it wrote: their text, and their choices' labels. The channel's vouched number is
left out of inputs: the person's phone is what the case gives or what they type.

An event is recorded the way it comes in production. A staff event (program_accepted, complaint_replied,
request_decided, handoff_closed…) is staff's change made through the console's own store function, which records
the event with it (tests/golden_seed.py); it must succeed, unless the step says `"stale": true` (an event that
comes late or twice: recorded as it came). A timer's event (help_reminder, rating_prompt…) is recorded as
`Engine.fire_timers` records a timer that came due, the conversation's pending timer of that kind marked fired
(the step gives the moment: the runner does not look for the timer's due time).

After each step the file gives `state` (the conversation's state) and `data`: a subset of the conversation's
data in clear. Of the data the runner writes the language and, while the help form is under way, its answers
(`{"lang": "en", "help": {"form": {"phone": …}}}`), and of those only what the step set or changed (what it
dropped goes unsaid: the state tells where the conversation went); a hand-written case may assert any subset
(dicts are compared key by key, other values whole).

Preconditions are database rows written before the first step (tests/golden_seed.py): `person` (phone, city,
residency, household_size, income_bracket, consented, named), `requests`, `programs` (published; `seats_left`
sets the capacity), `registrations`, `complaints` (RequestView / ProgramView / ComplaintView fields, times as
ISO text), `open_ratings` ({"id", "service": "kind:reference"}) and `handoff` (a chat with staff already open:
{"reference", "reason", "answer_due_at"}). A case with `"effects": true` also gives,
for each step, `wrote`: the parts of the person's records the step changed (the person, requests, complaints,
registrations, ratings, chats with staff, pending timers): of the person the fields that changed, any other
part whole.

A case may name a shipped `profile` ("sha3af") to run on it and its texts instead of the test profile: the
communities' transcripts (community_<language>.json) run on sha3af, which offers every shipped language.

Short cases in golden/states/ start in a given state with given data (`"start": {"state", "data"}`, written
into the conversation row before the first step) and take one or two steps: the tricky corners of one state."""

from __future__ import annotations

import functools
import json
import os
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.apply_input import unseal
from bot.engine import Engine
from bot.incoming import AttachmentRef, Incoming
from conversations import languages, router
from conversations.catalog import Catalog
from conversations.profile import Profile, load
from conversations.types import Inbound
from store import migrate
from store.crypto import Keyring
from store.db import make_engine, make_sessions
from store.models import InboundMessage, OutboxMessage
from tests import golden_seed
from tests.conftest import Clock, References

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.json"))
STATE_CASES = sorted((GOLDEN / "states").glob("*.json"))
SENDER = "golden"
EXPECTED = ("expect", "state", "data", "wrote")


def _inbound(step: dict) -> Inbound:
    if "choose" in step:
        return Inbound("choice", text=step.get("label", ""), choice=step["choose"])
    if "event" in step:
        return Inbound("event", text=step.get("text", ""), choice=step["event"])
    if "attach" in step:
        return Inbound("attachment", text=step["attach"])
    if "contact" in step:
        return Inbound("contact", text=step["contact"])
    if step.get("start"):
        return Inbound("start")
    if step.get("unsupported"):
        return Inbound("unsupported")
    return Inbound("text", text=step["send"])


def _incoming(step: dict, channel: str, n: int) -> Incoming:
    files = (AttachmentRef("photo", f"golden-file-{n}", "image/jpeg"),) if "attach" in step else ()
    return Incoming(channel, SENDER, f"golden-{n}", _inbound(step), attachments=files)


def _shown(row: OutboxMessage) -> dict:
    payload = row.payload
    labels = [label for _, label in payload.get("choices") or []]
    return {"text": payload["text"], "choices": labels} if labels else {"text": payload["text"]}


def _data_shown(data: dict) -> dict:
    """The part of the conversation's data a golden file records: the language, and the help form's answers."""
    shown = {"lang": data.get("lang")}
    if isinstance(data.get("help"), dict):
        shown["help"] = {"form": data["help"].get("form", {})}
    return shown


def _fresh(now: dict, before: dict) -> dict:
    """What is new or changed in `now` since `before`, dicts key by key (what was dropped is not said)."""
    out = {}
    for k, v in now.items():
        if isinstance(v, dict) and isinstance(before.get(k), dict):
            if v and (inner := _fresh(v, before[k])):
                out[k] = inner
        elif k not in before or before[k] != v:
            out[k] = v
    return out


def _holds(actual: object, expected: object) -> bool:
    """Whether `actual` has what `expected` says: dicts key by key (extra keys allowed), other values equal."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _holds(actual[k], v) for k, v in expected.items())
    return actual == expected


async def run(case: dict, profile: Profile, texts: Catalog, keyring: Keyring, url: str) -> list[dict]:
    """Every step of a case through the engine; after each: its replies, the state, the data, the records."""
    db = make_engine(url)
    sessions = make_sessions(db)
    channel = case.get("channel", "web")
    key = f"{channel}:{SENDER}"
    clock = Clock(datetime.fromisoformat(case["now"]))
    engine = Engine(sessions, profile, texts, keyring, clock=clock, references=References())
    try:
        async with sessions() as tx, tx.begin():
            pid = await golden_seed.seed(tx, keyring, case, key, clock.now)
            before = await golden_seed.records(tx, pid, key) if case.get("effects") else {}
        out = []
        for n, step in enumerate(case["steps"], start=1):
            clock.now = datetime.fromisoformat(step.get("now", case["now"]))
            if "event" in step:
                async with sessions() as tx, tx.begin():
                    await golden_seed.event(tx, key, step, clock.now, profile, pid)
                rows = await engine.process(key)
            else:
                rows = await engine.handle(_incoming(step, channel, n))
            async with sessions() as tx:
                conv = await golden_seed.conversation(tx, key)
                after = await golden_seed.records(tx, pid, key) if case.get("effects") else {}
                failed = await tx.scalar(
                    select(func.count()).where(InboundMessage.conversation_key == key, InboundMessage.status != "processed")
                )
            assert failed == 0, f"step {n} ({step}) was not applied"
            assert conv.state in router.STATES, f"ended in unknown state {conv.state}"
            got = {"expect": [_shown(r) for r in rows], "state": conv.state, "data": unseal(keyring, conv.data or {})}
            if case.get("effects"):
                got["wrote"] = golden_seed.changed(before, after)
            before = after
            out.append(got)
        return out
    finally:
        await db.dispose()


def _update(path: Path, case: dict, actual: list[dict]) -> None:
    """Write what the steps did into the case: replies, state, and data and records where they changed."""
    shown_before = _data_shown(case["start"].get("data", {})) if "start" in case else {}
    for step, got in zip(case["steps"], actual):
        for name in EXPECTED:
            step.pop(name, None)
        step["expect"], step["state"] = got["expect"], got["state"]
        shown = _data_shown(got["data"])
        fresh = _fresh(shown, shown_before)
        if fresh:
            step["data"] = fresh
        shown_before = shown
        if got.get("wrote"):
            step["wrote"] = got["wrote"]
    path.write_text(json.dumps(case, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@functools.cache
def _shipped(name: str) -> tuple[Profile, Catalog]:
    """A shipped profile and its texts, loaded once for all the cases that run on it."""
    profile = load(name)
    return profile, Catalog.load(profile.texts)


async def _check(path: Path, profile: Profile, texts: Catalog, keyring: Keyring, tmp_path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    if case.get("profile"):
        profile, texts = _shipped(case["profile"])
    url = f"sqlite+aiosqlite:///{tmp_path / 'golden.sqlite3'}"
    migrate.upgrade(url)  # a copy of the migrated template (tests/conftest.py)
    actual = await run(case, profile, texts, keyring, url)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        _update(path, case, actual)
    for n, (step, got) in enumerate(zip(case["steps"], actual), start=1):
        where = f"{path.name} step {n} ({ {k: v for k, v in step.items() if k not in EXPECTED} })"
        assert got["expect"] == step["expect"], where
        assert got["state"] == step.get("state"), where
        if "data" in step:
            assert _holds(got["data"], step["data"]), f"{where}: data {got['data']}"
        assert got.get("wrote", {}) == step.get("wrote", {}), where


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
async def test_transcript(path: Path, profile, texts, keyring, tmp_path):
    await _check(path, profile, texts, keyring, tmp_path)


@pytest.mark.parametrize("path", STATE_CASES, ids=[p.stem for p in STATE_CASES])
async def test_state_case(path: Path, profile, texts, keyring, tmp_path):
    await _check(path, profile, texts, keyring, tmp_path)


def test_every_step_of_a_transcript_names_its_state():
    for path in CASES + STATE_CASES:
        steps = json.loads(path.read_text(encoding="utf-8"))["steps"]
        assert all("state" in step for step in steps), path.name


def test_there_are_short_cases_for_the_tricky_states_in_both_languages():
    names = {p.stem for p in STATE_CASES}
    assert len(names) >= 10
    for case in STATE_CASES:
        assert "start" in json.loads(case.read_text(encoding="utf-8")), case.name
    assert {n.rsplit("_", 1)[-1] for n in names} == {"ar", "en"}


def test_there_are_transcripts_in_both_languages():
    names = {p.stem for p in CASES}
    flows = ("greeting", "menu", "inquiry", "help_happy", "help_validation", "help_edit", "help_cancel")
    flows += (
        "help_resume",
        "help_timers",
        "help_outside",
        "help_conditions",
        "help_decline",
        "help_staff_events",
    )
    flows += ("requests_list", "requests_update", "requests_privacy", "handoff_live", "handoff_words")
    flows += ("programs_browse", "programs_register", "programs_unmet", "programs_unmet_city")
    flows += ("programs_waitlist", "programs_volunteer", "programs_service", "programs_mine")
    flows += ("programs_events", "programs_checkin")
    flows += ("ratings_comment", "ratings_skip", "ratings_later", "ratings_expiry", "ratings_wait")
    flows += ("ratings_menu", "ratings_low", "complaints_attachment", "complaints_suggestion", "complaints_short")
    flows += ("complaints_follow", "complaints_staff_events")
    for flow in flows:
        assert {f"{flow}_ar", f"{flow}_en"} <= names, flow


def test_there_is_a_community_transcript_in_every_shipped_language():
    """Greeting from a first message, the menu, an FAQ answer, the help form to its summary with digits in the
    language's script, and a complaint: in each language, on the profile that offers them all."""
    for code in languages.known():
        path = GOLDEN / f"community_{code}.json"
        assert path.is_file(), code
        assert json.loads(path.read_text(encoding="utf-8"))["profile"] == "sha3af", code
