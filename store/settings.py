"""The association's settings as staff edit them in the console: sections and FAQ entries stored over the profile
file's values, one version number that every change raises (what each process polls), and the annual review."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import AuditLog, FaqRecord, SettingsState, SettingValue
from store.queries import insert_new

STATE_ID = 1
# The sections staff may edit; any other part of the profile stays the file's.
SECTIONS = ("working_hours", "holidays", "contact", "deadlines", "texts")


@dataclass(frozen=True)
class Overlay:
    """What staff changed, at one version: sections by name and FAQ entries by key (content None: retired)."""

    version: int = 0
    sections: dict[str, Any] = field(default_factory=dict)
    faq: dict[str, dict | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Review:
    """When the policy and FAQ were last reviewed, and the staff id of whoever did (None: never)."""

    at: datetime | None
    by: int | None


async def version(tx: AsyncSession) -> int:
    """The current version: one cheap read, polled by every process."""
    return (await tx.scalar(select(SettingsState.version).where(SettingsState.id == STATE_ID))) or 0


async def overlay(tx: AsyncSession, *, for_change: bool = False) -> Overlay:
    """Every stored section and FAQ entry, with the version they make up (read in one transaction);
    `for_change`: first take the lock that orders changes, so that what is read is what a change builds on."""
    current = (await _state(tx)).version if for_change else await version(tx)
    sections = {row.key: row.value for row in (await tx.scalars(select(SettingValue))).all()}
    records = (await tx.scalars(select(FaqRecord).order_by(FaqRecord.id))).all()
    return Overlay(current, sections, {r.key: None if r.retired else r.content for r in records})


async def _state(tx: AsyncSession) -> SettingsState:
    """The state row, locked until commit (so changes are numbered one after another); made on first use."""
    await insert_new(tx, SettingsState, [{"id": STATE_ID, "version": 0}])
    query = select(SettingsState).where(SettingsState.id == STATE_ID).with_for_update()
    return (await tx.scalars(query)).one()


async def _changed(
    tx: AsyncSession,
    state: SettingsState,
    staff_id: int | None,
    now: datetime,
    subject: str,
    **detail: object,
) -> int:
    state.version += 1
    tx.add(
        AuditLog(at=now, staff_id=staff_id, action="settings_changed", subject=subject[:80], detail=detail)
    )
    return state.version


async def save_section(
    tx: AsyncSession,
    key: str,
    value: Any,
    staff_id: int | None,
    now: datetime,
    changed: list[str] | None = None,
) -> int:
    """Store a section over the file's (validated by the caller); audited with what `changed` in it (field names,
    or holiday names); the new version."""
    if key not in SECTIONS:
        raise ValueError(f"not an editable section: {key}")
    state = await _state(tx)
    row = await tx.get(SettingValue, key, with_for_update=True)
    if row is None:
        tx.add(SettingValue(key=key, value=value, updated_at=now, updated_by=staff_id))
    else:
        row.value, row.updated_at, row.updated_by = value, now, staff_id
    return await _changed(tx, state, staff_id, now, f"settings:{key}", section=key, changed=changed or [])


async def save_faq(
    tx: AsyncSession, key: str, content: dict | None, staff_id: int | None, now: datetime, question: str = ""
) -> int:
    """Store an FAQ entry (content None retires it); audited with its first question; the new version."""
    state = await _state(tx)
    row = (await tx.scalars(select(FaqRecord).where(FaqRecord.key == key).with_for_update())).first()
    if row is None:
        row = FaqRecord(
            key=key, content=content or {}, retired=content is None, updated_at=now, updated_by=staff_id
        )
        tx.add(row)
    else:
        row.content = content if content is not None else row.content
        row.retired, row.updated_at, row.updated_by = content is None, now, staff_id
    change = "faq_retired" if content is None else "faq_saved"
    return await _changed(
        tx, state, staff_id, now, f"faq:{key}", section="faq", change=change, question=question[:200]
    )


async def review(tx: AsyncSession) -> Review:
    row = await tx.get(SettingsState, STATE_ID)
    return Review(row.reviewed_at, row.reviewed_by) if row else Review(None, None)


async def mark_reviewed(tx: AsyncSession, staff_id: int, now: datetime) -> None:
    """Record that the policy and FAQ were reviewed now, by this staff member (audited; no new version)."""
    state = await _state(tx)
    state.reviewed_at, state.reviewed_by = now, staff_id
    tx.add(
        AuditLog(at=now, staff_id=staff_id, action="settings_reviewed", subject="settings:review", detail={})
    )


def review_due(last: Review, now: datetime) -> bool:
    """A review is due when there has been none, or the last one is more than a year old."""
    return last.at is None or (now - last.at).days > 365
