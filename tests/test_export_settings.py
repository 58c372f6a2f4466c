"""`python -m bot export-settings`: the running settings written as a profile file that loads back the same, for
every shipped profile and with the console's changes over it; the TOML writer round-trips any table (hypothesis)."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given, settings as examples, strategies as st

from bot.live_settings import compose
from conversations.profile import load, shipped
from bot.profile_export import dumps, profile_toml
from store import settings as stored
from tests.conftest import T0
from tests.test_cli import bot


@pytest.mark.parametrize("name", shipped())
def test_every_shipped_profile_loads_back_identically(name, tmp_path):
    profile = load(name, demo=True)  # a template (users_policy, amn) loads with its placeholders shown
    path = tmp_path / "out.toml"
    path.write_text(profile_toml(profile), encoding="utf-8")
    assert load(str(path)) == profile


async def test_the_console_s_changes_are_in_the_exported_file(sessions, profile, tmp_path):
    entry = profile.faq[0].model_dump(mode="json") | {
        "ar": {"questions": ['سؤال "مقتبس"\nبسطرين'], "answer": "جواب\tمع\\رموز"}
    }
    async with sessions() as tx, tx.begin():
        await stored.save_faq(tx, profile.faq[0].id, entry, None, T0)
        await stored.save_section(tx, "contact", {"email": "info@example.org", "address": None}, None, T0)
        await stored.save_section(tx, "texts", {"ar": {"welcome_back": "مرحباً مجدداً"}}, None, T0)
    async with sessions() as tx:
        running = compose(profile, await stored.overlay(tx))
    path = tmp_path / "exported.toml"
    path.write_text(profile_toml(running), encoding="utf-8")
    again = load(str(path))
    assert (
        again == running
        and again.faq[0].ar.answer == "جواب\tمع\\رموز"
        and again.contact.email == "info@example.org"
    )


def test_the_command_writes_a_file_that_loads(tmp_path):
    done = bot(tmp_path, "export-settings", "--out", str(tmp_path / "settings.toml"))
    assert done.returncode == 0, done.stderr
    assert "settings written to" in done.stdout
    from tests.conftest import FIXTURES

    assert load(str(tmp_path / "settings.toml")) == load(str(FIXTURES / "profile.toml"))


keys = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=8)
scalars = st.one_of(
    st.booleans(), st.integers(-(10**12), 10**12), st.text(st.characters(codec="utf-8"), max_size=20)
)
tables = st.recursive(
    st.dictionaries(keys, st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=4),
    lambda inner: st.dictionaries(
        keys, st.one_of(scalars, inner, st.lists(inner, min_size=1, max_size=2)), max_size=4
    ),
    max_leaves=12,
)


@examples(max_examples=200)
@given(tables)
def test_any_table_round_trips_through_the_writer(table):
    assert tomllib.loads(dumps(table)) == table
