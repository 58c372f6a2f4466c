"""«Link my WhatsApp or Telegram» on the website chat, through the real engine on SQLite and PostgreSQL: a code
goes to the number's own WhatsApp/Telegram identity through the outbox; only the right code, in time and within
five attempts, joins the web chat to that record; the answer never tells whether a number is known."""

from __future__ import annotations

import re
from datetime import timedelta

from hypothesis import given, strategies as st
from sqlalchemy import select

from conversations import link_channel
from conversations.types import Inbound
from store import sealed
from store.models import AuditLog, HelpRequest, LinkChallenge, OutboxMessage
from tests.test_identity import VICTIM, file_request, on_web, on_whatsapp, owner_of, replies, said

WEB = "c" * 32
CODE = re.compile(r"\b(\d{6})\b")


async def web_says(engine, words: str, token: str = WEB) -> str:
    """What the web visitor reads (only their own conversation's rows)."""
    rows = await engine.handle(on_web(words, token))
    return "\n".join(r.payload.get("text", "") for r in rows if r.conversation_key == f"web:{token}")


async def web_picks(engine, key: str, token: str = WEB) -> str:
    rows = await engine.handle(said("web", token, Inbound("choice", choice=key)))
    return "\n".join(r.payload.get("text", "") for r in rows if r.conversation_key == f"web:{token}")


async def open_link(engine, token: str = WEB) -> str:
    """Greeting, Arabic, «طلباتي», then «ربط محادثتي بواتساب أو تيليجرام»."""
    await web_says(engine, "مرحبا", token)
    await web_says(engine, "1", token)
    listed = await web_says(engine, "4", token)
    assert "ربط محادثتي بواتساب أو تيليجرام" in await labels(engine, token)
    return listed + await web_picks(engine, "requests:link", token)


async def labels(engine, token: str) -> list[str]:
    async with engine.sessions() as tx:
        rows = (await tx.scalars(select(OutboxMessage).where(OutboxMessage.conversation_key == f"web:{token}"))).all()
    return [label for _, label in sealed.output_payload(engine.keyring, rows[-1]).get("choices", [])]


async def codes_sent(engine, key: str = f"whatsapp:{VICTIM}") -> list[str]:
    async with engine.sessions() as tx:
        rows = (await tx.scalars(select(OutboxMessage).where(OutboxMessage.conversation_key == key).order_by(OutboxMessage.id))).all()
    texts = [sealed.output_payload(engine.keyring, r)["text"] for r in rows if r.payload.get("kind") == "one_time_code"]
    return [m.group(1) for text in texts if (m := CODE.search(text))]


async def whatsapp_owner(engine) -> int:
    await replies(engine, on_whatsapp("مرحبا"))
    await replies(engine, on_whatsapp("1"))
    return await owner_of(engine, "whatsapp", VICTIM)


async def audit_actions(engine) -> list[str]:
    async with engine.sessions() as tx:
        return list((await tx.scalars(select(AuditLog.action).order_by(AuditLog.id))).all())


async def test_the_right_code_links_the_web_chat_and_brings_what_it_filed_along(engine):
    theirs = await file_request(engine, on_whatsapp)
    verified = await owner_of(engine, "whatsapp", VICTIM)
    filed_on_web = await file_request(engine, lambda words: on_web(words, WEB))  # their own, before linking
    asked = await web_picks(engine, "requests:link")
    assert "رقم جوالك" in asked
    sent = await web_says(engine, "0501234567")
    assert "رمز تحقق" in sent and CODE.search(sent) is None  # the code goes to WhatsApp, never to the web page
    [code] = await codes_sent(engine)

    done = await web_says(engine, code)
    assert "اكتمل الربط" in done
    assert await owner_of(engine, "web", WEB) == verified
    await web_says(engine, "القائمة")
    listed = await web_says(engine, "4")
    assert theirs in listed and filed_on_web in listed  # their web request joined their own record
    async with engine.sessions() as tx:
        owners = set((await tx.scalars(select(HelpRequest.beneficiary_id))).all())
        challenge = (await tx.scalars(select(LinkChallenge))).one()
    assert owners == {verified}
    assert challenge.status == "linked" and code not in challenge.code_hash and "0501234567" not in challenge.number_masked
    assert await audit_actions(engine) == ["link_code_issued", "link_succeeded"]


async def test_five_wrong_codes_lock_and_the_right_one_then_links_nothing(engine):
    verified = await whatsapp_owner(engine)
    await open_link(engine)
    await web_says(engine, "٠٥٠١٢٣٤٥٦٧")  # Arabic-Indic digits
    [code] = await codes_sent(engine)
    wrong = "100000" if code != "100000" else "111111"
    told = [await web_says(engine, wrong) for _ in range(5)]
    assert "غير صحيح" in told[0] and "4" in told[0]
    assert "تجاوزت عدد المحاولات" in told[-1]
    after = await web_says(engine, code)
    assert "اكتمل الربط" not in after
    assert await owner_of(engine, "web", WEB) != verified
    actions = await audit_actions(engine)
    assert actions.count("link_code_failed") == 5 and "link_locked" in actions and "link_succeeded" not in actions


async def test_an_expired_code_fails(engine, clock):
    verified = await whatsapp_owner(engine)
    await open_link(engine)
    await web_says(engine, "0501234567")
    [code] = await codes_sent(engine)
    clock.now += timedelta(minutes=11)
    told = await web_says(engine, code)
    assert "انتهت صلاحية الرمز" in told
    assert await owner_of(engine, "web", WEB) != verified
    assert "link_expired" in await audit_actions(engine)


async def test_an_unknown_number_gets_the_same_answer_and_no_code_links(engine):
    await whatsapp_owner(engine)
    await open_link(engine)
    known = await web_says(engine, "0501234567")
    await open_link(engine, "d" * 32)
    unknown = await web_says(engine, "0551234567", "d" * 32)
    assert known == unknown  # nothing tells whether a number is registered
    assert await codes_sent(engine, "whatsapp:+966551234567") == []
    guesses = [await web_says(engine, str(100_000 + n), "d" * 32) for n in range(5)]
    assert all("اكتمل الربط" not in g for g in guesses) and "تجاوزت عدد المحاولات" in guesses[-1]


async def test_codes_are_rate_limited_per_visitor_and_per_number(engine):
    await whatsapp_owner(engine)
    await open_link(engine)
    for _ in range(3):
        await web_says(engine, "0501234567")
        await web_picks(engine, "link:again")
    limited = await web_says(engine, "0501234567")
    assert "حاول مرة أخرى بعد ساعة" in limited
    assert len(await codes_sent(engine)) == 3
    await open_link(engine, "e" * 32)  # another visitor, the same number: the victim is not flooded either
    assert "حاول مرة أخرى بعد ساعة" in await web_says(engine, "0501234567", "e" * 32)
    assert len(await codes_sent(engine)) == 3
    assert "link_rate_limited" in await audit_actions(engine)


async def test_linking_is_offered_on_the_web_chat_only(engine):
    await whatsapp_owner(engine)
    await replies(engine, on_whatsapp("4"))
    async with engine.sessions() as tx:
        rows = (await tx.scalars(select(OutboxMessage).where(OutboxMessage.conversation_key == f"whatsapp:{VICTIM}"))).all()
    choices = sealed.output_payload(engine.keyring, rows[-1])["choices"]
    assert "ربط محادثتي بواتساب أو تيليجرام" not in [label for _, label in choices]
    told = await replies(engine, said("whatsapp", VICTIM, Inbound("choice", choice="requests:link"), phone=VICTIM))
    assert "رقم جوالك" not in told  # a forged choice does not open it either


@given(st.text(max_size=40))
def test_only_six_digits_read_as_a_code(typed):
    code = link_channel._typed_code(typed)
    assert code is None or (len(code) == 6 and code.isascii() and code.isdecimal())


@given(st.integers(min_value=100_000, max_value=999_999), st.sampled_from(["", " ", "  "]), st.booleans())
def test_a_code_is_read_in_either_digit_set_and_with_spaces(n, gap, arabic):
    typed = str(n)[:3] + gap + str(n)[3:]
    if arabic:
        typed = typed.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert link_channel._typed_code(typed) == str(n)


async def test_a_number_verified_on_telegram_gets_its_code_on_telegram(engine):
    await replies(engine, said("telegram", "777", Inbound("text", text="مرحبا")))
    await replies(engine, said("telegram", "777", Inbound("contact", text=VICTIM), phone=VICTIM))  # their own card
    verified = await owner_of(engine, "telegram", "777")
    await open_link(engine)
    await web_says(engine, "0501234567")
    [code] = await codes_sent(engine, "telegram:777")
    assert "اكتمل الربط" in await web_says(engine, code)
    assert await owner_of(engine, "web", WEB) == verified
