"""One message per turn: a step's notices go joined to the reply after them, within the channel's limit,
never past a message the host sends itself, never into a rating prompt; and a real turn reads as one."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from conversations import router, turns
from conversations.catalog import Catalog
from conversations.effects import CancelTimer, EraseMyData, ExportMyData, Reply, ScheduleTimer, SetLanguage
from conversations.faq import FaqIndex
from conversations.types import Choice, Context, Inbound

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
CHANNELS = ("telegram", "whatsapp", "web", "terminal")
MENU = (Choice("menu:help", "Apply for help"), Choice("menu:faq", "Questions"))

# Texts from a small alphabet with an Arabic letter, a line break and a character outside the BMP (two UTF-16
# units on Telegram), up to lengths around the channels' limits.
TEXTS = st.text(alphabet="ab س\n😀", max_size=1800) | st.sampled_from(["", "Saved.", "تم اختيار اللغة"])
CHOICES = st.lists(st.builds(Choice, st.text("kxy", min_size=1, max_size=5), st.text("ab😀", max_size=30)),
                   max_size=4).map(tuple)
REPLIES = st.builds(Reply, TEXTS, CHOICES | st.just(()), st.sampled_from(["reply", "reply", "rating_prompt"]))
OTHERS = st.sampled_from([SetLanguage("en"), ScheduleTimer("idle", NOW), CancelTimer("idle"), ExportMyData(),
                          EraseMyData()])
EFFECTS = st.lists(REPLIES | OTHERS, max_size=8).map(tuple)


def texts_between_speakers(effects: tuple) -> list[str]:
    """The replies' texts, blank-line joined, between the effects that send a message of their own."""
    runs: list[list[str]] = [[]]
    for effect in effects:
        if isinstance(effect, turns.SPEAKING):
            runs.append([])
        elif isinstance(effect, Reply) and effect.text:
            runs[-1].append(effect.text)
    return [turns.SEPARATOR.join(run) for run in runs]


@given(EFFECTS, st.sampled_from(CHANNELS), st.booleans())
def test_joining_loses_no_text_and_keeps_every_message_in_its_place(effects, channel, event):
    out = turns.joined(effects, channel, event=event)
    assert texts_between_speakers(out) == texts_between_speakers(effects)
    assert [e for e in out if not isinstance(e, Reply)] == [e for e in effects if not isinstance(e, Reply)]
    asked = [e.choices for e in effects if isinstance(e, Reply) and e.choices]
    assert [e.choices for e in out if isinstance(e, Reply) and e.choices] == asked
    assert [e.kind for e in out if isinstance(e, Reply) and e.kind != "reply"] == [
        e.kind for e in effects if isinstance(e, Reply) and e.kind != "reply"]


@given(EFFECTS, st.sampled_from(CHANNELS), st.booleans())
def test_a_joined_message_never_exceeds_the_channel_limit(effects, channel, event):
    most = turns.limit(channel, event=event)
    fitting = all(turns.size(e, channel) <= most for e in effects if isinstance(e, Reply))
    for effect in turns.joined(effects, channel, event=event):
        if isinstance(effect, Reply) and (fitting or effect not in effects):  # each part fits, or it was joined
            assert turns.size(effect, channel) <= most


@given(EFFECTS, st.sampled_from(CHANNELS), st.booleans())
def test_joining_twice_changes_nothing_more(effects, channel, event):
    once = turns.joined(effects, channel, event=event)
    assert turns.joined(once, channel, event=event) == once


@given(st.lists(st.text(alphabet="ab س", max_size=40), min_size=1, max_size=5), st.sampled_from(CHANNELS))
def test_short_notices_and_the_question_after_them_are_one_message(notices, channel):
    effects = (*(Reply(t) for t in notices), SetLanguage("en"), Reply("What would you like?", MENU))
    out = turns.joined(effects, channel)
    joined_text = turns.SEPARATOR.join([*(t for t in notices if t), "What would you like?"])
    assert out == (SetLanguage("en"), Reply(joined_text, MENU))


def test_a_notice_stays_apart_where_the_joined_message_would_be_too_long_for_whatsapp():
    long_answer = "x" * 1560  # fits on its own; with the question and its numbered choices (54 more), over 1600
    effects = (Reply(long_answer), Reply("What would you like?", MENU))
    assert turns.joined(effects, "whatsapp") == effects
    assert turns.joined(effects, "telegram") == (Reply(f"{long_answer}\n\nWhat would you like?", MENU),)


def test_what_a_timer_or_staff_starts_on_whatsapp_joins_only_as_far_as_a_template_holds():
    effects = (Reply("y" * 800), Reply("z" * 200))
    assert turns.joined(effects, "whatsapp", event=True) == effects
    assert len(turns.joined(effects, "whatsapp")) == 1


def test_a_telegram_message_is_measured_as_telegram_counts_it():
    emoji = "😀" * 2047  # 4094 UTF-16 units: with a blank line and one letter, one unit over 4096
    assert turns.joined((Reply(emoji), Reply("a")), "telegram") == (Reply(emoji), Reply("a"))
    assert turns.joined((Reply(emoji[1:]), Reply("a")), "telegram") == (Reply(f"{emoji[1:]}\n\na"),)


def test_a_rating_prompt_stays_its_own_message():
    prompt = Reply("How did we do?", (Choice("rate:5", "5"),), kind="rating_prompt")
    assert turns.joined((Reply("Your request was delivered."), prompt), "telegram") == (
        Reply("Your request was delivered."), prompt)


def test_a_notice_is_never_carried_past_a_message_the_host_sends_itself():
    for speaking in (ExportMyData(), EraseMyData()):
        effects = (Reply("Here is a copy."), speaking, Reply("What would you like?", MENU))
        assert turns.joined(effects, "telegram") == effects


def test_choosing_a_language_answers_with_one_message(profile):
    ctx = Context(profile=profile, texts=Catalog.load(profile.texts), faq=FaqIndex(profile), now=NOW,
                  channel="telegram", reference="H-000001")
    greeted = router.step("", {}, Inbound("start"), ctx)
    english = next(c.key for e in greeted.effects if isinstance(e, Reply) for c in e.choices if c.label == "English")
    chosen = router.step(greeted.state, greeted.data, Inbound("choice", text="English", choice=english), ctx)
    replies = [e for e in chosen.effects if isinstance(e, Reply)]
    assert len(replies) == 1
    assert replies[0].choices and "\n\n" in replies[0].text
    assert SetLanguage("en") in chosen.effects
