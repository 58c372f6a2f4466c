"""The console's list of beneficiaries: current records (not merged away), filtered, searched, sorted, by page.

Search. A national ID or iqama is matched through its keyed hash (store/crypto.py `id_hash`, under every key),
never by decrypting; a mobile in any common form through its E.164 form (the record's number, a request's
number, or a channel's own id); a reference (help request, complaint, staff chat) exactly. A name is the one
thing that has no equality to hash on (people type part of a name, with other letter forms), so it is matched by
decrypting only a bounded set: the newest NAME_SCAN records that pass the other filters. Keeping a keyed token
set per name word instead would leak which records share a first or family name to whoever reads the database,
and would have to be kept in step by every path that writes a name. The bound is said on the page when it is
reached (nothing silent), and the filters narrow it. A name search over 5,000 records takes about half a second on SQLite
(`python -m bench.name_search`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.national_id import check
from conversations.normalize import normalize
from conversations.phones import to_e164
from store.crypto import Keyring
from store.models import Beneficiary, ChannelIdentity, Complaint, HandoffRequest, HelpRequest
from store.request_decisions import OPEN

NAME_SCAN = 5000
MAX_REFERENCE = 20
SORTS = {"created": Beneficiary.id, "city": Beneficiary.city, "category": Beneficiary.category}


@dataclass(frozen=True)
class Filters:
    """What staff asked for: free text (name, mobile, ID or reference) and the list's filters."""

    text: str = ""
    city: str = ""
    category: str = ""
    channel: str = ""
    open_request: bool = False
    opted_out: bool = False


@dataclass(frozen=True)
class Listed:
    """One row of the list: the record, its channels, and how many of its requests wait for a decision."""

    person: Beneficiary
    channels: tuple[str, ...]
    open_requests: int


@dataclass(frozen=True)
class Page:
    """A page of the list, the number of matches, and whether the name search reached its bound."""

    rows: list[Listed]
    total: int
    page: int
    pages: int
    name_scan_capped: bool = False
    matched_by: tuple[str, ...] = field(default_factory=tuple)


def _filtered(filters: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Beneficiary.merged_into_id.is_(None)]
    if filters.city:
        where.append(Beneficiary.city == filters.city)
    if filters.category:
        asked = and_(HelpRequest.beneficiary_id == Beneficiary.id, HelpRequest.category == filters.category)
        where.append(or_(Beneficiary.category == filters.category, exists().where(asked)))
    if filters.channel:
        linked = and_(
            ChannelIdentity.beneficiary_id == Beneficiary.id, ChannelIdentity.channel == filters.channel
        )
        where.append(exists().where(linked))
    if filters.open_request:
        waiting = and_(HelpRequest.beneficiary_id == Beneficiary.id, HelpRequest.status.in_(OPEN))
        where.append(exists().where(waiting))
    if filters.opted_out:
        stopped = and_(ChannelIdentity.beneficiary_id == Beneficiary.id, ChannelIdentity.opted_out.is_(True))
        where.append(exists().where(stopped))
    return where


async def _by_reference(tx: AsyncSession, text: str) -> set[int]:
    reference = text.strip().upper()
    if not reference or len(reference) > MAX_REFERENCE or " " in reference:
        return set()
    found: set[int] = set()
    for model in (HelpRequest, Complaint, HandoffRequest):
        query = select(model.beneficiary_id).where(model.reference == reference)
        found |= set((await tx.scalars(query)).all())
    return found


async def _by_national_id(tx: AsyncSession, keyring: Keyring, text: str) -> set[int]:
    digits, problem = check(text)
    if problem is not None or digits is None:
        return set()
    hashes = keyring.id_hashes(digits)
    people = select(Beneficiary.id).where(Beneficiary.national_id_hash.in_(hashes))
    filed = select(HelpRequest.beneficiary_id).where(HelpRequest.national_id_hash.in_(hashes))
    return set((await tx.scalars(people)).all()) | set((await tx.scalars(filed)).all())


async def _by_mobile(tx: AsyncSession, text: str) -> set[int]:
    if not any(ch.isdigit() for ch in text):
        return set()
    number = to_e164(text)
    if number is None:
        return set()
    queries = (
        select(Beneficiary.id).where(Beneficiary.phone == number),
        select(HelpRequest.beneficiary_id).where(HelpRequest.phone == number),
        select(ChannelIdentity.beneficiary_id).where(ChannelIdentity.external_id == number),
    )
    found: set[int] = set()
    for query in queries:
        found |= set((await tx.scalars(query)).all())
    return found


def name_matches(words: list[str], name: str) -> bool:
    """Every typed word appears in the name, both folded (letter forms, diacritics, case)."""
    folded = normalize(name)
    return all(word in folded for word in words)


async def _by_name(
    tx: AsyncSession, keyring: Keyring, text: str, where: list[ColumnElement[bool]]
) -> tuple[set[int], bool]:
    """Records whose name holds every typed word: the channel name in SQL, the full name decrypted within the
    newest NAME_SCAN candidates; and whether that bound was reached."""
    words = normalize(text).split()
    if not words:
        return set(), False
    found: set[int] = set()
    query = (
        select(Beneficiary.id, Beneficiary.full_name_enc, Beneficiary.display_name)
        .where(*where)
        .order_by(Beneficiary.id.desc())
        .limit(NAME_SCAN + 1)
    )
    rows = (await tx.execute(query)).all()
    for pid, token, display in rows[:NAME_SCAN]:
        names = [display or ""]
        if token:
            with contextlib.suppress(ValueError):  # a value no current key opens cannot be searched
                names.append(keyring.decrypt(token))
        if any(name_matches(words, name) for name in names if name):
            found.add(pid)
    return found, len(rows) > NAME_SCAN


async def search(
    tx: AsyncSession,
    keyring: Keyring,
    filters: Filters,
    *,
    sort: str = "created",
    descending: bool = True,
    page: int = 1,
    size: int = 50,
) -> Page:
    """The page `page` (from 1) of current records matching the filters and the text, sorted by `sort`."""
    where = _filtered(filters)
    capped, matched_by = False, []
    text = filters.text.strip()
    if text:
        found: set[int] = set()
        for kind, hits in (
            ("national_id", await _by_national_id(tx, keyring, text)),
            ("mobile", await _by_mobile(tx, text)),
            ("reference", await _by_reference(tx, text)),
        ):
            if hits:
                found |= hits
                matched_by.append(kind)
        if not found:
            found, capped = await _by_name(tx, keyring, text, where)
            matched_by += ["name"] if found else []
        where.append(Beneficiary.id.in_(sorted(found)) if found else Beneficiary.id.is_(None))
    total = (await tx.scalar(select(func.count()).select_from(Beneficiary).where(*where))) or 0
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    column = SORTS.get(sort, Beneficiary.id)
    order = [
        column.desc() if descending else column.asc(),
        Beneficiary.id.desc() if descending else Beneficiary.id,
    ]
    query: Select = select(Beneficiary).where(*where).order_by(*order).offset((page - 1) * size).limit(size)
    people = list((await tx.scalars(query)).all())
    rows = await _listed(tx, people)
    return Page(rows, total, page, pages, capped, tuple(matched_by))


async def _listed(tx: AsyncSession, people: list[Beneficiary]) -> list[Listed]:
    ids = [p.id for p in people]
    if not ids:
        return []
    channels: dict[int, set[str]] = {}
    query = select(ChannelIdentity.beneficiary_id, ChannelIdentity.channel).where(
        ChannelIdentity.beneficiary_id.in_(ids)
    )
    for pid, channel in (await tx.execute(query)).all():
        channels.setdefault(pid, set()).add(channel)
    waiting = (
        select(HelpRequest.beneficiary_id, func.count())
        .where(HelpRequest.beneficiary_id.in_(ids), HelpRequest.status.in_(OPEN))
        .group_by(HelpRequest.beneficiary_id)
    )
    open_counts = dict((await tx.execute(waiting)).all())
    return [Listed(p, tuple(sorted(channels.get(p.id, ()))), open_counts.get(p.id, 0)) for p in people]


async def every_match(
    tx: AsyncSession, keyring: Keyring, filters: Filters, sort: str, descending: bool
) -> Page:
    """Every match on one page, for an export (the list's filters and order, no silent cap)."""
    first = await search(tx, keyring, filters, sort=sort, descending=descending, page=1, size=1)
    size = max(1, first.total)
    return await search(tx, keyring, filters, sort=sort, descending=descending, page=1, size=size)
