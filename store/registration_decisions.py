"""Decisions on a program's sign-ups (accept, reject, mark delivered), one or many at once: from which
statuses each may be taken, the event each person gets, the rating once a service is delivered, and the seats a
rejection frees going to the longest-waiting people on the waiting list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store import queries
from store.program_signups import HOLDS_A_SEAT
from store.models import Program, Registration
from store.ratings import schedule_rating


@dataclass(frozen=True)
class Decision:
    """From which statuses a decision may be taken, the status it gives, and the event the person gets."""

    sources: tuple[str, ...]
    outcome: str
    event: str


DECISIONS = {
    "accept": Decision(("pending",), "accepted", "program_accepted"),
    "reject": Decision(("pending", "accepted", "waitlisted"), "rejected", "program_rejected"),
    "deliver": Decision(("requested",), "delivered", "service_delivered"),
}


@dataclass(frozen=True)
class Decided:
    """The sign-ups decided, and those moved up from the waiting list into the seats freed."""

    decided: list[Registration]
    promoted: list[Registration]

    @property
    def told(self) -> list[str]:
        """The conversations that got an event, each once."""
        return list(dict.fromkeys(r.conversation_key for r in self.decided + self.promoted))


async def decide(
    tx: AsyncSession, program: Program, act: str, ids: list[int], reason: str, staff_id: int, now: datetime,
    rating_delay: timedelta,
) -> Decided | None:  # fmt: skip
    """Take `act` on the program's sign-ups among `ids` whose status allows it (the reason is told on a
    rejection); None when the program is cancelled or none of them can be."""
    query = select(Registration).where(Registration.program_id == program.id, Registration.id.in_(ids))
    found = (await tx.scalars(query.order_by(Registration.id).with_for_update())).all()
    rows = [row for row in found if row.status in DECISIONS[act].sources]
    if program.status == "cancelled" or not rows:
        return None
    freed = await _apply(tx, rows, act, reason, staff_id, now, rating_delay)
    return Decided(rows, await _promote(tx, program.id, freed, now))


async def _apply(
    tx: AsyncSession, rows: list[Registration], act: str, reason: str, staff_id: int, now: datetime,
    delay: timedelta,
) -> int:  # fmt: skip
    """Decide each row (their statuses allow it); the seats freed."""
    rule, freed = DECISIONS[act], 0
    for row in rows:
        freed += act == "reject" and row.status in HOLDS_A_SEAT
        row.status, row.decided_at, row.decided_by = rule.outcome, now, staff_id
        text = reason if act == "reject" else ""
        await queries.record_event(tx, row.conversation_key, f"{rule.event}:{row.program_id}", text, now)
        if act == "deliver":  # a service done: the beneficiary is asked to rate it
            await schedule_rating(
                tx, service_kind="service", service_ref=str(row.program_id),
                conversation_key=row.conversation_key, beneficiary_id=row.beneficiary_id, staff_id=staff_id,
                now=now, delay=delay, program_id=row.program_id,
            )  # fmt: skip
    return freed


async def _promote(tx: AsyncSession, pid: int, seats: int, now: datetime) -> list[Registration]:
    """Freed seats go to the longest-waiting people, who move to pending and are told."""
    promoted = []
    for _ in range(seats):
        query = (
            select(Registration)
            .where(Registration.program_id == pid, Registration.status == "waitlisted")
            .order_by(Registration.created_at, Registration.id)
            .limit(1)
            .with_for_update()
        )
        first = (await tx.scalars(query)).first()
        if first is None:
            break
        first.status = "pending"
        await queries.record_event(tx, first.conversation_key, f"waitlist_promoted:{pid}", "", now)
        promoted.append(first)
    return promoted
