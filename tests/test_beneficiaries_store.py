"""The beneficiary list and one person's history, on SQLite and PostgreSQL: search by ID (keyed hash), mobile,
reference and name, the filters, pages and order, and the history in time order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from store import beneficiaries
from store.beneficiaries import Filters, search
from store.crypto import Keyring, new_key
from store.models import (
    Beneficiary,
    ChannelIdentity,
    Complaint,
    HelpRequest,
    OutboxMessage,
    Program,
    Rating,
    Registration,
    RequestEvent,
)
from store.person_history import history
from store.rotation import rotate_all
from tests.conftest import T0

ID_A, ID_B = "1087654321", "2000000008"


async def _person(
    tx,
    keyring,
    name: str,
    *,
    national_id: str | None = None,
    phone: str | None = None,
    city: str | None = "bukayriyah",
    channel: str = "web",
    opted_out: bool = False,
) -> Beneficiary:
    person = Beneficiary(display_name="", full_name_enc=keyring.encrypt(name), phone=phone, city=city)
    if national_id:
        person.national_id_enc, person.national_id_hash = (
            keyring.encrypt(national_id),
            keyring.id_hash(national_id),
        )
    tx.add(person)
    await tx.flush()
    external = phone if channel == "whatsapp" and phone else f"{channel}-{person.id}"
    tx.add(
        ChannelIdentity(channel=channel, external_id=external, beneficiary_id=person.id, opted_out=opted_out)
    )
    return person


def _request(person: Beneficiary, keyring, reference: str, status: str = "submitted") -> HelpRequest:
    return HelpRequest(
        reference=reference, beneficiary_id=person.id, conversation_key=f"web:web-{person.id}", channel="web",
        status=status, category="food", city="bukayriyah", residency="citizen", household_size=3,
        income_bracket="low", full_name_enc=keyring.encrypt("x"), national_id_enc=keyring.encrypt(ID_A),
        phone="", due_at=T0 + timedelta(days=14), submitted_at=T0, updated_at=T0,
    )  # fmt: skip


@pytest.fixture
async def people(sessions, keyring):
    async with sessions() as tx, tx.begin():
        sara = await _person(
            tx, keyring, "سارة محمد القحطاني", national_id=ID_A, channel="whatsapp", phone="+966501234567"
        )
        ahmad = await _person(tx, keyring, "أحمد علي", national_id=ID_B, city="hilaliyah", opted_out=True)
        gone = await _person(tx, keyring, "سارة محمد القحطاني", national_id=ID_A)
        gone.merged_into_id = sara.id
        tx.add(_request(ahmad, keyring, "H-000001"))
    return {"sara": sara.id, "ahmad": ahmad.id, "gone": gone.id}


async def _ids(sessions, keyring, **kw) -> list[int]:
    async with sessions() as tx:
        page = await search(tx, keyring, Filters(**kw))
    return [row.person.id for row in page.rows]


async def test_an_id_a_mobile_a_reference_and_a_name_each_find_the_current_record(sessions, keyring, people):
    sara, ahmad = people["sara"], people["ahmad"]
    assert await _ids(sessions, keyring, text=ID_A) == [sara]  # the merged-away record is not listed
    assert await _ids(sessions, keyring, text="١٠٨٧٦٥٤٣٢١") == [sara]  # Arabic-Indic digits
    assert await _ids(sessions, keyring, text="0501234567") == [sara]
    assert await _ids(sessions, keyring, text="h-000001") == [ahmad]
    assert await _ids(sessions, keyring, text="احمد") == [ahmad]  # أ typed as ا
    assert await _ids(sessions, keyring, text="محمد سارة") == [sara]
    assert await _ids(sessions, keyring, text="1087654320") == []  # a wrong check digit finds nobody
    assert await _ids(sessions, keyring, text="خالد") == []


async def test_the_filters_narrow_the_list(sessions, keyring, people):
    sara, ahmad = people["sara"], people["ahmad"]
    assert sorted(await _ids(sessions, keyring)) == [sara, ahmad]
    assert await _ids(sessions, keyring, city="hilaliyah") == [ahmad]
    assert await _ids(sessions, keyring, channel="whatsapp") == [sara]
    assert await _ids(sessions, keyring, open_request=True) == [ahmad]
    assert await _ids(sessions, keyring, opted_out=True) == [ahmad]
    assert await _ids(sessions, keyring, category="food") == [ahmad]


async def test_pages_and_order_cover_every_record_once(sessions, keyring):
    async with sessions() as tx, tx.begin():
        made = [(await _person(tx, keyring, f"person {n}")).id for n in range(7)]
    seen = []
    async with sessions() as tx:
        for number in (1, 2, 3):
            page = await search(tx, keyring, Filters(), sort="created", descending=False, page=number, size=3)
            assert (page.total, page.pages, page.page) == (7, 3, number)
            seen += [row.person.id for row in page.rows]
        beyond = await search(tx, keyring, Filters(), page=99, size=3)
    assert seen == made
    assert beyond.page == 3 and len(beyond.rows) == 1


async def test_a_name_search_past_its_bound_says_so(sessions, keyring, monkeypatch):
    async with sessions() as tx, tx.begin():
        for n in range(4):
            await _person(tx, keyring, f"نورة {n}")
    monkeypatch.setattr(beneficiaries, "NAME_SCAN", 2)
    async with sessions() as tx:
        page = await search(tx, keyring, Filters(text="نورة"))
    assert page.name_scan_capped and page.total == 2


async def test_the_history_holds_everything_in_time_order(sessions, keyring, people):
    ahmad = people["ahmad"]
    async with sessions() as tx, tx.begin():
        request = (await tx.scalars(select(HelpRequest))).one()
        tx.add(
            RequestEvent(
                request_id=request.id,
                at=T0 + timedelta(days=2),
                actor="staff:1",
                kind="decided",
                detail={"status": "accepted"},
            )
        )
        program = Program(
            kind="registration",
            status="published",
            title_ar="دورة",
            title_en="Course",
            starts_at=T0 + timedelta(days=5),
        )
        tx.add(program)
        await tx.flush()
        tx.add(
            Registration(
                program_id=program.id,
                beneficiary_id=ahmad,
                conversation_key="k",
                status="accepted",
                created_at=T0 + timedelta(days=3),
                attended_at=T0 + timedelta(days=5),
            )
        )
        tx.add(
            Complaint(
                reference="C-1",
                beneficiary_id=ahmad,
                conversation_key="k",
                channel="web",
                kind="complaint",
                text="تأخر الرد",
                due_at=T0,
                created_at=T0 + timedelta(days=1),
            )
        )
        tx.add(
            Rating(
                beneficiary_id=ahmad,
                conversation_key="k",
                channel="web",
                service_kind="help_request",
                service_ref="H-000001",
                status="answered",
                score=5,
                answered_at=T0 + timedelta(days=6),
            )
        )
        tx.add(
            OutboxMessage(
                channel="web",
                recipient=f"web-{ahmad}",
                conversation_key=f"web:web-{ahmad}",
                payload={"text": "قُبل طلبك"},
                status="delivered",
                created_at=T0 + timedelta(days=2),
            )
        )
    async with sessions() as tx:
        found = await history(tx, keyring, ahmad)
        assert await history(tx, keyring, 999) is None
    kinds = [(e.kind, e.status) for e in found.entries]
    assert kinds == [
        ("request", "submitted"),
        ("complaint", "open"),
        ("message", "delivered"),
        ("request_event", "accepted"),
        ("registration", "accepted"),
        ("attendance", ""),
        ("rating", ""),
    ]
    assert [c.identity.channel for c in found.channels] == ["web"]


async def test_key_rotation_re_encrypts_the_associations_notes(sessions):
    old, new = new_key(), new_key()
    async with sessions() as tx, tx.begin():
        tx.add(Beneficiary(notes_enc=Keyring([old]).encrypt("تُزار نهاية كل شهر")))
    assert await rotate_all(sessions, Keyring([new, old])) == 1
    async with sessions() as tx:
        person = (await tx.scalars(select(Beneficiary))).one()
    assert Keyring([new]).decrypt(person.notes_enc) == "تُزار نهاية كل شهر"
