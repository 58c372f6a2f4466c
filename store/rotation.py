"""Key rotation: re-encrypt every sensitive field with the newest key, so an old key can be retired."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.crypto import Keyring
from store.models import Beneficiary, HelpRequest

ENCRYPTED = {Beneficiary: ("full_name_enc", "national_id_enc"), HelpRequest: ("full_name_enc", "national_id_enc")}


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
            if not rows:
                break
            last_id = rows[-1].id
    return rewritten
