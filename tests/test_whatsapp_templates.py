"""The shipped WhatsApp templates: one per kind in Arabic and English, each within WhatsApp's rules, and every
message the association starts maps to one of them with its own values."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.whatsapp_templates import (
    LANGUAGES,
    Definition,
    definitions,
    problems,
    subject_of,
    template_kind,
    values,
)

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {
    "decision_accepted",
    "decision_not_accepted",
    "more_information",
    "live_chat_reply",
    "complaint_reply",
    "form_reminder",
    "program_acceptance",
    "program_reminder",
    "check_in",
    "rating_prompt",
    "announcement",
    "one_time_code",
}
words = st.text(alphabet=st.characters(whitelist_categories=("L",)), min_size=1, max_size=8)


def test_every_kind_ships_in_arabic_and_english_within_whatsapps_rules():
    shipped = definitions()
    kinds = {kind for kind, _ in shipped}
    assert REQUIRED <= kinds
    assert {(kind, lang) for kind in kinds for lang in LANGUAGES} == set(shipped)
    assert {key: problems(d) for key, d in shipped.items() if problems(d)} == {}
    for kind in kinds:  # both languages fill the same placeholders with the same values
        assert shipped[(kind, "ar")].variables == shipped[(kind, "en")].variables
        assert shipped[(kind, "ar")].category == shipped[(kind, "en")].category
    assert shipped[("rating_prompt", "ar")].buttons == ("1", "2", "3", "4", "5")
    assert shipped[("one_time_code", "en")].category == "authentication"
    assert shipped[("announcement", "en")].category == "marketing"


@given(st.lists(words, min_size=1, max_size=6), words)
def test_a_placeholder_at_the_start_or_the_end_is_refused(text, word):
    middle = " ".join(text)
    assert problems(Definition("k", "en", "utility", "{{1}} " + middle, ("details",)))
    assert problems(Definition("k", "en", "utility", middle + " {{1}}.", ("details",)))
    assert not problems(Definition("k", "en", "utility", f"{word} {{{{1}}}} {middle}", ("details",)))


@given(st.lists(words, min_size=2, max_size=6), st.sampled_from([" ", ", ", ": ", " - ", "، "]))
def test_placeholders_side_by_side_are_refused(text, between):
    body = f"{text[0]} {{{{1}}}}{between}{{{{2}}}} {' '.join(text[1:])}"
    assert "two placeholders may not stand side by side" in problems(
        Definition("k", "en", "utility", body, ("reference", "details"))
    )


@given(st.integers(min_value=1, max_value=9))
def test_more_placeholders_than_words_is_refused(n):
    body = "Dear " + ", ".join(f"{{{{{i}}}}}" for i in range(1, n + 1)) + " thanks"
    found = problems(Definition("k", "en", "utility", body, tuple(f"v{i}" for i in range(n))))
    assert any("placeholders for 2 words" in p for p in found) == (n > 2)


def test_every_kind_the_code_writes_maps_to_a_shipped_template():
    """The outbox kinds written today (grep `"kind":` in bot/ and handlers/) and the events staff and timers
    cause each have a template; only replies to the person's own message (inside the window) use the fallback."""
    written = subprocess.run(
        ["grep", "-rhoE", r'"kind": "[a-z_]+"', "bot", "handlers"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    kinds = {line.split('"')[3] for line in written.splitlines()}
    shipped = {kind for kind, _ in definitions()}
    for kind in kinds - {"event", "erased", "digest"}:  # inputs, erased rows, the staff group's digest
        assert template_kind({"kind": kind}) in shipped, kind
    cases = {
        "request_decided:H-7K3P9Q:accepted": "decision_accepted",
        "request_decided:H-7K3P9Q:rejected": "decision_not_accepted",
        "request_info:H-7K3P9Q": "more_information",
        "complaint_replied:C-7K3P9Q": "complaint_reply",
        "help_reminder": "form_reminder",
        "program_accepted:12": "program_acceptance",
        "program_reminder:12": "program_reminder",
        "rating_prompt:3": "rating_prompt",
        "request_delivered:H-7K3P9Q": "update",
    }
    assert {event: template_kind({"kind": "reply", "event": event}) for event in cases} == cases
    assert template_kind({"kind": "staff_reply"}) == "live_chat_reply"
    assert template_kind({"kind": "announcement"}) == "announcement"


def test_the_values_are_the_messages_own_on_one_line():
    definition = definitions()[("decision_accepted", "ar")]
    payload = {"kind": "reply", "text": "تم قبول طلبكم.\nسنتواصل معكم\tقريبًا"}
    subject = subject_of("request_decided:H-7K3P9Q:accepted")
    assert values(definition, payload, subject) == {"1": "H-7K3P9Q", "2": "تم قبول طلبكم. سنتواصل معكم قريبًا"}
    assert subject_of("program_accepted:12") == "program:12" and subject_of("handoff_closed") is None
