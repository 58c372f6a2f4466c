"""The end of the help-request form: a summary of every answer, changing any of them, the declaration
(إقرار) and filing the request with the research committee.

    help:summary ──correct──> help:declaration ──I declare──> (filed) menu:main
                 ──change──> help:edit ──a field──> that question ──answer──> help:summary
                                       ──back──> help:summary
    help:declaration ──back to summary──> help:summary       ──cancel──> menu:main (the form cleared)
    help:summary ──correct, but required documents or an answer missing──> that question
"""

from __future__ import annotations

from datetime import timedelta

from conversations.calendar import local
from conversations.dates import date_text
from conversations.effects import CancelTimer, Reply, SubmitHelpRequest
from conversations.flow import Flow, choice, goto, lang, reask, text
from conversations.help_fields import (
    EXPIRY,
    REMINDER,
    STATE_OF,
    ask,
    asked,
    city_name,
    first_missing,
    form_of,
    local_phone,
    picked,
    question,
    without_help,
)
from conversations.help_rules import beneficiary_type, category, flags
from conversations.national_id import mask
from conversations.states import Help, Menu
from conversations.types import Choice, Context, Inbound, Step

FLOW = Flow("help_review")

FORM_KEYS = tuple(k for k in STATE_OF if k != "documents")


def _values(data: dict, ctx: Context) -> list[tuple[str, str]]:
    """(field, the answer as the beneficiary reads it), in the order asked."""
    form, lg = form_of(data), lang(data)
    cat = category(ctx.profile, form.get("category"))
    met = {c.key: c.text.get(lg) for c in (cat.conditions if cat else ())}
    count = data.get("help", {}).get("documents", 0)
    kind = beneficiary_type(ctx.profile, form)
    shown = {
        "beneficiary_type": kind.name.get(lg) if kind else "",
        "full_name": form.get("full_name", ""),
        "national_id": mask(form.get("national_id", "")),
        "phone": local_phone(form.get("phone", "")),
        "city": city_name(ctx, lg, form.get("city", "")),
        "residency": text(ctx, data, f"help_residency_{form.get('residency', 'other')}"),
        "household_size": str(form.get("household_size", "")),
        "income_bracket": text(ctx, data, f"help_income_{form.get('income_bracket', 'none')}"),
        "category": cat.name.get(lg) if cat else "",
        "conditions": ctx.texts(lg, "list_separator").join(
            met[k] for k in form.get("conditions", []) if k in met
        )
        or text(ctx, data, "help_condition_none"),
        "description": form.get("description", ""),
        "documents": text(ctx, data, "help_documents_count", count=count)
        if count
        else text(ctx, data, "help_documents_none"),
    }
    keys = {key for key, _ in asked(form, ctx.profile)}
    return [(k, v) for k, v in shown.items() if k in keys]


def _summary_prompt(data: dict, ctx: Context) -> tuple:
    lines = "\n".join(
        text(ctx, data, "help_summary_line", label=text(ctx, data, f"help_label_{k}"), value=v)
        for k, v in _values(data, ctx)
    )
    options = (
        choice(ctx, data, "help:confirm", "help_summary_confirm"),
        choice(ctx, data, "help:edit", "help_edit"),
    )
    return (Reply(text(ctx, data, "help_summary", lines=lines), options),)


@question(FLOW, Help.SUMMARY, parent=Help.DOCUMENTS, prompt=_summary_prompt)
def on_summary(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.choice == "help:edit":
        return ask(Help.EDIT, data, ctx)
    if inbound.choice != "help:confirm":
        return reask(Help.SUMMARY, data, ctx, "help_choose_hint")
    missing = first_missing(form_of(data), ctx.profile)
    if missing is not None:
        return ask(missing, data, ctx, Reply(text(ctx, data, "help_answer_missing")))
    cat = category(ctx.profile, form_of(data).get("category"))
    if cat is not None and cat.documents_required and data["help"].get("documents", 0) == 0:
        return ask(Help.DOCUMENTS, data, ctx, Reply(text(ctx, data, "help_documents_required")))
    return ask(Help.DECLARATION, data, ctx)


def _edit_prompt(data: dict, ctx: Context) -> tuple:
    options = [
        Choice(
            f"help:edit:{k}",
            text(ctx, data, "help_edit_documents" if k == "documents" else f"help_label_{k}"),
        )
        for k, _ in _values(data, ctx)
    ]
    options.append(choice(ctx, data, "help:edit:back", "help_back_to_summary"))
    return (Reply(text(ctx, data, "help_edit_prompt"), tuple(options)),)


@question(FLOW, Help.EDIT, parent=Help.SUMMARY, prompt=_edit_prompt)
def on_edit(inbound: Inbound, data: dict, ctx: Context) -> Step:
    field = picked(inbound.choice, "help:edit")
    if field in STATE_OF:
        return ask(STATE_OF[field], data, ctx)
    if field == "back":
        return ask(Help.SUMMARY, data, ctx)
    return reask(Help.EDIT, data, ctx, "help_choose_hint")


def _declaration_prompt(data: dict, ctx: Context) -> tuple:
    options = (
        choice(ctx, data, "help:declare", "help_declare"),
        choice(ctx, data, "help:review", "help_back_to_summary"),
        choice(ctx, data, "help:cancel", "help_cancel_request"),
    )
    return (Reply(text(ctx, data, "help_declaration"), options),)


@question(FLOW, Help.DECLARATION, parent=Help.SUMMARY, prompt=_declaration_prompt)
def on_declaration(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.choice == "help:declare":
        return submit(data, ctx)
    if inbound.choice == "help:review":
        return ask(Help.SUMMARY, data, ctx)
    if inbound.choice == "help:cancel":
        return cancel(data, ctx)
    return reask(Help.DECLARATION, data, ctx, "help_choose_hint")


def submit(data: dict, ctx: Context) -> Step:
    """File the request: the committee decides within the profile's decision days; the form is cleared."""
    typed = form_of(data)
    keys = ({key for key, _ in asked(typed, ctx.profile)} | {"conditions"}) & set(FORM_KEYS)
    form = {k: v for k, v in typed.items() if k in keys}
    kind = beneficiary_type(ctx.profile, typed)
    if kind is not None:
        form["beneficiary_type"] = kind.key
    form["started_at"] = data["help"]["started_at"]
    due_at = ctx.now + timedelta(days=ctx.profile.deadlines.decision_days)
    due = date_text(ctx.texts, lang(data), local(ctx.profile, due_at).date())
    filed = SubmitHelpRequest(
        reference=ctx.reference, form=form, flags=flags(form, ctx.profile), due_at=due_at
    )
    done = Reply(text(ctx, data, "help_submitted", reference=ctx.reference, due=due))
    return goto(Menu.MAIN, without_help(data), ctx, filed, CancelTimer(REMINDER), CancelTimer(EXPIRY), done)


def cancel(data: dict, ctx: Context) -> Step:
    """Drop the unfinished form and its timers, saying that nothing of it was filed."""
    effects = (CancelTimer(REMINDER), CancelTimer(EXPIRY), Reply(text(ctx, data, "help_cancelled")))
    return goto(Menu.MAIN, without_help(data), ctx, *effects)
