"""The association's contact details as beneficiaries read them: only what the profile has. Miras (seed 002)
has no phone, e-mail or website, so its answer never says to call or write; Al-Bukayriyah's gives its own."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from conversations.profile import load, shipped
from conversations import contact, router
from conversations.catalog import Catalog
from conversations.effects import Reply
from conversations.faq import FaqIndex
from conversations.types import Context, Inbound

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
NOT_WITHOUT_A_PHONE = ("بالهاتف", "الهاتف", "اتصل بنا", "by phone", "phone:", "call us")


def _asked(name: str, lang: str, question: str) -> str:
    profile = load(name, demo=name in ("users_policy", "amn"))
    ctx = Context(profile=profile, texts=Catalog.load(profile.texts), faq=FaqIndex(profile), now=NOW,
                  channel="web", reference="H-000001")
    step = router.step("inquiry:ask", {"lang": lang}, Inbound("text", text=question), ctx)
    return "\n".join(e.text for e in step.effects if isinstance(e, Reply))


def test_miras_says_only_what_it_has_no_phone_no_email_no_website():
    for lang, question in (("ar", "كيف اتواصل معكم"), ("en", "how can I contact you")):
        said = _asked("miras", lang, question).lower()
        assert not any(word in said for word in NOT_WITHOUT_A_PHONE), said
        assert "e-mail" not in said and "البريد" not in said and "website" not in said
        assert "{contact}" not in said
    assert "العنوان: منطقة عسير" in _asked("miras", "ar", "كيف اتواصل معكم")


def test_an_association_with_a_phone_and_email_gives_them():
    said = _asked("bukayriyah", "ar", "كيف اتواصل معكم")
    assert "الهاتف: 0591450244" in said and "البريد الإلكتروني: blta335@gmail.com" in said
    assert "العنوان: القصيم - البكيرية" in said


def test_with_no_details_at_all_the_chat_is_the_way():
    profile = load("users_policy", demo=True)
    texts = Catalog.load(profile.texts)
    assert contact.lines(profile, texts, "ur") == texts("ur", "contact_chat_only")
    assert contact.filled("{contact}", profile, texts, "en") == texts("en", "contact_chat_only")
    assert contact.filled("{name} stays", profile, texts, "en") == "{name} stays"


def _without_a_phone() -> list[str]:
    profiles = {name: load(name, demo=name in ("users_policy", "amn")) for name in shipped()}
    return [name for name, p in profiles.items() if not (p.contact.phone or p.contact.whatsapp)]


def test_the_seeds_without_a_number_are_known():
    assert _without_a_phone() == ["amn", "miras", "sha3af", "users_policy"]


@pytest.mark.parametrize("name", _without_a_phone())
def test_no_answer_tells_beneficiaries_to_call_an_association_without_a_phone(name):
    profile = load(name, demo=name in ("users_policy", "amn"))
    for entry in profile.faq:
        for part in entry.parts():
            assert not any(word in part.answer.lower() for word in NOT_WITHOUT_A_PHONE), (entry.id, part.answer)
