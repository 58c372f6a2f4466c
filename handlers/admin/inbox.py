"""The handoff inbox: beneficiaries who asked for a person, their conversation, a staff reply, closing."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.appkeys import DISPATCHER, ENGINE
from handlers.admin.attachments import attachment_list
from handlers.admin.audit import audit
from handlers.admin.forms import FORM
from handlers.admin.guard import ANYONE, requires
from handlers.admin.pages import (
    SIGNED,
    TEXTS,
    Html,
    cat,
    el,
    field,
    label,
    layout,
    post_form,
    problem,
    see_other,
    t,
    table,
    time_text,
    typed,
)
from handlers.admin.requests import late_badge, staff_names
from store import queries
from store.ratings import rating_delay, schedule_rating
from store.models import Attachment, HandoffRequest, InboundMessage, OutboxMessage

REPLIERS = ("admin", "researcher", "coordinator")
LIMIT = 200
MAX_REPLY = 2000
COLUMNS = ("col_reference", "f_channel", "col_reason", "col_question", "col_created", "col_answer_due")


def _inbox_row(request: web.Request, row: HandoffRequest, late: bool) -> list[object]:
    return [
        el("a", row.reference, href=f"/admin/inbox/{row.reference}", dir="ltr"),
        label(request, "channel", row.channel),
        label(request, "reason", row.reason),
        typed(row.last_question, "span"),
        time_text(request, row.created_at),
        cat(time_text(request, row.answer_due_at), " ", late_badge(request) if late else None),
    ]


@requires(*ANYONE)
async def inbox(request: web.Request) -> web.Response:
    """Open handoffs, newest first (at most 200); those past their answer time marked."""
    engine = request.app[ENGINE]
    query = (
        select(HandoffRequest)
        .where(HandoffRequest.status == "open")
        .order_by(HandoffRequest.created_at.desc(), HandoffRequest.id.desc())
        .limit(LIMIT)
    )
    async with engine.sessions() as tx:
        rows = (await tx.scalars(query)).all()
    now = engine.clock()
    cells = []
    for row in rows:
        late = row.answer_due_at is not None and row.answer_due_at < now
        cells.append((_inbox_row(request, row, late), "late" if late else None))
    return layout(request, t(request, "inbox_title"), table(request, COLUMNS, cells))


async def _handoff(tx: AsyncSession, reference: str, lock: bool = False) -> HandoffRequest | None:
    query = select(HandoffRequest).where(HandoffRequest.reference == reference)
    return (await tx.scalars(query.with_for_update() if lock else query)).first()


async def _transcript(tx: AsyncSession, key: str) -> tuple[list, list, list]:
    """The latest inputs (not events) and outgoing messages of a conversation, and the inputs' files."""
    inputs = [m for m in await queries.inputs_of(tx, key, LIMIT) if m.payload.get("kind") != "event"]
    query = (
        select(OutboxMessage).where(OutboxMessage.conversation_key == key).order_by(OutboxMessage.id.desc())
    )
    outputs = list(reversed((await tx.scalars(query.limit(LIMIT))).all()))
    ids = [m.id for m in inputs]
    files = (await tx.scalars(select(Attachment).where(Attachment.inbound_id.in_(ids)))).all() if ids else []
    return inputs, outputs, list(files)


def _incoming(request: web.Request, message: InboundMessage, files: list[Attachment]) -> Html | None:
    """What the beneficiary wrote, with the files that came with it (photos shown, voice notes to play)."""
    attached = [f for f in files if f.inbound_id == message.id]
    if not (message.text or attached):
        return None
    meta = el("small", t(request, "from_beneficiary"), " · ", time_text(request, message.received_at))
    text = typed(message.text) if message.text else None
    return el("li", meta, text, attachment_list(request, attached) if attached else None, class_="msg in")


def _outgoing(request: web.Request, message: OutboxMessage, who: dict[int, str]) -> Html:
    """A message to the beneficiary: from the bot or a staff member, and how far it got."""
    sender = (
        who.get(message.staff_id, t(request, "from_staff")) if message.staff_id else t(request, "from_bot")
    )
    when = time_text(request, message.created_at)
    meta = el("small", sender, " · ", when, " · ", label(request, "delivery", message.status))
    return el("li", meta, typed(message.payload.get("text", "")), class_="msg out")


def _bubbles(request: web.Request, transcript: tuple[list, list, list], who: dict[int, str]) -> Html:
    """Both sides in time order; every text escaped as it was written."""
    inputs, outputs, files = transcript
    items = [(m.received_at, 0, _incoming(request, m, files)) for m in inputs]
    items += [(m.created_at, 1, _outgoing(request, m, who)) for m in outputs]
    bubbles = [bubble for _, _, bubble in sorted(items, key=lambda i: (i[0], i[1])) if bubble is not None]
    return el("ol", bubbles, class_="transcript") if bubbles else el("p", t(request, "nothing"))


def _forms(request: web.Request, handoff: HandoffRequest, who: dict[int, str]) -> Html:
    """Reply and close for the roles that answer beneficiaries; who closed it, once closed."""
    base, parts = f"/admin/inbox/{handoff.reference}", []
    if request[SIGNED].staff.role in REPLIERS:
        area = el("textarea", name="text", rows="4", maxlength=str(MAX_REPLY), required=True)
        reply_box = field(t(request, "reply"), area)
        parts.append(post_form(request, f"{base}/reply", reply_box, button=t(request, "send_reply")))
        if handoff.status == "open":
            parts.append(post_form(request, f"{base}/close", button=t(request, "close_handoff")))
    if handoff.closed_at:
        closer = who.get(handoff.closed_by, "—")
        parts.append(el("p", t(request, "closed_by", who=closer, at=time_text(request, handoff.closed_at))))
    return el("div", *(el("div", part, class_="action") for part in parts), class_="actions")


@requires(*ANYONE)
async def conversation(request: web.Request) -> web.Response:
    """One handoff's conversation, with the reply and close forms; the view is audited."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    reference = request.match_info["reference"]
    async with engine.sessions() as tx, tx.begin():
        handoff = await _handoff(tx, reference)
        if handoff is None:
            return problem(request, 404, "error_not_found", back="/admin/inbox")
        transcript = await _transcript(tx, handoff.conversation_key)
        lang = await queries.conversation_language(tx, handoff.conversation_key)
        who = await staff_names(tx, {m.staff_id for m in transcript[1]} | {handoff.closed_by})
        audit(tx, staff.id, "view", f"handoff:{reference}", engine.clock())
    facts = [label(request, "channel", handoff.channel), label(request, "reason", handoff.reason)]
    facts += [label(request, "handoff", handoff.status)]
    if lang in TEXTS.languages():
        facts.append(t(request, "speaks", language=TEXTS(lang, "lang_name")))
    return layout(
        request,
        t(request, "handoff_title", reference=reference),
        el("p", " · ".join(facts), class_="status"),
        _bubbles(request, transcript, who),
        _forms(request, handoff, who),
    )


@requires(*REPLIERS)
async def reply(request: web.Request) -> web.Response:
    """A staff message to the beneficiary, through the outbox like any reply; the dispatcher is woken."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    reference, text = request.match_info["reference"], request[FORM].get("text")
    if not text or len(text) > MAX_REPLY:
        return problem(request, 400, "error_reply", back=f"/admin/inbox/{reference}")
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        handoff = await _handoff(tx, reference)
        if handoff is None:
            return problem(request, 404, "error_not_found", back="/admin/inbox")
        channel, recipient = handoff.conversation_key.split(":", 1)
        payload = {"kind": "staff_reply", "text": text, "choices": []}
        key = handoff.conversation_key
        tx.add(
            OutboxMessage(
                channel=channel,
                recipient=recipient,
                conversation_key=key,
                payload=payload,
                staff_id=staff.id,
                next_attempt_at=now,
                created_at=now,
            )
        )
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
        handoff = await _handoff(tx, reference, lock=True)
        if handoff is None:
            return problem(request, 404, "error_not_found", back="/admin/inbox")
        if handoff.status != "open":
            return problem(request, 409, "error_closed", back=f"/admin/inbox/{reference}")
        handoff.status, handoff.closed_at, handoff.closed_by = "closed", now, staff.id
        await queries.record_event(tx, handoff.conversation_key, "handoff_closed", "", now)
        await schedule_rating(  # the conversation with staff was a service too
            tx, service_kind="handoff", service_ref=reference, conversation_key=handoff.conversation_key,
            beneficiary_id=handoff.beneficiary_id, staff_id=staff.id, now=now, delay=rating_delay(engine.profile),
        )
        audit(tx, staff.id, "close", f"handoff:{reference}", now)
    engine.process_later(handoff.conversation_key)
    return see_other("/admin/inbox")
