"""`python -m bot whatsapp-templates sync|status` against the fake Twilio, the Content API calls checked against
Twilio's published Content API spec by Prism: every shipped template is created once, submitted for WhatsApp's
approval, and its verdict recorded and printed in words."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest.content.v1.content import ContentList

from bot.channels import whatsapp
from bot.engine import utc_now
from bot.whatsapp_templates import definitions
from bot.whatsapp_templates.command import sentences
from bot.whatsapp_templates.content_api import refresh, sync
from store.db import make_engine, make_sessions
from store.migrate import upgrade_async
from tests.fakes.twilio_api import FakeTwilioApi
from tests.prism import CONTENT_SPEC, free_port, proxy
from tests.test_whatsapp import ACCOUNT, TOKEN, settings_for

ROOT = Path(__file__).resolve().parent.parent


async def test_sync_creates_and_submits_every_template_once_within_the_content_api_contract(tmp_path):
    async with FakeTwilioApi() as fake:
        log = tmp_path / "prism.log"
        with proxy(CONTENT_SPEC, fake.url, log) as base:
            settings = settings_for(tmp_path, base)
            await upgrade_async(settings.database_url)
            db, client = make_engine(settings.database_url), whatsapp.make_client(settings)
            try:
                sessions = make_sessions(db)
                rows = await sync(client, sessions, utc_now)
                assert len(fake.contents) == len(definitions()) == len(rows)
                assert {(r.kind, r.language, r.status) for r in rows} == {
                    (k, l, "received") for k, l in definitions()
                }
                again = await sync(client, sessions, utc_now)  # nothing new: nothing created twice
                assert len(fake.contents) == len(definitions()) and len(again) == len(rows)

                fake.verdict("approved")
                fake.verdict("rejected", "Variables are too close together", language="en")
                rows = await refresh(client, sessions, utc_now)
                by_key = {(r.kind, r.language): r for r in rows}
                assert by_key[("decision_accepted", "ar")].status == "approved"
                assert (
                    by_key[("decision_accepted", "en")].rejection_reason == "Variables are too close together"
                )
                assert "Violation" not in log.read_text(errors="replace")
                with pytest.raises(
                    TwilioRestException
                ) as refused:  # the proxy has teeth: no types, no language
                    await client.content.v1.contents.create_async(
                        ContentList.ContentCreateRequest({"friendly_name": "x"})
                    )
                assert refused.value.status == 422
            finally:
                await client.http_client.close()
                await db.dispose()
    sent = fake.contents[fake.content_sid("frontdesk_rating_prompt_ar")]
    buttons = sent.request["types"]["twilio/quick-reply"]["actions"]
    assert [(a["title"], a["id"]) for a in buttons] == [(str(n), f"rating:score:{n}") for n in range(1, 6)]
    assert sent.approval == {"name": "frontdesk_rating_prompt_ar", "category": "UTILITY"}
    code = fake.contents[fake.content_sid("frontdesk_one_time_code_en")]
    assert (
        "whatsapp/authentication" in code.request["types"] and code.approval["category"] == "AUTHENTICATION"
    )
    lines = sentences(rows)
    assert "Help request accepted, in Arabic: approved by WhatsApp." in lines
    assert (
        "Help request accepted, in English: refused by WhatsApp. Reason for refusal: Variables are too close together"
        in lines
    )
    assert not any("_" in line for line in lines)  # no internal key reaches a person


async def test_the_status_command_prints_sentences(tmp_path):
    async with FakeTwilioApi() as fake:
        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.isupper() or k in ("PATH", "HOME", "LANG", "PYTHONPATH")
            },
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_API_BASE_URL": fake.url,
            "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        }

        async def command(action: str) -> str:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "whatsapp-templates",
                action,
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(process.communicate(), 120)
            assert process.returncode == 0, err.decode()
            return out.decode()

        printed = await command("sync")
        assert "Announcement, in Arabic: received by WhatsApp for review." in printed
        fake.verdict("approved")
        printed = await command("status")
    assert "Announcement, in Arabic: approved by WhatsApp." in printed.splitlines()
    assert len(printed.splitlines()) == len(definitions())


def test_twilio_out_of_reach_is_one_line_not_a_traceback(tmp_path):
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.isupper() or k in ("PATH", "HOME", "LANG", "PYTHONPATH")
        },
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{free_port()}",  # nobody listens there
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "whatsapp-templates", "sync"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: could not reach Twilio") and len(done.stderr.splitlines()) == 1
