"""The person's lookups are read only when a step needs them, and a step that needs one sees it loaded."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from bot.incoming import Incoming
from bot.lookups import LazyContext, NotLoaded, UNLOADED
from conversations.types import Inbound
from store.models import Program

TABLES = ("program", "registration", "helprequest", "complaint", "rating", "handoffrequest")


@pytest.fixture
def tables_read(sessions):
    """The lookup tables each SELECT read, per input (the test clears it between inputs)."""
    seen: list[str] = []

    def note(conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            seen.extend(t for t in TABLES if re.search(rf"\bFROM {t}\b", statement))

    engine = sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def said(text: str, n: int) -> Incoming:
    return Incoming("web", "u1", f"m{n}", Inbound("text", text=text))


async def test_a_form_answer_reads_none_of_the_lookups(engine, tables_read):
    await engine.handle(said("hello", 1))
    await engine.handle(Incoming("web", "u1", "m2", Inbound("choice", choice="lang:en")))
    tables_read.clear()
    await engine.handle(said("1", 3))  # the menu's first entry: an inquiry, which needs nothing about the person
    assert tables_read == []


async def test_a_step_that_reads_programs_gets_them_loaded_once(engine, sessions, clock, tables_read):
    async with sessions() as tx, tx.begin():
        tx.add(Program(kind="open", status="published", title_ar="ملتقى الأسر", title_en="Family forum",
                       description_ar="", description_en="", starts_at=clock.now.replace(year=clock.now.year + 1)))
    await engine.handle(said("hello", 1))
    await engine.handle(Incoming("web", "u1", "m2", Inbound("choice", choice="lang:en")))
    await engine.handle(said("3", 3))  # programs and events: which kind?
    tables_read.clear()
    replies = await engine.handle(said("1", 4))  # open programs
    assert tables_read.count("program") == 1
    assert "Family forum" in " ".join(str(r.payload) for r in replies)



async def test_a_program_running_for_days_and_a_service_still_offered_are_shown_after_they_began(engine, sessions, clock):
    async with sessions() as tx, tx.begin():
        tx.add_all([
            Program(kind="open", status="published", title_ar="دورة الأسبوع", title_en="Week-long course",
                    starts_at=clock.now - timedelta(days=2), ends_at=clock.now + timedelta(days=5)),
            Program(kind="open", status="published", title_ar="ملتقى انتهى", title_en="Forum that ended",
                    starts_at=clock.now - timedelta(days=3), ends_at=clock.now - timedelta(days=1)),
            Program(kind="service", status="published", title_ar="سلة غذائية", title_en="Food basket",
                    starts_at=clock.now - timedelta(days=30)),
        ])
    await engine.handle(said("hello", 1))
    await engine.handle(Incoming("web", "u1", "m2", Inbound("choice", choice="lang:en")))
    await engine.handle(said("3", 3))  # programs and events: which kind?
    shown_open = " ".join(str(r.payload) for r in await engine.handle(said("1", 4)))  # open programs
    await engine.handle(Incoming("web", "u1", "m5", Inbound("choice", choice="programs:kinds")))
    shown_services = " ".join(str(r.payload) for r in await engine.handle(said("4", 6)))  # services
    assert "Week-long course" in shown_open and "Forum that ended" not in shown_open
    assert "Food basket" in shown_services

def test_reading_a_lookup_not_loaded_says_which(profile, texts):
    from datetime import datetime, timezone

    from conversations.faq import FaqIndex

    base = {"profile": profile, "texts": texts, "faq": FaqIndex(profile), "now": datetime.now(timezone.utc),
            "channel": "web", "reference": "H-1"}
    ctx = LazyContext(**base, open_handoff=None, person=UNLOADED, requests=(), programs=UNLOADED,
                      registrations=(), complaints=(), open_ratings=())
    assert ctx.requests == () and ctx.open_handoff is None
    with pytest.raises(NotLoaded) as raised:
        _ = ctx.programs
    assert raised.value.name == "programs"
