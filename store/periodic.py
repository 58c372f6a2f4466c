"""Periodic runs as rows: a run's key (e.g. `digest:2026-W48`) is inserted once, ON CONFLICT DO NOTHING, so of
all the processes whose sweeps see the run due, exactly one does its work, in the same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from store.models import PeriodicRun
from store.queries import insert_new


async def claim_run(tx: AsyncSession, key: str, due_at: datetime, now: datetime) -> bool:
    """True for the one transaction that records this run; False when another already has (or is about to)."""
    return await insert_new(tx, PeriodicRun, [{"key": key, "due_at": due_at, "created_at": now}]) == 1
