"""Signing up from a program's details: the acceptance conditions asked one by one (what the beneficiary's
data already says is not asked again), the confirmation of their duties, a volunteer's skills, a service's
details. A condition not met ends it politely and records nothing.

    programs:details ──register──> [closed: deadline passed or started] the reason ──> programs:details
        programs:condition (age, gender, city, residency, each yes/no question, each participation rule the
            profile asks about (the employer's approval), one at a time)
            ──an answer not meeting a condition──> which one, nothing kept ──> programs:list
            ──all met──> [no name or mobile on file: asked first, programs_contact.py] programs:confirm (after the
                rules it only states) ──confirm──> RegisterForProgram(pending, or waitlisted when no seat is left)
                ──> programs:after
                                         ──not now──> programs:details
    programs:details ──register my interest (volunteer)──> programs:skills
        ──3–500 characters──> RegisterForProgram(interested, note=skills) ──> programs:after
    programs:details ──request it (service)──> programs:need
        ──3–500 characters──> RegisterForProgram(requested, note=what they need) ──> programs:after
"""

from __future__ import annotations

from conversations import programs_contact
from conversations.effects import Effect, RegisterForProgram, Reply
from conversations.flow import Flow, goto, lang, reask, text
from conversations.help_fields import city_choices, keyed_choices, picked
from conversations.help_rules import RESIDENCIES
from conversations.programs_common import (
    chosen,
    condition_text,
    current,
    participation_rule,
    title,
    with_program,
    written_in,
)
from conversations.programs_rules import (
    check_age,
    check_note,
    closed_reason,
    first_unmet,
    known_answers,
    next_question,
    stated_rules,
)
from conversations.states import Programs
from conversations.types import Choice, Context, Inbound, ProgramView, Step

FLOW = Flow("programs_signup")


def _gone(data: dict, ctx: Context) -> Step:
    """The program is no longer offered (or an old button): back to the kinds."""
    return goto(Programs.KINDS, data, ctx, Reply(text(ctx, data, "prog_gone")))


def _closed(program: ProgramView, data: dict, ctx: Context) -> Step | None:
    reason = closed_reason(program, ctx.now)
    if reason is None:
        return None
    return goto(chosen(data).get("view", Programs.DETAILS), data, ctx, Reply(text(ctx, data, reason)))


def start(action: str, data: dict, ctx: Context) -> Step:
    """The sign-up button of the program in view: register, register my interest, or request it."""
    program = current(data, ctx)
    if program is None:
        return _gone(data, ctx)
    closed = _closed(program, data, ctx)
    if closed is not None:
        return closed
    if action in ("interest", "request"):
        return programs_contact.then(action, data, ctx)
    return _next(with_program(data, answers=known_answers(program.conditions, ctx.person)), ctx)


def _next(data: dict, ctx: Context) -> Step:
    """A condition already not met ends it; else the next question, or the confirmation when all are met."""
    program = current(data, ctx)
    if program is None:
        return _gone(data, ctx)
    answers = chosen(data)["answers"]
    unmet = first_unmet(program.conditions, answers)
    if unmet is not None:
        message = text(ctx, data, "prog_unmet", condition=condition_text(ctx, data, unmet))
        return goto(Programs.LIST, with_program(data, answers={}), ctx, Reply(message))
    asking = next_question(program.conditions, answers)
    if asking is None:
        return programs_contact.then("confirm", with_program(data, asking=None), ctx)
    return goto(Programs.CONDITION, with_program(data, asking=asking), ctx)


def _yes_no(data: dict, ctx: Context) -> tuple[Choice, ...]:
    return tuple(Choice(f"programs:answer:{k}", text(ctx, data, f"prog_{k}")) for k in ("yes", "no"))


def _condition_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    asking, program = chosen(data).get("asking", ""), current(data, ctx)
    if asking == "age":
        return (Reply(text(ctx, data, "prog_ask_age")),)
    if asking == "gender":
        options = tuple(Choice(f"programs:gender:{g}", text(ctx, data, f"prog_gender_{g}")) for g in "fm")
        return (Reply(text(ctx, data, "prog_ask_gender"), options),)
    if asking == "city":
        return (Reply(text(ctx, data, "prog_ask_city"), city_choices(ctx, data, "programs:city")),)
    if asking == "residency":
        options = keyed_choices(ctx, data, "programs:residency", RESIDENCIES, "help_residency")
        return (Reply(text(ctx, data, "prog_ask_residency"), options),)
    if asking.startswith("rule_"):
        rule = participation_rule(ctx, asking.removeprefix("rule_"))
        asked = rule.question.get(lang(data)) if rule and rule.question else ""
        return (Reply(asked or text(ctx, data, "prog_gone"), _yes_no(data, ctx)),)
    index = int(asking.removeprefix("question_") or 0) if asking.removeprefix("question_").isdecimal() else -1
    if program is None or not 0 <= index < len(program.conditions):
        return (Reply(text(ctx, data, "prog_gone")),)  # withdrawn meanwhile: nothing left to ask
    condition = program.conditions[index]
    asked = written_in(data, condition.get("ar", ""), condition.get("en", ""))
    return (Reply(asked or text(ctx, data, "prog_gone"), _yes_no(data, ctx)),)


def _answer(asking: str, inbound: Inbound) -> tuple[object, str | None]:
    """The answer to the question asked, or the hint to give."""
    if asking == "age":
        return check_age(inbound.text) if inbound.kind == "text" else (None, "prog_age_number")
    prefix = {"gender": "programs:gender", "city": "programs:city", "residency": "programs:residency"}
    value = picked(inbound.choice, prefix.get(asking, "programs:answer"))
    return (value, None) if value is not None else (None, "prog_choose_hint")


@FLOW.state(Programs.CONDITION, parent=Programs.DETAILS, prompt=_condition_prompt)
def on_condition(inbound: Inbound, data: dict, ctx: Context) -> Step:
    asking = chosen(data).get("asking")
    if not asking or current(data, ctx) is None:
        return _gone(data, ctx)
    value, hint = _answer(asking, inbound)
    if hint is not None:
        return reask(Programs.CONDITION, data, ctx, hint)
    return _next(with_program(data, answers={**chosen(data)["answers"], asking: value}), ctx)


def _confirm_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    program = current(data, ctx)
    if program is None:
        return (Reply(text(ctx, data, "prog_gone")),)
    key = "prog_confirm_full" if program.seats_left == 0 else "prog_confirm"
    options = (
        Choice("programs:confirm", text(ctx, data, "prog_confirm_yes")),
        Choice("programs:not_now", text(ctx, data, "prog_not_now")),
    )
    rules = [participation_rule(ctx, key) for key in stated_rules(program.conditions)]
    listed = "\n".join(f"• {r.text.get(lang(data))}" for r in rules if r is not None)
    stated = (Reply(text(ctx, data, "prog_rules_stated", rules=listed)),) if listed else ()
    return (*stated, Reply(text(ctx, data, key, title=title(program, data)), options))


@FLOW.state(Programs.CONFIRM, parent=Programs.DETAILS, prompt=_confirm_prompt)
def on_confirm(inbound: Inbound, data: dict, ctx: Context) -> Step:
    program = current(data, ctx)
    if program is None or "answers" not in chosen(data):
        return _gone(data, ctx)
    if inbound.choice == "programs:not_now":
        return goto(chosen(data).get("view", Programs.DETAILS), with_program(data, answers={}, contact={}), ctx)
    if inbound.choice != "programs:confirm":
        return reask(Programs.CONFIRM, data, ctx, "prog_choose_hint")
    closed = _closed(program, data, ctx)
    if closed is not None:
        return closed
    status = "waitlisted" if program.seats_left == 0 else "pending"
    signed = RegisterForProgram(program.id, status, dict(chosen(data)["answers"]))
    done = Reply(text(ctx, data, f"prog_registered_{status}", title=title(program, data)))
    kept = programs_contact.remembered(data)
    return goto(Programs.AFTER, with_program(data, answers={}, contact={}), ctx, *kept, signed, done)


def _note_state(name: Programs, status: str, prompt_key: str) -> None:
    """A state asking for a short free text that is recorded with the sign-up (`status`)."""

    def prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
        return (Reply(text(ctx, data, prompt_key)),)

    @FLOW.state(name, parent=Programs.DETAILS, prompt=prompt)
    def handle(inbound: Inbound, data: dict, ctx: Context) -> Step:
        program = current(data, ctx)
        if program is None:
            return _gone(data, ctx)
        note, hint = check_note(inbound.text) if inbound.kind == "text" else (None, "prog_note_short")
        if hint is not None:
            return reask(name, data, ctx, hint)
        signed = RegisterForProgram(program.id, status, {}, note=str(note))
        key = f"prog_registered_{status}"
        done = Reply(text(ctx, data, key, title=title(program, data), link=program.link))
        return goto(Programs.AFTER, with_program(data, contact={}), ctx, *programs_contact.remembered(data), signed, done)


_note_state(Programs.SKILLS, "interested", "prog_ask_skills")
_note_state(Programs.NEED, "requested", "prog_ask_need")
