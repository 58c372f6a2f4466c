"""Appliers for the help-request effects: consent, filing a request, answers to staff, updated data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.effects import Applying, apply, committed
from conversations.effects import AddRequestInfo, RecordConsent, SubmitHelpRequest, UpdatePersonData
from store import request_rows, sealed
from store.models import Attachment, Beneficiary, HelpRequest, RequestEvent

OPEN = ("submitted", "needs_info", "accepted")
PERSON_FIELDS = ("phone", "city", "residency", "household_size", "income_bracket")


@apply.register
async def _consent(effect: RecordConsent, at: Applying) -> None:
    if await request_rows.record_consent(at.tx, at.conv.beneficiary_id, at.now):
        committed(at.tx, Beneficiary, at.conv.beneficiary_id, {"consent_at": at.now})


@apply.register
async def _submit(effect: SubmitHelpRequest, at: Applying) -> None:
    """The request, its first history line, the files sent since the form began, and the person's record."""
    form = effect.form
    name_enc, id_enc = at.keyring.encrypt(form["full_name"]), at.keyring.encrypt(form["national_id"])
    id_hash = at.keyring.id_hash(form["national_id"])
    request = HelpRequest(
        reference=effect.reference,
        beneficiary_id=at.conv.beneficiary_id,
        conversation_key=at.conv.key,
        channel=at.message.channel,
        language=at.conv.data.get("lang", at.profile.default_language),
        category=form["category"],
        city=form["city"],
        residency=form["residency"],
        beneficiary_type=form.get("beneficiary_type", ""),
        household_size=int(form.get("household_size") or 0),  # 0 and "": a type whose form does not ask them
        income_bracket=form.get("income_bracket", ""),
        conditions=list(form.get("conditions") or []),
        **sealed.sealed_description(at.keyring, form.get("description", "")[:2000]),
        full_name_enc=name_enc,
        national_id_enc=id_enc,
        national_id_hash=id_hash,
        phone=form.get("phone", ""),
        flags=list(effect.flags),
        due_at=effect.due_at,
        submitted_at=at.now,
        updated_at=at.now,
    )
    if at.tx.new or at.tx.dirty:
        await at.tx.flush()  # the files this input brought (store/queries.keep_attachments) are joined below
    started = datetime.fromisoformat(form["started_at"]) if form.get("started_at") else at.now
    person = {"full_name_enc": name_enc, "national_id_enc": id_enc, "national_id_hash": id_hash,
              **{field: form[field] for field in PERSON_FIELDS if form.get(field) not in (None, "")}}
    await request_rows.file_request(at.tx, request.model_dump(exclude={"id"}), list(effect.flags), person, started)
    committed(at.tx, Beneficiary, at.conv.beneficiary_id, person)


async def _request_of(at: Applying, reference: str) -> HelpRequest | None:
    """The request with this reference, only if it is this beneficiary's own."""
    query = select(HelpRequest).where(
        HelpRequest.reference == reference, HelpRequest.beneficiary_id == at.conv.beneficiary_id
    )
    return (await at.tx.scalars(query)).first()


@apply.register
async def _add_info(effect: AddRequestInfo, at: Applying) -> None:
    """An answer to staff's question: a history line, the files of this input, and the request back in study."""
    request = await _request_of(at, effect.reference)
    if request is None:
        return
    await at.tx.flush()  # the attachments of this input were added before the step ran
    files = (
        await at.tx.scalars(
            select(Attachment).where(Attachment.inbound_id == at.message.id, Attachment.kind != "location")
        )
    ).all()
    for item in files:
        item.request_id = request.id
    detail = {**sealed.sealed_answer(at.keyring, effect.text[:2000]), "files": [f.id for f in files]}
    at.tx.add(RequestEvent(request_id=request.id, at=at.now, actor="beneficiary", kind="info_received", detail=detail))
    if request.status == "needs_info":
        request.status, request.info_question = "submitted", None
    request.updated_at = at.now


@apply.register
async def _update_person(effect: UpdatePersonData, at: Applying) -> None:
    """Seed 003: the beneficiary keeps their data current; open requests get the change in their history."""
    person = await at.tx.get(Beneficiary, at.conv.beneficiary_id)
    changes = {k: v for k, v in effect.fields.items() if k in PERSON_FIELDS}
    before = {k: getattr(person, k) for k in changes}
    for field, value in changes.items():
        setattr(person, field, value)
    query = select(HelpRequest).where(HelpRequest.beneficiary_id == person.id, HelpRequest.status.in_(OPEN))
    for request in (await at.tx.scalars(query)).all():
        detail = {"changes": {k: [before[k], v] for k, v in changes.items()}}
        at.tx.add(RequestEvent(request_id=request.id, at=at.now, actor="beneficiary", kind="data_updated", detail=detail))
        request.updated_at = at.now
