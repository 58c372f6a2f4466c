"""What staff do to a request: note, ask for information, accept, reject, mark delivered with evidence.
The handlers parse the form, check the role, confirm a decision and audit it; the transitions themselves live
in store/request_decisions.py, in the same transaction, and the engine applies the beneficiary's event after
commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Awaitable, Callable

from aiohttp import web
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
from store import aid, walk_ins
from store import request_decisions as decisions
from store.models import HelpRequest
from store.ratings import rating_delay
from store.request_decisions import EVIDENCE_KINDS

log = logging.getLogger(__name__)
DECIDERS = ("admin", "researcher")
MAX_TEXT = 1000


@dataclass(frozen=True)
class Rule:
    """Who may take an action."""

    roles: tuple[str, ...]


RULES = {
    "note": Rule(("admin", "researcher", "coordinator")),
    "info": Rule(DECIDERS),
    "accept": Rule(DECIDERS),
    "reject": Rule(DECIDERS),
    "deliver": Rule(("admin", "coordinator")),
}


def allowed(action: str, role: str, status: str) -> bool:
    return role in RULES[action].roles and decisions.may(action, status)


Move = Callable[[AsyncSession, HelpRequest, decisions.By], Awaitable[decisions.Moved | None]]


async def _act(request: web.Request, action: str, move: Move, done: str | None = None) -> web.Response:
    """In one transaction: lock the request, make the move (refused from a status that does not allow it),
    audit it; then wake the conversation that was told."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    reference = request.match_info["reference"]
    page = f"/admin/requests/{reference}"
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        row = await decisions.find(tx, reference, lock=True)
        if row is None:
            return problem(request, 404, "error_not_found")
        moved = await move(tx, row, decisions.By(staff.id, now, rating_delay(engine.profile)))
        if moved is None:
            return problem(request, 409, "error_status", back=page)
        audit(tx, staff.id, action, f"request:{reference}", now, status=moved.status)
    log.info("staff %s: %s on %s", staff.id, action, reference)
    if moved.told is not None:
        engine.process_later(moved.told)
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
    return await _act(request, "note", lambda tx, row, by: decisions.note(tx, row, by, note))


@requires(*RULES["info"].roles)
async def ask_info(request: web.Request) -> web.Response:
    """Ask the beneficiary for more information: the request waits for their answer."""
    question = _text(request, "question")
    if not question:
        return _refuse(request, "error_question")
    return await _act(request, "info", lambda tx, row, by: decisions.ask_info(tx, row, by, question))


async def _confirm_decision(request: web.Request, outcome: str, field_name: str, text: str) -> web.Response:
    """What accepting or declining will do: the new status, and who is told what, where."""
    engine, reference = request.app[ENGINE], request.match_info["reference"]
    page = f"/admin/requests/{reference}"
    async with engine.sessions() as tx:
        row = await decisions.find(tx, reference)
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
    verb = "accept" if outcome == "accepted" else "reject"
    return await _act(
        request, verb, lambda tx, row, by: decisions.decide(tx, row, by, outcome, text), done=outcome
    )


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
    kept = decisions.Upload(stored.name, stored.content_type, upload.filename) if stored else None

    def move(tx: AsyncSession, row: HelpRequest, by: decisions.By) -> Awaitable[decisions.Moved | None]:
        return decisions.deliver(tx, row, by, kind=kind, reference=reference, upload=kept, aid_kind=aid_kind,
                                 aid_halalas=aid_halalas)  # fmt: skip

    response = None
    try:
        response = await _act(request, "deliver", move)
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
