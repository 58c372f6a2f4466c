"""What staff see of the policy beside a request: the cash-aid rule in the seed's own words next to what the
beneficiary chose (sha3af), a category the policy does not name marked as the association's to confirm
(bukayriyah), and the branch-office representatives offered only where the policy names them."""

from __future__ import annotations

import html

from sqlalchemy import update

from store.models import HelpRequest
from tests.test_console_support import fresh_console, sqlite_url

PAGE = "/admin/requests/R-7K3P9Q"


async def _page(console, path: str) -> str:
    await console.signed_in_as("researcher")
    return html.unescape(await (await console.client.get(path)).text())


async def test_cash_aid_shows_the_seeds_own_words_beside_the_chosen_condition(tmp_path, monkeypatch, clock):
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock, profile="sha3af") as console:
        await console.request(category="cash_aid", city="shaaf")
        async with console.sessions() as tx, tx.begin():
            await tx.execute(update(HelpRequest).values(conditions=["in_al_shaaf_district"]))
        page = await _page(console, PAGE)
    assert "متواجد بمركز الشعف (منطقة الشعف الإدارية، لا مقر الجمعية)" in page  # what the beneficiary chose
    assert "نص السياسة" in page
    assert "وفي حال ما كانت الخدمة المقدمة للمستفيد نقدية فيلزم عليه الشروط الآتية:" in page
    assert "أن يكون متواجداً بمركز الشعف." in page
    assert "مركز الجمعية" not in page


async def test_a_category_the_policy_does_not_name_is_marked_for_the_association_to_confirm(
    tmp_path, monkeypatch, clock
):
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock, profile="bukayriyah") as console:
        await console.request(category="food_baskets")
        page = await _page(console, PAGE)
        walk_in = await _page(console, "/admin/walk-ins/new")
    assert "هذا التصنيف ليس في سياسة الجمعية المعتمدة" in page
    assert "نص السياسة" not in page  # nothing to quote: the policy names no such category
    assert "مناديب المكاتب الفرعية" in walk_in and "اسم مندوب المكتب الفرعي" in walk_in


async def test_representatives_are_not_offered_where_the_policy_has_none(tmp_path, monkeypatch, clock):
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock, profile="sha3af") as console:
        walk_in = await _page(console, "/admin/walk-ins/new")
        await console.request(category="community_programs", city="shaaf")
        page = await _page(console, PAGE)
    assert "حضور شخصي إلى الجمعية" in walk_in
    assert "مناديب المكاتب الفرعية" not in walk_in and 'name="rep_name"' not in walk_in
    assert "هذا التصنيف ليس في سياسة الجمعية المعتمدة" not in page


async def test_staff_tick_the_participation_rules_a_program_keeps_and_see_them_again(tmp_path, monkeypatch, clock):
    from store.models import Program
    from tests.test_console_programs import FORM

    form = {k: v for k, v in FORM.items() if k != "city_bukayriyah"} | {
        "city_shaaf": "on", "rule_employer_approval": "on", "rule_interview": "on"
    }
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock, profile="sha3af") as console:
        await console.signed_in_as("coordinator")
        empty = html.unescape(await (await console.client.get("/admin/programs/new")).text())
        response = await console.post("/admin/programs/new", form, page="/admin/programs/new")
        assert response.status == 303, await response.text()
        program = await console.one(Program)
        edit = html.unescape(await (await console.client.get(f"/admin/programs/{program.id}/edit")).text())
        shown = html.unescape(await (await console.client.get(f"/admin/programs/{program.id}")).text())
    assert "ضوابط المشاركة التي تنطبق على هذا البرنامج" in empty
    assert "أن يشهر إسلامه بالجمعية إذا كان غير مسلم وفق الإجراءات المتبعة بالجمعية" in empty
    rules = [c for c in program.conditions if c["key"] == "rule"]
    assert rules == [
        {"key": "rule", "value": "interview", "ask": False},
        {"key": "rule", "value": "employer_approval", "ask": True},
    ]
    assert 'name="rule_employer_approval" checked' in edit and 'name="rule_declare_islam" checked' not in edit
    assert "اجتياز المقابلة الشخصية إن وجدت" in shown


async def test_a_trainees_request_shows_the_type_and_no_household_or_income(tmp_path, monkeypatch, clock):
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock, profile="amn", demo=True) as console:
        await console.request(category="training", city="demo_town")
        async with console.sessions() as tx, tx.begin():
            await tx.execute(update(HelpRequest).values(beneficiary_type="trainee", household_size=0, income_bracket=""))
        page = await _page(console, PAGE)
    assert "فئة المستفيد" in page and "متقدم لبرنامج تدريبي أو تأهيلي" in page
    assert "فئة ليست في سياسة الجمعية المعتمدة" not in page  # trainees are in seed 004
    facts = page[page.index("<dl"):page.index("</dl>")]
    assert "help_income" not in facts and ">0<" not in facts, facts


async def test_sign_up_answers_read_as_words_not_keys(tmp_path, monkeypatch, clock):
    from store.models import Program, Registration
    from tests.test_console_programs import seed_program, seed_signup

    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock, profile="sha3af") as console:
        program = await seed_program(console)
        row = await seed_signup(console, program.id, "pending")
        async with console.sessions() as tx, tx.begin():
            stored = await tx.get(Program, program.id)
            stored.conditions = [{"key": "age_min", "value": 18}, {"key": "rule", "value": "employer_approval", "ask": True}]
            signed = await tx.get(Registration, row.id)
            signed.answers = {"age": 30, "gender": "m", "rule_employer_approval": "yes"}
        page = await _page(console, f"/admin/programs/{program.id}")
    assert "العمر: 30" in page and "ذكر" in page
    assert "هل لديك موافقة جهة عملك على مشاركتك في هذا البرنامج؟ نعم" in page
    assert "rule_employer_approval" not in page and "age: 30" not in page



async def test_an_organisation_the_policy_does_not_name_is_marked_to_confirm(tmp_path, monkeypatch, clock):
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock, profile="amn", demo=True) as console:
        await console.request(category="other", city="demo_town")
        async with console.sessions() as tx, tx.begin():
            await tx.execute(update(HelpRequest).values(beneficiary_type="organisation"))
        page = await _page(console, PAGE)
    assert "جهة أو منظمة" in page and "فئة ليست في سياسة الجمعية المعتمدة: على الجمعية تأكيدها" in page
