"""Files staff send to a beneficiary in a live chat: kept in the file store with an Attachment row of kind
`sent` (beside the beneficiary's own files), named in the outgoing message's payload, and found again for the
transcript and for the signed link the channel fetches it by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.file_store import FileType
from store.models import Attachment

KIND = "sent"


async def keep(
    tx: AsyncSession, beneficiary_id: int, channel: str, name: str, kind: FileType, size: int, file_name: str,
    now: datetime,
) -> Attachment:  # fmt: skip
    """The row of a file already written to the file store under `name`."""
    row = Attachment(
        beneficiary_id=beneficiary_id, channel=channel, kind=KIND, reference=name, content_type=kind.content_type,
        file_name=file_name[-255:], created_at=now, fetch_status="stored", stored_name=name, size=size,
    )  # fmt: skip
    tx.add(row)
    await tx.flush()
    return row


def payload_entry(row: Attachment) -> dict:
    """What an outgoing message carries of its file: enough for every channel to send it."""
    return {"id": row.id, "name": row.stored_name, "type": row.content_type, "file_name": row.file_name}


async def by_ids(tx: AsyncSession, ids: set[int]) -> dict[int, Attachment]:
    """The sent files among `ids`, by id."""
    if not ids:
        return {}
    query = select(Attachment).where(Attachment.id.in_(sorted(ids)), Attachment.kind == KIND)
    return {row.id: row for row in (await tx.scalars(query)).all()}


async def servable(tx: AsyncSession, attachment_id: int, name: str) -> Attachment | None:
    """A sent file by its id and stored name, when it is still kept."""
    query = select(Attachment).where(
        Attachment.id == attachment_id, Attachment.stored_name == name, Attachment.kind == KIND,
        Attachment.fetch_status == "stored",
    )  # fmt: skip
    return (await tx.scalars(query)).first()
