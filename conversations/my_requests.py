"""My requests: the beneficiary's own help requests (ctx.requests, never anyone else's), newest first, with
their status and dates; from here also updating their data and their privacy rights.

    menu ──my_requests──> requests:list ──a reference typed──> its details if theirs, else «not found»
                          ──answer REF (a request that needs info)──> help:more_info ──done──> requests:list
                          ──update my data──> update:pick (help_update.py)
                          ──my data and privacy──> privacy:menu (help_privacy.py)
                          ──link my WhatsApp or Telegram (web chat)──> link:number (link_channel.py)
                          ──apply for help──> (as the menu item)
"""

from __future__ import annotations

from conversations import inquiry, link_channel, references
from conversations.calendar import local
from conversations.dates import date_text
from conversations.effects import Reply
from conversations.flow import Flow, choice, goto, lang, reask, spec, text
from conversations.help_events import ask_for_info
from conversations.help_fields import label, picked
from conversations.help_rules import category
from conversations.states import Menu, Privacy, Requests, Update
from conversations.types import Choice, Context, Inbound, RequestView, Step

FLOW = Flow("my_requests")
WAITING = frozenset({"submitted", "needs_info"})  # a decision is still due


def show(data: dict, ctx: Context) -> Step:
    return goto(Requests.LIST, data, ctx)


def _newest_first(ctx: Context) -> list[RequestView]:
    return sorted(ctx.requests, key=lambda r: r.submitted_at, reverse=True)


def _day(ctx: Context, data: dict, moment) -> str:
    return date_text(ctx.texts, lang(data), local(ctx.profile, moment).date())


def describe(request: RequestView, data: dict, ctx: Context) -> str:
    """One request as the beneficiary reads it: reference, category, status, dates, staff's question."""
    cat = category(ctx.profile, request.category)
    lines = [
        text(
            ctx,
            data,
            "req_item",
            reference=request.reference,
            category=cat.name.get(lang(data)) if cat else request.category,
            status=label(ctx, data, f"req_status_{request.status}", request.status),
            submitted=_day(ctx, data, request.submitted_at),
        )
    ]
    if request.status in WAITING:
        lines.append(text(ctx, data, "req_item_due", due=_day(ctx, data, request.due_at)))
    if request.status == "needs_info" and request.info_question:
        lines.append(
            text(ctx, data, "req_item_question", question=request.info_question, reference=request.reference)
        )
    return "\n".join(lines)


def _options(data: dict, ctx: Context) -> tuple[Choice, ...]:
    answer = tuple(
        Choice(f"requests:answer:{r.reference}", text(ctx, data, "req_answer", reference=r.reference))
        for r in _newest_first(ctx)
        if r.status == "needs_info"
    )
    return (
        *answer,
        choice(ctx, data, "requests:update", "req_update"),
        choice(ctx, data, "requests:privacy", "req_privacy"),
        choice(ctx, data, "menu:help_request", "menu_help_request"),
        *((choice(ctx, data, "requests:link", "link_choice"),) if link_channel.offered(ctx) else ()),
        choice(ctx, data, "menu", "choice_menu"),
    )


def _list_prompt(data: dict, ctx: Context) -> tuple:
    requests = _newest_first(ctx)
    if not requests:
        return (Reply(text(ctx, data, "req_none"), _options(data, ctx)),)
    items = "\n\n".join(describe(r, data, ctx) for r in requests)
    return (
        Reply(text(ctx, data, "req_list", items=items)),
        Reply(text(ctx, data, "req_list_options"), _options(data, ctx)),
    )


def find(typed: str, requests: tuple[RequestView, ...]) -> RequestView | None:
    """The beneficiary's own request with the reference typed (any case and digits, prefix and dash or not)."""
    return next((request for request in requests if references.same(typed, request.reference)), None)


@FLOW.state(Requests.LIST, parent=Menu.MAIN, prompt=_list_prompt)
def on_list(inbound: Inbound, data: dict, ctx: Context) -> Step:
    answering = picked(inbound.choice, "requests:answer")
    if answering is not None:
        request = find(answering, ctx.requests)
        if request is not None and request.status == "needs_info":
            return ask_for_info(request.reference, request.info_question or "", Requests.LIST, data, ctx)
    if inbound.choice == "requests:update":
        return goto(Update.PICK, data, ctx)
    if inbound.choice == "requests:privacy":
        return goto(Privacy.MENU, data, ctx)
    if inbound.choice == "requests:link" and link_channel.offered(ctx):
        return link_channel.start(data, ctx)
    if (inbound.choice or "").startswith("menu:"):
        return spec(Menu.MAIN).handle(inbound, data, ctx)
    request = find(inbound.text, ctx.requests) if inbound.kind == "text" else None
    if request is not None or (inbound.kind == "text" and references.shaped(inbound.text)):
        if request is None:
            found = text(ctx, data, "req_not_found")
        else:
            found = "\n".join(
                filter(
                    None, (describe(request, data, ctx), label(ctx, data, f"req_next_{request.status}", ""))
                )
            )
        options = Reply(text(ctx, data, "req_list_options"), _options(data, ctx))
        return Step(Requests.LIST, data, (Reply(found), options))
    if inbound.kind == "text":
        answered = inquiry.answer_if_meaningful(inbound.text, data, ctx)
        if answered is not None:
            return answered
    return reask(Requests.LIST, data, ctx, "req_hint")
