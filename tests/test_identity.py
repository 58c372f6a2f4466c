"""Identities that cannot be hijacked, on SQLite and PostgreSQL: a number typed into a form is data, never proof;
only a number a channel vouches for (WhatsApp's sender, a Telegram user's own contact) joins records."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import datetime, timezone
from pathlib import Path

from alembic import command
from sqlalchemy import select, text

from bot.incoming import AttachmentRef, Incoming
from conversations.types import Inbound
from store.db import make_engine, make_sessions
from store.migrate import alembic_config, upgrade_async
from store.models import Beneficiary, ChannelIdentity, Complaint, Conversation, HelpRequest, RequestEvent

GOLDEN = Path(__file__).parent / "golden"
VICTIM = "+966501234567"  # the number the golden form types as «0501234567»
_n = itertools.count(1)


def said(channel: str, sender: str, inbound: Inbound, **extra) -> Incoming:
    return Incoming(channel, sender, f"SM{next(_n):032x}" if channel == "whatsapp" else f"m{next(_n):07d}", inbound, **extra)


def on_whatsapp(words: str, number: str = VICTIM) -> Incoming:
    return said("whatsapp", number, Inbound("text", text=words), phone=number)


def on_web(words: str, token: str) -> Incoming:
    return said("web", token, Inbound("text", text=words))


async def file_request(engine, make) -> str:
    """The whole golden help form, each step delivered by `make(words)`; the reference the person was told."""
    case = json.loads((GOLDEN / "help_happy_ar.json").read_text(encoding="utf-8"))
    told = []
    for step in case["steps"]:
        incoming = make(step.get("send", step.get("attach", "")))
        if "attach" in step:
            ref = AttachmentRef(kind="photo", reference=f"file-{next(_n)}", content_type="image/jpeg")
            incoming = Incoming(incoming.channel, incoming.sender_id, incoming.provider_message_id,
                                Inbound("attachment", text=step["attach"]), phone=incoming.phone, attachments=(ref,))
        told += [row.payload.get("text", "") for row in await engine.handle(incoming)]
    return next(r.reference for r in await requests_of_key(engine, make("").conversation_key))


async def requests_of_key(engine, key: str) -> list[HelpRequest]:
    async with engine.sessions() as tx:
        conv = (await tx.scalars(select(Conversation).where(Conversation.key == key))).one()
        return list((await tx.scalars(select(HelpRequest).where(HelpRequest.beneficiary_id == conv.beneficiary_id))).all())


async def owner_of(engine, channel: str, external_id: str) -> int:
    async with engine.sessions() as tx:
        identity = (
            await tx.scalars(select(ChannelIdentity).where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id))
        ).one()
        conv = (await tx.scalars(select(Conversation).where(Conversation.key == f"{channel}:{external_id}"))).one()
        assert conv.beneficiary_id == identity.beneficiary_id
        return identity.beneficiary_id


async def replies(engine, incoming: Incoming) -> str:
    return "\n".join(row.payload.get("text", "") for row in await engine.handle(incoming))


async def test_a_number_typed_on_the_web_never_takes_over_its_owner_on_whatsapp(engine):
    victims = await file_request(engine, on_whatsapp)
    victim_record = await owner_of(engine, "whatsapp", VICTIM)

    attackers = await file_request(engine, lambda words: on_web(words, "a" * 32))  # types the victim's number
    assert attackers != victims

    # The victim writes again on WhatsApp, twice (the old code flipped the identity on every message).
    for words in ("القائمة", "4"):  # the menu, then «طلباتي»
        mine = await replies(engine, on_whatsapp(words))
        assert await owner_of(engine, "whatsapp", VICTIM) == victim_record
    assert victims in mine and attackers not in mine

    # The attacker's «طلباتي» and their data copy show nothing of the victim's.
    await replies(engine, on_web("القائمة", "a" * 32))
    listed = await replies(engine, on_web("4", "a" * 32))
    assert attackers in listed and victims not in listed
    await replies(engine, on_web("بياناتي والخصوصية", "a" * 32))
    copy = await replies(engine, on_web("1", "a" * 32))
    assert "H-" in copy and victims not in copy and "whatsapp" not in copy.lower() and "واتساب" not in copy


async def test_a_first_whatsapp_contact_after_someone_typed_the_number_gets_its_own_record(engine):
    attackers = await file_request(engine, lambda words: on_web(words, "b" * 32))
    attacker_record = await owner_of(engine, "web", "b" * 32)
    await replies(engine, on_whatsapp("مرحبا"))
    await replies(engine, on_whatsapp("1"))
    mine = await replies(engine, on_whatsapp("4"))
    assert await owner_of(engine, "whatsapp", VICTIM) != attacker_record
    assert attackers not in mine


async def test_the_same_person_on_whatsapp_and_telegram_is_joined_by_the_numbers_the_channels_vouch_for(engine):
    await replies(engine, on_whatsapp("مرحبا"))
    whatsapp_record = await owner_of(engine, "whatsapp", VICTIM)
    await replies(engine, said("telegram", "777", Inbound("text", text="مرحبا")))
    own_card = said("telegram", "777", Inbound("contact", text=VICTIM), phone=VICTIM)  # shared by its own user
    await replies(engine, own_card)
    assert await owner_of(engine, "telegram", "777") == whatsapp_record
    async with engine.sessions() as tx:
        person = await tx.get(Beneficiary, whatsapp_record)
    assert person.verified_phone == VICTIM


async def test_someone_elses_contact_card_or_a_typed_number_never_links(engine):
    await replies(engine, on_whatsapp("مرحبا"))
    whatsapp_record = await owner_of(engine, "whatsapp", VICTIM)
    await replies(engine, said("telegram", "888", Inbound("text", text="مرحبا")))
    await replies(engine, said("telegram", "888", Inbound("contact", text=VICTIM)))  # a card of someone else
    await replies(engine, said("telegram", "888", Inbound("text", text="0501234567")))
    assert await owner_of(engine, "telegram", "888") != whatsapp_record


async def test_a_typed_reference_or_a_forged_button_never_reaches_another_persons_rows(engine, clock):
    """Regression guard (these held before this change): references and choice payloads act on one's own rows."""
    victims = await file_request(engine, on_whatsapp)
    async with engine.sessions() as tx, tx.begin():
        request = (await tx.scalars(select(HelpRequest).where(HelpRequest.reference == victims))).one()
        request.status, request.info_question = "needs_info", "أرسلي صورة عقد الإيجار"
        tx.add(Complaint(reference="C-VICTIM", beneficiary_id=request.beneficiary_id, conversation_key=f"whatsapp:{VICTIM}",
                         channel="whatsapp", kind="complaint", text="شكوى الضحية عن التأخير", due_at=clock.now))
    attacker = "f" * 32
    for words in ("مرحبا", "1", "4"):
        await replies(engine, on_web(words, attacker))
    assert "لم نجد طلباً" in await replies(engine, on_web(victims, attacker))
    forged = await replies(engine, said("web", attacker, Inbound("choice", choice=f"requests:answer:{victims}")))
    assert "أرسلي صورة عقد الإيجار" not in forged
    await replies(engine, on_web("هذا ردي على سؤالكم وصورة العقد", attacker))
    await replies(engine, on_web("القائمة", attacker))
    await replies(engine, on_web("5", attacker))  # complaints and suggestions
    await replies(engine, said("web", attacker, Inbound("choice", choice="complaints:follow")))
    followed = await replies(engine, on_web("C-VICTIM", attacker))
    forged = await replies(engine, said("web", attacker, Inbound("choice", choice="complaints:ref:C-VICTIM")))
    assert "شكوى الضحية" not in followed + forged
    async with engine.sessions() as tx:
        request = (await tx.scalars(select(HelpRequest).where(HelpRequest.reference == victims))).one()
        events = (await tx.scalars(select(RequestEvent.kind).where(RequestEvent.request_id == request.id))).all()
    assert request.status == "needs_info" and "info_received" not in events


async def test_the_upgrade_counts_whatsapp_numbers_as_verified_and_typed_ones_not(db_url):
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "0008")
    db = make_engine(db_url)
    at = {"t": datetime(2026, 11, 1, tzinfo=timezone.utc)}
    async with db.begin() as conn:
        await conn.execute(text("INSERT INTO beneficiary (id, display_name, phone, language, created_at) VALUES "
                                "(1, '', NULL, 'ar', :t), (2, '', '+966501234567', 'ar', :t)"), at)
        await conn.execute(text("INSERT INTO channelidentity (channel, external_id, beneficiary_id, opted_out, created_at) "
                                "VALUES ('whatsapp', '+966501234567', 1, false, :t), ('web', 'abc', 2, false, :t)"), at)
    await db.dispose()
    await upgrade_async(db_url)
    db = make_engine(db_url)
    async with make_sessions(db)() as tx:
        verified = {p.id: (p.verified_phone, p.phone_verified_at) for p in (await tx.scalars(select(Beneficiary))).all()}
    await db.dispose()
    assert verified == {1: (VICTIM, at["t"]), 2: (None, None)}


async def test_erasure_forgets_the_verified_number_until_the_channel_vouches_again(engine):
    await replies(engine, on_whatsapp("مرحبا"))
    record = await owner_of(engine, "whatsapp", VICTIM)
    for words in ("1", "4", "2", "3"):  # Arabic, «طلباتي», my data and privacy, erase
        await replies(engine, on_whatsapp(words))
    await replies(engine, said("whatsapp", VICTIM, Inbound("choice", choice="privacy:erase_yes")))
    async with engine.sessions() as tx:
        person = await tx.get(Beneficiary, record)
    assert person.erased_at is not None and (person.verified_phone, person.phone) == (None, None)
    await replies(engine, on_whatsapp("مرحبا"))
    async with engine.sessions() as tx:
        assert (await tx.get(Beneficiary, record)).verified_phone == VICTIM
