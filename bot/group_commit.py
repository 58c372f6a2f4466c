"""Group commit: items queued while a write is under way are written together in the next one, so that many
callers share one transaction; each caller gets its own item's result once the write holding it is done."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Generic, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

T = TypeVar("T")
R = TypeVar("R")
# The database is away: trying the items one at a time would only wait that long again for each of them.
UNREACHABLE = (OperationalError, PoolTimeout, OSError)


class GroupCommit(Generic[T, R]):
    """Writes queued items with `write_all` (one transaction for the lot, at most `limit` at once); when that
    fails for another reason than the database being away, each item is tried alone with `write_one`, so
    that one bad item fails only its own caller."""

    def __init__(
        self,
        write_all: Callable[[list[T]], Awaitable[list[R]]],
        write_one: Callable[[T], Awaitable[R]],
        *,
        limit: int = 200,
        name: str = "group commit",
    ):
        self.write_all, self.write_one, self.limit, self.name = write_all, write_one, limit, name
        self._waiting: list[tuple[T, asyncio.Future]] = []
        self._writer: asyncio.Task | None = None

    async def put(self, item: T) -> R:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name=self.name)
        return await done

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self.limit], self._waiting[self.limit :]
            try:
                results = await self.write_all([item for item, _ in batch])
            except UNREACHABLE as exc:
                for _, done in batch:
                    _settle(done, exc=exc)
            except Exception:  # noqa: BLE001  (one item may be at fault: each is tried alone)
                for item, done in batch:
                    try:
                        result = await self.write_one(item)
                    except Exception as exc:  # noqa: BLE001  (its caller hears of it)
                        _settle(done, exc=exc)
                    else:
                        _settle(done, result)
            else:
                for (_, done), result in zip(batch, results):
                    _settle(done, result)


def _settle(done: asyncio.Future, result: object = None, exc: BaseException | None = None) -> None:
    if done.done():  # its caller was cancelled
        return
    if exc is not None:
        done.set_exception(exc)
    else:
        done.set_result(result)
