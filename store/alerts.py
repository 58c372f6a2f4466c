"""Staff alerts: a new live chat, help request, complaint or low rating is announced once (a unique `Alert`
key per item), through the outbox, and outside working hours only when the profile marks its kind urgent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.profile import Profile
from conversations.calendar import is_open
from store.models import Alert, Complaint, HandoffRequest, HelpRequest, OutboxMessage, Rating
from store.queries import insert_new

LOW = 2  # a rating of at most this is low
# Items older than this are never announced: a first deployment does not flood the staff group with the past,
# and two weeks outlasts the longest holiday (Eid) that holds non-urgent alerts back.
LOOKBACK = timedelta(days=14)
STAFF_ALERTS_KEY = "staff:alerts"  # the outbox rows' conversation key: no beneficiary's conversation


@dataclass(frozen=True)
class Item:
    """Something staff should act on: its kind (handoff, help_request, complaint, low_rating), its unique alert
    key, the reference staff know it by, and where the console shows it."""

    kind: str
    key: str
    reference: str
    path: str


async def _items(tx: AsyncSession, since: datetime) -> list[Item]:
    chats = select(HandoffRequest.reference).where(HandoffRequest.created_at >= since)
    requests = select(HelpRequest.reference).where(HelpRequest.submitted_at >= since)
    complaints = select(Complaint.reference).where(Complaint.created_at >= since, Complaint.kind == "complaint")
    ratings = select(Rating.id, Rating.service_ref).where(
        Rating.answered_at >= since, Rating.score.is_not(None), Rating.score <= LOW
    )
    items = [Item("handoff", f"handoff:{r}", r, f"/admin/inbox/{r}") for r in (await tx.scalars(chats))]
    items += [Item("help_request", f"request:{r}", r, f"/admin/requests/{r}") for r in (await tx.scalars(requests))]
    items += [Item("complaint", f"complaint:{r}", r, f"/admin/complaints/{r}") for r in (await tx.scalars(complaints))]
    items += [Item("low_rating", f"rating:{i}", ref, "/admin/reports") for i, ref in (await tx.execute(ratings))]
    return items


def held_back(profile: Profile, kind: str, now: datetime) -> bool:
    """Quiet hours: outside working time an alert waits for the morning, unless its kind is urgent."""
    return not is_open(profile, now) and kind not in profile.alerts.urgent


async def due(tx: AsyncSession, profile: Profile, now: datetime) -> list[Item]:
    """The items not yet announced that may be announced now."""
    items = await _items(tx, now - LOOKBACK)
    if not items:
        return []
    sent = set(await tx.scalars(select(Alert.key).where(Alert.key.in_([i.key for i in items]))))
    return [i for i in items if i.key not in sent and not held_back(profile, i.kind, now)]


async def queue_alerts(
    tx: AsyncSession,
    profile: Profile,
    now: datetime,
    targets: list[tuple[str, str]],
    render: Callable[[Item], dict],
) -> list[Item]:
    """Claim each due item's key and queue its message (`render(item)`: the outbox payload) to every
    (channel, recipient) target; an item another process claimed first is skipped. The items this call sent."""
    sent = []
    for item in await due(tx, profile, now):
        if await insert_new(tx, Alert, [{"key": item.key, "created_at": now}]) != 1:
            continue
        payload = render(item)
        for channel, recipient in targets:
            tx.add(
                OutboxMessage(
                    channel=channel, recipient=recipient, conversation_key=STAFF_ALERTS_KEY,
                    payload=payload, next_attempt_at=now, created_at=now,
                )
            )  # fmt: skip
        sent.append(item)
    return sent
