"""What reaches the beneficiary about programs without them asking, wherever they are (the place is kept):
staff's decisions, a seat freed, the reminder the day before, a cancelled program, a delivered service; and
the check-in code typed on the day.

    event program_accepted:<id> ──> acceptance: place or link, date and time, all arrangements, from the
                                    association; ScheduleTimer(program_reminder:<id>, a day before the start)
    event program_rejected:<id> (text: the reason, may be empty) ──> an apology, with the reason
    event waitlist_promoted:<id> ──> moved up from the waiting list; staff will confirm
    event program_reminder:<id> (timer) ──still accepted──> tomorrow: time, place, arrangements, check-in code
    event program_cancelled:<id> ──> an apology; CancelTimer(program_reminder:<id>)
    event service_delivered:<id> ──> thanks
    checkin (the router, before the global words): an accepted beneficiary's program code ──> CheckIn, welcome
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from conversations.effects import CancelTimer, CheckIn, Reply, ScheduleTimer
from conversations.flow import Flow, goto, lang, text
from conversations.normalize import normalize
from conversations.programs_common import (
    REMINDER,
    arrangements,
    program_of,
    registration_of,
    title,
    when,
    where,
)
from conversations.types import Context, Inbound, ProgramView, Step

FLOW = Flow("programs_events")
Message = Callable[[ProgramView, Inbound, dict, Context], tuple]


def _program(inbound: Inbound, ctx: Context) -> ProgramView | None:
    """The program an event names (`name:<id>`), if the host gave it in the context."""
    tail = (inbound.choice or "").split(":", 1)[-1]
    return program_of(ctx, int(tail)) if tail.isdecimal() else None


def _program_event(name: str) -> Callable[[Message], Message]:
    """A program event: the effects `message` returns for the named program; the place is kept.
    An event about a program the context does not hold changes nothing."""

    def add(message: Message) -> Message:
        @FLOW.on_event(name)
        def handle(inbound: Inbound, here: str, data: dict, ctx: Context) -> Step:
            program = _program(inbound, ctx)
            return Step(here, data, message(program, inbound, data, ctx) if program else ())

        return message

    return add


def _association(ctx: Context, data: dict) -> str:
    return ctx.profile.short_name.get(lang(data))


@_program_event("program_accepted")
def accepted(program: ProgramView, inbound: Inbound, data: dict, ctx: Context) -> tuple:
    message = text(
        ctx,
        data,
        "prog_accepted",
        association=_association(ctx, data),
        title=title(program, data),
        when=when(ctx, data, program.starts_at),
        where=where(ctx, data, program),
        arrangements=arrangements(ctx, data, program),
    )
    remind_at = program.starts_at - timedelta(hours=ctx.profile.deadlines.program_reminder_hours)
    timer = (ScheduleTimer(f"{REMINDER}:{program.id}", remind_at),) if remind_at > ctx.now else ()
    return (*timer, Reply(message))


@_program_event("program_rejected")
def rejected(program: ProgramView, inbound: Inbound, data: dict, ctx: Context) -> tuple:
    association = _association(ctx, data)
    message = text(ctx, data, "prog_rejected", association=association, title=title(program, data))
    if inbound.text.strip():
        message += "\n" + text(ctx, data, "prog_rejected_reason", reason=inbound.text.strip())
    return (Reply(message + "\n" + text(ctx, data, "prog_rejected_next")),)


@_program_event("waitlist_promoted")
def promoted(program: ProgramView, inbound: Inbound, data: dict, ctx: Context) -> tuple:
    return (Reply(text(ctx, data, "prog_promoted", title=title(program, data))),)


@_program_event(REMINDER)
def reminder(program: ProgramView, inbound: Inbound, data: dict, ctx: Context) -> tuple:
    """Only for a registration still accepted (a cancelled one's timer may still fire)."""
    registration = registration_of(ctx, program.id)
    if registration is None or registration.status != "accepted":
        return ()
    code = program.checkin_code.strip()
    checkin = text(ctx, data, "prog_code_given", code=code) if code else text(ctx, data, "prog_code_at_door")
    message = text(
        ctx,
        data,
        "prog_reminder",
        title=title(program, data),
        when=when(ctx, data, program.starts_at),
        where=where(ctx, data, program),
        arrangements=arrangements(ctx, data, program),
        checkin=checkin,
    )
    return (Reply(message),)


@_program_event("program_cancelled")
def cancelled(program: ProgramView, inbound: Inbound, data: dict, ctx: Context) -> tuple:
    starts = when(ctx, data, program.starts_at)
    message = text(ctx, data, "prog_program_cancelled", title=title(program, data), when=starts)
    return (CancelTimer(f"{REMINDER}:{program.id}"), Reply(message))


@_program_event("service_delivered")
def delivered(program: ProgramView, inbound: Inbound, data: dict, ctx: Context) -> tuple:
    return (Reply(text(ctx, data, "prog_delivered", title=title(program, data))),)


CODE_MAX = 12  # the longest check-in code a program can hold (store/models.py, Program.checkin_code)
CODE_MIN = 4  # the console makes codes of six digits; a shorter text is a menu choice or a count


def _code(typed: str) -> str:
    """A code as compared: folded (case, letter forms, Arabic-Indic digits), spaces and dashes dropped."""
    return re.sub(r"\s+", "", normalize(typed))


def checkin(inbound: Inbound, state: str, data: dict, ctx: Context) -> Step | None:
    """The check-in code of a program the beneficiary is accepted in, typed in any state: attendance recorded
    and the state asked again. Anything else (a wrong code too) is not a check-in: None."""
    typed = _code(inbound.text) if inbound.kind == "text" else ""
    if not CODE_MIN <= len(typed) <= CODE_MAX or not any(c.isdigit() for c in typed):
        return None  # a menu choice, a count, a name: not a code, and the person's sign-ups are not looked up
    accepted = {r.program_id: r for r in ctx.registrations if r.status == "accepted"}
    for program in ctx.programs if accepted else ():  # programs are looked up only for someone accepted in one
        registration = accepted.get(program.id)
        if not program.checkin_code or registration is None:
            continue
        if _code(program.checkin_code) == _code(inbound.text):
            if registration.attended:
                again = text(ctx, data, "prog_checked_in_already", title=title(program, data))
                return goto(state, data, ctx, Reply(again))
            welcome = text(ctx, data, "prog_checked_in", title=title(program, data))
            return goto(state, data, ctx, CheckIn(program.id), Reply(welcome))
    return None
