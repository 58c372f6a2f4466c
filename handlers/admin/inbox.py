"""The handoff inbox: beneficiaries who asked for a person; each chat assigned, read or unread per staff
member, showing who is answering now; this chat's transcript, a signed staff reply (ready answers at hand),
closing. The rules live in store/inbox.py, what staff send in store/chat_replies.py."""

from __future__ import annotations

import asyncio
from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.appkeys import DISPATCHER, ENGINE, SETTINGS
from bot.engine import Engine
from handlers import bounds
from handlers.admin.attachments import attachment_list
from handlers.admin.audit import audit
from handlers.admin.delivery import delivery_section
from handlers.admin.files import named_as
from handlers.admin.forms import FORM
from handlers.admin.guard import ANYONE, requires
from handlers.admin.pages import (
    COUNTS,
    SIGNED,
    cat,
    el,
    field,
    Html,
    label,
    language_name,
    layout,
    post_form,
    problem,
    see_other,
    short_day,
    t,
    table,
    time_text,
    typed,
)
from handlers.admin.requests import late_badge
from store import chat_replies, file_store, queries, sealed, staff_accounts, undelivered
from store import inbox as chats
from store.inbox import Transcript
from store.models import Attachment, HandoffRequest, InboundMessage, OutboxMessage, ReadyAnswer, Staff
from store.ratings import rating_delay

REPLIERS = ("admin", "researcher", "coordinator")
LIMIT = 200
MAX_REPLY = 2000
SENDABLE = "image/jpeg,image/png,application/pdf,audio/*"  # what store/file_store.py keeps
COLUMNS = ("col_chat_reference", "f_channel", "col_reason", "col_question", "col_assigned", "col_answer_due")


def _who(request: web.Request, row: HandoffRequest, who: dict[int, str], now: datetime) -> Html:
    """Who the chat is assigned to, and who is answering it now (when that is someone else)."""
    me = request[SIGNED].staff.id
    if row.assigned_to == me:
        owner = t(request, "assigned_me")
    else:
        owner = who.get(row.assigned_to, t(request, "unassigned"))
    busy = chats.answering(row, now)
    if busy is None or busy == me:
        return el("bdi", owner)
    now_answering = el("small", t(request, "answering_now", who=who.get(busy, "—")), class_="answering")
    return cat(el("bdi", owner), el("br"), now_answering)


async def inbox_rows(request: web.Request, tx: AsyncSession, rows: list[HandoffRequest]) -> Html:
    """A table of chats: the beneficiary's last message, the assignee, unread ones and late ones marked."""
    now, me = request.app[ENGINE].clock(), request[SIGNED].staff.id
    last = await chats.last_messages(tx, rows)
    unread = await chats.unread(tx, rows, me)
    who = await staff_accounts.names(tx, {r.assigned_to for r in rows} | {r.answering_by for r in rows})
    cells = []
    for row in rows:
        late = row.answer_due_at is not None and row.answer_due_at < now
        new = el("span", t(request, "unread"), class_="badge unread") if row.id in unread else None
        question = last.get(row.id, (row.last_question, None))[0]
        cells.append(
            (
                [
                    cat(el("a", row.reference, href=f"/admin/inbox/{row.reference}", dir="ltr"), " ", new),
                    label(request, "channel", row.channel),
                    label(request, "reason", row.reason),
                    typed(question, "span"),
                    _who(request, row, who, now),
                    cat(short_day(request, row.answer_due_at, with_time=True), " ", late_badge(request) if late else None),
                ],
                " ".join(c for c in ("late" if late else "", "unread" if row.id in unread else "") if c) or None,
            )
        )
    return table(request, COLUMNS, cells, empty="empty_chats")


@requires(*ANYONE)
async def inbox(request: web.Request) -> web.Response:
    """Open handoffs, newest first (at most 200); unread and late ones marked."""
    engine = request.app[ENGINE]
    async with engine.sessions() as tx:
        rows = await chats.open_chats(tx, LIMIT)
        listing = await inbox_rows(request, tx, rows)
    changed = el(  # static/live.js shows it when the number of waiting chats is no longer this one
        "p", el("a", t(request, "inbox_changed"), href="/admin/inbox"), class_="notice", hidden=True,
        data_refresh_on="waiting_chats", data_seen=str(request[COUNTS]["waiting_chats"]),
    )  # fmt: skip
    return layout(request, t(request, "inbox_title"), changed, listing)


def _incoming(request: web.Request, message: InboundMessage, files: list[Attachment]) -> Html | None:
    """What the beneficiary wrote, with the files that came with it (photos shown, voice notes to play)."""
    attached = [f for f in files if f.inbound_id == message.id]
    said = sealed.input_text(request.app[ENGINE].keyring, message)
    if not (said or attached):
        return None
    meta = el("small", t(request, "from_beneficiary"), " · ", time_text(request, message.received_at))
    text = typed(said) if said else None
    return el("li", meta, text, attachment_list(request, attached) if attached else None, class_="msg in")


def _outgoing(
    request: web.Request, message: OutboxMessage, who: dict[int, str], sent: dict[int, Attachment]
) -> Html:
    """A message to the beneficiary: from the bot or a staff member, the file staff sent with it, and how far
    it got."""
    sender = (
        who.get(message.staff_id, t(request, "from_staff")) if message.staff_id else t(request, "from_bot")
    )
    when = time_text(request, message.created_at)
    meta = el("small", sender, " · ", when, " · ", label(request, "delivery", message.status))
    payload = sealed.output_payload(request.app[ENGINE].keyring, message)
    file = sent.get((payload.get("file") or {}).get("id"))
    files = attachment_list(request, [file]) if file else None
    return el("li", meta, typed(payload.get("text", "")), files, class_="msg out")


def _bubbles(request: web.Request, transcript: Transcript, who: dict[int, str]) -> Html:
    """Both sides in time order; every text escaped as it was written."""
    inputs, outputs, files, sent = transcript
    items = [(m.received_at, 0, _incoming(request, m, files)) for m in inputs]
    items += [(m.created_at, 1, _outgoing(request, m, who, sent)) for m in outputs]
    bubbles = [bubble for _, _, bubble in sorted(items, key=lambda i: (i[0], i[1])) if bubble is not None]
    return el("ol", bubbles, class_="transcript") if bubbles else el("p", t(request, "empty_transcript"))


def _ready(request: web.Request, answers: list[ReadyAnswer]) -> Html | None:
    """The ready answers in the beneficiary's language, with a search box (static/inbox.js inserts one)."""
    if not answers:
        return None
    search = el("input", type="search", class_="ready-search", placeholder=t(request, "ready_search"),
                aria_label=t(request, "ready_search"))  # fmt: skip
    items = [
        el("li", el("button", a.title, type="button", class_="ready-answer", data_text=a.text, title=a.text))
        for a in answers
    ]
    return el("details", el("summary", t(request, "ready_answers")), search, el("ul", items, class_="ready"),
              class_="ready-box")  # fmt: skip


def _assign_form(request: web.Request, handoff: HandoffRequest, colleagues: list[Staff]) -> Html:
    """Assign to me in one click, or to a colleague who answers beneficiaries."""
    base, me = f"/admin/inbox/{handoff.reference}/assign", request[SIGNED].staff.id
    mine = post_form(request, base, el("input", type="hidden", name="staff", value=str(me)),
                     button=t(request, "assign_me"))  # fmt: skip
    options = [el("option", t(request, "unassigned"), value="")]
    options += [
        el("option", s.display_name or s.username, value=str(s.id), selected=s.id == handoff.assigned_to)
        for s in colleagues
    ]
    other = post_form(request, base, field(t(request, "assign_to"), el("select", options, name="staff")),
                      button=t(request, "assign"))  # fmt: skip
    return cat(mine if handoff.assigned_to != me else None, other)


def _forms(
    request: web.Request, handoff: HandoffRequest, who: dict[int, str], answers: list[ReadyAnswer],
    colleagues: list[Staff],
) -> Html:  # fmt: skip
    """Assignment, reply (ready answers at hand) and close for the roles that answer beneficiaries; who
    closed it, once closed."""
    base, parts = f"/admin/inbox/{handoff.reference}", []
    if request[SIGNED].staff.role in REPLIERS:
        if handoff.status == "open":
            parts.append(_assign_form(request, handoff, colleagues))
        area = el("textarea", name="text", rows="4", maxlength=str(MAX_REPLY), id="reply-text")
        attach = el("input", type="file", name="file", accept=SENDABLE)
        reply_box = cat(
            _ready(request, answers), field(t(request, "reply"), area), field(t(request, "reply_file"), attach)
        )
        parts.append(
            post_form(request, f"{base}/reply", reply_box, button=t(request, "send_reply"), multipart=True)
        )
        if handoff.status == "open":
            parts.append(post_form(request, f"{base}/close", button=t(request, "close_handoff")))
    if handoff.closed_at:
        closer = who.get(handoff.closed_by, "—")
        parts.append(el("p", t(request, "closed_by", who=closer, at=time_text(request, handoff.closed_at))))
    return el("div", *(el("div", part, class_="action") for part in parts), class_="actions")


def _notices(request: web.Request, handoff: HandoffRequest, busy: int | None, who: dict[int, str]) -> Html:
    """Who the chat is assigned to, and a warning when a colleague is answering it now."""
    me = request[SIGNED].staff.id
    owner = t(request, "assigned_me") if handoff.assigned_to == me else who.get(handoff.assigned_to)
    parts = [el("p", t(request, "assigned_to_who", who=owner), class_="status")] if owner else []
    if busy is not None and busy != me:
        parts.append(el("p", t(request, "answering_now", who=who.get(busy, "—")), class_="notice answering"))
    return cat(*parts)


@requires(*ANYONE)
async def conversation(request: web.Request) -> web.Response:
    """One handoff's chat (everything earlier a click away), with assignment, reply and close; opening it
    marks it read for this staff member and, for one who answers, shows colleagues they are answering now.
    The view is audited."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    reference, everything = request.match_info["reference"], request.query.get("all") == "1"
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        handoff = await chats.find(tx, reference, lock=True)
        if handoff is None:
            return problem(request, 404, "error_not_found", back="/admin/inbox")
        since = None if everything else await chats.chat_start(tx, handoff)
        transcript = await chats.transcript(tx, engine.keyring, handoff.conversation_key, since, LIMIT)
        lang = await queries.conversation_language(tx, handoff.conversation_key) or engine.profile.default_language
        busy = chats.answering(handoff, now)  # before this visit
        if staff.role in REPLIERS and handoff.status == "open" and busy in (None, staff.id):
            chats.start_answering(handoff, staff.id, now)
        await chats.mark_read(tx, handoff.id, staff.id, now)
        answers = await chats.ready_answers(tx, lang)
        colleagues = await chats.repliers(tx, REPLIERS)
        ids = {m.staff_id for m in transcript.outputs} | {handoff.closed_by, handoff.assigned_to, busy}
        who = await staff_accounts.names(tx, ids)
        audit(tx, staff.id, "view", f"handoff:{reference}", now)
        messages = await undelivered.for_subject(tx, f"handoff:{reference}")
    facts = [label(request, "channel", handoff.channel), label(request, "reason", handoff.reason)]
    facts += [label(request, "handoff", handoff.status)]
    facts.append(t(request, "speaks", language=language_name(request, lang)))  # «اردو» too, not only ar/en
    scope = (
        el("a", t(request, "this_chat_only"), href=f"/admin/inbox/{reference}")
        if everything
        else el("a", t(request, "earlier_messages"), href=f"/admin/inbox/{reference}?all=1")
    )
    return layout(
        request,
        t(request, "handoff_title", reference=reference),
        el("p", " · ".join(facts), class_="status"),
        _notices(request, handoff, busy, who),
        el("p", scope, class_="hint"),
        el("p", el("a", t(request, "b_open_person"), href=f"/admin/beneficiaries/{handoff.beneficiary_id}")),
        _bubbles(request, transcript, who),
        delivery_section(request, messages),
        _forms(request, handoff, who, answers, colleagues),
        el("script", src="/admin/static/inbox.js", defer=True),
    )


@requires(*REPLIERS)
async def assign(request: web.Request) -> web.Response:
    """Assign the chat to a staff member who answers beneficiaries (or to nobody); audited."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    reference, chosen = request.match_info["reference"], request[FORM].get("staff") or ""
    target = bounds.record_id(chosen) if chosen else None
    if chosen and target is None:
        return problem(request, 400, "error_assign", back=f"/admin/inbox/{reference}")
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        handoff = await chats.find(tx, reference, lock=True)
        if handoff is None:
            return problem(request, 404, "error_not_found", back="/admin/inbox")
        if not await chats.assign(tx, handoff, target, REPLIERS):
            return problem(request, 400, "error_assign", back=f"/admin/inbox/{reference}")
        audit(tx, staff.id, "assign", f"handoff:{reference}", now, to=target)
    return see_other(f"/admin/inbox/{reference}")


def signed_reply(engine: Engine, lang: str, staff: Staff, text: str) -> str:
    """The reply as the beneficiary reads it: who wrote it above the text (the staff member's display name,
    or the association's team when the profile prefers)."""
    profile = engine.profile
    if profile.staff_signature == "team":
        name = engine.texts(lang, "staff_team", association=profile.short_name.get(lang))
    else:
        name = staff.display_name or engine.texts(lang, "staff_team", association=profile.short_name.get(lang))
    return engine.texts(lang, "staff_reply", name=name, text=text)


@requires(*REPLIERS, upload=True)
async def reply(request: web.Request) -> web.Response:
    """A staff message to the beneficiary (text, a file or both), through the outbox like any reply; the file
    is kept in the file store and goes with the message; the dispatcher is woken."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    reference, text = request.match_info["reference"], request[FORM].get("text")
    upload = request[FORM].files.get("file")
    if not (text or upload) or len(text) > MAX_REPLY:
        return problem(request, 400, "error_reply", back=f"/admin/inbox/{reference}")
    if upload is not None and file_store.refusal(upload.data) is not None:  # the file store's own limits
        return problem(request, 400, "error_sent_file", back=f"/admin/inbox/{reference}")
    files_dir = request.app[SETTINGS].files_dir
    sent = None
    if upload is not None:
        name, kind = await asyncio.to_thread(file_store.write, files_dir, upload.data)
        sent = chat_replies.SentFile(name, kind, len(upload.data), named_as(upload.filename, kind.extension))
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        handoff = await chats.find(tx, reference, lock=True)
        if handoff is None:
            return problem(request, 404, "error_not_found", back="/admin/inbox")
        key = handoff.conversation_key
        lang = await queries.conversation_language(tx, key) or engine.profile.default_language
        signed = signed_reply(engine, lang, staff, text).strip()
        await chat_replies.reply(tx, engine.keyring, handoff, staff.id, signed, sent, now)
        audit(tx, staff.id, "reply", f"handoff:{reference}", now)
    request.app[DISPATCHER].wake()
    return see_other(f"/admin/inbox/{reference}")


@requires(*REPLIERS)
async def close(request: web.Request) -> web.Response:
    """Close the handoff; its conversation gets the `handoff_closed` event."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    reference = request.match_info["reference"]
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        handoff = await chats.find(tx, reference, lock=True)
        if handoff is None:
            return problem(request, 404, "error_not_found", back="/admin/inbox")
        if not await chat_replies.close(tx, handoff, staff.id, now, rating_delay(engine.profile)):
            return problem(request, 409, "error_closed", back=f"/admin/inbox/{reference}")
        audit(tx, staff.id, "close", f"handoff:{reference}", now)
    engine.process_later(handoff.conversation_key)
    return see_other("/admin/inbox")
