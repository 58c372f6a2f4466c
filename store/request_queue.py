"""The request queue's query: help requests filtered by status, category and city, sorted by a column staff
choose (the decision deadline first by default), a page at a time or all of them for an export."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import HelpRequest
from store.paging import Paged, listing, paged

FILTERS = ("status", "category", "city")
SORTS = {
    "due": HelpRequest.due_at,
    "submitted": HelpRequest.submitted_at,
    "reference": HelpRequest.reference,
    "status": HelpRequest.status,
    "category": HelpRequest.category,
    "city": HelpRequest.city,
}
EXPORT_LIMIT = 100_000  # a sheet Excel opens comfortably; the page says when an export stops there


@dataclass(frozen=True)
class Chosen:
    """What staff asked for: a value per filter ("" for all), a sort column and its direction."""

    status: str = ""
    category: str = ""
    city: str = ""
    sort: str = "due"
    descending: bool = False


def _query(chosen: Chosen) -> Select:
    filters = {name: getattr(chosen, name) for name in FILTERS}
    return listing(HelpRequest, filters, SORTS.get(chosen.sort, HelpRequest.due_at), chosen.descending)


async def page_of(tx: AsyncSession, chosen: Chosen, page: int, size: int | None = None) -> Paged[HelpRequest]:
    return await paged(tx, _query(chosen), page, *(size,) if size else ())


async def every(tx: AsyncSession, chosen: Chosen) -> list[HelpRequest]:
    """Every request the filters choose, in the chosen order (at most EXPORT_LIMIT), for a sheet."""
    return list((await tx.scalars(_query(chosen).limit(EXPORT_LIMIT))).all())
