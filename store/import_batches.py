"""A staged spreadsheet import: the uploaded file kept encrypted from its preview to its import (so the import
checks the very file staff previewed, and only once), then the refused rows kept (encrypted) for their sheet."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.profile import Profile
from store.crypto import Keyring
from store.importing import check_rows, import_rows, read_sheet, refused
from store.models import BeneficiaryImport

STALE = timedelta(days=1)  # a previewed sheet not imported within a day is deleted at the next upload


class ImportRefused(Exception):
    """Why a staged import cannot run: "missing" or "done" (it was imported already)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Outcome:
    imported: int
    refused: list[dict]


async def stage(
    tx: AsyncSession, keyring: Keyring, staff_id: int, file_name: str, data: bytes, now: datetime
) -> BeneficiaryImport:
    """Keep an uploaded sheet (encrypted) for its import, and delete the sheets previewed more than a day ago
    and never imported (nobody's personal data is kept for an import that did not happen)."""
    stale = (BeneficiaryImport.status == "previewed", BeneficiaryImport.created_at < now - STALE)
    await tx.execute(delete(BeneficiaryImport).where(*stale))
    content = keyring.encrypt(base64.b64encode(data).decode("ascii"))
    batch = BeneficiaryImport(
        staff_id=staff_id, file_name=file_name[:255], content_enc=content, created_at=now
    )
    tx.add(batch)
    await tx.flush()
    return batch


def content(keyring: Keyring, batch: BeneficiaryImport) -> bytes:
    return base64.b64decode(keyring.decrypt(batch.content_enc))


def refused_rows(keyring: Keyring, batch: BeneficiaryImport) -> list[dict]:
    return json.loads(keyring.decrypt(batch.refused_enc)) if batch.refused_enc else []


async def run_import(
    tx: AsyncSession, keyring: Keyring, profile: Profile, batch_id: int, staff_id: int, now: datetime
) -> Outcome:
    """Check the staged sheet again (records may have changed since the preview) and add its good rows, in the
    caller's transaction; the batch (locked) is marked imported, so a second confirm adds nothing."""
    query = select(BeneficiaryImport).where(BeneficiaryImport.id == batch_id).with_for_update()
    batch = (await tx.scalars(query)).first()
    if batch is None or batch.staff_id != staff_id:
        raise ImportRefused("missing")
    if batch.status != "previewed":
        raise ImportRefused("done")
    checked = await check_rows(tx, keyring, profile, read_sheet(batch.file_name, content(keyring, batch)))
    added = await import_rows(tx, keyring, profile, checked, now)
    left = refused(checked)
    batch.status, batch.imported, batch.imported_at = "imported", added, now
    batch.refused_enc = keyring.encrypt(json.dumps(left, ensure_ascii=False))
    batch.content_enc = ""  # the good rows are records now; the refused ones are kept for their sheet
    return Outcome(added, left)
