"""Personal data at rest, on SQLite and PostgreSQL: after a whole help form (an ID typed at the wrong questions
too) and a copy of the data, neither the name nor the ID is readable in any text column of any table."""

from __future__ import annotations

import json

from sqlalchemy import JSON, String, TypeDecorator, select, text
from sqlmodel import SQLModel

from bot.incoming import AttachmentRef, Incoming
from conversations.normalize import digits_to_ascii
from conversations.types import Inbound
from store import sealed
from store.models import Complaint, HelpRequest, InboundMessage

NAME = "زبرجد فيروز القحطاني"
NATIONAL_ID = "1012345672"
ID_TYPED = "١٠١٢ ٣٤٥ ٦٧٢"  # Arabic-Indic digits, with spaces

FORM = [
    "مرحبا", "1", "2", "1",
    ID_TYPED,  # at the name question: refused as a name
    NAME,
    ID_TYPED,  # the ID question
    f"رقمي {NATIONAL_ID}",  # at the phone question: refused as a phone
    "0501234567", "1", "٥", "2", "2", "1",  # a national ID: no residency question
    "أرملة وأعول خمسة أطفال، ودخلي لا يكفي للإيجار والمصاريف",
    {"attach": "الهوية"}, "1", "1", "1",
    "القائمة", "طلباتي", "بياناتي والخصوصية", "نسخة من بياناتي",  # the copy of my data echoes the name
]


def incoming(n: int, step: str | dict) -> Incoming:
    if isinstance(step, dict):
        ref = AttachmentRef(kind="photo", reference=f"file-{n}", content_type="image/jpeg")
        return Incoming("web", "u1", f"m{n}", Inbound("attachment", text=step["attach"]), attachments=(ref,))
    return Incoming("web", "u1", f"m{n}", Inbound("text", text=step))


def readable(value: object) -> str:
    """A stored value as someone reading the database would see it: JSON decoded (no \\u escapes), digits
    of any script as ASCII and spaces dropped, so that the ID is found however it was typed."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return digits_to_ascii(shown).replace(" ", "")


def _holds_text(column) -> bool:  # type: ignore[no-untyped-def]
    """A column stored as text or JSON (sqlmodel's strings are a TypeDecorator over String)."""
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    return isinstance(kind, (String, JSON))


async def text_values(sessions) -> dict[str, list[str]]:
    """Every text and JSON value of every table, by table.column, read raw (no model decoding)."""
    found: dict[str, list[str]] = {}
    async with sessions() as tx:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c.name for c in table.columns if _holds_text(c)]
            if not columns:
                continue
            listed = ", ".join(f'"{c}"' for c in columns)
            for row in (await tx.execute(text(f'SELECT {listed} FROM "{table.name}"'))).all():
                for column, value in zip(columns, row):
                    if value is not None:
                        found.setdefault(f"{table.name}.{column}", []).append(readable(value))
    return found


async def test_a_name_and_an_id_typed_anywhere_are_in_no_text_column(engine, sessions, keyring):
    replies = [r for n, step in enumerate(FORM) for r in await engine.handle(incoming(n, step))]
    async with sessions() as tx:
        request = (await tx.scalars(select(HelpRequest))).one()  # the form went through
    assert keyring.decrypt(request.full_name_enc) == NAME and keyring.decrypt(request.national_id_enc) == NATIONAL_ID
    assert any(NAME in r.payload["text"] for r in replies[-3:])  # the copy of the data was sent, with the name

    values = await text_values(sessions)
    assert "inboundmessage.text" in values and "outboxmessage.payload" in values and "conversation.data" in values
    leaks = {where for where, stored in values.items() for v in stored if NATIONAL_ID in v or "زبرجد" in v}
    assert leaks == set()


async def test_the_log_keeps_an_id_typed_anywhere_masked_and_the_rest_of_the_words(engine, sessions, keyring):
    for n, step in enumerate(FORM[:8]):
        await engine.handle(incoming(n, step))
    async with sessions() as tx:
        inputs = (await tx.scalars(select(InboundMessage).order_by(InboundMessage.id))).all()
    typed = [sealed.input_text(keyring, m) for m in inputs]
    assert typed[4:8] == ["1•••••5672", NAME, "1•••••5672", "رقمي 1•••••5672"]


async def test_a_question_and_a_complaint_being_written_are_sealed_in_the_conversation(engine, sessions, keyring):
    complaint = "أشكو تأخر الرد على زبرجد منذ شهر كامل"
    steps = ["مرحبا", "1", "هل تساعدون زبرجد في دفع الإيجار؟", "القائمة", "5", "1", complaint]
    kept = []
    for n, step in enumerate(steps):
        await engine.handle(incoming(n, step))
        async with sessions() as tx:
            kept.append(readable((await tx.execute(text("SELECT data FROM conversation"))).scalar()))
    assert not [data for data in kept if "زبرجد" in data]
    await engine.handle(incoming(len(steps), "1"))  # send it: the sealed draft is read back whole
    async with sessions() as tx:
        assert (await tx.scalars(select(Complaint.text))).one() == complaint
