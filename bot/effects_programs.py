"""Appliers for program sign-ups: register (capacity re-checked here), withdraw (the waiting list moves up),
and check in with the program's code."""

from __future__ import annotations

from sqlalchemy import select

from bot.effects import Applying, apply
from conversations.effects import CancelRegistration, CheckIn, RegisterForProgram, RememberContact
from store import queries
from store.program_signups import HOLDS_A_SEAT, seats_taken
from store.ratings import rating_delay, schedule_rating
from store.models import Beneficiary, Program, Registration



async def _mine(at: Applying, program_id: int) -> Registration | None:
    query = select(Registration).where(
        Registration.program_id == program_id, Registration.beneficiary_id == at.conv.beneficiary_id
    )
    return (await at.tx.scalars(query)).first()


@apply.register
async def _register(effect: RegisterForProgram, at: Applying) -> None:
    """One registration per person and program (a repeat updates it); the last seat decides here, not in the step."""
    program = await at.tx.get(Program, effect.program_id, with_for_update=True)
    if program is None or program.status != "published":
        return
    status = effect.status
    if status == "pending" and program.capacity is not None and await seats_taken(at.tx, program.id) >= program.capacity:
        status = "waitlisted"
    row = await _mine(at, program.id)
    if row is None:
        row = Registration(program_id=program.id, beneficiary_id=at.conv.beneficiary_id, conversation_key=at.conv.key, status=status)
        at.tx.add(row)
    row.status, row.answers, row.note = status, dict(effect.answers), effect.note[:1000]
    row.conversation_key, row.created_at, row.decided_at = at.conv.key, at.now, None


@apply.register
async def _remember_contact(effect: RememberContact, at: Applying) -> None:
    """The name (encrypted) and mobile a sign-up asked for, where the record has none: once, never overwritten."""
    person = await at.tx.get(Beneficiary, at.conv.beneficiary_id)
    if person is None:
        return
    if effect.full_name and not person.full_name_enc:
        person.full_name_enc = at.keyring.encrypt(effect.full_name)
    if effect.phone and not person.phone:
        person.phone = effect.phone


@apply.register
async def _cancel(effect: CancelRegistration, at: Applying) -> None:
    row = await _mine(at, effect.program_id)
    if row is None or row.status in ("cancelled", "rejected"):
        return
    freed = row.status in HOLDS_A_SEAT
    row.status, row.decided_at = "cancelled", at.now
    if freed:
        await promote_waitlist(at, effect.program_id)


async def promote_waitlist(at: Applying, program_id: int) -> None:
    """A seat freed: the longest-waiting person moves up to pending and is told (staff then confirm)."""
    query = (
        select(Registration)
        .where(Registration.program_id == program_id, Registration.status == "waitlisted")
        .order_by(Registration.created_at, Registration.id)
        .limit(1)
    )
    first = (await at.tx.scalars(query)).first()
    if first is not None:
        first.status = "pending"
        await queries.record_event(at.tx, first.conversation_key, f"waitlist_promoted:{program_id}", "", at.now)


@apply.register
async def _check_in(effect: CheckIn, at: Applying) -> None:
    row = await _mine(at, effect.program_id)
    if row is not None and row.status == "accepted" and row.attended_at is None:
        row.attended_at, row.attendance_source = at.now, "checkin"
        await schedule_rating(  # they came: they are asked to rate the program
            at.tx, service_kind="program", service_ref=str(effect.program_id), conversation_key=at.conv.key,
            beneficiary_id=at.conv.beneficiary_id, staff_id=None, now=at.now, delay=rating_delay(at.profile),
            program_id=effect.program_id,
        )
