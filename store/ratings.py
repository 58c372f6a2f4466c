"""Scheduling a rating when a service is done: once per service and person (a unique key), with a timer that
brings the prompt to the beneficiary's conversation after the profile's delay."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.profile import Profile
from store.models import Rating, Timer


def rating_delay(profile: Profile) -> timedelta:
    """How long after a service its rating prompt goes (the profile's choice)."""
    return timedelta(minutes=profile.deadlines.rating_delay_minutes)


async def schedule_rating(
    tx: AsyncSession,
    *,
    service_kind: str,
    service_ref: str,
    conversation_key: str,
    beneficiary_id: int,
    staff_id: int | None,
    now: datetime,
    delay: timedelta,
    program_id: int | None = None,
) -> Rating | None:
    """The new Rating, or None when this service already has one (a second "delivered" click, a restart)."""
    exists = select(Rating.id).where(
        Rating.service_kind == service_kind, Rating.service_ref == service_ref, Rating.beneficiary_id == beneficiary_id
    )
    if (await tx.scalars(exists)).first() is not None:
        return None
    channel, sender_id = conversation_key.split(":", 1)
    rating = Rating(
        beneficiary_id=beneficiary_id,
        conversation_key=conversation_key,
        channel=channel,
        service_kind=service_kind,
        service_ref=service_ref,
        program_id=program_id,
        staff_id=staff_id,
        created_at=now,
    )
    try:
        async with tx.begin_nested():
            tx.add(rating)
    except IntegrityError:  # the same service rated from another process at the same moment
        return None
    tx.add(
        Timer(
            conversation_key=conversation_key,
            channel=channel,
            sender_id=sender_id,
            kind=f"rating_prompt:{rating.id}",
            text=f"{service_kind}:{service_ref}",
            due_at=now + delay,
            created_at=now,
        )
    )
    return rating
