"""Joining a web-chat visitor to a verified record with a one-time code: issuing codes (rate-limited per
visitor and per number, only a salted hash kept), checking them (expiry, five attempts), and the join itself.
Every issue, failure and success is audited; the challenge rows stay for staff to read."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.input_rows import ConversationRow
from store.models import (
    Attachment,
    AuditLog,
    Beneficiary,
    ChannelIdentity,
    Complaint,
    Conversation,
    HandoffRequest,
    HelpRequest,
    LinkChallenge,
    Rating,
    Registration,
)

TTL = timedelta(minutes=10)
ATTEMPTS = 5
WINDOW = timedelta(hours=1)
PER_VISITOR = PER_NUMBER = 3  # codes per WINDOW
VOUCHING = ("whatsapp", "telegram")  # channels whose identities prove a number (WhatsApp's is the number itself)


@dataclass
class Issued:
    """A code issued (`code`, to `to`: the number's own WhatsApp or Telegram identity, if any), or refused."""

    limited: bool
    code: str = ""
    to: ChannelIdentity | None = None


def number_hash(number: str) -> str:
    return hashlib.sha256(number.encode()).hexdigest()


def masked(number: str) -> str:
    """+966501234567 → +9665•••••567: enough for staff to tell attempts apart, not to call anyone."""
    return number[:5] + "•" * max(0, len(number) - 8) + number[-3:]


def _code_hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _audit(tx: AsyncSession, now: datetime, action: str, visitor: int, **detail: object) -> None:
    tx.add(AuditLog(at=now, staff_id=None, action=action, subject=f"beneficiary:{visitor}", detail=detail))


async def _recent(tx: AsyncSession, where, now: datetime) -> int:
    query = select(func.count()).select_from(LinkChallenge).where(where, LinkChallenge.created_at > now - WINDOW)
    return (await tx.scalar(query)) or 0


async def vouched_identity(tx: AsyncSession, number: str) -> tuple[int | None, ChannelIdentity | None]:
    """The record verified with `number` and where to send it a code: the WhatsApp chat of that number, else
    the record's latest Telegram chat (its own contact verified it); (None, None) when the number is unknown."""
    query = select(ChannelIdentity).where(ChannelIdentity.channel == "whatsapp", ChannelIdentity.external_id == number)
    whatsapp = (await tx.scalars(query)).first()
    owner = (await tx.scalars(select(Beneficiary.id).where(Beneficiary.verified_phone == number))).first()
    if owner is None or (whatsapp is not None and whatsapp.beneficiary_id == owner):
        return (whatsapp.beneficiary_id, whatsapp) if whatsapp else (None, None)
    query = select(ChannelIdentity).where(ChannelIdentity.beneficiary_id == owner, ChannelIdentity.channel.in_(VOUCHING))
    return owner, (await tx.scalars(query.order_by(ChannelIdentity.id.desc()).limit(1))).first()


async def issue(tx: AsyncSession, conv: ConversationRow, number: str, now: datetime) -> Issued:
    """A new code for the visitor of `conv` to prove `number` (their older pending one is replaced)."""
    hashed = number_hash(number)
    if await _recent(tx, LinkChallenge.conversation_key == conv.key, now) >= PER_VISITOR or (
        await _recent(tx, LinkChallenge.number_hash == hashed, now) >= PER_NUMBER
    ):
        _audit(tx, now, "link_rate_limited", conv.beneficiary_id, number=masked(number))
        return Issued(limited=True)
    await tx.execute(
        update(LinkChallenge)
        .where(LinkChallenge.conversation_key == conv.key, LinkChallenge.status == "pending")
        .values(status="replaced", finished_at=now)
        .execution_options(synchronize_session=False)
    )
    target, to = await vouched_identity(tx, number)
    code, salt = str(100_000 + secrets.randbelow(900_000)), secrets.token_hex(16)  # no leading 0: never a typed option number
    tx.add(
        LinkChallenge(
            conversation_key=conv.key, beneficiary_id=conv.beneficiary_id, number_hash=hashed, number_masked=masked(number),
            target_beneficiary_id=target, code_hash=_code_hash(salt, code), salt=salt, created_at=now, expires_at=now + TTL,
        )
    )
    _audit(tx, now, "link_code_issued", conv.beneficiary_id, number=masked(number), sent_to=to.channel if to else "")
    return Issued(limited=False, code=code, to=to)


async def check(tx: AsyncSession, conv: ConversationRow, code: str, now: datetime) -> tuple[str, int]:
    """The verdict on a typed code — ok, wrong (with attempts left), locked, expired or none — and on ok the
    web chat joined to the verified record."""
    query = select(LinkChallenge).where(LinkChallenge.conversation_key == conv.key, LinkChallenge.status == "pending")
    challenge = (await tx.scalars(query.order_by(LinkChallenge.id.desc()).limit(1).with_for_update())).first()
    if challenge is None:
        return "none", 0
    visitor = conv.beneficiary_id
    if now >= challenge.expires_at:
        challenge.status, challenge.finished_at = "expired", now
        _audit(tx, now, "link_expired", visitor, number=challenge.number_masked)
        return "expired", 0
    right = hmac.compare_digest(_code_hash(challenge.salt, code), challenge.code_hash)
    if not right or challenge.target_beneficiary_id is None:  # a lucky guess for an unknown number joins nothing
        challenge.attempts += 1
        left = ATTEMPTS - challenge.attempts
        _audit(tx, now, "link_code_failed", visitor, number=challenge.number_masked, attempts_left=left)
        if left > 0:
            return "wrong", left
        challenge.status, challenge.finished_at = "locked", now
        _audit(tx, now, "link_locked", visitor, number=challenge.number_masked)
        return "locked", 0
    challenge.status, challenge.finished_at = "linked", now
    target = challenge.target_beneficiary_id
    merged = await join(tx, conv, target)
    _audit(tx, now, "link_succeeded", visitor, number=challenge.number_masked, into=f"beneficiary:{target}", merged=merged)
    return "ok", 0


async def join(tx: AsyncSession, conv: ConversationRow, target: int) -> bool:
    """Point the web identity and conversation at the verified record `target`; the visitor's own record comes
    along (its requests, complaints, sign-ups…) when it is a fresh web-only one. True when it was merged."""
    source = conv.beneficiary_id
    channel, external_id = conv.key.split(":", 1)
    query = select(ChannelIdentity).where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    identity = (await tx.scalars(query)).one()
    identity.beneficiary_id = conv.beneficiary_id = target
    await tx.execute(update(Conversation).where(Conversation.id == conv.id).values(beneficiary_id=target))
    if source == target or not await _fresh_web_record(tx, source):
        return False
    await _move_rows(tx, source, target)
    return True


async def _fresh_web_record(tx: AsyncSession, beneficiary_id: int) -> bool:
    """A record no channel has vouched for: only web-chat identities, no verified number."""
    person = await tx.get(Beneficiary, beneficiary_id)
    channels = (await tx.scalars(select(ChannelIdentity.channel).where(ChannelIdentity.beneficiary_id == beneficiary_id))).all()
    return person is not None and person.verified_phone is None and all(c == "web" for c in channels)


async def _move_rows(tx: AsyncSession, source: int, target: int) -> None:
    """Everything the source record owns, to the target; a sign-up or rating the target already has for the
    same program or service stays on the source (the target's own one wins)."""
    for model in (HelpRequest, Complaint, HandoffRequest, Attachment, ChannelIdentity, Conversation):
        await tx.execute(
            update(model).where(model.beneficiary_id == source).values(beneficiary_id=target)
            .execution_options(synchronize_session=False)
        )
    taken_programs = select(Registration.program_id).where(Registration.beneficiary_id == target).scalar_subquery()
    await tx.execute(
        update(Registration).where(Registration.beneficiary_id == source, Registration.program_id.not_in(taken_programs))
        .values(beneficiary_id=target).execution_options(synchronize_session=False)
    )
    for rating in (await tx.scalars(select(Rating).where(Rating.beneficiary_id == source))).all():
        clash = select(Rating.id).where(
            Rating.beneficiary_id == target, Rating.service_kind == rating.service_kind, Rating.service_ref == rating.service_ref
        )
        if (await tx.scalars(clash)).first() is None:
            rating.beneficiary_id = target
    person, verified = await tx.get(Beneficiary, source), await tx.get(Beneficiary, target)
    if verified.consent_at is None and person.consent_at is not None:
        verified.consent_at = person.consent_at
    for field in ("full_name_enc", "national_id_enc", "phone", "city", "residency", "household_size", "income_bracket"):
        if getattr(verified, field) in (None, "") and getattr(person, field) not in (None, ""):
            setattr(verified, field, getattr(person, field))
