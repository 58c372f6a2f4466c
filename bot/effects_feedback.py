"""Appliers for ratings and complaints, and the ratings that completed services call for."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from bot.effects import Applying, apply
from conversations.complaint_rules import complaint_due_at
from conversations.effects import FileComplaint, RecordRating, SetRatingStatus
from store.models import Attachment, Complaint, Rating

OPEN = ("scheduled", "prompted", "reminded")


async def _open_rating(at: Applying, rating_id: int) -> Rating | None:
    """The rating, only if it is this beneficiary's and still waiting for an answer."""
    rating = await at.tx.get(Rating, rating_id)
    if rating is None or rating.beneficiary_id != at.conv.beneficiary_id or rating.status not in OPEN:
        return None
    return rating


@apply.register
async def _record_rating(effect: RecordRating, at: Applying) -> None:
    rating = await _open_rating(at, effect.rating_id)
    if rating is not None and 1 <= effect.score <= 5:
        rating.score, rating.comment = effect.score, effect.comment[:1000]
        rating.status, rating.answered_at = "answered", at.now


@apply.register
async def _rating_status(effect: SetRatingStatus, at: Applying) -> None:
    rating = await _open_rating(at, effect.rating_id)
    if rating is None:
        return
    rating.status = effect.status
    if effect.status == "prompted":
        rating.prompted_at = at.now


@apply.register
async def _file_complaint(effect: FileComplaint, at: Applying) -> None:
    """The complaint, its deadline in the profile's working days, and the files sent while writing it."""
    due_at = complaint_due_at(at.profile, at.now)
    complaint = Complaint(
        reference=effect.reference,
        beneficiary_id=at.conv.beneficiary_id,
        conversation_key=at.conv.key,
        channel=at.message.channel,
        kind=effect.kind,
        text=effect.text[:4000],
        due_at=due_at,
        created_at=at.now,
    )
    at.tx.add(complaint)
    await at.tx.flush()
    started = datetime.fromisoformat(effect.started_at) if effect.started_at else at.now - timedelta(hours=1)
    await at.tx.execute(
        update(Attachment)
        .where(
            Attachment.beneficiary_id == at.conv.beneficiary_id,
            Attachment.request_id.is_(None),
            Attachment.complaint_id.is_(None),
            Attachment.created_at >= started,
        )
        .values(complaint_id=complaint.id)
        .execution_options(synchronize_session=False)
    )


def rating_of_outbox(effects: tuple) -> int | None:
    """The rating a batch of effects prompts for, so that its outbox row can name it."""
    return next((e.rating_id for e in effects if isinstance(e, SetRatingStatus) and e.status in ("prompted", "reminded")), None)
