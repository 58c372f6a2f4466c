"""The web chat has buttons and is not WhatsApp: its texts never say "type its number" nor "from the
association's official number"; other channels keep theirs."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from conversations import menu, router
from conversations.catalog import LANGUAGES, Catalog
from conversations.effects import Reply
from conversations.faq import FaqIndex
from conversations.flow import text
from conversations.states import Menu
from conversations.types import Context, Inbound

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
WEB = "_web"


def context(profile, texts, channel: str) -> Context:
    return Context(profile=profile, texts=texts, faq=FaqIndex(profile), now=NOW, channel=channel, reference="H-1")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_web_wording_replaces_a_text_that_exists(lang):
    table = Catalog.load().languages()[lang]
    web = [k for k in table if k.endswith(WEB)]
    assert web and all(k.removesuffix(WEB) in table for k in web)


def test_no_web_text_speaks_of_typing_numbers_or_the_official_number():
    table = Catalog.load().languages()
    for lang, words in (("ar", ("رقم", "واتساب")), ("en", ("number", "WhatsApp"))):
        for key in (k for k in table[lang] if k.endswith(WEB)):
            assert not any(w in table[lang][key] for w in words), (lang, key)


@pytest.mark.parametrize("lang", ["ar", "en", "ur", "hi"])
def test_a_choice_not_understood_on_the_web_points_at_the_buttons(lang, profile, texts):
    data = {"lang": lang, "choices": [[f"menu:{k}", label] for k, label in menu.ITEMS]}
    for channel, key in (("web", "menu_hint_web"), ("whatsapp", "menu_hint"), ("telegram", "menu_hint")):
        step = router.step(Menu.MAIN, data, Inbound("text", text="؟؟"), context(profile, texts, channel))
        said = [e.text for e in step.effects if isinstance(e, Reply)]
        assert said[0].startswith(texts(lang, key) + "\n\n"), channel  # the hint, then the question again


def test_the_program_confirmation_on_the_web_does_not_promise_a_whatsapp_message(profile, texts):
    data = {"lang": "ar"}
    web = text(context(profile, texts, "web"), data, "prog_confirm", title="دورة")
    whatsapp = text(context(profile, texts, "whatsapp"), data, "prog_confirm", title="دورة")
    assert "الرقم الرسمي" in whatsapp and "الرقم الرسمي" not in web and "في هذه المحادثة" in web
