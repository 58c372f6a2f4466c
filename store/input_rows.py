"""The statements every input runs (record it, read and lock its conversation, save the new state, write the
replies, mark it applied), in plain SQL on the transaction's own driver connection: what they read and write,
the interface both dialects implement (store/input_rows_sqlite.py: sqlite3 on the loop's thread;
store/input_rows_pg.py: asyncpg with its prepared-statement cache, a batch's reads and last writes one
statement each) and the statements they share. Through the ORM each cost more than the database's own work
(building, caching and flushing objects, a greenlet switch per statement); the rest of an input's writes (the
rarer effects, the lookups) stay ORM in the same transaction.

Written by hand because no library runs one SQL text on both drivers without such a layer; the two dialects
differ only in parameter marks, row locking and how a timestamp and JSON are stored."""

from __future__ import annotations

import json
import re
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, AsyncIterator

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from conversations.types import PersonView

_INBOUND = ("channel", "provider_message_id", "sender_id", "conversation_key", "text", "payload", "status",
            "received_at", "processed_at")
_OUTBOX = ("channel", "recipient", "conversation_key", "payload", "status", "attempts", "next_attempt_at",
           "provider_message_id", "error", "staff_id", "broadcast_id", "subject", "created_at", "sent_at")


@dataclass(slots=True)
class ConversationRow:
    """A conversation as an input reads it: `data` as stored (sealed), `version` as read."""

    id: int
    key: str
    beneficiary_id: int
    state: str
    data: dict
    version: int
    signed_up: bool = True  # whether the person has any program sign-up (without one, a lookup of them is known empty)


@dataclass(slots=True)
class NewInput:
    """An input as it is recorded (its text and payload sealed by the caller): what the ORM's object would hold,
    without the cost of making one for every update."""

    channel: str
    provider_message_id: str
    sender_id: str
    conversation_key: str
    received_at: datetime
    text: str = ""
    payload: dict = field(default_factory=dict)
    status: str = "received"
    processed_at: datetime | None = None


@dataclass(slots=True)
class OutboxRow:
    """An outgoing message an input writes (the outbox table's columns): sent from this object after commit,
    without an ORM object's cost per reply."""

    channel: str
    recipient: str
    conversation_key: str
    payload: dict
    next_attempt_at: datetime
    created_at: datetime
    subject: str | None = None
    status: str = "pending"
    attempts: int = 0
    provider_message_id: str | None = None
    error: str | None = None
    staff_id: int | None = None
    broadcast_id: int | None = None
    sent_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class InputRow:
    """An input recorded and not yet applied (its text and payload as stored: sealed)."""

    id: int
    channel: str
    provider_message_id: str
    sender_id: str
    conversation_key: str
    text: str
    payload: dict
    received_at: datetime


@dataclass(slots=True)
class IdentityRow:
    """The channel identity an input came from: who it is and what a sender needs to know."""

    id: int
    channel: str
    external_id: str
    beneficiary_id: int
    last_inbound_at: datetime | None
    opted_out: bool
    unreachable: str | None


Timers = dict[str, datetime | None]  # a conversation's timers an input moved on: kind -> new due time, or None


class VersionConflict(Exception):
    """The conversation changed under us; the transaction is retried."""


class BatchUndone(Exception):
    """An input of a batch failed where its writes cannot be undone alone (PostgreSQL takes no savepoint per
    input: two round trips each, for a failure that is rare): the whole batch is rolled back, and its
    conversations are applied one input at a time (as mailroom does)."""


_ROWS = "input_rows"  # where a transaction keeps its InputRows (Session.info)


def _utc(value: Any) -> datetime | None:
    """A timestamp as SQLite keeps it (naive UTC text, SQLAlchemy's format) or asyncpg gives it, aware."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _json(value: dict) -> str:
    return json.dumps(value)


async def rows_of(tx: AsyncSession) -> InputRows:
    """The plain statements for the transaction `tx` holds, made once per transaction."""
    rows = tx.info.get(_ROWS)
    if rows is None:
        conn = await tx.connection()
        if conn.dialect.name == "postgresql":
            await _begun(conn)
        rows = tx.info[_ROWS] = await rows_on(conn)
    return rows


async def _begun(conn: AsyncConnection) -> None:
    """SQLAlchemy's asyncpg adapter sends BEGIN lazily, before its first statement; ours go around it, so it is
    begun here: by its own method where it has one (SQLAlchemy 2.0 and 2.1), else by a statement through it."""
    fairy = await conn.get_raw_connection()
    adapter = fairy.dbapi_connection
    if getattr(adapter, "_transaction", None) is not None:
        return  # an ORM statement of this transaction went first
    if not hasattr(adapter, "_start_transaction"):
        await conn.exec_driver_sql("SELECT 1")
        return
    try:
        await adapter._start_transaction()
    except Exception as exc:  # the driver's error, as SQLAlchemy would have raised it (the database away)
        if fairy.driver_connection.is_closed():
            await conn.invalidate(exc)
        raise OperationalError("BEGIN", None, exc) from exc


async def rows_on(conn: AsyncConnection) -> InputRows:
    """The plain statements on `conn` as it is (in a transaction, or committing each statement by itself)."""
    from store.input_rows_pg import PostgresRows  # each dialect's module imports this one
    from store.input_rows_sqlite import SqliteRows

    driver = (await conn.get_raw_connection()).driver_connection
    return SqliteRows(driver.sqlite) if conn.dialect.name == "sqlite" else PostgresRows(driver, conn)


class InputRows:
    """What one input reads and writes, for the dialect's driver."""

    async def record(self, rows: list[NewInput]) -> list[bool]:
        raise NotImplementedError

    async def run(self, sql: str) -> None:
        """A statement without parameters (a savepoint's)."""
        raise NotImplementedError

    async def execute(self, sql: str, *args: Any) -> int:
        """A statement of another store module, written with `{0}`, `{1}`… for its parameters (JSON passed as
        text, times as datetimes), on this connection with its errors mapped as ours; the rows it changed."""
        raise NotImplementedError

    async def value(self, sql: str, *args: Any) -> Any:
        """The same for a statement that returns something: the first column of its first row (an id)."""
        raise NotImplementedError

    @asynccontextmanager
    async def savepoint(self, tx: AsyncSession) -> AsyncIterator[None]:
        """One input's part of a batch: what it wrote is undone if it fails, the others' kept. Plain SQL, as
        the ORM's savepoint costs more than the input's own statements; what the ORM holds of a failed input
        is let go (every earlier input's objects are flushed by then: nothing of theirs is lost). A failed
        flush rolls back the whole transaction (the ORM does): the savepoint is gone, and the batch fails."""
        await self.run("SAVEPOINT one_input")
        try:
            yield
        except BaseException:
            await self.run("ROLLBACK TO SAVEPOINT one_input")
            await self.run("RELEASE SAVEPOINT one_input")
            tx.expunge_all()
            raise
        await self.run("RELEASE SAVEPOINT one_input")

    async def set_language(self, beneficiary_id: int, lang: str) -> None:
        """The language the person chose, on their record."""
        raise NotImplementedError

    async def person(self, beneficiary_id: int) -> PersonView:
        """What a step may know of the person: contact and circumstances, whether a name is on file, never the ID
        or the name."""
        row = await self._fetch_one("person", (beneficiary_id,))
        if row is None:
            return PersonView()
        phone, city, residency, household_size, income_bracket, consent_at, named = row
        return PersonView(phone=phone, city=city, residency=residency, household_size=household_size,
                          income_bracket=income_bracket, consented=consent_at is not None, named=bool(named))

    async def _fetch_one(self, name: str, params: tuple) -> tuple | None:
        raise NotImplementedError

    async def first_contact(self, key: str, channel: str, external_id: str, name: str, lang: str,
                            now: datetime) -> tuple[ConversationRow, IdentityRow]:
        """A first contact: the person (unless this channel id is known already), their identity and the
        conversation, read back (the conversation is this transaction's until commit); a concurrent first
        contact fails on a unique key, and the caller retries."""
        raise NotImplementedError

    async def conversation(self, key: str) -> ConversationRow | None:
        raise NotImplementedError

    async def next_inputs(self, key: str) -> tuple[InputRow | None, bool]:
        raise NotImplementedError

    async def conversation_and_identity(self, key: str) -> tuple[ConversationRow | None, IdentityRow | None]:
        """The conversation (locked) and the channel identity it belongs to (the key is `channel:sender`); the
        identity only with a conversation."""
        conv = await self.conversation(key)
        return conv, (await self.identity(*key.split(":", 1)) if conv else None)

    async def identity(self, channel: str, external_id: str) -> IdentityRow | None:
        raise NotImplementedError

    async def prefetch(self, keys: list[str]) -> None:
        """Read (and lock) what `next_input` will ask for these conversations, all at once where that saves
        round trips (PostgreSQL); nothing here."""

    @asynccontextmanager
    async def deferred(self) -> AsyncIterator[None]:
        """Inputs applied inside write their last writes together at the end, where that saves round trips
        (PostgreSQL: one statement; a conflict then undoes the batch, BatchUndone); here at once."""
        yield

    async def next_input(self, key: str) -> tuple[ConversationRow | None, IdentityRow | None, InputRow | None, bool]:
        """The conversation (locked) and its identity, its oldest input not applied yet, and whether another
        waits behind it."""
        conv, identity = await self.conversation_and_identity(key)
        message, more = await self.next_inputs(key)
        return conv, identity, message, more

    async def finish_input(self, message: InputRow, now: datetime, *, status: str = "processed", resealed: bool = False) -> None:
        """The input applied (or set aside: failed); `resealed`: its text and payload were rewritten (masked)."""
        raise NotImplementedError

    async def insert_outbox(self, rows: list[OutboxRow]) -> None:
        raise NotImplementedError

    async def applied(self, conv: ConversationRow, state: str, data: dict, message: InputRow, now: datetime, *,
                      resealed: bool, identity: IdentityRow, touched_at: datetime | None,
                      outbox: list[OutboxRow], timers: Timers | None = None) -> None:
        """What an applied input writes last: the new state (version-checked), the input finished (its text
        rewritten when `resealed`), the identity touched when the person wrote (`touched_at`), the replies, and
        the conversation's timers moved on (`timers`: a kind's pending timer replaced by one due then, or
        cancelled where None; most steps of a form move its reminder on)."""
        raise NotImplementedError


def _conversation(row: tuple, signed_up: Any = True) -> ConversationRow:
    data = row[4]
    return ConversationRow(row[0], row[1], row[2], row[3], json.loads(data) if isinstance(data, str) else data or {},
                           row[5], bool(signed_up))


def _input(row: tuple) -> InputRow:
    payload = row[6]
    return InputRow(row[0], row[1], row[2], row[3], row[4], row[5],
                    json.loads(payload) if isinstance(payload, str) else payload or {}, _utc(row[7]))


def _identity(row: tuple) -> IdentityRow:
    return IdentityRow(row[0], row[1], row[2], row[3], _utc(row[4]), bool(row[5]), row[6])


# The statements both dialects share, `{0}`, `{1}`… for their parameters (see _marks).
_SHARED = {
    "conversation": (
        "SELECT id, key, beneficiary_id, state, data, version, "
        "EXISTS (SELECT 1 FROM registration r WHERE r.beneficiary_id = conversation.beneficiary_id) "
        "FROM conversation WHERE key = {0}"
    ),
    "inputs": (
        "SELECT id, channel, provider_message_id, sender_id, conversation_key, text, payload, received_at "
        "FROM inboundmessage WHERE conversation_key = {0} AND status = 'received' ORDER BY id LIMIT 2"
    ),
    "identity": (
        "SELECT id, channel, external_id, beneficiary_id, last_inbound_at, opted_out, unreachable "
        "FROM channelidentity WHERE channel = {0} AND external_id = {1}"
    ),
    "touch_identity": "UPDATE channelidentity SET last_inbound_at = {0}, unreachable = NULL WHERE id = {1}",
    "save_conversation": (
        "UPDATE conversation SET state = {0}, flow = {1}, data = {2}, version = {3}, updated_at = {4} "
        "WHERE id = {5} AND version = {6}"
    ),
    "finish": "UPDATE inboundmessage SET status = {0}, processed_at = {1} WHERE id = {2}",
    "finish_resealed": (
        "UPDATE inboundmessage SET status = {0}, processed_at = {1}, text = {2}, payload = {3} WHERE id = {4}"
    ),
    "set_language": "UPDATE beneficiary SET language = {0} WHERE id = {1}",
    "person": (
        "SELECT phone, city, residency, household_size, income_bracket, consent_at, "
        "(full_name_enc IS NOT NULL AND full_name_enc != '') OR display_name != '' FROM beneficiary WHERE id = {0}"
    ),
}


@lru_cache(maxsize=256)
def _marks(sql: str, dialect: str) -> str:
    """`{0}`, `{1}`… (numbered in the order they appear: SQLite's marks are positional) as the dialect's marks."""
    numbers = re.findall(r"(?<!\{)\{(\d+)\}", sql)
    count = len(numbers)
    if numbers != [str(i) for i in range(count)]:
        raise ValueError(f"parameters out of order: {sql}")
    marks = [f"${i + 1}" for i in range(count)] if dialect == "postgresql" else ["?"] * count
    return sql.format(*marks)


def _statements(dialect: str) -> dict[str, str]:
    """The shared statements, and an outgoing message's INSERT, with the dialect's marks."""
    outbox = f"INSERT INTO outboxmessage ({', '.join(_OUTBOX)}) VALUES ({', '.join(f'{{{i}}}' for i in range(len(_OUTBOX)))}) RETURNING id"
    return {name: _marks(text, dialect) for name, text in {**_SHARED, "outbox": outbox}.items()}


def _values(row: Any, names: tuple[str, ...], when=lambda moment: moment) -> tuple:  # type: ignore[no-untyped-def]
    """A row's columns as parameters, in `names`' order: the payload as JSON, each time through `when`."""
    return tuple(_json(value) if name == "payload" else when(value) if isinstance(value, datetime) else value
                 for name, value in ((name, getattr(row, name)) for name in names))


def _columns(rows: list, names: tuple[str, ...]) -> list[list]:
    """Rows as one list per column, for `unnest`: many rows in one statement."""
    return [list(column) for column in zip(*(_values(r, names) for r in rows))] or [[] for _ in names]
