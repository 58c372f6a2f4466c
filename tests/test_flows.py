"""The conversation's states and flows: each state's name written once (a StrEnum member), every stored
name still known, and one explicit list of flows from which the router's table is made, refusing a state or
an event defined twice."""

from __future__ import annotations

import pytest

from conversations.effects import Reply
from conversations.flow import Flow, table
from conversations.flows import EVENTS, FLOWS, STATES
from conversations.states import ENUMS, Help, Menu
from conversations.types import Step

# The states registered before they became enums (conversation.state holds these in the database): a row
# written then must still find its state.
STORED = {
    "complaints:attach", "complaints:follow", "complaints:followed", "complaints:menu", "complaints:text",
    "greeting:choose_language", "handoff:live", "help:category", "help:city", "help:condition_unmet",
    "help:conditions", "help:consent", "help:declaration", "help:description", "help:documents",
    "help:edit", "help:ended", "help:household", "help:income", "help:more_info", "help:name",
    "help:national_id", "help:phone", "help:residency", "help:resume", "help:summary", "help:type",
    "inquiry:answered", "inquiry:ask", "inquiry:no_match", "inquiry:pick", "language:choose", "link:code",
    "link:number", "link:waiting", "menu:main", "privacy:erase", "privacy:menu", "programs:after",
    "programs:cancel", "programs:condition", "programs:confirm", "programs:contact_name",
    "programs:contact_phone", "programs:details", "programs:kinds", "programs:list", "programs:mine",
    "programs:mine_item", "programs:need", "programs:skills", "rating:comment", "rating:score",
    "requests:list", "update:city", "update:household_size", "update:income_bracket", "update:phone",
    "update:pick", "update:residency",
}  # fmt: skip
EVENT_NAMES = {
    "complaint_replied", "complaint_resolved", "handoff_closed", "help_expiry", "help_reminder", "link",
    "program_accepted", "program_cancelled", "program_rejected", "program_reminder", "rating_expire",
    "rating_prompt", "rating_reminder", "request_decided", "request_delivered", "request_info",
    "service_delivered", "voice_transcript", "waitlist_promoted",
}  # fmt: skip


def test_every_state_value_is_written_once_and_the_stored_ones_are_all_there():
    values = [member.value for enum in ENUMS for member in enum]
    assert len(values) == len(set(values))
    assert set(values) == STORED


def test_the_router_table_holds_exactly_the_enum_states_and_the_events_it_had():
    assert set(STATES) == STORED
    assert set(EVENTS) == EVENT_NAMES
    assert all(spec.parent in STATES for spec in STATES.values())  # `back` never leads nowhere


def test_each_flow_module_is_listed_once():
    assert len({id(flow) for flow in FLOWS}) == len(FLOWS)
    assert len({flow.name for flow in FLOWS}) == len(FLOWS)


def _prompt(data: dict, ctx: object) -> tuple:
    return (Reply("?"),)


def _stay(inbound: object, data: dict, ctx: object) -> Step:
    return Step(Menu.MAIN, data)


def test_a_state_two_flows_define_is_refused():
    first, second = Flow("first"), Flow("second")
    first.state(Help.NAME, parent=Menu.MAIN, prompt=_prompt)(_stay)
    second.state(Help.NAME, parent=Menu.MAIN, prompt=_prompt)(_stay)
    with pytest.raises(ValueError, match="help:name"):
        table((first, second))


def test_an_event_two_flows_define_is_refused():
    first, second = Flow("first"), Flow("second")
    first.on_event("help_reminder")(lambda inbound, here, data, ctx: Step(here, data))
    second.on_event("help_reminder")(lambda inbound, here, data, ctx: Step(here, data))
    with pytest.raises(ValueError, match="help_reminder"):
        table((first, second))


def test_a_state_named_by_a_bare_string_is_refused():
    with pytest.raises(TypeError):
        Flow("loose").state("help:name", parent=Menu.MAIN, prompt=_prompt)(_stay)  # type: ignore[arg-type]
