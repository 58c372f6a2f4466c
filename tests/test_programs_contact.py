"""A program sign-up from the website chat asks the name and mobile the record lacks (once, then kept on the
person), so that the sign-ups list and the attendance sheet are not «— — —»; on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from bot.incoming import Incoming
from conversations import router
from conversations.effects import RegisterForProgram, RememberContact, Reply
from conversations.faq import FaqIndex
from conversations.programs_common import with_program
from conversations.states import Programs
from conversations.types import Context, Inbound, PersonView, ProgramView
from handlers.admin.signups import person_name
from store.models import Beneficiary, Conversation, Program
from store.program_signups import signups
from tests.conftest import T0

_n = itertools.count(1)


def course(**changes: object) -> ProgramView:
    fields: dict = dict(id=2, kind="registration", title_ar="دورة", title_en="Course", description_ar="",
                        description_en="", starts_at=T0 + timedelta(days=10), ends_at=None, mode="in_person",
                        place_ar="القاعة", place_en="The hall", link="", seats_left=3, registration_deadline=None)  # fmt: skip
    return ProgramView(**{**fields, **changes})


def ctx_for(profile, texts, person=PersonView(), channel="web", program=None) -> Context:
    return Context(profile=profile, texts=texts, faq=FaqIndex(profile), now=T0, channel=channel, reference="H-1",
                   person=person, programs=(program or course(),))  # fmt: skip


def at_details(program_id: int = 2) -> dict:
    return with_program({"lang": "en"}, kind="registration", id=program_id, view=Programs.DETAILS)


def go(ctx: Context, state: str, data: dict, *inputs: Inbound):
    steps = []
    for inbound in inputs:
        step = router.step(state, data, inbound, ctx)
        state, data = step.state, step.data
        steps.append(step)
    return steps


def pick(key: str) -> Inbound:
    return Inbound("choice", choice=key)


def say(words: str) -> Inbound:
    return Inbound("text", text=words)


def replies(step) -> list[str]:
    return [e.text for e in step.effects if isinstance(e, Reply)]


def test_an_anonymous_web_visitor_gives_name_and_mobile_before_the_sign_up_is_recorded(profile, texts):
    ctx = ctx_for(profile, texts)
    data = {**at_details(), "choices": [["programs:register", "Register"]]}
    asked, named, phoned, confirmed = go(ctx, Programs.DETAILS, data, pick("programs:register"), say("Noura Al-Harbi"),
                                         say("٠٥٠١٢٣٤٥٦٧"), pick("programs:confirm"))  # fmt: skip
    assert asked.state == Programs.CONTACT_NAME and replies(asked) == [texts("en", "prog_ask_name")]
    assert named.state == Programs.CONTACT_PHONE and replies(named) == [texts("en", "prog_ask_phone")]
    assert phoned.state == Programs.CONFIRM and not any(isinstance(e, (RememberContact, RegisterForProgram)) for e in phoned.effects)
    assert confirmed.state == Programs.AFTER
    assert RememberContact("Noura Al-Harbi", "+966501234567") in confirmed.effects
    assert any(isinstance(e, RegisterForProgram) for e in confirmed.effects)
    assert confirmed.data["program"]["contact"] == {}  # nothing of it stays in the conversation


def test_what_the_record_already_has_is_not_asked(profile, texts):
    data = {**at_details(), "choices": [["programs:register", "Register"]]}
    known = ctx_for(profile, texts, PersonView(phone="+966501234567", named=True))
    assert go(known, Programs.DETAILS, data, pick("programs:register"))[0].state == Programs.CONFIRM
    named = ctx_for(profile, texts, PersonView(named=True))
    assert go(named, Programs.DETAILS, data, pick("programs:register"))[0].state == Programs.CONTACT_PHONE
    on_telegram = ctx_for(profile, texts, PersonView(named=True), channel="telegram")  # the chat is a way back
    assert go(on_telegram, Programs.DETAILS, data, pick("programs:register"))[0].state == Programs.CONFIRM


def test_a_volunteer_gives_a_name_then_their_skills(profile, texts):
    volunteer = course(id=4, kind="volunteer", seats_left=None)
    ctx = ctx_for(profile, texts, PersonView(phone="+966501234567"), program=volunteer)
    data = {**at_details(4), "choices": [["programs:interest", "Count me in"]]}
    asked, named, noted = go(ctx, Programs.DETAILS, data, pick("programs:interest"), say("Sara Ali"), say("first aid, driving"))
    assert asked.state == Programs.CONTACT_NAME and named.state == Programs.SKILLS
    assert RememberContact("Sara Ali", "") in noted.effects and noted.state == Programs.AFTER


def test_a_wrong_name_or_mobile_gets_its_hint_and_the_question_again(profile, texts):
    ctx = ctx_for(profile, texts)
    data = {**at_details(), "choices": [["programs:register", "Register"]]}
    _, bad_name, _, bad_phone = go(ctx, Programs.DETAILS, data, pick("programs:register"), say("Noura 2"), say("Noura Ali"), say("12"))
    assert replies(bad_name) == [texts("en", "help_name_letters") + "\n\n" + texts("en", "prog_ask_name")]
    assert replies(bad_phone) == [texts("en", "help_phone_invalid") + "\n\n" + texts("en", "prog_ask_phone")]


def test_not_now_at_the_confirmation_keeps_nothing(profile, texts):
    ctx = ctx_for(profile, texts)
    data = {**at_details(), "choices": [["programs:register", "Register"]]}
    *_, left = go(ctx, Programs.DETAILS, data, pick("programs:register"), say("Noura Ali"), say("0501234567"), pick("programs:not_now"))
    assert not any(isinstance(e, (RememberContact, RegisterForProgram)) for e in left.effects)
    assert left.data["program"]["contact"] == {}


# ── through the engine and the store ────────────────────────────────────────────────────────────────────


def on_web(inbound: Inbound, token: str = "visitor-1") -> Incoming:
    return Incoming("web", token, f"w{next(_n):07d}", inbound)


async def _sign_up(engine, program_id: int, *typed: str) -> None:
    for inbound in (pick("menu:programs"), pick("programs:kind:registration"), pick(f"programs:pick:{program_id}"),
                    pick("programs:register"), *(say(w) for w in typed), pick("programs:confirm")):  # fmt: skip
        await engine.handle(on_web(inbound))


async def test_a_web_sign_up_shows_the_name_and_mobile_staff_need_and_asks_them_once(engine, keyring):
    async with engine.sessions() as tx, tx.begin():
        for title in ("دورة الحاسب", "دورة الإسعافات"):
            tx.add(Program(kind="registration", status="published", title_ar=title, title_en=title,
                           starts_at=T0 + timedelta(days=10)))  # fmt: skip
    await engine.handle(on_web(pick("lang:ar")))
    await _sign_up(engine, 1, "نورة محمد الحربي", "0501234567")
    await _sign_up(engine, 2)  # the second program asks nothing more
    async with engine.sessions() as tx:
        conv = (await tx.scalars(select(Conversation))).one()
        assert conv.state == Programs.AFTER
        for program_id in (1, 2):
            ((row, person),) = await signups(tx, program_id)
            assert row.status == "pending"
            assert person_name(keyring, person, "?") == "نورة محمد الحربي" and person.phone == "+966501234567"
        person = await tx.get(Beneficiary, conv.beneficiary_id)
        assert person.verified_phone is None  # a typed number proves nothing
        assert "نورة" not in (person.full_name_enc or "")  # encrypted at rest
