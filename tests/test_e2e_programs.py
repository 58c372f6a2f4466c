"""End to end for a registration program (POLICY §6): staff create and publish it in the console and announce
it to a segment; a beneficiary on WhatsApp and one on Telegram receive the announcement and sign up; staff
accept them; the acceptance with the place, time and arrangements arrives; the reminder arrives the day before
(outside WhatsApp's 24-hour window, so as the approved template); both check in with the code on the day; the
attendance sheet exports with both marked."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.appkeys import DISPATCHER, ENGINE, TWILIO_CLIENT
from bot.broadcast import fan_out_due
from handlers.admin import passwords
from store.migrate import upgrade_async
from store.models import Program, Registration
from tests.conftest import FIXTURES, Clock
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.test_console_support import FAST, Console
from tests.test_telegram import SECRET, SECRET_HEADER, TOKEN, key_of, press, text
from tests.test_whatsapp import EMPTY_TWIML, INBOUND, TEMPLATE_SID, message_form, settings_for, sign

PROGRAM = {
    "kind": "registration",
    "title_ar": "دورة الحاسب للمبتدئين",
    "title_en": "Computer course for beginners",
    "description_ar": "أساسيات الحاسب في خمس أمسيات",
    "description_en": "Computer basics in five evenings",
    "starts_at": "2026-12-20T17:00",
    "registration_deadline": "2026-12-15T23:00",
    "mode": "in_person",
    "place_ar": "مقر الجمعية، قاعة التدريب",
    "place_en": "The association's office, training hall",
    "capacity": "20",
    "age_min": "18",
    "city_bukayriyah": "on",
    "residency_citizen": "on",
    "residency_resident": "on",
    "q0_ar": "هل لديك حاسب محمول؟",
    "q0_en": "Do you have a laptop?",
    "q0_expect": "yes",
    "arrangements_ar": "أحضر الهوية والحاسب المحمول، والحضور قبل الموعد بربع ساعة",
    "arrangements_en": "Bring your ID and your laptop; arrive a quarter of an hour early",
}


def _field(page: str, name: str) -> str:
    """The text of a form's textarea, as the browser would submit it."""
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, f"the form has {name}"
    return html.unescape(found.group(1))


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch):
    monkeypatch.setattr(passwords, "COST", FAST)


class World:
    """The bot with both channels, the two fakes, the console client and a clock the test moves."""

    def __init__(self, client: TestClient, twilio: FakeTwilioApi, telegram: FakeBotApi, clock: Clock):
        self.client, self.twilio, self.telegram, self.clock = client, twilio, telegram, clock
        self.app = client.server.app
        self.console = Console(client, clock)

    async def settle(self) -> None:
        await self.app[ENGINE].drain()
        while await self.app[DISPATCHER].run_once():
            pass

    async def whatsapp(self, words: str) -> list[str]:
        before = len(self.twilio.sent)
        form = message_form(words)
        response = await self.client.post(INBOUND, data=form, headers={"X-Twilio-Signature": sign(INBOUND, form)})
        assert (response.status, await response.text()) == (200, EMPTY_TWIML)
        await self.settle()
        return [m.body for m in self.twilio.sent[before:]]

    async def telegram_update(self, update: dict) -> list[str]:
        before = len(self.telegram.sent())
        response = await self.client.post("/webhooks/telegram", json=update, headers={SECRET_HEADER: SECRET})
        assert response.status == 200
        await self.settle()
        return self.telegram.sent()[before:]


@pytest.fixture
async def world(tmp_path: Path, clock: Clock):
    profile = tmp_path / "profile.toml"
    template = f'\n[whatsapp_templates.reply]\ncontent_sid = "{TEMPLATE_SID}"\nvariables = {{ "1" = "text" }}\n'
    profile.write_text((FIXTURES / "profile.toml").read_text(encoding="utf-8") + template, encoding="utf-8")
    async with FakeTwilioApi() as twilio, FakeBotApi(TOKEN) as telegram:
        settings = settings_for(
            tmp_path, twilio.url, profile=str(profile), telegram_bot_token=TOKEN, telegram_webhook_secret=SECRET,
            telegram_api_base_url=telegram.base_url, telegram_rate_per_second=1000.0, telegram_rate_per_chat=1000.0,
        )
        await upgrade_async(settings.database_url)
        app = create_app(settings, clock=clock, background=False)
        server = TestServer(app)
        await server.start_server()
        jar = CookieJar(unsafe=True, treat_as_secure_origin=[str(server.make_url("/").origin())])
        async with TestClient(server, cookie_jar=jar) as client:
            yield World(client, twilio, telegram, clock)
            await app[TWILIO_CLIENT].http_client.close()


async def test_a_registration_program_from_announcement_to_attendance_sheet(world: World):
    # Two beneficiaries already talk to the association: one on WhatsApp (Arabic), one on Telegram (English).
    await world.whatsapp("مرحبا")
    await world.whatsapp("1")
    greeting = await world.telegram_update(text("/start"))
    await world.telegram_update(press(key_of(greeting[0], "English")))

    # Staff create, publish and announce the program to the people on WhatsApp and Telegram.
    console = world.console
    await console.signed_in_as("admin")
    created = await console.post("/admin/programs/new", PROGRAM, page="/admin/programs/new")
    assert created.status == 303, await created.text()
    (program,) = await console.all(Program)
    page = f"/admin/programs/{program.id}"
    assert (await console.post(f"{page}/publish", {}, page=page)).status == 303
    compose = f"/admin/broadcasts/new?program={program.id}"
    announce = {"program_id": str(program.id), "when": "now", "step": "send", "confirmed": "yes",
                "aud_channel_whatsapp": "on", "aud_channel_telegram": "on"}
    prefilled = await (await world.client.get(compose)).text()
    announce |= {"text_ar": _field(prefilled, "text_ar"), "text_en": _field(prefilled, "text_en")}
    sent = await console.post("/admin/broadcasts/new", announce, page=compose)
    assert sent.status == 303, await sent.text()
    before_wa, before_tg = len(world.twilio.sent), len(world.telegram.sent())
    assert await fan_out_due(world.app[ENGINE].sessions, world.clock) == 2
    await world.settle()
    assert "دورة الحاسب للمبتدئين" in world.twilio.sent[before_wa].body
    assert "Computer course for beginners" in world.telegram.sent()[before_tg]["text"]

    # Both sign up: programs → registration programs → the course → register → age, city, residency, laptop.
    for words in ["3", "2", "1", "1", "٢٥", "1", "1", "1"]:
        await world.whatsapp(words)
    assert "قيد الدراسة" in (await world.whatsapp("1"))[0]
    for words in ["3", "2", "1", "1", "31", "1", "2", "1"]:
        await world.telegram_update(text(words))
    assert "under review" in (await world.telegram_update(text("1")))[0]["text"]

    # Staff accept both at once; the acceptance carries the place, the time and every arrangement.
    signed = await console.all(Registration)
    assert [r.status for r in signed] == ["pending", "pending"]
    decision = {"act": "accept"} | {f"reg_{r.id}": "on" for r in signed}
    before_wa, before_tg = len(world.twilio.sent), len(world.telegram.sent())
    assert (await console.post(f"{page}/registrations", decision, page=page)).status == 303
    await world.settle()
    accepted_ar = world.twilio.sent[before_wa].body
    accepted_en = world.telegram.sent()[before_tg]["text"]
    for words in ("مقر الجمعية، قاعة التدريب", "أحضر الهوية والحاسب المحمول", "20 ديسمبر 2026", "رجب 1448"):
        assert words in accepted_ar
    for words in ("training hall", "Bring your ID and your laptop", "December 20, 2026", "Rajab 1448"):
        assert words in accepted_en

    # The day before, the reminder: outside WhatsApp's window it goes as the approved template.
    world.clock.now = datetime(2026, 12, 19, 15, 0, tzinfo=timezone.utc)
    before_wa, before_tg = len(world.twilio.sent), len(world.telegram.sent())
    assert await world.app[ENGINE].fire_timers() == 2
    await world.settle()
    reminder_wa = world.twilio.sent[before_wa]
    assert reminder_wa.params["ContentSid"] == TEMPLATE_SID
    assert "دورة الحاسب" in json.loads(reminder_wa.params["ContentVariables"])["1"]
    assert "tomorrow" in world.telegram.sent()[before_tg]["text"].lower()

    # On the day, each sends the check-in code at the door (the WhatsApp one in Arabic-Indic digits).
    world.clock.now = datetime(2026, 12, 20, 13, 45, tzinfo=timezone.utc)
    code = program.checkin_code
    welcome_wa = await world.whatsapp(code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")))
    welcome_tg = await world.telegram_update(text(code))
    assert "حضورك" in welcome_wa[0] and "attendance" in welcome_tg[0]["text"].lower()

    # The attendance sheet (كشف الحضور) lists both as present, with Arabic headers (a new day, a new sign-in).
    await console.signed_in_as("coordinator")
    sheet = await world.client.get(f"{page}/attendance.csv")
    rows = list(csv.reader(io.StringIO((await sheet.read()).decode("utf-8-sig"))))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "الاسم")
    attended = [r for r in rows[header + 1:] if r]
    assert len(attended) == 2 and all(r[4] for r in attended), rows
