"""Announcements in the console: the audience's size per filter (opted-out and unreachable people left out),
the text prefilled from a program, the lead time of policy §6 (refused with the latest compliant date; only an
admin overrides, with a reason, audited), the progress page, cancelling, roles and CSRF."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import AsyncIterator

import pytest

from bot.appkeys import ENGINE
from conversations.dates import date_text
from handlers.admin.broadcast_draft import complies, latest_compliant
from store.models import AuditLog, Beneficiary, Broadcast, ChannelIdentity, OutboxMessage, Registration
from tests.test_console_programs import seed_program
from tests.test_console_support import Console, fresh_console, sqlite_url

SIZE = re.compile(r"يصل هذا الجمهور الآن إلى (\d+|مستلم واحد|مستلمَين)")
IN_WORDS = {"مستلم واحد": "1", "مستلمَين": "2"}
NEW = "/admin/broadcasts/new"
TEXTS = {"text_ar": "ملتقى الأسرة يوم الأحد", "text_en": "The family gathering on Sunday"}
SUNDAY_6_DECEMBER = datetime(2026, 12, 6, 14, 0, tzinfo=timezone.utc)  # 17:00 in Riyadh


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c
        await c.app[ENGINE].drain()


@pytest.fixture
async def console_db(db_url, tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    """The console on SQLite and on PostgreSQL."""
    async with fresh_console(db_url, tmp_path, monkeypatch, clock) as c:
        yield c
        await c.app[ENGINE].drain()


async def someone(console: Console, n: int, lang: str, city: str, channel: str, **identity) -> int:
    async with console.sessions() as tx, tx.begin():
        person = Beneficiary(display_name=f"p{n}", language=lang, city=city)
        tx.add(person)
        await tx.flush()
        tx.add(ChannelIdentity(channel=channel, external_id=f"ext{n}", beneficiary_id=person.id, **identity))
    return person.id


async def signed_up(
    console: Console, program_id: int, person: int, status: str, attended: bool = False
) -> None:
    async with console.sessions() as tx, tx.begin():
        tx.add(
            Registration(
                program_id=program_id,
                beneficiary_id=person,
                conversation_key=f"x:{person}",
                status=status,
                attended_at=console.clock.now if attended else None,
            )
        )


async def size_of(console: Console, audience: dict) -> int:
    response = await console.post(NEW, TEXTS | audience | {"step": "preview", "when": "now"}, page=NEW)
    assert response.status == 200, await response.text()
    said = SIZE.search(await response.text()).group(1)
    return int(IN_WORDS.get(said, said))


async def test_the_audience_size_per_filter_leaves_out_opted_out_and_unreachable(console_db: Console):
    console = console_db
    past = await seed_program(console, starts_in=timedelta(days=-30))
    volunteering = await seed_program(console, kind="volunteer")
    await someone(console, 1, "ar", "bukayriyah", "telegram")
    await someone(console, 2, "en", "hilaliyah", "whatsapp")
    await someone(console, 3, "ar", "bukayriyah", "web", opted_out=True)
    await someone(console, 4, "ar", "hilaliyah", "telegram", unreachable="blocked")
    await signed_up(
        console, volunteering.id, await someone(console, 5, "en", "bukayriyah", "telegram"), "interested"
    )
    await signed_up(
        console, past.id, await someone(console, 6, "ar", "hilaliyah", "web"), "accepted", attended=True
    )
    await console.signed_in_as("coordinator")
    assert SIZE.search(await (await console.client.get(NEW)).text()).group(1) == "4"
    assert await size_of(console, {}) == 4
    assert await size_of(console, {"aud_city_bukayriyah": "on"}) == 2
    assert await size_of(console, {"aud_lang_en": "on"}) == 2
    assert await size_of(console, {"aud_channel_telegram": "on"}) == 2
    assert await size_of(console, {"aud_past": str(past.id)}) == 1
    assert await size_of(console, {"aud_volunteers": "on"}) == 1
    assert await size_of(console, {"aud_lang_ar": "on", "aud_channel_web": "on"}) == 1
    assert await console.all(Broadcast) == []


async def test_the_text_is_prefilled_from_a_program_in_both_languages(console: Console):
    program = await seed_program(console, starts_in=timedelta(days=40))
    async with console.sessions() as tx, tx.begin():
        row = await tx.get(type(program), program.id)
        row.conditions = [{"key": "age_min", "value": 18}, {"key": "city", "value": ["bukayriyah"]}]
    await console.signed_in_as("coordinator")
    page = await (await console.client.get(f"{NEW}?program={program.id}")).text()
    assert "«البرامج والفعاليات»" in page and "“Programs and events”" in page
    assert "العمر 18 سنة فأكثر" in page and "Residents of: Al-Bukayriyah" in page
    assert "هـ" in page and "AH" in page and "مقر الجمعية" in page
    assert f'name="program_id" value="{program.id}"' in page


async def test_a_compliant_announcement_is_scheduled_and_audited(console: Console):
    program = await seed_program(console, starts_in=timedelta(days=40))
    staff = await console.signed_in_as("coordinator")
    data = TEXTS | {
        "program_id": str(program.id),
        "aud_city_bukayriyah": "on",
        "when": "later",
        "send_at": "2026-11-29T09:00",
        "step": "send", "confirmed": "yes",
    }
    response = await console.post(NEW, data, page=NEW)
    assert response.status == 303, await response.text()
    broadcast = await console.one(Broadcast)
    assert response.headers["Location"] == f"/admin/broadcasts/{broadcast.id}?done=created"
    assert (broadcast.status, broadcast.program_id, broadcast.audience, broadcast.created_by) == (
        "scheduled",
        program.id,
        {"cities": ["bukayriyah"]},
        staff.id,
    )
    assert broadcast.send_at == datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc)
    assert (broadcast.text_ar, broadcast.override_reason) == (TEXTS["text_ar"], None)
    created = await console.one(AuditLog, AuditLog.action == "broadcast_created")
    assert created.subject == f"broadcast:{broadcast.id}" and created.detail["program_id"] == program.id


def test_the_lead_time_counts_working_days(profile):
    assert latest_compliant(profile, SUNDAY_6_DECEMBER, 10) == date(2026, 11, 22)
    assert latest_compliant(profile, SUNDAY_6_DECEMBER, 5) == date(2026, 11, 29)
    sunday_22 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
    assert complies(profile, sunday_22, SUNDAY_6_DECEMBER, 10)
    assert not complies(profile, sunday_22 + timedelta(days=1), SUNDAY_6_DECEMBER, 10)


@pytest.mark.parametrize(
    "kind, starts_at, days, latest",
    [
        ("registration", SUNDAY_6_DECEMBER, 10, date(2026, 11, 22)),
        ("open", SUNDAY_6_DECEMBER - timedelta(days=5), 5, date(2026, 11, 24)),
    ],
)
async def test_a_late_announcement_is_refused_naming_the_latest_compliant_date(
    console: Console, kind, starts_at, days, latest
):
    program = await seed_program(console, kind=kind, starts_in=starts_at - console.clock.now)
    await console.signed_in_as("coordinator")
    data = TEXTS | {"program_id": str(program.id), "when": "now", "step": "send", "confirmed": "yes"}
    response = await console.post(NEW, data, page=NEW)
    page = await response.text()
    assert response.status == 409
    expected = date_text(console.app[ENGINE].texts, "ar", latest)
    assert f"قبل موعده بـ {days} أيام عمل على الأقل" in page and expected in page and "هـ" in expected
    assert await console.all(Broadcast) == []


async def test_a_coordinator_cannot_override_the_lead_time(console: Console):
    program = await seed_program(console, starts_in=timedelta(days=3))
    await console.signed_in_as("coordinator")
    assert 'name="override_reason"' not in await (await console.client.get(NEW)).text()
    data = TEXTS | {"program_id": str(program.id), "when": "now", "step": "send", "confirmed": "yes", "override_reason": "طارئ"}
    response = await console.post(NEW, data, page=NEW)
    assert response.status == 403 and "لا يتجاوز مدة الإعلان المسبقة إلا المدير" in await response.text()
    assert await console.all(Broadcast) == []


async def test_an_admin_overrides_with_a_written_reason(console: Console):
    program = await seed_program(console, starts_in=timedelta(days=3))
    staff = await console.signed_in_as("admin")
    data = TEXTS | {"program_id": str(program.id), "when": "now", "step": "send", "confirmed": "yes"}
    refused = await console.post(NEW, data, page=NEW)
    assert refused.status == 409 and "بكتابة سبب التجاوز" in await refused.text()
    response = await console.post(NEW, data | {"override_reason": "تغيّر موعد القاعة"}, page=NEW)
    assert response.status == 303
    broadcast = await console.one(Broadcast)
    assert (broadcast.override_reason, broadcast.send_at) == ("تغيّر موعد القاعة", console.clock.now)
    override = await console.one(AuditLog, AuditLog.action == "lead_time_override")
    assert (override.staff_id, override.subject, override.detail) == (
        staff.id,
        f"broadcast:{broadcast.id}",
        {"reason": "تغيّر موعد القاعة"},
    )


async def test_programs_of_other_kinds_and_free_text_have_no_lead_time(console: Console):
    program = await seed_program(console, kind="volunteer", starts_in=timedelta(days=1))
    await console.signed_in_as("coordinator")
    for extra in ({"program_id": str(program.id)}, {}):
        response = await console.post(NEW, TEXTS | extra | {"when": "now", "step": "send", "confirmed": "yes"}, page=NEW)
        assert response.status == 303
    assert [b.program_id for b in await console.all(Broadcast)] == [program.id, None]


async def test_a_wrong_compose_form_says_why(console: Console):
    await console.signed_in_as("coordinator")
    response = await console.post(
        NEW, {"text_ar": "", "text_en": "x", "when": "later", "send_at": "", "step": "send", "confirmed": "yes"}, page=NEW
    )
    page = await response.text()
    assert response.status == 400 and "اكتب نص الإعلان بكل لغة" in page and "أدخل تاريخ ووقت الإرسال" in page
    assert await console.all(Broadcast) == []


async def seeded_broadcast(console: Console, status: str = "sending") -> tuple[int, int]:
    """A broadcast with outbox rows in several statuses, and another broadcast with one pending row."""
    async with console.sessions() as tx, tx.begin():
        mine, other = (
            Broadcast(text_ar="نص", text_en="text", send_at=console.clock.now, status=status) for _ in "ab"
        )
        tx.add_all([mine, other])
        await tx.flush()
        for n, (state, owner) in enumerate(
            [
                ("pending", mine),
                ("pending", mine),
                ("sending", mine),
                ("sent", mine),
                ("delivered", mine),
                ("read", mine),
                ("failed", mine),
                ("skipped", mine),
                ("pending", other),
            ]
        ):
            tx.add(
                OutboxMessage(
                    channel="telegram",
                    recipient=str(n),
                    conversation_key=f"telegram:{n}",
                    payload={"kind": "announcement", "text": "نص"},
                    status=state,
                    broadcast_id=owner.id,
                )
            )
    return mine.id, other.id


async def test_the_progress_page_counts_the_messages_and_reloads_while_sending(console: Console):
    mine, _ = await seeded_broadcast(console)
    await console.signed_in_as("viewer")
    response = await console.client.get(f"/admin/broadcasts/{mine}")
    page = await response.text()
    assert response.headers["Refresh"] == "5"
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd class=\"count \w+\">(\d+)</dd>", page))
    assert counts["في الانتظار"] == "3" and counts["أُرسل"] == "1" and counts["وصل"] == "1"
    assert counts["قُرئ"] == "1" and counts["فشل"] == "1" and counts["تُخطِّي (ألغى الاشتراك)"] == "1"
    assert "إلغاء الإعلان" not in page  # a viewer cannot cancel
    listing = await (await console.client.get("/admin/broadcasts")).text()
    assert f'href="/admin/broadcasts/{mine}"' in listing and "جميع المستفيدين المشتركين" in listing


async def test_cancelling_stops_the_pending_messages_only(console_db: Console):
    console = console_db
    mine, other = await seeded_broadcast(console)
    staff = await console.signed_in_as("coordinator")
    page = f"/admin/broadcasts/{mine}"
    assert (await console.post(f"{page}/cancel", {"confirmed": "yes"}, page=page)).status == 303
    assert (await console.one(Broadcast, Broadcast.id == mine)).status == "cancelled"
    assert (await console.one(Broadcast, Broadcast.id == other)).status == "sending"
    mine_rows = sorted(r.status for r in await console.all(OutboxMessage, OutboxMessage.broadcast_id == mine))
    assert mine_rows == [
        "cancelled",
        "cancelled",
        "delivered",
        "failed",
        "read",
        "sending",
        "sent",
        "skipped",
    ]
    assert (await console.one(OutboxMessage, OutboxMessage.broadcast_id == other)).status == "pending"
    row = await console.one(AuditLog, AuditLog.action == "broadcast_cancelled")
    assert (row.staff_id, row.subject, row.detail) == (
        staff.id,
        f"broadcast:{mine}",
        {"was": "sending", "messages": 2},
    )
    assert "Refresh" not in (await console.client.get(page)).headers
    assert (await console.post(f"{page}/cancel", {"confirmed": "yes"}, page=page)).status == 409


async def test_roles_and_csrf_on_announcements(console: Console):
    mine, _ = await seeded_broadcast(console)
    await console.signed_in_as("researcher")
    assert (await console.client.get(NEW)).status == 403
    page = f"/admin/broadcasts/{mine}"
    assert (await console.post(NEW, TEXTS | {"when": "now", "step": "send", "confirmed": "yes"}, page=page)).status == 403
    assert (await console.post(f"{page}/cancel", {"confirmed": "yes"}, page=page)).status == 403
    await console.signed_in_as("admin")
    for path, data in [(NEW, TEXTS | {"when": "now", "step": "send", "confirmed": "yes"}), (f"{page}/cancel", {"confirmed": "yes"})]:
        response = await console.client.post(path, data={"csrf": "forged", **data}, allow_redirects=False)
        assert response.status == 403
    assert len(await console.all(Broadcast)) == 2
    assert (await console.one(Broadcast, Broadcast.id == mine)).status == "sending"


async def test_a_malicious_program_title_is_escaped_in_announcements(console: Console):
    program = await seed_program(
        console, title_ar="<img src=x onerror=alert(1)>", starts_in=timedelta(days=40)
    )
    await console.signed_in_as("coordinator")
    page = await (await console.client.get(f"{NEW}?program={program.id}")).text()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
