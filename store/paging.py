"""One page of a list query: the rows, how many there are in all, and which page of how many — so that no
console list stops silently at a cap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.normalize import digits_to_ascii

T = TypeVar("T")
PAGE_SIZE = 50
PAGE_LIMIT = 10**6  # a page number beyond any list, so that `?page=` cannot ask for an absurd offset


@dataclass(frozen=True)
class Paged(Generic[T]):
    rows: list[T]
    total: int
    page: int
    pages: int


def page_number(typed: str) -> int:
    """`?page=` as typed (in any script's digits): a positive number within bounds, else the first page."""
    text = digits_to_ascii(typed)
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 7 else 0
    return number if number > 0 else 1


def listing(model: type, filters: dict[str, str], column: InstrumentedAttribute, descending: bool) -> Select:
    """`model`'s rows whose column equals each filter given (an empty one is "all"), ordered by `column` either
    way, then by id the same way so that pages never overlap."""
    query = select(model).where(*(getattr(model, name) == value for name, value in filters.items() if value))
    order = (column.desc(), model.id.desc()) if descending else (column.asc(), model.id.asc())
    return query.order_by(*order)


async def paged(tx: AsyncSession, query: Select, page: int, size: int = PAGE_SIZE, *, tuples: bool = False) -> Paged:
    """The `page`-th page (from 1; beyond the last, the last) of `query`, which must be ordered: its first
    column per row, or whole rows with `tuples`."""
    total = (await tx.scalar(select(func.count()).select_from(query.order_by(None).subquery()))) or 0
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages, PAGE_LIMIT)
    window = query.offset((page - 1) * size).limit(size)
    rows = list((await tx.execute(window)).all()) if tuples else list((await tx.scalars(window)).all())
    return Paged(rows, total, page, pages)
