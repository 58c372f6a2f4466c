"""A help request filed in plain SQL (store/request_rows.py), on SQLite and PostgreSQL: what staff then read through
the ORM is what the form gave (times, JSON, the sealed flags), with its history line, the files sent since the
form began (not older ones, not a location) and the person's record updated; consent is dated once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from store import request_rows
from store.input_rows import rows_of
from store.models import Attachment, Beneficiary, HelpRequest, RequestEvent

AT = datetime(2026, 11, 25, 8, 30, 15, 123456, tzinfo=timezone.utc)


async def _person(tx) -> int:  # type: ignore[no-untyped-def]
    conv, _ = await (await rows_of(tx)).first_contact("telegram:5", "telegram", "5", "", "ar", AT - timedelta(days=1))
    return conv.beneficiary_id


def _file(beneficiary_id: int, kind: str, at: datetime) -> Attachment:
    return Attachment(beneficiary_id=beneficiary_id, channel="telegram", kind=kind, reference=f"{kind}-{at:%H%M}",
                      created_at=at)


async def test_a_filed_request_reads_back_through_the_orm_with_its_history_files_and_person(sessions):
    started = AT - timedelta(minutes=10)
    async with sessions() as tx, tx.begin():
        who = await _person(tx)
        tx.add_all([_file(who, "photo", started - timedelta(hours=1)), _file(who, "photo", started + timedelta(minutes=1)),
                    _file(who, "location", started + timedelta(minutes=2))])
        await tx.flush()
        request = HelpRequest(
            reference="H-7K3P9Q", beneficiary_id=who, conversation_key="telegram:5", channel="telegram",
            language="ur", category="food", city="riyadh", residency="citizen", household_size=4,
            income_bracket="low", conditions=["orphans"], description="sealed need", description_sealed=True,
            full_name_enc="sealed name", national_id_enc="sealed id", national_id_hash="ab" * 32, phone="+966500000001",
            flags=["income_unverified"], due_at=AT + timedelta(days=10), submitted_at=AT, updated_at=AT,
        )
        person = {"full_name_enc": "sealed name", "national_id_enc": "sealed id", "national_id_hash": "ab" * 32,
                  "phone": "+966500000001", "household_size": 4, "city": "riyadh"}
        request_id = await request_rows.file_request(tx, request.model_dump(exclude={"id"}), ["income_unverified"],
                                                     person, started)
    async with sessions() as tx:
        filed = await tx.get(HelpRequest, request_id)
        history = (await tx.scalars(select(RequestEvent))).all()
        files = (await tx.scalars(select(Attachment).order_by(Attachment.created_at))).all()
        record = await tx.get(Beneficiary, who)
        due = (await tx.scalars(select(HelpRequest).where(HelpRequest.due_at <= AT + timedelta(days=10)))).all()
    assert (filed.reference, filed.status, filed.language, filed.household_size) == ("H-7K3P9Q", "submitted", "ur", 4)
    assert (filed.conditions, filed.flags, filed.evidence, filed.description_sealed) == (["orphans"], ["income_unverified"], {}, True)
    assert (filed.submitted_at, filed.due_at, filed.decided_at) == (AT, AT + timedelta(days=10), None)
    assert [r.id for r in due] == [request_id]  # a time written here compares with one the ORM writes
    assert [(e.request_id, e.kind, e.actor, e.at, e.detail) for e in history] == [
        (request_id, "submitted", "beneficiary", AT, {"flags": ["income_unverified"]})]
    assert [(f.kind, f.request_id) for f in files] == [("photo", None), ("photo", request_id), ("location", None)]
    assert (record.full_name_enc, record.national_id_hash, record.phone, record.household_size, record.city) == (
        "sealed name", "ab" * 32, "+966500000001", 4, "riyadh")


async def test_consent_is_dated_once(sessions):
    async with sessions() as tx, tx.begin():
        who = await _person(tx)
        assert await request_rows.record_consent(tx, who, AT)
        assert not await request_rows.record_consent(tx, who, AT + timedelta(days=1))
    async with sessions() as tx:
        assert (await tx.get(Beneficiary, who)).consent_at == AT
