"""Talk to staff or the social-research officer: record the request once, say when staff answer, then a live
chat where what the beneficiary sends goes to staff (the host keeps every input for the staff inbox).

    menu "talk to staff" | «الباحث», «موظف», "staff"… typed anywhere (GLOBAL_WORDS)
        ──> HandOffToStaff (or, one already open: a short note) ──> handoff:live
    handoff:live ──text, file, location──> kept for staff; only the first one acknowledged ──> handoff:live
                 ──menu (or back)──> menu:main, the request stays open for staff
    event handoff_closed ──> in handoff:live: menu:main; elsewhere: a note, the place kept
"""

from __future__ import annotations

from collections.abc import Callable

from conversations import references
from conversations.calendar import add_working_hours, is_open
from conversations.dates import datetime_text, working_hours_text
from conversations.effects import HandOffToStaff, Reply
from conversations.flow import Flow, goto, lang, text
from conversations.normalize import word_set
from conversations.states import Handoff, Menu
from conversations.types import Context, Inbound, Step

FLOW = Flow("handoff")
ACKNOWLEDGED = "handoff_acknowledged"  # in data: the first message of this live chat was acknowledged


def request(data: dict, ctx: Context, *, reason: str) -> Step:
    """Record a handoff (unless one is already waiting), say when staff will answer, and go live."""
    lg = lang(data)
    hours = working_hours_text(ctx.texts, lg, ctx.profile)
    data = {k: v for k, v in data.items() if k != ACKNOWLEDGED}
    waiting = ctx.open_handoff
    if waiting is not None:
        due = datetime_text(ctx.texts, lg, ctx.profile, waiting.answer_due_at)
        return goto(
            Handoff.LIVE, data, ctx, Reply(text(ctx, data, "handoff_already", reference=waiting.reference, due=due))
        )
    due_at = add_working_hours(ctx.profile, ctx.now, ctx.profile.deadlines.handoff_answer_working_hours)
    due = datetime_text(ctx.texts, lg, ctx.profile, due_at)
    key = "handoff_open" if is_open(ctx.profile, ctx.now) else "handoff_closed"
    reference = references.of("chat", ctx.reference)
    effect = HandOffToStaff(
        reference=reference, reason=reason, last_question=data.get("question", ""), answer_due_at=due_at
    )
    return goto(Handoff.LIVE, data, ctx, effect, Reply(text(ctx, data, key, reference=reference, due=due, hours=hours)))


def research_officer(data: dict, ctx: Context) -> Step:
    return request(data, ctx, reason="research_officer")


def staff(data: dict, ctx: Context) -> Step:
    return request(data, ctx, reason="staff")


# Typed anywhere (the router checks them with its other global words), they start a live handoff.
GLOBAL_WORDS: dict[frozenset[str], Callable[[dict, Context], Step]] = {
    word_set(
        "الباحث", "الباحثة", "الباحث الاجتماعي", "الباحثة الاجتماعية", "research officer", "social researcher"
    ): research_officer,
    word_set("موظف", "موظفة", "الموظف", "staff", "staff member"): staff,
}


def _live_prompt(data: dict, ctx: Context) -> tuple:
    return (Reply(text(ctx, data, "handoff_live_prompt")),)


@FLOW.state(Handoff.LIVE, parent=Menu.MAIN, prompt=_live_prompt, accepts=("attachment", "location"))
def on_live(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if data.get(ACKNOWLEDGED):
        return Step(Handoff.LIVE, data)
    return Step(Handoff.LIVE, {**data, ACKNOWLEDGED: True}, (Reply(text(ctx, data, "handoff_live_ack")),))


@FLOW.on_event("handoff_closed")
def on_closed(inbound: Inbound, here: str, data: dict, ctx: Context) -> Step:
    """Staff closed the conversation: out of the live chat to the menu; elsewhere the place is kept."""
    data = {k: v for k, v in data.items() if k != ACKNOWLEDGED}
    ended = Reply(text(ctx, data, "handoff_ended"))
    if here == Handoff.LIVE:
        return goto(Menu.MAIN, data, ctx, ended)
    return Step(here, data, (ended,))
