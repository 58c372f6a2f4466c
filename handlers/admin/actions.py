"""What staff do to a request: note, ask for information, accept, reject, mark delivered with evidence.
Each writes a history line and an audit row; what concerns the beneficiary is also recorded as an event of
their conversation in the same transaction, applied by the engine after commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Awaitable, Callable

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.appkeys import ENGINE
from handlers.admin import files
from handlers.admin.audit import audit
from handlers.admin.confirm import confirm_page, confirmed, quoted
from handlers.admin.forms import FORM
from handlers.admin.guard import requires
from handlers.admin.pages import (
    SIGNED,
    Html,
    cat,
    el,
    label,
    post_form,
    problem,
    see_other,
    t,
)
from handlers.admin.pages import (
    field as labelled,
)
from store import aid, queries, walk_ins
from store.ratings import rating_delay, schedule_rating
from store.models import Attachment, HelpRequest, RequestEvent, Staff

log = logging.getLogger(__name__)
OPEN = ("submitted", "needs_info")
DECIDERS = ("admin", "researcher")
EVIDENCE_KINDS = ("bank_transfer", "voucher", "attendance", "file")
MAX_TEXT = 1000


@dataclass(frozen=True)
class Rule:
    """Who may take an action, and from which statuses (None: any)."""

    roles: tuple[str, ...]
    statuses: tuple[str, ...] | None


RULES = {
    "note": Rule(("admin", "researcher", "coordinator"), None),
    "info": Rule(DECIDERS, OPEN),
    "accept": Rule(DECIDERS, OPEN),
    "reject": Rule(DECIDERS, OPEN),
    "deliver": Rule(("admin", "coordinator"), ("accepted",)),
}


def allowed(action: str, role: str, status: str) -> bool:
    rule = RULES[action]
    return role in rule.roles and (rule.statuses is None or status in rule.statuses)


@dataclass(frozen=True)
class Change:
    """A history line, and the event for the beneficiary's conversation (none for a note)."""

    kind: str
    detail: dict = field(default_factory=dict)
    event: str | None = None
    event_text: str = ""


Apply = Callable[[AsyncSession, HelpRequest, Staff, datetime], Awaitable[Change]]


async def _act(request: web.Request, action: str, apply: Apply, done: str | None = None) -> web.Response:
    """In one transaction: lock the request, check its status, apply the change, history, audit, event."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    reference = request.match_info["reference"]
    page = f"/admin/requests/{reference}"
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        query = select(HelpRequest).where(HelpRequest.reference == reference).with_for_update()
        row = (await tx.scalars(query)).first()
        if row is None:
            return problem(request, 404, "error_not_found")
        if not allowed(action, staff.role, row.status):
            return problem(request, 409, "error_status", back=page)
        change = await apply(tx, row, staff, now)
        row.updated_at = now
        tx.add(
            RequestEvent(
                request_id=row.id, at=now, actor=f"staff:{staff.id}", kind=change.kind, detail=change.detail
            )
        )
        audit(tx, staff.id, action, f"request:{reference}", now, status=row.status)
        chat = await walk_ins.decision_key(tx, row)  # a request entered at the desk: the person's latest chat
        if row.status == "delivered" and chat is not None:  # a service done: the beneficiary is asked to rate it
            await schedule_rating(
                tx, service_kind="help_request", service_ref=row.reference, conversation_key=chat,
                beneficiary_id=row.beneficiary_id, staff_id=staff.id, now=now, delay=rating_delay(engine.profile),
            )
        if change.event is not None and chat is not None:
            await queries.record_event(tx, chat, change.event, change.event_text, now)
    log.info("staff %s: %s on %s", staff.id, action, reference)
    if change.event is not None and chat is not None:
        engine.process_later(chat)
    return see_other(f"{page}?done={done}" if done else page)


def _refuse(request: web.Request, key: str) -> web.Response:
    """A form that cannot be used as sent: say why, with the way back to the request."""
    return problem(request, 400, key, back=f"/admin/requests/{request.match_info['reference']}")


def _text(request: web.Request, name: str) -> str | None:
    """A text field of at most MAX_TEXT characters; None when it is longer."""
    value = request[FORM].get(name)
    return value if len(value) <= MAX_TEXT else None


@requires(*RULES["note"].roles)
async def add_note(request: web.Request) -> web.Response:
    """A note for colleagues; the beneficiary is not told."""
    note = _text(request, "note")
    if not note:
        return _refuse(request, "error_note")

    async def apply(tx: AsyncSession, row: HelpRequest, staff: Staff, now: datetime) -> Change:
        return Change("note", {"text": note})

    return await _act(request, "note", apply)


@requires(*RULES["info"].roles)
async def ask_info(request: web.Request) -> web.Response:
    """Ask the beneficiary for more information: the request waits for their answer."""
    question = _text(request, "question")
    if not question:
        return _refuse(request, "error_question")

    async def apply(tx: AsyncSession, row: HelpRequest, staff: Staff, now: datetime) -> Change:
        row.status, row.info_question = "needs_info", question
        return Change("info_requested", {"question": question}, f"request_info:{row.reference}", question)

    return await _act(request, "info", apply)


async def _confirm_decision(request: web.Request, outcome: str, field_name: str, text: str) -> web.Response:
    """What accepting or declining will do: the new status, and who is told what, where."""
    engine, reference = request.app[ENGINE], request.match_info["reference"]
    page = f"/admin/requests/{reference}"
    async with engine.sessions() as tx:
        row = (await tx.scalars(select(HelpRequest).where(HelpRequest.reference == reference))).first()
        if row is None:
            return problem(request, 404, "error_not_found")
        verb = "accept" if outcome == "accepted" else "reject"
        if not allowed(verb, request[SIGNED].staff.role, row.status):
            return problem(request, 409, "error_status", back=page)
        chat = await walk_ins.decision_key(tx, row)
    status = label(request, "status", outcome)
    effects: list[object] = [t(request, "confirm_status", status=status)]
    if chat is None:
        effects.append(t(request, "confirm_no_chat"))
    else:
        channel = label(request, "channel", chat.split(":", 1)[0])
        effects.append(t(request, f"confirm_told_{outcome}", channel=channel))
    if text:
        effects.append(cat(t(request, f"confirm_text_{outcome}"), quoted(text)))
    title = t(request, f"confirm_{verb}_title", reference=reference)
    return confirm_page(request, title, effects, f"{page}/{verb}", {field_name: text},
                        t(request, f"confirm_{verb}_button"), page)  # fmt: skip


async def _decide(request: web.Request, outcome: str, text: str) -> web.Response:
    if not confirmed(request):
        return await _confirm_decision(request, outcome, "note" if outcome == "accepted" else "reason", text)

    async def apply(tx: AsyncSession, row: HelpRequest, staff: Staff, now: datetime) -> Change:
        row.status, row.decided_at, row.decided_by = outcome, now, staff.id
        row.decision_reason, row.info_question = text or None, None
        event = f"request_decided:{row.reference}:{outcome}"
        return Change("decided", {"status": outcome, "text": text}, event, text)

    return await _act(request, "accept" if outcome == "accepted" else "reject", apply, done=outcome)


@requires(*RULES["accept"].roles)
async def accept(request: web.Request) -> web.Response:
    """Accept, with an optional note to the beneficiary."""
    note = _text(request, "note")
    if note is None:
        return _refuse(request, "error_too_long")
    return await _decide(request, "accepted", note)


@requires(*RULES["reject"].roles)
async def reject(request: web.Request) -> web.Response:
    """Reject; the reason is required and is what the beneficiary is told."""
    reason = _text(request, "reason")
    if not reason:
        return _refuse(request, "error_reason")
    return await _decide(request, "rejected", reason)


@requires(*RULES["deliver"].roles, upload=True)
async def deliver(request: web.Request) -> web.Response:
    """Mark delivered with proof (policy §10): an evidence kind and a reference, or an uploaded file."""
    form = request[FORM]
    kind, reference, upload = form.get("kind"), _text(request, "reference"), form.files.get("file")
    proof = upload is not None or bool(reference)
    aid_kind, aid_halalas, wrong = aid.checked_aid(form.get("aid_kind"), form.get("amount"))
    if wrong is not None:
        return _refuse(request, wrong)
    if kind not in EVIDENCE_KINDS or reference is None or not proof or (kind == "file" and upload is None):
        return _refuse(request, "error_evidence")
    stored = await files.store(upload.data) if upload else None
    if upload and stored is None:
        return _refuse(request, "error_file_type")

    async def apply(tx: AsyncSession, row: HelpRequest, staff: Staff, now: datetime) -> Change:
        evidence: dict = {"kind": kind, "reference": reference}
        if stored is not None:
            item = Attachment(
                beneficiary_id=row.beneficiary_id,
                request_id=row.id,
                channel="console",
                kind="upload",
                reference=stored.name,
                content_type=stored.content_type,
                file_name=upload.filename[-255:],
                created_at=now,
            )
            tx.add(item)
            await tx.flush()
            evidence["attachment_id"] = item.id
        row.status, row.delivered_at, row.delivered_by, row.evidence = "delivered", now, staff.id, evidence
        row.aid_kind, row.aid_halalas = aid_kind, aid_halalas
        return Change("delivered", {"evidence": evidence}, f"request_delivered:{row.reference}", "")

    response = None
    try:
        response = await _act(request, "deliver", apply)
    finally:
        if stored is not None and (response is None or response.status != 303):
            files.discard(stored)  # the request was not marked delivered: keep no orphan file
    return response


TEXT_FORMS = (  # (action, field, its caption, the button, required)
    ("info", "question", "question", "ask_info", True),
    ("accept", "note", "accept_note", "accept", False),
    ("reject", "reason", "reason", "reject", True),
)
NOTE_FORM = ("note", "note", "note", "add_note", True)


def _text_form(request: web.Request, row: HelpRequest, spec: tuple[str, str, str, str, bool]) -> Html:
    action, name, caption, button, required = spec
    area = el("textarea", name=name, rows="3", maxlength=str(MAX_TEXT), required=required)
    return post_form(
        request,
        f"/admin/requests/{row.reference}/{action}",
        labelled(t(request, caption), area),
        button=t(request, button),
    )


def _delivery_form(request: web.Request, row: HelpRequest) -> Html:
    kinds = el(
        "select", [el("option", label(request, "evidence", k), value=k) for k in EVIDENCE_KINDS], name="kind"
    )
    reference = el("input", name="reference", maxlength=str(MAX_TEXT))
    upload = el("input", name="file", type="file", accept="application/pdf,image/jpeg,image/png")
    given = el(
        "select",
        el("option", t(request, "walkin_choose"), value=""),
        [el("option", label(request, "aid", k), value=k) for k in aid.KINDS],
        name="aid_kind",
        required=True,
    )
    amount = el("input", name="amount", inputmode="decimal", maxlength="20", dir="ltr")
    return post_form(
        request,
        f"/admin/requests/{row.reference}/deliver",
        labelled(t(request, "aid_kind"), given),
        labelled(t(request, "aid_amount", max=aid.riyals_text(aid.MAX_RIYALS * 100)), amount),
        labelled(t(request, "evidence_kind"), kinds),
        labelled(t(request, "evidence_reference"), reference),
        labelled(t(request, "evidence_upload"), upload),
        button=t(request, "deliver"),
        multipart=True,
    )


def action_forms(request: web.Request, row: HelpRequest) -> Html:
    """The forms this staff member may use on this request now."""
    role = request[SIGNED].staff.role
    forms = [_text_form(request, row, spec) for spec in TEXT_FORMS if allowed(spec[0], role, row.status)]
    if allowed("deliver", role, row.status):
        forms.append(_delivery_form(request, row))
    if allowed("note", role, row.status):
        forms.append(_text_form(request, row, NOTE_FORM))
    return (
        el("div", *(el("div", form, class_="action") for form in forms), class_="actions")
        if forms
        else Html("")
    )
