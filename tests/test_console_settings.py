"""The association's settings over HTTP as an admin uses them: an FAQ entry edited on /admin/settings changes
the web chat's answer without a restart; the try-it box shows the answer and how sure; bad values get a polite
message; every change and the annual review are audited; other roles get 403."""

from __future__ import annotations

from datetime import timedelta

import itertools
import re
from collections.abc import AsyncIterator

import pytest

from bot.appkeys import ENGINE
from conversations.faq import CLOSE
from store.models import AuditLog
from tests.test_console_support import Console, fresh_console, sqlite_url

_ids = itertools.count(1)
INTERNAL_KEY = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


async def ask(console: Console, question: str) -> str:
    """A question typed into the website chat, from the main menu's inquiry; the bot's answer."""
    client = console.client

    async def send(after: int, **body) -> dict:
        response = await client.post(
            "/api/chat/send", json={"id": f"message-{next(_ids):06d}", "after": after, **body}
        )
        assert response.status == 200, await response.text()
        return await response.json()

    await client.get("/")
    data = await send(0, start=True)
    data = await send(data["last"], choice="lang:ar", text="العربية")
    data = await send(data["last"], choice="menu:inquiry", text="استفسار")
    data = await send(data["last"], text=question)
    return data["messages"][0]["text"]


EDITED = {
    "questions_ar": "متى يطلع الرد على طلبي\nكم يستغرق دراسة الطلب",
    "answer_ar": "تبت اللجنة في طلبك خلال عشرة أيام عمل.",
    "questions_en": "when will I hear back",
    "answer_en": "The committee decides within ten working days.",
}


async def test_an_faq_entry_edited_in_the_console_changes_the_web_chat_s_answer_at_once(console: Console):
    assert "خلال أسبوعين" in await ask(console, "متى يطلع الرد على طلبي؟")
    admin = await console.signed_in_as("admin")
    page = await (await console.client.get("/admin/settings/faq/decision_time")).text()
    assert "متى يطلع الرد على طلبي" in page and "خلال أسبوعين" in page

    response = await console.post(
        "/admin/settings/faq/decision_time", EDITED, page="/admin/settings/faq/decision_time"
    )
    assert response.status == 303 and response.headers["Location"] == "/admin/settings?done=faq_saved#faq"
    landed = await (await console.client.get(response.headers["Location"])).text()
    assert "حُفظ السؤال، ويجيب به المساعد الآلي الآن." in landed

    assert "خلال عشرة أيام عمل" in await ask(console, "متى يطلع الرد على طلبي؟")  # no restart
    row = await console.one(AuditLog, AuditLog.action == "settings_changed")
    assert (row.staff_id, row.subject) == (admin.id, "faq:decision_time")
    audit_page = await (await console.client.get("/admin/audit")).text()
    assert "حفظ السؤال: متى يطلع الرد على طلبي" in audit_page and "عُدّلت الأسئلة الشائعة" in audit_page


async def test_the_try_it_box_shows_the_answer_and_how_sure(console: Console):
    await console.signed_in_as("admin")
    page = await (
        await console.client.get("/admin/settings", params={"try": "متى يطلع الرد على طلبي"})
    ).text()
    assert (
        "سيجيب المساعد الآلي مباشرة بهذه الإجابة:" in page and "خلال أسبوعين" in page and "درجة التطابق 100٪" in page
    )
    nothing = await (
        await console.client.get("/admin/settings", params={"try": "كم سعر تذكرة الطيران"})
    ).text()
    assert "لن يجد المساعد الآلي إجابة" in nothing and "أقرب سؤال، وتطابقه دون الحد" in nothing
    assert int(re.search(r"درجة التطابق (\d+)٪", nothing.split("أقرب سؤال")[1]).group(1)) < CLOSE


async def test_a_new_entry_is_answered_and_a_retired_one_no_longer(console: Console):
    await console.signed_in_as("admin")
    new = {
        "questions_ar": "هل لديكم مواقف سيارات",
        "answer_ar": "نعم، أمام المبنى.",
        "questions_en": "is there parking",
        "answer_en": "Yes, in front of the building.",
    }
    response = await console.post("/admin/settings/faq/new", new, page="/admin/settings/faq/new")
    assert response.status == 303
    assert "أمام المبنى" in await ask(console, "هل لديكم مواقف سيارات")
    retire = await console.post("/admin/settings/faq/decision_time/retire", {}, page="/admin/settings")
    assert retire.headers["Location"] == "/admin/settings?done=faq_retired#faq"
    assert "خلال أسبوعين" not in await ask(console, "متى يطلع الرد على طلبي؟")


async def test_bad_values_get_a_polite_message_and_change_nothing(console: Console):
    await console.signed_in_as("admin")
    half = {**EDITED, "answer_en": ""}
    response = await console.post(
        "/admin/settings/faq/decision_time", half, page="/admin/settings/faq/decision_time"
    )
    page = await response.text()
    assert response.status == 400 and "في الإنجليزية: اكتب صيغة واحدة للسؤال على الأقل والإجابة معاً." in page
    assert "تبت اللجنة في طلبك خلال عشرة أيام عمل." in page  # what was typed is kept
    hours = await console.post(
        "/admin/settings/hours",
        {"day_sun": "on", "opens": "16:00", "closes": "09:00"},
        page="/admin/settings",
    )
    assert hours.status == 400 and "على أن تسبق البداية النهاية" in await hours.text()
    period = await console.post("/admin/settings/periods", {"decision_days": "كثير"}, page="/admin/settings")
    assert (
        period.status == 400 and "اكتب عدداً صحيحاً في «مدة البت في طلب الدعم (أيام)»." in await period.text()
    )
    text = await console.post(
        "/admin/settings/texts", {"welcome__ar": "أهلاً بك"}, page="/admin/settings/texts"
    )
    assert text.status == 400 and "{association}" in await text.text()
    assert await console.all(AuditLog, AuditLog.action == "settings_changed") == []


async def test_hours_periods_contact_and_holidays_apply_to_the_running_bot(console: Console):
    await console.signed_in_as("admin")
    engine = console.app[ENGINE]
    await console.post(
        "/admin/settings/hours",
        {"day_sat": "on", "day_sun": "on", "opens": "09:00", "closes": "13:30"},
        page="/admin/settings",
    )
    periods = {
        "decision_days": "١٠",
        "announce_open_working_days": "3",
        "announce_registration_working_days": "7",
        "rating_delay_minutes": "60",
    }
    await console.post("/admin/settings/periods", periods, page="/admin/settings")
    await console.post(
        "/admin/settings/contact",
        {
            "phone": "0161234567",
            "email": "info@example.org",
            "address_ar": "البكيرية",
            "address_en": "Al-Bukayriyah",
        },
        page="/admin/settings",
    )
    await console.post(
        "/admin/settings/holidays",
        {
            "name_ar": "اليوم الوطني",
            "name_en": "National Day",
            "calendar": "gregorian",
            "month": "9",
            "day": "23",
            "days": "1",
        },
        page="/admin/settings",
    )
    profile = engine.profile
    assert profile.working_hours.days == ["sat", "sun"] and profile.working_hours.closes.minute == 30
    assert profile.deadlines.decision_days == 10 and profile.deadlines.rating_delay_minutes == 60
    assert profile.contact.email == "info@example.org" and profile.contact.address.en == "Al-Bukayriyah"
    assert profile.holidays[-1].name.ar == "اليوم الوطني"
    audit = await (await console.client.get("/admin/audit")).text()
    for said in ("أيام العمل وساعاته: أيام العمل، يبدأ الدوام، ينتهي الدوام", "المدد: مدة البت في طلب الدعم (أيام)",
                 "بيانات التواصل: الهاتف، البريد الإلكتروني، العنوان", "الإجازات الرسمية: اليوم الوطني"):
        assert said in audit
    page = await (await console.client.get("/admin/settings")).text()
    assert 'value="13:30"' in page and "اليوم الوطني" in page and "23/9 ميلادي" in page


async def test_the_annual_review_is_due_until_marked_and_then_names_who(console: Console):
    admin = await console.signed_in_as("admin")
    page = await (await console.client.get("/admin/settings")).text()
    assert "لم تُسجَّل أي مراجعة بعد." in page and "حان موعد المراجعة السنوية" in page
    assert "لم تُراجع بعد" in await (await console.client.get("/admin/digest")).text()
    await console.post("/admin/settings/review", {}, page="/admin/settings")
    page = await (await console.client.get("/admin/settings")).text()
    assert "حان موعد المراجعة السنوية" not in page and f"أجراها {admin.display_name}" in page
    assert "المراجعة السنوية" not in await (await console.client.get("/admin/digest")).text()
    assert (await console.one(AuditLog, AuditLog.action == "settings_reviewed")).staff_id == admin.id
    console.clock.now += timedelta(days=400)  # a year and more later, the digest says when it was last done
    await console.signed_in_as("viewer")  # (a session does not last a year)
    digest = await (await console.client.get("/admin/digest")).text()
    assert "حان موعد المراجعة السنوية للسياسة والأسئلة الشائعة (آخر مراجعة:" in digest and "2026" in digest


@pytest.mark.parametrize("role", ["researcher", "viewer"])
async def test_only_admins_reach_the_settings(console: Console, role: str):
    await console.signed_in_as(role)
    for path in ("/admin/settings", "/admin/settings/texts", "/admin/settings/faq/decision_time"):
        assert (await console.client.get(path)).status == 403


async def test_no_internal_key_on_the_settings_pages_in_either_language(console: Console):
    await console.signed_in_as("admin")
    for lang in ("ar", "en"):
        for path in ("/admin/settings?try=when", "/admin/settings/texts", "/admin/settings/faq/decision_time",
                     "/admin/settings/faq/new"):  # fmt: skip
            page = await (await console.client.get(path, params={"lang": lang})).text()
            shown = re.sub(r"<[^>]+>", " ", page)
            assert not INTERNAL_KEY.search(shown), (path, lang, INTERNAL_KEY.search(shown).group(0))


def test_an_edit_keeps_translations_into_languages_the_form_does_not_show(profile):
    from conversations.profile import FaqEntry
    from handlers.admin.forms import Form
    from handlers.admin.settings_faq import _entry

    kept = FaqEntry.model_validate(
        profile.faq[0].model_dump() | {"translations": {"ur": {"questions": ["کب؟"], "answer": "جلد۔"}}}
    )
    form = Form({"questions_ar": "سؤال\n\nصيغة أخرى", "answer_ar": "جواب", "questions_en": "q", "answer_en": "a"})
    content, _ = _entry(form, profile, kept)
    assert content["ar"] == {"questions": ["سؤال", "صيغة أخرى"], "answer": "جواب"}
    assert content["translations"] == {"ur": {"questions": ["کب؟"], "answer": "جلد۔"}}
