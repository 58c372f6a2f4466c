"""Possible duplicates of a person: another record (not merged away) holding the same national ID (found by its
keyed hash, under every key of DATA_KEYS) or a mobile number that one of the two records' channels vouched for
(`Beneficiary.verified_phone`, or a WhatsApp identity's number) found on the other. This only points staff at candidates: joining two records
is a staff decision (store/merge.py), never made from what someone typed."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.crypto import Keyring
from store.models import Beneficiary, ChannelIdentity, HelpRequest

VERIFIED_CHANNEL = "whatsapp"  # its identities are the sender's own number, vouched by WhatsApp


@dataclass(frozen=True)
class Duplicate:
    """Another record that may be the same person, and why: "national_id", "mobile" or both."""

    beneficiary_id: int
    reasons: tuple[str, ...]


async def verified_numbers(tx: AsyncSession, beneficiary_id: int) -> list[str]:
    """The mobile numbers a channel vouches are this person's: the record's verified number (WhatsApp, a Telegram
    contact of their own, a one-time code) and their WhatsApp identities."""
    query = select(ChannelIdentity.external_id).where(
        ChannelIdentity.beneficiary_id == beneficiary_id, ChannelIdentity.channel == VERIFIED_CHANNEL
    )
    numbers = set((await tx.scalars(query)).all())
    verified = await tx.scalar(select(Beneficiary.verified_phone).where(Beneficiary.id == beneficiary_id))
    return sorted(numbers | ({verified} if verified else set()))


async def _id_hashes(tx: AsyncSession, keyring: Keyring, person: Beneficiary) -> set[str]:
    """The hashes of every national ID this person gave (on the record and on their requests), under every key."""
    tokens = {person.national_id_enc} if person.national_id_enc else set()
    query = select(HelpRequest.national_id_enc).where(HelpRequest.beneficiary_id == person.id)
    tokens |= {token for token in (await tx.scalars(query)).all() if token}
    hashes: set[str] = set()
    for token in tokens:
        with contextlib.suppress(ValueError):  # a value no current key opens cannot be compared
            hashes.update(keyring.id_hashes(keyring.decrypt(token)))
    return hashes


async def _same_id(tx: AsyncSession, hashes: set[str], me: int) -> set[int]:
    if not hashes:
        return set()
    people = select(Beneficiary.id).where(Beneficiary.national_id_hash.in_(hashes), Beneficiary.id != me)
    filed = select(HelpRequest.beneficiary_id).where(
        HelpRequest.national_id_hash.in_(hashes), HelpRequest.beneficiary_id != me
    )
    return set((await tx.scalars(people)).all()) | set((await tx.scalars(filed)).all())


async def _same_mobile(tx: AsyncSession, person: Beneficiary) -> set[int]:
    """Records where one side's vouched number is the other side's number (vouched or given)."""
    mine_verified = set(await verified_numbers(tx, person.id))
    mine_any = mine_verified | ({person.phone} if person.phone else set())
    if not mine_any:
        return set()
    theirs_verified = select(ChannelIdentity.beneficiary_id).where(
        ChannelIdentity.channel == VERIFIED_CHANNEL,
        ChannelIdentity.external_id.in_(mine_any),
        ChannelIdentity.beneficiary_id != person.id,
    )
    found = set((await tx.scalars(theirs_verified)).all())
    theirs_record = select(Beneficiary.id).where(Beneficiary.verified_phone.in_(mine_any), Beneficiary.id != person.id)
    found |= set((await tx.scalars(theirs_record)).all())
    if mine_verified:
        given = select(Beneficiary.id).where(Beneficiary.phone.in_(mine_verified), Beneficiary.id != person.id)
        found |= set((await tx.scalars(given)).all())
    return found


async def possible_duplicates(tx: AsyncSession, keyring: Keyring, beneficiary_id: int) -> list[Duplicate]:
    """Other current records that may be this person, lowest id first (none for a merged-away record)."""
    person = await tx.get(Beneficiary, beneficiary_id)
    if person is None or person.merged_into_id is not None:
        return []
    by_id = await _same_id(tx, await _id_hashes(tx, keyring, person), person.id)
    by_mobile = await _same_mobile(tx, person)
    candidates = by_id | by_mobile
    if not candidates:
        return []
    current = select(Beneficiary.id).where(Beneficiary.id.in_(candidates), Beneficiary.merged_into_id.is_(None))
    keep = set((await tx.scalars(current)).all())
    found = []
    for other in sorted(keep):
        reasons = (("national_id", other in by_id), ("mobile", other in by_mobile))
        found.append(Duplicate(other, tuple(reason for reason, hit in reasons if hit)))
    return found
