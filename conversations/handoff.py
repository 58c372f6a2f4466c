"""Talk to staff: record the request once, and tell the beneficiary the working hours and when to expect an answer."""

from __future__ import annotations

from conversations.calendar import add_working_hours, is_open
from conversations.dates import datetime_text, working_hours_text
from conversations.effects import HandOffToStaff, Reply
from conversations.flow import goto, lang, text
from conversations.types import Context, Step


def request(data: dict, ctx: Context, *, reason: str, then: str) -> Step:
    """Record a handoff (unless one is already waiting), say when staff will answer, then go to `then`."""
    lg = lang(data)
    hours = working_hours_text(ctx.texts, lg, ctx.profile)
    waiting = ctx.open_handoff
    if waiting is not None:
        due = datetime_text(ctx.texts, lg, ctx.profile, waiting.answer_due_at)
        return goto(then, data, ctx, Reply(text(ctx, data, "handoff_already", reference=waiting.reference, due=due)))
    due_at = add_working_hours(ctx.profile, ctx.now, ctx.profile.deadlines.handoff_answer_working_hours)
    due = datetime_text(ctx.texts, lg, ctx.profile, due_at)
    key = "handoff_open" if is_open(ctx.profile, ctx.now) else "handoff_closed"
    effect = HandOffToStaff(
        reference=ctx.reference, reason=reason, last_question=data.get("question", ""), answer_due_at=due_at
    )
    return goto(then, data, ctx, effect, Reply(text(ctx, data, key, reference=ctx.reference, due=due, hours=hours)))
