"""Health information is sensitive (miras, seed 002): what a beneficiary writes of their need is encrypted at
rest like the ID, on SQLite and PostgreSQL; rows from before are sealed at start-up, and keys rotate it."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from store import sealed
from store.crypto import Keyring, new_key
from store.models import Beneficiary, HelpRequest
from store.rotation import rotate_all, seal_descriptions
from tests.test_at_rest import FORM, incoming, text_values

HEALTH = "أعاني من الفشل الكلوي وأحتاج جلسات غسيل ثلاث مرات في الأسبوع"
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)


async def test_a_health_description_is_in_no_text_column_and_reads_back_whole(engine, sessions, keyring):
    steps = [HEALTH if isinstance(s, str) and s.startswith("أرملة") else s for s in FORM]
    for n, step in enumerate(steps):
        await engine.handle(incoming(n, step))
    async with sessions() as tx:
        request = (await tx.scalars(select(HelpRequest))).one()
    assert request.description_sealed and sealed.description(keyring, request) == HEALTH
    leaks = {where for where, stored in (await text_values(sessions)).items() for v in stored if "الكلوي" in v}
    assert leaks == set()


def _request(person_id: int, n: int, description: str, **fields: object) -> HelpRequest:
    return HelpRequest(
        reference=f"R-OLD{n:03d}", beneficiary_id=person_id, conversation_key="web:x", channel="web",
        category="food", city="bukayriyah", residency="citizen", household_size=3, income_bracket="none",
        description=description, full_name_enc="", national_id_enc="", due_at=T0, **fields,
    )


async def test_descriptions_stored_in_clear_before_are_sealed_once_then_rotate_with_the_keys(sessions):
    old, new = new_key(), new_key()
    keyring = Keyring([old])
    async with sessions() as tx, tx.begin():
        person = Beneficiary()
        tx.add(person)
        await tx.flush()
        tx.add(_request(person.id, 1, HEALTH))
        tx.add(_request(person.id, 2, ""))
        tx.add(_request(person.id, 3, keyring.encrypt("مريض سكري"), description_sealed=True))
    assert await seal_descriptions(sessions, keyring, batch=1) == 2
    assert await seal_descriptions(sessions, keyring) == 0  # once
    async with sessions() as tx:
        rows = (await tx.scalars(select(HelpRequest).order_by(HelpRequest.id))).all()
    assert HEALTH not in rows[0].description and all(r.description_sealed for r in rows)
    assert [sealed.description(keyring, r) for r in rows] == [HEALTH, "", "مريض سكري"]

    assert await rotate_all(sessions, Keyring([new, old])) == 2
    async with sessions() as tx:
        rows = (await tx.scalars(select(HelpRequest).order_by(HelpRequest.id))).all()
    assert [sealed.description(Keyring([new]), r) for r in rows] == [HEALTH, "", "مريض سكري"]


async def test_staff_read_the_sealed_description_and_answer_on_the_request_page(tmp_path, monkeypatch, clock):
    import html

    from bot.appkeys import KEYRING
    from store.models import RequestEvent
    from tests.test_console_support import fresh_console, sqlite_url

    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as console:
        keyring = console.app[KEYRING]
        row = await console.request()
        async with console.sessions() as tx, tx.begin():
            stored = await tx.get(HelpRequest, row.id)
            for name, value in sealed.sealed_description(keyring, HEALTH).items():
                setattr(stored, name, value)
            tx.add(RequestEvent(request_id=row.id, actor="beneficiary", kind="info_received",
                                detail={**sealed.sealed_answer(keyring, "التقرير الطبي من مستشفى عسير"), "files": []}))
        await console.signed_in_as("researcher")
        page = html.unescape(await (await console.client.get("/admin/requests/R-7K3P9Q")).text())
    assert HEALTH in page and "التقرير الطبي من مستشفى عسير" in page and "text_sealed" not in page
