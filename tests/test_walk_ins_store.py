"""Requests entered at the desk, on SQLite and PostgreSQL: the chat form's validators and eligibility rules,
the person found by the keyed hash of their ID (across a key rotation) or created, and where news reaches
them (their most recent chat, none when they have no chat)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from store import walk_ins
from store.crypto import Keyring, new_key
from store.models import (
    Beneficiary,
    ChannelIdentity,
    Conversation,
    DeskIntake,
    HelpRequest,
    RequestEvent,
    Staff,
)
from store.walk_ins import Intake, Problem
from tests.conftest import T0

ID = "1012345672"
GOOD = {
    "full_name": "نورة عبدالله القحطاني", "national_id": "١٠١٢٣٤٥٦٧٢", "phone": "0501234567", "city": "bukayriyah",
    "residency": "citizen", "household_size": "٥ أفراد", "income_bracket": "none", "category": "food",
    "description": "نحتاج سلة غذائية لهذا الشهر",
}  # fmt: skip


def test_a_good_form_is_taken_with_the_chats_clean_values(profile):
    checked = walk_ins.check_help_form(GOOD, [], profile)
    assert checked.problems == []
    assert (checked.values["national_id"], checked.values["phone"], checked.values["household_size"]) == (
        ID, "+966501234567", 5
    )


def test_every_problem_is_reported_at_once_in_the_chats_words(profile):
    bad = GOOD | {"national_id": "1012345671", "phone": "12", "household_size": "40", "category": "gold"}
    checked = walk_ins.check_help_form(bad, [], profile)
    assert checked.problems == [
        Problem("national_id", "help_id_check_digit", chat=True), Problem("phone", "help_phone_invalid", chat=True),
        Problem("household_size", "help_household_range", chat=True), Problem("category", "walkin_error_choose"),
    ]  # fmt: skip


def test_the_profiles_explained_rules_refuse_and_its_flagged_rules_are_left_to_staff(profile):
    outside = walk_ins.check_help_form(GOOD | {"city": "other"}, [], profile)
    assert Problem("city", "walkin_error_outside_area") in outside.problems
    rent = walk_ins.check_help_form(GOOD | {"category": "rent"}, [], profile)
    assert rent.problems == [Problem("conditions", "walkin_error_conditions")]
    assert walk_ins.check_help_form(GOOD | {"category": "rent"}, ["has_lease"], profile).problems == []
    cash = walk_ins.check_help_form(GOOD | {"category": "cash_aid"}, [], profile)
    assert cash.problems == [] and cash.values["conditions"] == []
    foreign = walk_ins.check_help_form(GOOD | {"category": "cash_aid"}, ["has_lease"], profile)
    assert foreign.problems == [Problem("conditions", "walkin_error_choose")]


@given(channel=st.text(max_size=20), name=st.text(max_size=200), office=st.text(max_size=200))
def test_an_intake_is_a_known_channel_and_a_representative_always_has_a_name_and_office(channel, name, office):
    intake, problems = walk_ins.check_intake({"channel": channel, "rep_name": name, "rep_office": office})
    assert (intake is None) == bool(problems)
    if intake is not None:
        assert intake.channel in walk_ins.CHANNELS
        if intake.channel == "representative":
            assert 0 < len(intake.representative_name) <= 120 and 0 < len(intake.representative_office) <= 120
        else:
            assert intake.representative_name is None


async def _chat(tx, person: Beneficiary, channel: str, external: str, last_minutes: int | None) -> None:
    last = T0 + timedelta(minutes=last_minutes) if last_minutes is not None else None
    tx.add(ChannelIdentity(channel=channel, external_id=external, beneficiary_id=person.id, last_inbound_at=last))
    tx.add(Conversation(key=f"{channel}:{external}", beneficiary_id=person.id))
    await tx.flush()


IN_PERSON = Intake("in_person")


async def _file(sessions, keyring, profile, form=None, intake=IN_PERSON) -> HelpRequest:
    values = walk_ins.check_help_form(form or GOOD, [], profile).values
    async with sessions() as tx, tx.begin():
        staff = Staff(username="desk", password_hash="x", role="coordinator")
        tx.add(staff)
        await tx.flush()
        return await walk_ins.file_request(tx, keyring, profile, form=values, intake=intake, reference="H-000009",
                                           staff_id=staff.id, language="ar", now=T0)  # fmt: skip


async def _events(sessions) -> list[RequestEvent]:
    async with sessions() as tx:
        return list((await tx.scalars(select(RequestEvent))).all())


async def test_a_new_person_is_created_with_the_id_encrypted_and_hashed(sessions, keyring, profile):
    row = await _file(sessions, keyring, profile)
    async with sessions() as tx:
        person = await tx.get(Beneficiary, row.beneficiary_id)
        [event] = (await tx.scalars(select(RequestEvent))).all()
    assert person.national_id_hash == keyring.id_hash(ID) and ID not in person.national_id_enc
    assert keyring.decrypt(person.full_name_enc) == "نورة عبدالله القحطاني" and person.phone == "+966501234567"
    assert (row.channel, row.conversation_key, row.status) == ("in_person", f"desk:{person.id}", "submitted")
    assert row.due_at == T0 + timedelta(days=profile.deadlines.decision_days)
    assert event.kind == "submitted"


async def test_an_existing_person_is_found_by_the_id_even_under_an_older_key(sessions, profile):
    old_key = new_key()
    old, keyring = Keyring([old_key]), Keyring([new_key(), old_key])  # a rotation since the record was written
    async with sessions() as tx, tx.begin():
        person = Beneficiary(national_id_hash=old.id_hash(ID), national_id_enc=old.encrypt(ID))
        tx.add(person)
        await tx.flush()
        await _chat(tx, person, "whatsapp", "+966501234567", last_minutes=5)
        await _chat(tx, person, "web", "tok", last_minutes=30)
        other = Beneficiary(national_id_hash=old.id_hash("1087654321"))
        tx.add(other)
    row = await _file(sessions, keyring, profile)
    assert row.beneficiary_id == person.id and row.conversation_key == "web:tok"


async def test_news_of_a_desk_request_goes_to_the_persons_latest_reachable_chat(sessions, keyring, profile):
    row = await _file(sessions, keyring, profile)
    async with sessions() as tx:
        assert await walk_ins.decision_key(tx, row) is None  # no chat: staff tell them another way
    async with sessions() as tx, tx.begin():
        person = await tx.get(Beneficiary, row.beneficiary_id)
        await _chat(tx, person, "telegram", "77", last_minutes=1)
        await _chat(tx, person, "whatsapp", "+966501234567", last_minutes=9)
        await _chat(tx, person, "web", "quiet", last_minutes=None)
    async with sessions() as tx:
        assert await walk_ins.decision_key(tx, row) == "whatsapp:+966501234567"
    async with sessions() as tx, tx.begin():
        identity = (await tx.scalars(select(ChannelIdentity).where(ChannelIdentity.channel == "whatsapp"))).one()
        identity.unreachable = "blocked"
    async with sessions() as tx:
        assert await walk_ins.decision_key(tx, row) == "telegram:77"
    chat_row = HelpRequest(channel="web", conversation_key="web:filed-here", beneficiary_id=row.beneficiary_id)
    async with sessions() as tx:
        assert await walk_ins.decision_key(tx, chat_row) == "web:filed-here"


async def test_the_intake_keeps_the_representative_and_the_declaration(sessions, keyring, profile):
    intake = Intake("representative", "سعد الدوسري", "مكتب البكيرية")
    row = await _file(sessions, keyring, profile, intake=intake)
    staff_id = int((await _events(sessions))[0].actor.removeprefix("staff:"))
    async with sessions() as tx, tx.begin():
        await walk_ins.record_intake(tx, "help_request", row.id, row.beneficiary_id, intake, staff_id, T0, "on_file")
    async with sessions() as tx:
        found = await walk_ins.intake_of(tx, "help_request", row.id)
    assert isinstance(found, DeskIntake)
    assert (found.channel, found.representative_office, found.declaration) == ("representative", "مكتب البكيرية",
                                                                             "on_file")  # fmt: skip


async def test_a_complaint_received_by_phone_is_due_like_one_from_the_chat(sessions, keyring, profile):
    from conversations.complaint_rules import complaint_due_at

    checked = walk_ins.check_complaint({"national_id": ID, "kind": "suggestion", "text": "  نقترح فتح فرع في الحي  "})
    assert checked.problems == [] and checked.values["text"] == "نقترح فتح فرع في الحي"
    async with sessions() as tx, tx.begin():
        row = await walk_ins.file_complaint(tx, keyring, profile, form=checked.values, intake=Intake("letter"),
                                            reference="C-1", language="ar", now=T0)  # fmt: skip
    async with sessions() as tx:
        person = await tx.get(Beneficiary, row.beneficiary_id)
        assert await walk_ins.decision_key(tx, row) is None
    assert person.national_id_hash == keyring.id_hash(ID) and keyring.decrypt(person.national_id_enc) == ID
    assert (row.channel, row.kind, row.due_at) == ("letter", "suggestion", complaint_due_at(profile, T0))
    bad = walk_ins.check_complaint({"national_id": "123", "kind": "praise", "text": "قصير"})
    assert [p.field for p in bad.problems] == ["national_id", "text", "kind"]
