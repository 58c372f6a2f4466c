"""Seed 000 §9's rules for taking part, per program (sha3af): the employer's approval for a trip is asked
and only a yes goes on; the interview, attendance and the declaration of Islam are stated before the
beneficiary confirms, in their language; a program without rules asks and states none of them."""

from __future__ import annotations

from dataclasses import replace

from conversations.profile import load
from conversations import router
from conversations.catalog import Catalog
from conversations.effects import RegisterForProgram, Reply
from conversations.programs_rules import questions, stated_rules
from conversations.types import Inbound, PersonView
from tests.test_programs_flow import _ctx, _program

KNOWN = PersonView(phone="+966500000001", named=True)  # name and mobile on file: no contact questions first

SHA3AF = load("sha3af")
TEXTS = Catalog.load(SHA3AF.texts)
UMRAH = (
    {"key": "rule", "value": "employer_approval", "ask": True},
    {"key": "rule", "value": "interview", "ask": False},
    {"key": "rule", "value": "declare_islam", "ask": False},
)


def _register(lang: str, conditions: tuple) -> tuple:
    ctx = replace(_ctx(SHA3AF, TEXTS, [_program(conditions=conditions)]), person=KNOWN)
    data = {"lang": lang, "program": {"kind": "registration", "id": 2, "view": "programs:details"}}
    data["choices"] = [["programs:register", "Register"]]
    return router.step("programs:details", data, Inbound("choice", choice="programs:register"), ctx), ctx


def _answer(step, ctx, key: str):
    return router.step(step.state, step.data, Inbound("choice", choice=key), ctx)


def _said(step) -> str:
    return "\n".join(e.text for e in step.effects if isinstance(e, Reply))


def test_only_the_rule_with_a_question_is_asked_the_others_are_stated():
    assert questions(UMRAH) == ("rule_employer_approval",)
    assert stated_rules(UMRAH) == ["interview", "declare_islam"]


def test_the_employers_approval_is_asked_and_a_no_ends_the_sign_up_naming_the_rule():
    asked, ctx = _register("ar", UMRAH)
    assert asked.state == "programs:condition"
    assert "هل لديك موافقة جهة عملك على مشاركتك في هذا البرنامج؟" in _said(asked)
    refused = _answer(asked, ctx, "programs:answer:no")
    assert "كرحلات الحج أو العمرة أو الرحلات الترفيهية" in _said(refused)
    assert not any(isinstance(e, RegisterForProgram) for e in refused.effects)


def test_after_a_yes_the_stated_rules_come_before_the_confirmation_in_the_beneficiarys_language():
    asked, ctx = _register("ur", UMRAH)
    assert "کیا آپ کے پاس اس پروگرام میں شرکت کے لیے اپنے آجر کی منظوری ہے؟" in _said(asked)
    confirm = _answer(asked, ctx, "programs:answer:yes")
    assert confirm.state == "programs:confirm"
    said = _said(confirm)
    assert "انجمن کی پالیسی کے مطابق اس پروگرام کے ضوابط" in said
    assert "ذاتی انٹرویو میں کامیابی" in said and "اپنے اسلام کا اعلان" in said
    assert said.index("ذاتی انٹرویو") < said.index("“")  # stated before the confirmation question
    signed = _answer(confirm, ctx, "programs:confirm")
    registered = [e for e in signed.effects if isinstance(e, RegisterForProgram)]
    assert registered and registered[0].answers == {"rule_employer_approval": "yes"}


def test_a_program_without_rules_states_none():
    confirm, _ = _register("ar", ())
    assert confirm.state == "programs:confirm"
    assert "ضوابط هذا البرنامج" not in _said(confirm)


def test_the_details_list_the_rules_in_the_seeds_words():
    ctx = _ctx(SHA3AF, TEXTS, [_program(conditions=UMRAH)])
    data = {"lang": "ar", "program": {"kind": "registration", "id": 2, "view": "programs:list"}}
    data["choices"] = [["programs:pick:2", "دورة"]]
    shown = router.step("programs:list", data, Inbound("choice", choice="programs:pick:2"), ctx)
    said = _said(shown)
    assert "• موافقة جهة عمل المستفيد أثناء تأدية برامج الجمعية كرحلات الحج أو العمرة أو الرحلات الترفيهية" in said
    assert "• أن يشهر إسلامه بالجمعية إذا كان غير مسلم وفق الإجراءات المتبعة بالجمعية" in said


def test_sha3af_states_the_cash_aid_rule_in_the_seeds_words_and_the_district_not_the_centre():
    ctx = _ctx(SHA3AF, TEXTS)

    def cash_aid(lang: str):
        data = {"lang": lang, "help": {"form": {}}, "choices": [["help:category:cash_aid", "x"]]}
        return router.step("help:category", data, Inbound("choice", choice="help:category:cash_aid"), ctx)

    step = cash_aid("ar")
    labels = [c.label for e in step.effects if isinstance(e, Reply) for c in e.choices]
    assert step.state == "help:conditions"
    assert "«وفي حال ما كانت الخدمة المقدمة للمستفيد نقدية فيلزم عليه الشروط الآتية»" in _said(step)
    assert "متواجد بمركز الشعف (منطقة الشعف الإدارية، لا مقر الجمعية)" in labels
    assert not any("مركز الجمعية" in label for label in labels)
    in_urdu = [c.label for e in cash_aid("ur").effects if isinstance(e, Reply) for c in e.choices]
    assert "مرکز الشعف (علاقہ) میں موجود" in in_urdu
