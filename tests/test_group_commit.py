"""Group commit: callers that come while a write is under way share the next one; one bad item fails only its
own caller; the database away fails everyone at once, without trying each item again."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import OperationalError

from bot.group_commit import GroupCommit


class Log:
    def __init__(self, refuse: set[int] | None = None, away: bool = False):
        self.writes: list[list[int]] = []
        self.refuse, self.away = refuse or set(), away

    async def write_all(self, items: list[int]) -> list[int]:
        self.writes.append(list(items))
        await asyncio.sleep(0)  # a transaction takes a moment: others queue meanwhile
        if self.away:
            raise OperationalError("BEGIN", {}, ConnectionRefusedError("refused"))
        if self.refuse & set(items):
            raise ValueError(f"bad item in {items}")
        return [i * 10 for i in items]

    async def write_one(self, item: int) -> int:
        return (await self.write_all([item]))[0]


async def test_callers_waiting_together_share_one_write_and_each_gets_its_result():
    log = Log()
    group = GroupCommit(log.write_all, log.write_one)
    results = await asyncio.gather(*(group.put(i) for i in range(1, 9)))
    assert results == [i * 10 for i in range(1, 9)]
    assert len(log.writes) < 8 and sorted(sum(log.writes, [])) == list(range(1, 9))


async def test_a_bad_item_fails_only_its_caller():
    log = Log(refuse={3})
    group = GroupCommit(log.write_all, log.write_one)
    results = await asyncio.gather(*(group.put(i) for i in range(1, 6)), return_exceptions=True)
    assert [r for r in results if not isinstance(r, Exception)] == [10, 20, 40, 50]
    assert isinstance(results[2], ValueError)


async def test_the_database_away_fails_every_caller_without_retrying_each():
    log = Log(away=True)
    group = GroupCommit(log.write_all, log.write_one)
    results = await asyncio.gather(*(group.put(i) for i in range(1, 6)), return_exceptions=True)
    assert all(isinstance(r, OperationalError) for r in results)
    assert all(len(w) > 1 for w in log.writes[1:]) and len(log.writes) <= 2  # no write of a single item


async def test_a_batch_is_never_larger_than_the_limit():
    log = Log()
    group = GroupCommit(log.write_all, log.write_one, limit=3)
    await asyncio.gather(*(group.put(i) for i in range(10)))
    assert max(len(w) for w in log.writes) <= 3


@pytest.mark.parametrize("count", [1, 2])
async def test_one_caller_alone_is_written_alone(count):
    log = Log()
    group = GroupCommit(log.write_all, log.write_one)
    for i in range(count):
        assert await group.put(i) == i * 10
    assert log.writes == [[i] for i in range(count)]
