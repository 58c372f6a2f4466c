"""Key rotation: re-encrypt every sensitive field with the newest key, so an old key can be retired — the
national IDs and names (their keyed hashes recomputed beside them), requests' descriptions and answers, and what
is sealed in the message log, the outbox and conversations' data; and sealing what was stored before."""

from __future__ import annotations

import contextlib
from typing import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import sealed
from store.crypto import Keyring
from store.models import (
    Attachment,
    Beneficiary,
    Conversation,
    HelpRequest,
    InboundMessage,
    OutboxMessage,
    RequestEvent,
)

ENCRYPTED = {
    Beneficiary: ("full_name_enc", "national_id_enc", "notes_enc"),
    HelpRequest: ("full_name_enc", "national_id_enc"),
    Attachment: ("transcript",),  # what a voice note says
}
HASHED = (Beneficiary, HelpRequest)  # the models with a national-ID hash beside the encrypted ID


def _fields(fields: tuple[str, ...]) -> Callable[[Keyring, object], int]:
    def rotate(keyring: Keyring, row: object) -> int:
        rewritten = 0
        for field in fields:
            value = getattr(row, field)
            if value:
                setattr(row, field, keyring.rotate(value))
                rewritten += 1
        if isinstance(row, HASHED):
            _set_hash(row, keyring)
        return rewritten

    return rotate


def _conversation(keyring: Keyring, row: Conversation) -> int:
    parts = [k for k in row.data or {} if k.endswith("_sealed")]
    if parts:
        row.data = {**row.data, **{k: keyring.rotate(row.data[k]) for k in parts}}
    return len(parts)


def _help_request(keyring: Keyring, row: HelpRequest) -> int:
    """Its name and ID, and its description once sealed (a row from before sealing is sealed at start-up)."""
    rewritten = _fields(ENCRYPTED[HelpRequest])(keyring, row)
    if row.description_sealed and row.description:
        row.description = keyring.rotate(row.description)
        rewritten += 1
    return rewritten


def _request_event(keyring: Keyring, row: RequestEvent) -> int:
    """A beneficiary's answer to staff's question, sealed in the event's detail."""
    if not (row.detail or {}).get("text_sealed"):
        return 0
    row.detail = {**row.detail, "text_sealed": keyring.rotate(row.detail["text_sealed"])}
    return 1


ROTATIONS: dict[type, Callable[[Keyring, object], int]] = {
    **{model: _fields(fields) for model, fields in ENCRYPTED.items()},
    HelpRequest: _help_request,
    RequestEvent: _request_event,
    InboundMessage: sealed.rotate_input,
    OutboxMessage: sealed.rotate_output,
    Conversation: _conversation,
}


async def rotate_all(sessions: async_sessionmaker[AsyncSession], keyring: Keyring, batch: int = 500) -> int:
    """Re-encrypt in batches (one transaction each); the number of values rewritten."""
    rewritten = 0
    for model, rotate in ROTATIONS.items():
        last_id = 0
        while True:
            async with sessions() as tx, tx.begin():
                query = select(model).where(model.id > last_id).order_by(model.id).limit(batch).with_for_update()
                rows = (await tx.scalars(query)).all()
                for row in rows:
                    rewritten += rotate(keyring, row)
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


async def seal_descriptions(sessions: async_sessionmaker[AsyncSession], keyring: Keyring, batch: int = 500) -> int:
    """Encrypt the help requests' descriptions stored in clear before they were sealed (run after each
    migrate, like the ID hashes); the number sealed."""
    sealed_now = 0
    while True:
        async with sessions() as tx, tx.begin():
            query = (
                select(HelpRequest)
                .where(HelpRequest.description_sealed.is_(False))
                .order_by(HelpRequest.id)
                .limit(batch)
                .with_for_update()
            )
            rows = (await tx.scalars(query)).all()
            for row in rows:
                row.description = keyring.encrypt(row.description) if row.description else ""
                row.description_sealed = True
            sealed_now += len(rows)
        if not rows:
            return sealed_now
