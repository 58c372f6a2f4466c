"""What a step may look up about the person, loaded only when the step reads it: most inputs need none of it.

Steps are pure, so a step that reads a lookup not loaded yet is simply run again once it is loaded; the
first run's result is thrown away. Each lookup is read from the database at most once per input."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from conversations import router
from conversations.types import Context, Inbound, OpenHandoff, PersonView, Step
from store import queries
from store.input_rows import rows_of

NAMES = ("open_handoff", "person", "requests", "programs", "registrations", "complaints", "open_ratings")


class NotLoaded(Exception):
    """A step read the lookup `name` before it was loaded."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class _Unloaded:
    """The value of a lookup not loaded yet; reading it raises NotLoaded."""

    __slots__ = ()


UNLOADED: Any = _Unloaded()


class LazyContext(Context):
    """A Context whose lookups raise NotLoaded until they are given."""

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if value is UNLOADED:
            raise NotLoaded(name)
        return value


class Lookups:
    """The lookups of one person inside one transaction, loaded on demand and kept for the input's retries."""

    def __init__(self, tx: AsyncSession, beneficiary_id: int, now: datetime, local_day: Callable[[datetime], date],
                 *, signed_up: bool = True):
        self.tx, self.beneficiary_id, self.now, self.local_day = tx, beneficiary_id, now, local_day
        self.values: dict[str, Any] = {}
        self._registrations: list | None = None
        if not signed_up:  # known with the conversation: no sign-up to look up (a check-in code finds none)
            self._registrations, self.values["registrations"] = [], ()

    async def load(self, name: str) -> None:
        loaders: dict[str, Callable[[], Awaitable[Any]]] = {
            "open_handoff": self._open_handoff,
            "person": self._person,
            "requests": lambda: queries.request_views(self.tx, self.beneficiary_id),
            "programs": self._programs,
            "registrations": self._registration_views,
            "complaints": lambda: queries.complaint_views(self.tx, self.beneficiary_id),
            "open_ratings": lambda: queries.open_ratings(self.tx, self.beneficiary_id),
        }
        self.values[name] = await loaders[name]()

    async def _person(self) -> PersonView:
        if self.tx.new or self.tx.dirty:  # read in plain SQL: what the ORM holds for this input must be written
            await self.tx.flush()
        return await (await rows_of(self.tx)).person(self.beneficiary_id)

    async def _open_handoff(self) -> OpenHandoff | None:
        waiting = await queries.open_handoff(self.tx, self.beneficiary_id)
        return OpenHandoff(waiting.reference, waiting.answer_due_at) if waiting else None

    async def _rows(self) -> list:
        if self._registrations is None:
            self._registrations = await queries.registrations_of(self.tx, self.beneficiary_id)
        return self._registrations

    async def _registration_views(self) -> tuple:
        return queries.registration_views(await self._rows())

    async def _programs(self) -> tuple:
        return await queries.program_views(self.tx, await self._rows(), self.now, self.local_day)

    async def step(self, state: str, data: Callable[[], dict], inbound: Inbound, base: dict) -> Step:
        """Run the router's step, loading what it reads; `data()` gives a fresh copy of the conversation's data
        for each run, so that a run cut short leaves nothing behind."""
        while True:
            ctx = LazyContext(**base, **{n: self.values.get(n, UNLOADED) for n in NAMES})
            try:
                return router.step(state, data(), inbound, ctx)
            except NotLoaded as missing:
                if missing.name in self.values:
                    raise RuntimeError(f"lookup {missing.name} read while loaded") from missing
                await self.load(missing.name)
