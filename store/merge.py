"""A staff merge of two beneficiary records, in one transaction: every row that points at the dropped record
(found through the tables' foreign keys, so a new table is not forgotten) moves to the kept one; the dropped
record stays, marked merged into the kept one. Also the side-by-side summary the compare page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, UniqueConstraint, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from store.duplicates import verified_numbers
from store.models import (
    Beneficiary,
    ChannelIdentity,
    Complaint,
    Conversation,
    HelpRequest,
    InboundMessage,
    Rating,
    Registration,
)

IDENTITY = ("full_name_enc", "national_id_enc", "national_id_hash")  # carried together or not at all
VERIFIED = ("verified_phone", "phone_verified_at")  # unique to one record: moved, never copied
# Every other column of the dropped record fills the kept record's where it is empty, except these.
NOT_CARRIED = frozenset({"id", "created_at", "erased_at", "merged_into_id", "merged_at", *IDENTITY, *VERIFIED})


class MergeRefused(Exception):
    """Why two records cannot be merged: "same", "missing" or "merged" (one was merged already)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Merged:
    """How many rows moved per table, and how many stayed on the dropped record because the kept record
    already had the same one (a sign-up for the same program, a rating of the same service)."""

    moved: dict[str, int] = field(default_factory=dict)
    stayed: dict[str, int] = field(default_factory=dict)


def _pointers() -> list[tuple[Table, str]]:
    """Every (table, column) holding a beneficiary id, except the merge trace itself."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "beneficiary" for fk in column.foreign_keys):
                if (table.name, column.name) != ("beneficiary", "merged_into_id"):
                    found.append((table, column.name))
    return found


def _unique_partners(table: Table, column: str) -> list[list[str]]:
    """For each unique key of `table` that includes `column`, its other columns."""
    keys = [c.columns for c in table.constraints if isinstance(c, UniqueConstraint)]
    keys += [i.columns for i in table.indexes if i.unique]
    return [[c.name for c in key if c.name != column] for key in keys if column in key]


async def _move(tx: AsyncSession, table: Table, column: str, keep: int, drop: int) -> tuple[int, int]:
    """Re-point `column` from drop to keep, except rows that would break a unique key; (moved, stayed)."""
    query = update(table).where(table.c[column] == drop).values({column: keep})
    for partners in _unique_partners(table, column):
        other = table.alias()
        clash = exists().where(other.c[column] == keep, *(other.c[p] == table.c[p] for p in partners))
        query = query.where(~clash)
    moved = (await tx.execute(query.execution_options(synchronize_session=False))).rowcount
    stayed = await tx.scalar(select(func.count()).select_from(table).where(table.c[column] == drop))
    return moved, stayed or 0


async def merge(tx: AsyncSession, keep_id: int, drop_id: int, now: datetime) -> Merged:
    """Move everything of `drop_id` to `keep_id` inside the caller's transaction (the caller audits it)."""
    if keep_id == drop_id:
        raise MergeRefused("same")
    query = select(Beneficiary).where(Beneficiary.id.in_((keep_id, drop_id))).order_by(Beneficiary.id)
    rows = {row.id: row for row in (await tx.scalars(query.with_for_update())).all()}  # in id order: no deadlock
    if len(rows) != 2:
        raise MergeRefused("missing")
    keep, drop = rows[keep_id], rows[drop_id]
    if keep.merged_into_id is not None or drop.merged_into_id is not None:
        raise MergeRefused("merged")
    result = Merged()
    for table, column in _pointers():
        moved, stayed = await _move(tx, table, column, keep_id, drop_id)
        if moved:
            result.moved[table.name] = result.moved.get(table.name, 0) + moved
        if stayed:
            result.stayed[table.name] = result.stayed.get(table.name, 0) + stayed
    # Records merged into the dropped one before now point at the kept one (no chains).
    await tx.execute(
        update(Beneficiary).where(Beneficiary.merged_into_id == drop_id).values(merged_into_id=keep_id)
        .execution_options(synchronize_session=False)
    )
    if not keep.national_id_enc and drop.national_id_enc:
        for name in IDENTITY:
            setattr(keep, name, getattr(drop, name))
    for name in Beneficiary.__table__.columns.keys():
        if name in NOT_CARRIED:
            continue
        if getattr(keep, name) in (None, "") and getattr(drop, name) not in (None, ""):
            setattr(keep, name, getattr(drop, name))
    number, since = drop.verified_phone, drop.phone_verified_at
    drop.verified_phone, drop.phone_verified_at = None, None  # a merged-away record verifies nothing
    drop.merged_into_id, drop.merged_at = keep_id, now
    await tx.flush()
    if number and not keep.verified_phone:
        keep.verified_phone, keep.phone_verified_at = number, since
        await tx.flush()
    return result


@dataclass(frozen=True)
class Summary:
    """What the compare page shows of one record."""

    person: Beneficiary
    channels: list[str]
    verified_numbers: list[str]
    requests: int
    complaints: int
    ratings: int
    registrations: int
    messages: int
    given_numbers: list[str]  # numbers the person typed (forms), not vouched by a channel


async def _count(tx: AsyncSession, model: type, beneficiary_id: int) -> int:
    return await tx.scalar(select(func.count()).select_from(model).where(model.beneficiary_id == beneficiary_id))


async def summary(tx: AsyncSession, beneficiary_id: int) -> Summary | None:
    """One record as the compare page shows it; None when there is no such record."""
    person = await tx.get(Beneficiary, beneficiary_id)
    if person is None:
        return None
    channels = select(ChannelIdentity.channel).where(ChannelIdentity.beneficiary_id == beneficiary_id)
    keys = select(Conversation.key).where(Conversation.beneficiary_id == beneficiary_id)
    messages = select(func.count()).select_from(InboundMessage).where(InboundMessage.conversation_key.in_(keys))
    numbers = select(HelpRequest.phone).where(HelpRequest.beneficiary_id == beneficiary_id, HelpRequest.phone != "")
    given = set((await tx.scalars(numbers)).all()) | ({person.phone} if person.phone else set())
    verified = await verified_numbers(tx, beneficiary_id)
    return Summary(
        person=person,
        channels=sorted(set((await tx.scalars(channels)).all())),
        verified_numbers=verified,
        requests=await _count(tx, HelpRequest, beneficiary_id),
        complaints=await _count(tx, Complaint, beneficiary_id),
        ratings=await _count(tx, Rating, beneficiary_id),
        registrations=await _count(tx, Registration, beneficiary_id),
        messages=await tx.scalar(messages) or 0,
        given_numbers=sorted(given - set(verified)),
    )
