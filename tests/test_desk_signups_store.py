"""store/desk_signups.py on SQLite and PostgreSQL: the chat's checks on a desk sign-up, the person found by
their national ID or created, the last seat decided under the program's lock, one sign-up per person."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conversations.profile import load
from store import desk_signups
from store.models import Beneficiary, DeskIntake, Program, Registration, Staff
from store.walk_ins import Intake
from tests.sheets import mobile, valid_id


def typed(n: int, **more: str) -> dict[str, str]:
    return {"full_name": ("سارة محمد", "هند علي", "ريم خالد")[n], "national_id": valid_id(n), "phone": mobile(n),
            **more}  # fmt: skip


async def program(sessions, clock, **fields) -> Program:
    """A published program, and the staff member (id 1) who takes the sign-ups."""
    async with sessions() as tx, tx.begin():
        tx.add(Staff(id=1, username="desk", password_hash="-", role="coordinator"))
        row = Program(kind=fields.pop("kind", "registration"), status="published", title_ar="دورة", title_en="Course",
                      starts_at=clock.now + timedelta(days=3), **fields)  # fmt: skip
        tx.add(row)
    return row


def test_the_answers_are_checked_as_the_chat_checks_them(profile, clock):
    course = Program(kind="registration", status="published", title_ar="دورة", title_en="Course",
                     starts_at=clock.now + timedelta(days=3),
                     conditions=[{"key": "gender", "value": "f"}, {"key": "city", "value": ["bukayriyah"]}])  # fmt: skip
    met = desk_signups.check(typed(0, answer_gender="f", answer_city="bukayriyah"), course, profile, clock.now)
    assert (met.problems, met.answers) == ([], {"gender": "f", "city": "bukayriyah"})
    unmet = desk_signups.check(typed(0, answer_gender="m", answer_city="bukayriyah"), course, profile, clock.now)
    assert [p.key for p in unmet.problems] == ["desk_error_unmet"] and unmet.unmet == {"key": "gender", "value": "f"}
    missing = desk_signups.check(typed(0), course, profile, clock.now)
    assert [p.field for p in missing.problems] == ["answer_gender", "answer_city"]
    late = desk_signups.check(typed(0), course, profile, clock.now + timedelta(days=4))
    assert [(p.field, p.key) for p in late.problems] == [("program", "prog_closed_started")]


async def test_a_person_is_found_by_id_and_the_last_seat_is_waitlisted(sessions, profile, keyring, clock):
    course = await program(sessions, clock, capacity=1)
    async with sessions() as tx, tx.begin():
        known = Beneficiary(full_name_enc=keyring.encrypt("سارة محمد الأولى"), national_id_enc=keyring.encrypt(valid_id(0)),
                            national_id_hash=keyring.id_hash(valid_id(0)))  # fmt: skip
        tx.add(known)
    statuses = []
    for n in (0, 1):
        checked = desk_signups.check(typed(n), course, profile, clock.now)
        async with sessions() as tx, tx.begin():
            row = await desk_signups.sign_up(tx, keyring, course.id, checked, Intake("phone"), 1, "ar", clock.now)
            statuses.append(row.status)
    assert statuses == ["pending", "waitlisted"]
    async with sessions() as tx:
        people = (await tx.scalars(Beneficiary.__table__.select().order_by(Beneficiary.id))).all()
        first = await tx.get(Beneficiary, known.id)
        assert keyring.decrypt(first.full_name_enc) == "سارة محمد الأولى"  # the record's name is not overwritten
        assert first.phone == "+966500000000"  # a contact number it had none of is kept, in full
        assert len(people) == 2
        assert len((await tx.scalars(DeskIntake.__table__.select())).all()) == 2
    with pytest.raises(desk_signups.AlreadySignedUp):
        async with sessions() as tx, tx.begin():
            await desk_signups.sign_up(tx, keyring, course.id, desk_signups.check(typed(0), course, profile, clock.now),
                                       Intake("in_person"), 1, "ar", clock.now)  # fmt: skip
    async with sessions() as tx:
        assert len((await tx.scalars(Registration.__table__.select())).all()) == 2


async def test_a_volunteer_at_the_desk_is_interested_with_their_skills(sessions, profile, keyring, clock):
    helpers = await program(sessions, clock, kind="volunteer")
    assert [p.field for p in desk_signups.check(typed(2), helpers, profile, clock.now).problems] == ["note"]
    checked = desk_signups.check(typed(2, note="التصوير والتصميم"), helpers, profile, clock.now)
    async with sessions() as tx, tx.begin():
        row = await desk_signups.sign_up(tx, keyring, helpers.id, checked, Intake("letter"), 1, "ar", clock.now)
    assert (row.status, row.note, row.conversation_key.startswith("desk:")) == ("interested", "التصوير والتصميم", True)


def test_a_participation_rule_the_program_asks_is_asked_at_the_desk_too(clock):
    sha3af = load("sha3af")
    umrah = Program(kind="registration", status="published", title_ar="رحلة عمرة", title_en="Umrah trip",
                    starts_at=clock.now + timedelta(days=3),
                    conditions=[{"key": "rule", "value": "employer_approval", "ask": True},
                                {"key": "rule", "value": "interview"}])  # fmt: skip
    assert [p.field for p in desk_signups.check(typed(0), umrah, sha3af, clock.now).problems] == [
        "answer_rule_employer_approval"
    ]
    refused = desk_signups.check(typed(0, answer_rule_employer_approval="no"), umrah, sha3af, clock.now)
    assert [p.key for p in refused.problems] == ["desk_error_unmet"] and refused.unmet["value"] == "employer_approval"
    approved = desk_signups.check(typed(0, answer_rule_employer_approval="yes"), umrah, sha3af, clock.now)
    assert (approved.problems, approved.answers) == ([], {"rule_employer_approval": "yes"})
