"""Key rotation: re-encrypt every sensitive field with the newest key, so an old key can be retired, and
recompute the national-ID hashes (keyed with the newest key) beside them."""

from __future__ import annotations

import contextlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.crypto import Keyring
from store.models import Attachment, Beneficiary, HelpRequest

ENCRYPTED = {
    Beneficiary: ("full_name_enc", "national_id_enc"),
    HelpRequest: ("full_name_enc", "national_id_enc"),
    Attachment: ("transcript",),  # what a voice note says
}
HASHED = (Beneficiary, HelpRequest)  # the models with a national-ID hash beside the encrypted ID


async def rotate_all(sessions: async_sessionmaker[AsyncSession], keyring: Keyring, batch: int = 500) -> int:
    """Re-encrypt in batches (one transaction each); the number of values rewritten."""
    rewritten = 0
    for model, fields in ENCRYPTED.items():
        last_id = 0
        while True:
            async with sessions() as tx, tx.begin():
                query = select(model).where(model.id > last_id).order_by(model.id).limit(batch).with_for_update()
                rows = (await tx.scalars(query)).all()
                for row in rows:
                    for field in fields:
                        value = getattr(row, field)
                        if value:
                            setattr(row, field, keyring.rotate(value))
                            rewritten += 1
                    if model in HASHED:
                        _set_hash(row, keyring)
            if not rows:
                break
            last_id = rows[-1].id
    return rewritten


def _set_hash(row: Beneficiary | HelpRequest, keyring: Keyring) -> None:
    row.national_id_hash = keyring.id_hash(keyring.decrypt(row.national_id_enc)) if row.national_id_enc else None


async def fill_id_hashes(sessions: async_sessionmaker[AsyncSession], keyring: Keyring, batch: int = 500) -> int:
    """Hash the national IDs stored before the hash existed (run after each migrate); the number filled.
    A value no key of DATA_KEYS opens is left without a hash (it cannot be matched anyway)."""
    filled = 0
    for model in HASHED:
        last_id = 0
        while True:
            async with sessions() as tx, tx.begin():
                query = (
                    select(model)
                    .where(model.id > last_id, model.national_id_hash.is_(None), model.national_id_enc.is_not(None))
                    .order_by(model.id)
                    .limit(batch)
                    .with_for_update()
                )
                rows = (await tx.scalars(query)).all()
                for row in rows:
                    with contextlib.suppress(ValueError):
                        _set_hash(row, keyring)
                        filled += row.national_id_hash is not None
            if not rows:
                break
            last_id = rows[-1].id
    return filled
