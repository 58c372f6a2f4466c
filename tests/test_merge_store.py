"""The keyed national-ID hash, possible duplicates and the staff merge, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from store.crypto import Keyring, new_key
from store.duplicates import Duplicate, possible_duplicates
from store.merge import MergeRefused, merge, summary
from store.models import (
    Attachment,
    Beneficiary,
    ChannelIdentity,
    Complaint,
    Conversation,
    HandoffRequest,
    HelpRequest,
    InboundMessage,
    Program,
    Rating,
    Registration,
)
from store.rotation import fill_id_hashes, rotate_all
from tests.conftest import T0
from tests.test_requests_store import apply_happy_path, incoming, one

ID = "1012345672"


async def _person(tx, keyring: Keyring, *, national_id: str | None = None, phone: str | None = None,
                  whatsapp: str | None = None, web: str | None = None) -> Beneficiary:  # fmt: skip
    person = Beneficiary(phone=phone)
    if national_id:
        person.national_id_enc, person.national_id_hash = keyring.encrypt(national_id), keyring.id_hash(national_id)
    tx.add(person)
    await tx.flush()
    for channel, external in (("whatsapp", whatsapp), ("web", web)):
        if external:
            tx.add(ChannelIdentity(channel=channel, external_id=external, beneficiary_id=person.id))
            tx.add(Conversation(key=f"{channel}:{external}", beneficiary_id=person.id))
    await tx.flush()
    return person


def _request(person: Beneficiary, keyring: Keyring, reference: str, national_id: str = ID) -> HelpRequest:
    return HelpRequest(
        reference=reference, beneficiary_id=person.id, conversation_key="web:x", channel="web", category="food",
        city="bukayriyah", residency="citizen", household_size=3, income_bracket="low",
        full_name_enc=keyring.encrypt("نورة"), national_id_enc=keyring.encrypt(national_id),
        national_id_hash=keyring.id_hash(national_id), due_at=T0,
    )  # fmt: skip


async def test_a_filed_national_id_is_hashed_beside_it_and_erasure_clears_the_hash(engine, sessions, keyring):
    await apply_happy_path(engine)
    request, person = await one(sessions, HelpRequest), await one(sessions, Beneficiary)
    assert request.national_id_hash == person.national_id_hash == keyring.id_hash(ID)
    assert ID not in request.national_id_hash and len(request.national_id_hash) == 64
    for text_ in ("القائمة", "طلباتي", "بياناتي والخصوصية", "حذف بياناتي", "نعم، احذف بياناتي"):
        await engine.handle(incoming({"send": text_}))
    request, person = await one(sessions, HelpRequest), await one(sessions, Beneficiary)
    assert (request.national_id_hash, person.national_id_hash) == (None, None)


def test_the_hash_is_keyed_equal_for_equal_ids_and_known_under_every_key():
    old, new = new_key(), new_key()
    ring = Keyring([new, old])
    assert ring.id_hash(ID) == ring.id_hash(ID) != ring.id_hash("1000000008")
    assert ring.id_hash(ID) != Keyring([new_key()]).id_hash(ID)  # without the key, no dictionary of IDs helps
    assert ring.id_hashes(ID) == [Keyring([new]).id_hash(ID), Keyring([old]).id_hash(ID)]


async def test_rotation_recomputes_the_hashes_and_migrate_fills_missing_ones(sessions):
    old_key, new = new_key(), new_key()
    old = Keyring([old_key])
    async with sessions() as tx, tx.begin():
        tx.add(Beneficiary(national_id_enc=old.encrypt(ID), national_id_hash=old.id_hash(ID)))
        tx.add(Beneficiary(national_id_enc=old.encrypt("1000000008")))  # stored before the hash existed
        tx.add(Beneficiary())
    assert await fill_id_hashes(sessions, old) == 1
    assert await _hashes(sessions) == [old.id_hash(ID), old.id_hash("1000000008"), None]
    await rotate_all(sessions, Keyring([new, old_key]))
    only_new = Keyring([new])
    assert await _hashes(sessions) == [only_new.id_hash(ID), only_new.id_hash("1000000008"), None]


async def _hashes(sessions) -> list[str | None]:
    async with sessions() as tx:
        return list((await tx.scalars(select(Beneficiary.national_id_hash).order_by(Beneficiary.id))).all())


async def test_duplicates_by_national_id_even_across_a_key_rotation_and_by_vouched_mobile(sessions, keyring):
    older_key = new_key()
    older = Keyring([older_key])
    rotated = Keyring([new_key(), older_key])  # DATA_KEYS got a new first key; rotate-keys not yet run
    async with sessions() as tx, tx.begin():
        me = await _person(tx, rotated, national_id=ID, web="w1")
        same_id_old_key = await _person(tx, older, national_id=ID)
        same_id_on_a_request = await _person(tx, rotated)
        tx.add(_request(same_id_on_a_request, rotated, "H-1"))
        my_number_typed_elsewhere = await _person(tx, rotated, phone="+966500000002")
        stranger = await _person(tx, rotated, national_id="1000000008", phone="+966500000009")
        merged_away = await _person(tx, rotated, national_id=ID)
        merged_away.merged_into_id = me.id
        tx.add(ChannelIdentity(channel="whatsapp", external_id="+966500000002", beneficiary_id=me.id))
    async with sessions() as tx:
        found = await possible_duplicates(tx, rotated, me.id)
        from_the_other_side = await possible_duplicates(tx, rotated, my_number_typed_elsewhere.id)
        none_for_the_merged = await possible_duplicates(tx, rotated, merged_away.id)
    assert found == [
        Duplicate(same_id_old_key.id, ("national_id",)),
        Duplicate(same_id_on_a_request.id, ("national_id",)),
        Duplicate(my_number_typed_elsewhere.id, ("mobile",)),
    ]
    assert stranger.id not in {d.beneficiary_id for d in found}
    assert from_the_other_side == [Duplicate(me.id, ("mobile",))]
    assert none_for_the_merged == []


async def test_typed_numbers_alone_are_no_duplicate(sessions, keyring):
    async with sessions() as tx, tx.begin():
        one_ = await _person(tx, keyring, phone="+966500000003", web="a")
        two = await _person(tx, keyring, phone="+966500000003", web="b")
    async with sessions() as tx:
        assert await possible_duplicates(tx, keyring, one_.id) == []
        assert await possible_duplicates(tx, keyring, two.id) == []


async def _program(tx, title: str) -> Program:
    program = Program(kind="registration", title_ar=title, title_en=title, starts_at=T0)
    tx.add(program)
    await tx.flush()
    return program


async def test_a_merge_moves_every_row_of_the_dropped_record_and_keeps_it_as_a_trace(sessions, keyring):
    async with sessions() as tx, tx.begin():
        keep = await _person(tx, keyring, web="keep")
        drop = await _person(tx, keyring, national_id=ID, phone="+966500000002", whatsapp="+966500000002")
        drop.city = "bukayriyah"
        both, only_drop = await _program(tx, "both"), await _program(tx, "drop only")
        for program, person in ((both, keep), (both, drop), (only_drop, drop)):
            tx.add(Registration(program_id=program.id, beneficiary_id=person.id, conversation_key="k", status="accepted"))
        tx.add(_request(drop, keyring, "H-1"))
        tx.add(Complaint(reference="C-1", beneficiary_id=drop.id, conversation_key="whatsapp:x", channel="whatsapp",
                         kind="complaint", text="تأخر", due_at=T0))  # fmt: skip
        tx.add(Rating(beneficiary_id=drop.id, conversation_key="whatsapp:x", channel="whatsapp",
                      service_kind="program", service_ref="1", score=5, status="answered"))  # fmt: skip
        tx.add(HandoffRequest(reference="HO-1", beneficiary_id=drop.id, conversation_key="k", channel="whatsapp"))
        tx.add(Attachment(beneficiary_id=drop.id, channel="whatsapp", kind="photo", reference="https://media/1"))
        tx.add(InboundMessage(channel="whatsapp", provider_message_id="SM1", sender_id="+966500000002",
                              conversation_key="whatsapp:+966500000002", text="مرحبا"))  # fmt: skip
        earlier = await _person(tx, keyring)
        earlier.merged_into_id = drop.id  # merged into the dropped one by an earlier merge
    async with sessions() as tx, tx.begin():
        before = await summary(tx, drop.id)
    assert _counts(before) == (1, 1, 1, 2, 1)
    assert before.verified_numbers == ["+966500000002"] and before.given_numbers == []

    async with sessions() as tx, tx.begin():
        result = await merge(tx, keep.id, drop.id, T0)
    assert result.stayed == {"registration": 1}  # the kept record already had a sign-up for that program
    assert result.moved == {
        "channelidentity": 1, "conversation": 1, "helprequest": 1, "complaint": 1, "rating": 1,
        "registration": 1, "handoffrequest": 1, "attachment": 1,
    }  # fmt: skip
    async with sessions() as tx:
        kept, dropped = await tx.get(Beneficiary, keep.id), await tx.get(Beneficiary, drop.id)
        after = await summary(tx, keep.id)
        left = await summary(tx, drop.id)
        chained = await tx.get(Beneficiary, earlier.id)
        owners = {
            model.__name__: set((await tx.scalars(select(model.beneficiary_id))).all())
            for model in (ChannelIdentity, Conversation, HelpRequest, Complaint, Rating, HandoffRequest, Attachment)
        }
    assert all(found == {keep.id} for found in owners.values()), owners
    assert (dropped.merged_into_id, dropped.merged_at) == (keep.id, T0)  # not deleted: a trace of the merge
    assert chained.merged_into_id == keep.id
    assert keyring.decrypt(kept.national_id_enc) == ID and kept.national_id_hash == keyring.id_hash(ID)
    assert (kept.phone, kept.city) == ("+966500000002", "bukayriyah")  # filled where the kept record had nothing
    assert _counts(after) == (1, 1, 1, 2, 1)
    assert after.channels == ["web", "whatsapp"] and after.verified_numbers == ["+966500000002"]
    assert (left.requests, left.registrations, left.channels) == (0, 1, [])


def _counts(record) -> tuple[int, ...]:
    return record.requests, record.complaints, record.ratings, record.registrations, record.messages


async def test_a_merge_is_refused_for_the_same_a_missing_or_an_already_merged_record(sessions, keyring):
    async with sessions() as tx, tx.begin():
        a, b = await _person(tx, keyring, web="a"), await _person(tx, keyring, web="b")
    async with sessions() as tx, tx.begin():
        await merge(tx, a.id, b.id, T0)
    for keep_id, drop_id, reason in ((a.id, a.id, "same"), (a.id, 999_999, "missing"), (b.id, a.id, "merged"),
                                     (a.id, b.id, "merged")):  # fmt: skip
        async with sessions() as tx, tx.begin():
            with pytest.raises(MergeRefused) as refused:
                await merge(tx, keep_id, drop_id, T0)
        assert refused.value.reason == reason
    async with sessions() as tx:
        assert (await tx.get(Beneficiary, a.id)).merged_into_id is None
        assert (await tx.get(Beneficiary, b.id)).merged_into_id == a.id


async def test_a_number_verified_on_one_record_is_a_duplicate_and_the_merge_moves_it(sessions, keyring):
    async with sessions() as tx, tx.begin():
        telegram_user = await _person(tx, keyring)
        telegram_user.verified_phone = "+966500000111"  # a Telegram contact of their own
        typed = await _person(tx, keyring, phone="+966500000111", web="typed")
        await tx.flush()
        found = await possible_duplicates(tx, keyring, typed.id)
        assert [d.beneficiary_id for d in found] == [telegram_user.id]
        await merge(tx, typed.id, telegram_user.id, T0)
    async with sessions() as tx:
        kept, dropped = await tx.get(Beneficiary, typed.id), await tx.get(Beneficiary, telegram_user.id)
        assert kept.verified_phone == "+966500000111" and dropped.verified_phone is None
