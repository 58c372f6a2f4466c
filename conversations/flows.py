"""Every flow of the conversation, listed once: the router's states and events are made from this list (a flow
not listed is never reached), and a state or an event two flows define stops the import."""

from __future__ import annotations

from conversations import (
    complaints,
    handoff,
    help_events,
    help_privacy,
    help_questions,
    help_request,
    help_review,
    help_update,
    inquiry,
    language,
    link_channel,
    menu,
    my_requests,
    programs,
    programs_contact,
    programs_events,
    programs_signup,
    ratings,
    voice,
)
from conversations.flow import Flow, table

FLOWS: tuple[Flow, ...] = (
    language.FLOW,
    menu.FLOW,
    inquiry.FLOW,
    handoff.FLOW,
    help_request.FLOW,
    help_questions.FLOW,
    help_review.FLOW,
    help_events.FLOW,
    my_requests.FLOW,
    help_update.FLOW,
    help_privacy.FLOW,
    link_channel.FLOW,
    programs.FLOW,
    programs_signup.FLOW,
    programs_contact.FLOW,
    programs_events.FLOW,
    ratings.FLOW,
    complaints.FLOW,
    voice.FLOW,
)
STATES, EVENTS = table(FLOWS)
