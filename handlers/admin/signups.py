"""A program's sign-ups with the people behind them, read by the program page and the attendance sheet."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.profile import Profile
from store.crypto import Keyring
from store.models import Beneficiary, Registration

HOLDS_A_SEAT = ("pending", "accepted")


async def signups(
    tx: AsyncSession, program_id: int, *statuses: str
) -> list[tuple[Registration, Beneficiary]]:
    """The program's registrations (only `statuses` when given), oldest first, each with its beneficiary."""
    query = (
        select(Registration, Beneficiary)
        .join(Beneficiary, Beneficiary.id == Registration.beneficiary_id)
        .where(Registration.program_id == program_id)
        .order_by(Registration.created_at, Registration.id)
    )
    if statuses:
        query = query.where(Registration.status.in_(statuses))
    return [(row, person) for row, person in (await tx.execute(query)).all()]


def person_name(keyring: Keyring, person: Beneficiary, unreadable: str) -> str:
    """The full name the person gave (decrypted), else the name their channel shows."""
    if person.full_name_enc:
        try:
            return keyring.decrypt(person.full_name_enc)
        except ValueError:
            return unreadable
    return person.display_name or "—"


def city_name(profile: Profile, lang: str, key: str | None) -> str:
    names = {c.key: c.name.get(lang) for c in profile.service_area}
    return names.get(key, key) if key else "—"
