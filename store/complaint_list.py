"""The complaints list's query: complaints and suggestions filtered by kind and status, sorted by a column
staff choose (newest first by default), a page at a time or all of them for an export."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Complaint
from store.paging import Paged, listing, paged
from store.request_queue import EXPORT_LIMIT

FILTERS = ("kind", "status")
SORTS = {
    "created": Complaint.created_at,
    "due": Complaint.due_at,
    "reference": Complaint.reference,
    "status": Complaint.status,
    "kind": Complaint.kind,
    "channel": Complaint.channel,
}


@dataclass(frozen=True)
class Chosen:
    kind: str = ""
    status: str = ""
    sort: str = "created"
    descending: bool = True


def _query(chosen: Chosen) -> Select:
    filters = {name: getattr(chosen, name) for name in FILTERS}
    return listing(Complaint, filters, SORTS.get(chosen.sort, Complaint.created_at), chosen.descending)


async def page_of(tx: AsyncSession, chosen: Chosen, page: int, size: int | None = None) -> Paged[Complaint]:
    return await paged(tx, _query(chosen), page, *(size,) if size else ())


async def every(tx: AsyncSession, chosen: Chosen) -> list[Complaint]:
    """Every complaint the filters choose, in the chosen order (at most EXPORT_LIMIT), for a sheet."""
    return list((await tx.scalars(_query(chosen).limit(EXPORT_LIMIT))).all())
