"""The users_policy template (seed 003): without the association's name and service area it does not start,
and says what to fill in; in demo mode it starts with placeholders that read as placeholders."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from conversations.profile import ProfileError, load
from conversations import router
from conversations.catalog import Catalog
from conversations.effects import Reply
from conversations.faq import FaqIndex
from conversations.help_fields import city_choices
from conversations.types import Context, Inbound
from tests.test_cli import bot

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)


def test_the_template_is_refused_with_each_field_to_fill():
    with pytest.raises(ProfileError) as caught:
        load("users_policy")
    message = str(caught.value)
    assert "users_policy.toml" in message and "template" in message
    for field in ("name.ar", "name.en", "short_name.ar", "short_name.en", "service_area"):
        assert field in message
    assert "DEMO=1" in message


def test_a_filled_template_starts_without_demo(tmp_path):
    text = (load.__globals__["PROFILES_DIR"] / "users_policy.toml").read_text(encoding="utf-8")
    text = text.replace('[name]\nar = ""\nen = ""', '[name]\nar = "جمعية البر بالنماص"\nen = "Al-Birr Association, Al-Namas"')
    text = text.replace('[short_name]\nar = ""\nen = ""', '[short_name]\nar = "جمعية البر"\nen = "Al-Birr"')
    text += '\n[[service_area]]\nkey = "namas"\nname = { ar = "النماص", en = "Al-Namas" }\n'
    filled = tmp_path / "filled.toml"
    filled.write_text(text, encoding="utf-8")
    profile = load(str(filled))
    assert profile.short_name.ar == "جمعية البر" and [c.key for c in profile.service_area] == ["namas"]


def _texts_of(step) -> str:
    return "\n".join(
        " ".join([e.text, *(c.label for c in e.choices)]) for e in step.effects if isinstance(e, Reply)
    )


def test_demo_mode_greets_and_offers_placeholders_never_a_bare_association():
    profile = load("users_policy", demo=True)
    ctx = Context(profile=profile, texts=Catalog.load(profile.texts), faq=FaqIndex(profile), now=NOW,
                  channel="web", reference="H-000001")
    first = router.step("", {}, Inbound("text", text="مرحبا"), ctx)
    greeting = _texts_of(first)
    assert "[اسم الجمعية]" in greeting
    assert "الجمعية" not in greeting.replace("[اسم الجمعية]", "")
    offered = [c.label for c in city_choices(ctx, {"lang": "ar"}, "help:city")]
    assert offered[0] == "[اسم المدينة]" and "نطاق عمل الجمعية" not in offered


def test_start_up_refuses_the_template_and_demo_mode_starts_it(tmp_path):
    refused = bot(tmp_path, "migrate", PROFILE="users_policy")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "fill in name.ar" in refused.stderr and "service_area" in refused.stderr
    assert "up to date" not in refused.stdout
    demo = bot(tmp_path, "chat", "--new", stdin="مرحبا\n1\n", PROFILE="users_policy", DEMO="1")
    assert demo.returncode == 0, demo.stderr
    assert "[اسم الجمعية]" in demo.stdout


def test_amn_names_itself_but_no_town_so_only_its_area_is_asked_for():
    with pytest.raises(ProfileError) as caught:
        load("amn")
    message = str(caught.value)
    assert "fill in service_area" in message and "name.ar" not in message
    demo = load("amn", demo=True)
    assert demo.short_name.ar != "[اسم الجمعية]" and [c.name.ar for c in demo.service_area] == ["[اسم المدينة]"]
