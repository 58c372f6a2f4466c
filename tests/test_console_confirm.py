"""Decisions with care: accepting, declining, sending an announcement and cancelling one first show what will
happen and change nothing; the confirm button does it, and the page staff land on says it is done."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.appkeys import ENGINE
from store.audience import reach_by_channel
from store.models import (
    AuditLog,
    Beneficiary,
    Broadcast,
    ChannelIdentity,
    HelpRequest,
    InboundMessage,
    OutboxMessage,
)
from tests.test_console_support import Console, csrf_of, fresh_console

PAGE = "/admin/requests/R-7K3P9Q"
NEW = "/admin/broadcasts/new"
TEXTS = {"text_ar": "ملتقى الأسرة يوم الأحد", "text_en": "The family gathering on Sunday"}


@pytest.fixture
async def console(db_url, tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(db_url, tmp_path, monkeypatch, clock) as c:
        yield c


def hidden(page: str) -> dict[str, str]:
    """The fields the confirm page's form sends back."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


async def press_confirm(console: Console, page: str, action: str):
    fields = hidden(page)
    assert fields.pop("confirmed") == "yes" and fields["csrf"] == csrf_of(page)
    return await console.client.post(action, data=fields | {"confirmed": "yes"}, allow_redirects=False)


async def test_accepting_shows_what_will_happen_then_accepts_and_says_so(console: Console):
    await console.request("R-7K3P9Q")
    await console.signed_in_as("researcher")
    asked = await console.post(f"{PAGE}/accept", {"note": "نتواصل معك لموعد الاستلام"}, page=PAGE)
    page = await asked.text()
    assert asked.status == 200 and "قبول الطلب R-7K3P9Q؟" in page
    assert "تصبح حالة الطلب: مقبول." in page and "يُبلغ المستفيد فوراً عبر دردشة الموقع بقبول طلبه." in page
    assert "نتواصل معك لموعد الاستلام" in page and 'href="/admin/requests/R-7K3P9Q"' in page  # the way back
    assert (await console.one(HelpRequest)).status == "submitted"  # nothing done yet
    assert (
        await console.all(AuditLog, AuditLog.action == "accept") == []
        and await console.all(InboundMessage) == []
    )

    done = await press_confirm(console, page, f"{PAGE}/accept")
    assert done.status == 303 and done.headers["Location"] == f"{PAGE}?done=accepted"
    request = await console.one(HelpRequest)
    assert (request.status, request.decision_reason) == ("accepted", "نتواصل معك لموعد الاستلام")
    landed = await (await console.client.get(done.headers["Location"])).text()
    assert "قُبل الطلب، ويجري إبلاغ المستفيد." in landed


async def test_declining_quotes_the_reason_the_beneficiary_will_read(console: Console):
    await console.request("R-7K3P9Q")
    await console.signed_in_as("researcher")
    asked = await console.post(
        f"{PAGE}/reject", {"reason": "خارج نطاق خدمة الجمعية"}, page=PAGE, params={"lang": "en"}
    )
    page = await asked.text()
    assert "Decline request R-7K3P9Q?" in page and "The reason they will read:" in page
    assert "خارج نطاق خدمة الجمعية" in page and (await console.one(HelpRequest)).status == "submitted"
    done = await press_confirm(console, page, f"{PAGE}/reject")
    assert done.headers["Location"] == f"{PAGE}?done=rejected"
    assert (await console.one(HelpRequest)).status == "rejected"
    landed = await (await console.client.get(done.headers["Location"], params={"lang": "en"})).text()
    assert "The request is declined, and the beneficiary is being told the reason." in landed


async def test_a_decided_request_has_no_confirm_step_left(console: Console):
    await console.request("R-7K3P9Q", status="rejected")
    await console.signed_in_as("researcher")
    assert (await console.post(f"{PAGE}/accept", {"note": ""}, page=PAGE)).status == 409


async def reachable(console: Console) -> None:
    """Two people on WhatsApp, one on Telegram, one who stopped announcements."""
    async with console.sessions() as tx, tx.begin():
        for n, (channel, opted_out) in enumerate([("whatsapp", False), ("whatsapp", False), ("telegram", False),
                                                  ("telegram", True)]):  # fmt: skip
            person = Beneficiary(display_name=f"p{n}", language="ar")
            tx.add(person)
            await tx.flush()
            tx.add(
                ChannelIdentity(
                    channel=channel, external_id=f"x{n}", beneficiary_id=person.id, opted_out=opted_out
                )
            )


async def test_sending_to_everyone_says_how_many_on_which_channels_first(console: Console):
    await reachable(console)
    await console.signed_in_as("coordinator")
    asked = await console.post(NEW, TEXTS | {"when": "now", "step": "send"}, page=NEW)
    page = await asked.text()
    assert asked.status == 200 and "إرسال هذا الإعلان؟" in page
    assert "يصل الآن إلى 3 محادثات" in page and "محادثة واحدة عبر تيليجرام، محادثتان عبر واتساب" in page
    assert "يبدأ إرساله فوراً." in page and "نعم، أرسل إلى 3 محادثات" in page
    assert await console.all(Broadcast) == []  # nothing scheduled yet

    done = await press_confirm(console, page, NEW)
    broadcast = await console.one(Broadcast)
    assert done.headers["Location"] == f"/admin/broadcasts/{broadcast.id}?done=created"
    assert broadcast.text_ar == TEXTS["text_ar"]
    landed = await (await console.client.get(done.headers["Location"])).text()
    assert "جُدول الإعلان، وتعرض هذه الصفحة سير إرساله." in landed


async def test_cancelling_says_what_stops_and_what_stays_sent(console: Console):
    await console.signed_in_as("coordinator")
    async with console.sessions() as tx, tx.begin():
        broadcast = Broadcast(text_ar="نص", text_en="text", status="sending", send_at=console.clock.now)
        tx.add(broadcast)
        await tx.flush()
        for n, status in enumerate(["pending", "pending", "pending", "sent", "delivered"]):
            tx.add(OutboxMessage(channel="telegram", recipient=str(n), conversation_key=f"telegram:{n}",
                                 broadcast_id=broadcast.id, status=status))  # fmt: skip
    page_path = f"/admin/broadcasts/{broadcast.id}"
    asked = await console.post(f"{page_path}/cancel", {}, page=page_path)
    page = await asked.text()
    assert f"إلغاء الإعلان رقم {broadcast.id}؟" in page
    assert "لن تُرسل 3 رسائل ما زالت تنتظر." in page
    assert "رسالتان أُرسلتا من قبل تبقيان لدى أصحابهما ولا يمكن استرجاعهما." in page
    assert (await console.one(Broadcast)).status == "sending"

    done = await press_confirm(console, page, f"{page_path}/cancel")
    assert done.headers["Location"] == f"{page_path}?done=cancelled"
    assert (await console.one(Broadcast)).status == "cancelled"
    assert (
        "أُلغي الإعلان، ولن يُرسل منه شيء بعد الآن."
        in await (await console.client.get(done.headers["Location"])).text()
    )


async def test_disabling_a_staff_account_is_confirmed_then_said_done(console: Console):
    await console.signed_in_as("admin")
    colleague = await console.staff("viewer", "huda")
    confirm = f"/admin/staff/{colleague.id}/disable"
    page = await (await console.client.get(confirm)).text()
    assert "تنتهي جلساته المفتوحة الآن" in page
    done = await console.post(confirm, {}, page=confirm)
    landed = await (await console.client.get(done.headers["Location"])).text()
    assert "أُوقف الحساب وأُنهيت جميع جلساته." in landed


async def test_the_reach_per_channel_leaves_out_opted_out_and_filters_by_channel(console: Console):
    await reachable(console)
    async with console.sessions() as tx:
        assert await reach_by_channel(tx, {}) == {"telegram": 1, "whatsapp": 2}
        assert await reach_by_channel(tx, {"channels": ["telegram"]}) == {"telegram": 1}
        assert await reach_by_channel(tx, {"cities": ["nowhere"]}) == {}


async def test_an_announcement_offers_only_the_channels_it_can_be_sent_on(console: Console):
    engine = console.app[ENGINE]
    channels = ["whatsapp", "telegram", "web", "in_person", "phone", "letters", "branch_offices"]
    engine.profile = engine.profile.model_copy(update={"channels": channels})
    await reachable(console)
    await console.signed_in_as("coordinator")
    page = await (await console.client.get(NEW)).text()
    offered = re.findall(r'name="aud_channel_(\w+)"', page)
    assert offered == ["whatsapp", "telegram", "web"]
    asked = await console.post(
        NEW, TEXTS | {"when": "now", "step": "send", "aud_channel_letters": "on"}, page=NEW
    )
    assert "يصل الآن إلى 3 محادثات" in await asked.text()  # a channel that cannot be sent on narrows nothing
