"""Applying for help (طلب دعم مستفيد): the beneficiary's duties and the data's purpose before any personal
data, consent, and resuming an unfinished form; the questions are in help_questions.py, the summary and the
declaration in help_review.py.

    menu ──apply──> [a form is unfinished] help:resume ──continue──> (the question they stopped at)
                                                       ──start over──> (as new)
                    [new] help:consent ──agree──> RecordConsent, timers, help:name
                                       ──decline──> menu:main (nothing kept)
                          (consented before: a one-line reminder of the duties, then help:name)
    the form's timers: help_reminder after profile.forms.reminder_hours (moved on by each answer),
    help_expiry after profile.forms.expiry_days (help_events.py)
    help:ended (a rule the profile explains ended the form) ──question / staff / menu──> as the menu
"""

from __future__ import annotations

from datetime import timedelta

from conversations.effects import Effect, RecordConsent, Reply, ScheduleTimer
from conversations.flow import Flow, choice, goto, lang, reask, spec, text
from conversations.help_fields import (
    EXPIRY,
    REMINDER,
    ask,
    first_question,
    form_of,
    question,
    stopped_at,
    without_help,
)
from conversations.states import Help, Menu
from conversations.types import Context, Inbound, Step

FLOW = Flow("help_request")


def start(data: dict, ctx: Context) -> Step:
    """ "Apply for help" from the menu: offer to resume an unfinished form (none answered yet: its first
    question), else begin."""
    if "help" in data:
        return goto(Help.RESUME, data, ctx) if form_of(data) else ask(first_question(ctx.profile), data, ctx)
    return _begin(data, ctx)


def _begin(data: dict, ctx: Context) -> Step:
    if ctx.person.consented:
        return _new_form(data, ctx, Reply(text(ctx, data, "help_duties_reminder")))
    return goto(Help.CONSENT, data, ctx)


def _new_form(data: dict, ctx: Context, *effects: Effect) -> Step:
    form = {"started_at": ctx.now.isoformat(), "form": {}, "documents": 0}
    timers = (
        ScheduleTimer(REMINDER, ctx.now + timedelta(hours=ctx.profile.forms.reminder_hours)),
        ScheduleTimer(EXPIRY, ctx.now + timedelta(days=ctx.profile.forms.expiry_days)),
    )
    return ask(first_question(ctx.profile), {**data, "help": form}, ctx, *effects, *timers)


def _consent_prompt(data: dict, ctx: Context) -> tuple:
    options = (
        choice(ctx, data, "help:agree", "help_agree"),
        choice(ctx, data, "help:decline", "help_decline"),
    )
    association = ctx.profile.short_name.get(lang(data))
    return (Reply(text(ctx, data, "help_duties", association=association), options),)


@FLOW.state(Help.CONSENT, parent=Menu.MAIN, prompt=_consent_prompt)
def on_consent(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.choice == "help:agree":
        return _new_form(data, ctx, RecordConsent())
    if inbound.choice == "help:decline":
        return goto(Menu.MAIN, data, ctx, Reply(text(ctx, data, "help_declined")))
    options = _consent_prompt(data, ctx)[0].choices
    return Step(Help.CONSENT, data, (Reply(text(ctx, data, "help_consent_hint"), options),))


def _resume_prompt(data: dict, ctx: Context) -> tuple:
    where = stopped_at(ctx, data)
    options = (
        choice(ctx, data, "help:continue", "help_continue"),
        choice(ctx, data, "help:restart", "help_restart"),
    )
    return (Reply(text(ctx, data, "help_resume", step=where), options),)


@question(FLOW, Help.RESUME, parent=Menu.MAIN, prompt=_resume_prompt)
def on_resume(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.choice == "help:continue":
        return ask(data["help"].get("at", Help.NAME), data, ctx)
    if inbound.choice == "help:restart":
        return _begin(without_help(data), ctx)
    return reask(Help.RESUME, data, ctx, "help_choose_hint")


def _ended_prompt(data: dict, ctx: Context) -> tuple:
    options = (
        choice(ctx, data, "menu:inquiry", "menu_inquiry"),
        choice(ctx, data, "talk_to_staff", "choice_talk_to_staff"),
        choice(ctx, data, "menu", "choice_menu"),
    )
    return (Reply(text(ctx, data, "help_ended_prompt"), options),)


@FLOW.state(Help.ENDED, parent=Menu.MAIN, prompt=_ended_prompt)
def on_ended(inbound: Inbound, data: dict, ctx: Context) -> Step:
    return spec(Menu.MAIN).handle(inbound, data, ctx)
