"""Fixtures for the golden transcripts: a case's preconditions written as database rows before its first step,
the change staff make before their event reaches the conversation (through the console's own store functions),
and what the person's records hold after a step, as compact JSON. Fixtures, not appliers: the effects of the
steps themselves are applied by the real engine."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.apply_input import seal
from conversations.profile import Profile
from store import (
    chat_replies,
    complaint_actions,
    program_changes,
    queries,
    registration_decisions,
    request_decisions,
)
from store.crypto import Keyring
from store.models import (
    Attachment,
    Beneficiary,
    Complaint,
    Conversation,
    HandoffRequest,
    HelpRequest,
    Program,
    Rating,
    Registration,
    Staff,
    Timer,
)
from store.input_rows import rows_of
from store.program_signups import HOLDS_A_SEAT
from store.ratings import rating_delay
from store.request_decisions import By

PROGRAM_TIMES = ("starts_at", "ends_at", "registration_deadline")
PERSON = ("phone", "city", "residency", "household_size", "income_bracket")
# Events a timer brings (the conversation scheduled them, or a rating did): recorded as fire_timers records them.
TIMERS = ("help_reminder", "help_expiry", "program_reminder", "rating_prompt", "rating_reminder", "rating_expire")


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def seed(tx: AsyncSession, keyring: Keyring, case: dict, key: str, now: datetime) -> int:
    """The person behind `key` with what the case says the association knows of them; their id."""
    channel, sender = key.split(":", 1)
    await (await rows_of(tx)).first_contact(key, channel, sender, "", "ar", now)
    conv = (await tx.scalars(select(Conversation).where(Conversation.key == key))).one()
    start = case.get("start")
    if start:
        conv.state, conv.flow = start["state"], start["state"].split(":", 1)[0]
        conv.data = seal(keyring, start.get("data", {}))
    pid = conv.beneficiary_id
    person = await tx.get(Beneficiary, pid)
    known = case.get("person", {})
    for field in PERSON:
        if known.get(field) is not None:
            setattr(person, field, known[field])
    if known.get("consented"):
        person.consent_at = now
    if known.get("named"):
        person.full_name_enc = keyring.encrypt("A name on file")
    tx.add(Staff(id=1, username="researcher", password_hash="-", role="researcher"))
    for r in sorted(case.get("requests", []), key=lambda r: r["submitted_at"]):  # ids in the order they came
        tx.add(_request(keyring, r, pid, key, channel))
    taken = {}
    for r in case.get("registrations", []):
        taken[r["program_id"]] = taken.get(r["program_id"], 0) + (r["status"] in HOLDS_A_SEAT)
    for p in case.get("programs", []):
        tx.add(_program(p, taken.get(p["id"], 0), now))
    await tx.flush()
    for r in case.get("registrations", []):
        attended = now if r.get("attended") else None
        tx.add(Registration(program_id=r["program_id"], beneficiary_id=pid, conversation_key=key, status=r["status"],
                            attended_at=attended, created_at=now))  # fmt: skip
    for c in sorted(case.get("complaints", []), key=lambda c: c["created_at"]):
        tx.add(Complaint(
            reference=c["reference"], beneficiary_id=pid, conversation_key=key, channel=channel, kind=c["kind"],
            text="-", status=c["status"], reply=c.get("reply", ""), due_at=_time(c["due_at"]),
            created_at=_time(c["created_at"]),
        ))  # fmt: skip
    for r in case.get("open_ratings", []):
        kind, _, ref = r["service"].partition(":")
        tx.add(Rating(id=r["id"], beneficiary_id=pid, conversation_key=key, channel=channel, service_kind=kind,
                      service_ref=ref, created_at=now))  # fmt: skip
    if case.get("handoff"):  # a chat with staff already open
        h = case["handoff"]
        tx.add(HandoffRequest(reference=h["reference"], beneficiary_id=pid, conversation_key=key, channel=channel,
                              reason=h.get("reason", ""), answer_due_at=_time(h["answer_due_at"]), created_at=now))
    await tx.flush()
    return pid


def _request(keyring: Keyring, r: dict, pid: int, key: str, channel: str) -> HelpRequest:
    return HelpRequest(
        reference=r["reference"], beneficiary_id=pid, conversation_key=key, channel=channel, category=r["category"],
        status=r["status"], city="bukayriyah", residency="citizen", household_size=1, income_bracket="under_3000",
        full_name_enc=keyring.encrypt("A name on file"), national_id_enc=keyring.encrypt("1000000008"),
        info_question=r.get("info_question"), submitted_at=_time(r["submitted_at"]), due_at=_time(r["due_at"]),
        updated_at=_time(r["submitted_at"]),
    )  # fmt: skip


def _program(p: dict, holders: int, now: datetime) -> Program:
    """A published program; its capacity is the seats left the case gives plus the seats its sign-ups hold."""
    fields = {k: v for k, v in p.items() if k not in ("seats_left", *PROGRAM_TIMES)}
    capacity = None if p.get("seats_left") is None else p["seats_left"] + holders
    times = {k: _time(p.get(k)) for k in PROGRAM_TIMES}
    return Program(**fields, **times, status="published", capacity=capacity, created_at=now, updated_at=now)


# Staff's side of an event: the change they make, through the store function the console calls, which also
# records the event for the conversation. Each returns whether staff could make it.

Staffing = Callable[[AsyncSession, str, str, datetime, Profile, int], Awaitable[bool]]


def _by(now: datetime, profile: Profile) -> By:
    return By(staff_id=1, now=now, rating_delay=rating_delay(profile))


async def _request_info(tx, subject, text, now, profile, pid) -> bool:  # type: ignore[no-untyped-def]
    row = await request_decisions.find(tx, subject, lock=True)
    return row is not None and await request_decisions.ask_info(tx, row, _by(now, profile), text) is not None


async def _request_decided(tx, subject, text, now, profile, pid) -> bool:  # type: ignore[no-untyped-def]
    reference, _, outcome = subject.partition(":")
    row = await request_decisions.find(tx, reference, lock=True)
    return row is not None and await request_decisions.decide(tx, row, _by(now, profile), outcome, text) is not None


async def _request_delivered(tx, subject, text, now, profile, pid) -> bool:  # type: ignore[no-untyped-def]
    row = await request_decisions.find(tx, subject, lock=True)
    if row is None:
        return False
    moved = await request_decisions.deliver(
        tx, row, _by(now, profile), kind="voucher", reference="V-1", upload=None, aid_kind=None, aid_halalas=None
    )
    return moved is not None


async def _complaint_replied(tx, subject, text, now, profile, pid) -> bool:  # type: ignore[no-untyped-def]
    row = await complaint_actions.find(tx, subject, lock=True)
    return row is not None and await complaint_actions.reply(tx, row, 1, text, now) is not None


async def _complaint_resolved(tx, subject, text, now, profile, pid) -> bool:  # type: ignore[no-untyped-def]
    row = await complaint_actions.find(tx, subject, lock=True)
    return row is not None and await complaint_actions.resolve(tx, row, 1, now, rating_delay(profile)) is not None


async def _handoff_closed(tx, subject, text, now, profile, pid) -> bool:  # type: ignore[no-untyped-def]
    handoff = await queries.open_handoff(tx, pid)
    return handoff is not None and await chat_replies.close(tx, handoff, 1, now, rating_delay(profile))


def _registration_decision(act: str) -> Staffing:
    async def decide(tx, subject, text, now, profile, pid) -> bool:  # type: ignore[no-untyped-def]
        program = await tx.get(Program, int(subject)) if subject.isdigit() else None
        mine = await _registration(tx, program.id, pid) if program else None
        if mine is None:
            return False
        done = await registration_decisions.decide(tx, program, act, [mine.id], text, 1, now, rating_delay(profile))
        return done is not None

    return decide


async def _program_cancelled(tx, subject, text, now, profile, pid) -> bool:  # type: ignore[no-untyped-def]
    program = await tx.get(Program, int(subject)) if subject.isdigit() else None
    return program is not None and bool(await program_changes.cancel(tx, program, now))


async def _waitlist_promoted(tx, subject, text, now, profile, pid) -> bool:  # type: ignore[no-untyped-def]
    """A seat freed by someone else: no console function does only this, so the row moves up here."""
    mine = await _registration(tx, int(subject), pid) if subject.isdigit() else None
    if mine is None or mine.status != "waitlisted":
        return False
    mine.status = "pending"
    await queries.record_event(tx, mine.conversation_key, f"waitlist_promoted:{subject}", "", now)
    return True


async def _registration(tx: AsyncSession, program_id: int, pid: int) -> Registration | None:
    query = select(Registration).where(Registration.program_id == program_id, Registration.beneficiary_id == pid)
    return (await tx.scalars(query)).first()


STAFF: dict[str, Staffing] = {
    "request_info": _request_info,
    "request_decided": _request_decided,
    "request_delivered": _request_delivered,
    "complaint_replied": _complaint_replied,
    "complaint_resolved": _complaint_resolved,
    "handoff_closed": _handoff_closed,
    "program_accepted": _registration_decision("accept"),
    "program_rejected": _registration_decision("reject"),
    "service_delivered": _registration_decision("deliver"),
    "program_cancelled": _program_cancelled,
    "waitlist_promoted": _waitlist_promoted,
}


async def event(tx: AsyncSession, key: str, step: dict, now: datetime, profile: Profile, pid: int) -> None:
    """Record an event step: staff's change with its event, or a timer's event (and a `stale` one: an event
    that comes late or twice, recorded as it came)."""
    name, _, subject = step["event"].partition(":")
    text = step.get("text", "")
    if name in TIMERS or step.get("stale"):
        if name in TIMERS:  # the pending timer of that kind, if any, is the one firing
            query = select(Timer).where(Timer.conversation_key == key, Timer.kind == step["event"], Timer.status == "pending")
            for timer in (await tx.scalars(query)).all():
                timer.status = "fired"
        await queries.record_event(tx, key, step["event"], text, now)
        return
    assert await STAFF[name](tx, subject, text, now, profile, pid), f"staff could not do {step['event']}"


# What the person's records hold after a step


def _some(**fields: object) -> dict:
    """The fields with a value (an empty list, None, False and "" left out)."""
    return {k: v for k, v in fields.items() if v not in (None, False, "", [], {})}


async def records(tx: AsyncSession, pid: int, key: str) -> dict:
    """The person, their requests, complaints, sign-ups, ratings, chats with staff and pending timers."""
    person = await tx.get(Beneficiary, pid)

    async def rows(model, *where, order=None):  # type: ignore[no-untyped-def]
        return (await tx.scalars(select(model).where(*where).order_by(order if order is not None else model.id))).all()

    files = {}
    for a in await rows(Attachment, Attachment.beneficiary_id == pid):
        owner = ("request", a.request_id) if a.request_id else ("complaint", a.complaint_id) if a.complaint_id else None
        files[owner] = files.get(owner, 0) + 1
    return {
        "person": _some(
            consented=person.consent_at is not None, named=bool(person.full_name_enc), national_id=bool(person.national_id_enc),
            phone=person.phone, city=person.city, residency=person.residency, household_size=person.household_size,
            income_bracket=person.income_bracket, language=person.language, erased=person.erased_at is not None,
        ),
        "requests": [
            _some(reference=r.reference, category=r.category, status=r.status, flags=r.flags,
                  files=files.get(("request", r.id), 0))
            for r in await rows(HelpRequest, HelpRequest.beneficiary_id == pid)
        ],
        "complaints": [
            _some(reference=c.reference, kind=c.kind, status=c.status, text=c.text if c.text != "-" else "",
                  files=files.get(("complaint", c.id), 0))
            for c in await rows(Complaint, Complaint.beneficiary_id == pid)
        ],
        "registrations": [
            _some(program=r.program_id, status=r.status, attended=r.attended_at is not None, answers=r.answers, note=r.note)
            for r in await rows(Registration, Registration.beneficiary_id == pid)
        ],
        "ratings": [
            _some(id=r.id, service=f"{r.service_kind}:{r.service_ref}", status=r.status, score=r.score, comment=r.comment)
            for r in await rows(Rating, Rating.beneficiary_id == pid)
        ],
        "handoffs": [
            _some(reference=h.reference, reason=h.reason, status=h.status)
            for h in await rows(HandoffRequest, HandoffRequest.beneficiary_id == pid)
        ],
        "timers": [
            f"{t.kind} {t.due_at.isoformat()}"
            for t in await rows(Timer, Timer.conversation_key == key, Timer.status == "pending", order=Timer.due_at)
        ],
    }


def changed(before: dict, after: dict) -> dict:
    """The parts of the records that a step changed: the person's fields that changed (None: no longer
    there), every other part whole."""
    out = {k: v for k, v in after.items() if before.get(k) != v}
    if "person" in out:
        was, now = before.get("person", {}), out["person"]
        out["person"] = {k: now.get(k) for k in {**was, **now} if was.get(k) != now.get(k)}
    return out


async def conversation(tx: AsyncSession, key: str) -> Conversation | None:
    return (await tx.scalars(select(Conversation).where(Conversation.key == key))).first()

