"""A program sign-up taken at the desk, over HTTP as staff do it: the person is found or created by their
national ID and named in the sign-ups list (not «— — —»), the program's conditions are asked and applied as in
the chat, the last seat goes to the waiting list, one sign-up per person, and the intake is audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.appkeys import ENGINE
from store.models import AuditLog, DeskIntake, Program, Registration
from tests.sheets import mobile, valid_id
from tests.test_console_programs import seed_program
from tests.test_console_support import Console, fresh_console, sqlite_url


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


NAMES = ("", "مريم أحمد", "نورة سالم", "خالد عمر", "فهد ناصر")


def person(n: int, **more: str) -> dict[str, str]:
    return {"channel": "in_person", "full_name": NAMES[n], "national_id": valid_id(n), "phone": mobile(n),
            **more}  # fmt: skip


async def with_conditions(console: Console, *conditions: dict, capacity: int | None = None) -> Program:
    program = await seed_program(console, capacity=capacity)
    async with console.sessions() as tx, tx.begin():
        row = await tx.get(Program, program.id)
        row.conditions = list(conditions)
    return program


async def test_a_desk_sign_up_is_named_in_the_list_and_its_intake_audited(console: Console):
    program = await with_conditions(
        console, {"key": "age_min", "value": 18}, {"key": "question", "ar": "هل تجيد القراءة؟", "en": "Can you read?"}
    )
    await console.signed_in_as("coordinator")
    page = f"/admin/programs/{program.id}"
    assert "تسجيل مستفيد من المكتب" in await (await console.client.get(page)).text()
    form = await (await console.client.get(f"{page}/desk")).text()
    assert "هل تجيد القراءة؟" in form and "العمر بالسنوات" in form and "18" in form  # the conditions in words
    sent = await console.post(f"{page}/desk", person(1, answer_age="٣٤", answer_question_1="yes"), page=f"{page}/desk")
    assert sent.status == 303 and sent.headers["Location"] == f"{page}?done=desk_signup"
    after = await (await console.client.get(sent.headers["Location"])).text()
    assert "سُجِّل المستفيد في البرنامج" in after and "مريم أحمد" in after
    [row] = await console.all(Registration)
    assert (row.status, row.answers) == ("pending", {"age": 34, "question_1": "yes"})
    intake = await console.one(DeskIntake)
    assert (intake.kind, intake.record_id, intake.channel) == ("registration", row.id, "in_person")
    audited = await console.one(AuditLog, AuditLog.action == "desk_signup")
    assert (audited.subject, audited.detail) == (
        f"registration:{row.id}", {"program_id": program.id, "channel": "in_person", "status": "pending"}
    )


async def test_an_unmet_condition_says_which_and_records_nothing(console: Console):
    program = await with_conditions(console, {"key": "age_min", "value": 18})
    await console.signed_in_as("researcher")
    desk = f"/admin/programs/{program.id}/desk"
    refused = await console.post(desk, person(2, answer_age="12"), page=desk)
    text = await refused.text()
    assert refused.status == 400 and "الإجابات لا تستوفي شرط البرنامج" in text and "لم يُسجَّل شيء" in text
    bad = await console.post(desk, person(2, national_id="123", phone="12", answer_age="كبير"), page=desk)
    problems = await bad.text()
    assert bad.status == 400 and problems.count("<li><strong>") == 3  # the ID, the mobile and the age, at once
    assert 'value="كبير"' in problems  # the form keeps what was typed
    assert await console.all(Registration) == []


async def test_the_last_seat_goes_to_the_waiting_list_and_a_person_signs_up_once(console: Console):
    program = await with_conditions(console, capacity=1)
    await console.signed_in_as("coordinator")
    desk = f"/admin/programs/{program.id}/desk"
    assert (await console.post(desk, person(3), page=desk)).status == 303
    assert (await console.post(desk, person(4, channel="phone"), page=desk)).status == 303
    again = await console.post(desk, person(3), page=desk)
    assert again.status == 409 and "مسجَّل في هذا البرنامج من قبل" in await again.text()
    assert sorted(r.status for r in await console.all(Registration)) == ["pending", "waitlisted"]


async def test_a_closed_or_open_program_takes_no_desk_sign_up_and_a_viewer_none(console: Console):
    started = await seed_program(console, starts_in=timedelta(hours=-1))
    open_to_all = await seed_program(console, kind="open")
    await console.signed_in_as("coordinator")
    closed = await console.client.get(f"/admin/programs/{started.id}/desk")
    assert closed.status == 409
    desk = f"/admin/programs/{open_to_all.id}/desk"
    assert "لا يقبل التسجيل" in await (await console.client.get(desk)).text()
    assert "تسجيل مستفيد من المكتب" not in await (await console.client.get(f"/admin/programs/{open_to_all.id}")).text()
    await console.signed_in_as("viewer")
    assert (await console.client.get(f"/admin/programs/{started.id}/desk")).status == 403


async def test_without_branch_representatives_the_desk_neither_offers_nor_takes_one(console: Console):
    program = await seed_program(console)
    profile = console.app[ENGINE].profile
    console.app[ENGINE].profile = profile.model_copy(update={"channels": [c for c in profile.channels
                                                                           if c != "branch_offices"]})
    await console.signed_in_as("coordinator")
    desk = f"/admin/programs/{program.id}/desk"
    form = await (await console.client.get(desk)).text()
    assert 'value="representative"' not in form and 'name="rep_name"' not in form
    refused = await console.post(desk, person(1, channel="representative", rep_name="سعد", rep_office="مكتب"), page=desk)
    assert refused.status == 400 and await console.all(Registration) == []
