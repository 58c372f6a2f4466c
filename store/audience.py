"""Who an announcement reaches: the channel identities matching a broadcast's audience, opted-in and reachable."""

from __future__ import annotations

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Beneficiary, ChannelIdentity, Registration

SILENT_CHANNELS = ("terminal",)  # staff trying flows in a terminal are nobody's audience
# what an announcement can be sent on; a profile's other channels (in person, letters) reach no one from here
SENDABLE_CHANNELS = ("whatsapp", "telegram", "web")


def sendable(channels: list[str]) -> list[str]:
    """The profile's channels an announcement can be sent on, in the profile's order."""
    return [c for c in channels if c in SENDABLE_CHANNELS]


def audience_query(audience: dict) -> Select:
    """ChannelIdentity joined with Beneficiary, filtered by the audience JSON (see Broadcast.audience)."""
    query = (
        select(ChannelIdentity, Beneficiary)
        .join(Beneficiary, Beneficiary.id == ChannelIdentity.beneficiary_id)
        .where(
            ChannelIdentity.opted_out.is_(False),
            ChannelIdentity.unreachable.is_(None),
            ChannelIdentity.channel.not_in(SILENT_CHANNELS),
            Beneficiary.erased_at.is_(None),
        )
    )
    if audience.get("cities"):
        query = query.where(Beneficiary.city.in_(audience["cities"]))
    if audience.get("languages"):
        query = query.where(Beneficiary.language.in_(audience["languages"]))
    if audience.get("channels"):
        query = query.where(ChannelIdentity.channel.in_(audience["channels"]))
    if audience.get("past_participants_of"):
        attended = and_(
            Registration.beneficiary_id == Beneficiary.id,
            Registration.program_id == int(audience["past_participants_of"]),
            Registration.attended_at.is_not(None),
        )
        query = query.where(exists().where(attended))
    if audience.get("volunteers"):
        interested = and_(Registration.beneficiary_id == Beneficiary.id, Registration.status == "interested")
        query = query.where(exists().where(interested))
    return query


async def reach_by_channel(tx: AsyncSession, audience: dict) -> dict[str, int]:
    """How many of the audience each channel reaches now, for the confirm step before an announcement goes out."""
    reached = audience_query(audience).with_only_columns(
        ChannelIdentity.channel, func.count(ChannelIdentity.id)
    )
    rows = await tx.execute(reached.group_by(ChannelIdentity.channel).order_by(ChannelIdentity.channel))
    return {channel: count for channel, count in rows.all()}
