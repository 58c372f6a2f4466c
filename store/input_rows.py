"""The statements every input runs (record it, read and lock its conversation, save the new state, write the
replies, mark it applied), in plain SQL on the transaction's own driver connection: sqlite3 on the loop's
thread, asyncpg with its prepared-statement cache. Through the ORM each cost more than the database's own
work (building, caching and flushing objects, a greenlet switch per statement); the rest of an input's writes
(the rarer effects, the lookups) stay ORM in the same transaction.

Written by hand because no library runs one SQL text on both drivers without such a layer; the two dialects
differ only in parameter marks, row locking and how a timestamp and JSON are stored."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import asynccontextmanager
from functools import lru_cache
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, AsyncIterator

import asyncpg
from sqlalchemy.exc import IntegrityError, OperationalError
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


def _sqlite_time(value: datetime | None) -> str | None:
    """A timestamp as SQLAlchemy writes it on SQLite (naive UTC, microseconds), so that both compare alike."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


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
    if getattr(adapter, "_transaction", False) is None and hasattr(adapter, "_start_transaction"):
        try:
            await adapter._start_transaction()
        except Exception as exc:  # the driver's error, as SQLAlchemy would have raised it (the database away)
            if fairy.driver_connection.is_closed():
                await conn.invalidate(exc)
            raise OperationalError("BEGIN", None, exc) from exc
    elif getattr(adapter, "_transaction", None) is None:
        await conn.exec_driver_sql("SELECT 1")


async def rows_on(conn: AsyncConnection) -> InputRows:
    """The plain statements on `conn` as it is (in a transaction, or committing each statement by itself)."""
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

    async def create_conversation(self, key: str, channel: str, external_id: str, name: str, lang: str, now: datetime) -> None:
        """A first contact: the person (unless this channel id is known already), their identity and a
        conversation; a concurrent first contact fails here on a unique key, and the caller retries."""
        identity = await self.identity(channel, external_id)
        if identity is None:
            beneficiary_id = await self._new_person(name[:200], lang, channel, external_id, now)
        else:
            beneficiary_id = identity.beneficiary_id
        await self._new_conversation(key, beneficiary_id, now)

    async def _new_person(self, name: str, lang: str, channel: str, external_id: str, now: datetime) -> int:
        raise NotImplementedError

    async def first_contact(self, key: str, channel: str, external_id: str, name: str, lang: str,
                            now: datetime) -> tuple[ConversationRow, IdentityRow]:
        """create_conversation, and what it made read back (the conversation is this transaction's until commit)."""
        await self.create_conversation(key, channel, external_id, name, lang, now)
        conv, identity = await self.conversation_and_identity(key)
        assert conv is not None and identity is not None
        return conv, identity

    async def _new_conversation(self, key: str, beneficiary_id: int, now: datetime) -> None:
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
    "new_person": "INSERT INTO beneficiary (display_name, language, created_at) VALUES ({0}, {1}, {2}) RETURNING id",
    "new_identity": (
        "INSERT INTO channelidentity (channel, external_id, beneficiary_id, opted_out, created_at) "
        "VALUES ({0}, {1}, {2}, FALSE, {3})"
    ),
    "new_conversation": (
        "INSERT INTO conversation (key, beneficiary_id, flow, state, data, version, updated_at) "
        "VALUES ({0}, {1}, '', '', '{{}}', 0, {2})"
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


def _sqlite_errors(call):  # type: ignore[no-untyped-def]
    """sqlite3's errors as SQLAlchemy's, which the engine tells apart (a conflict, the database away)."""
    try:
        return call()
    except sqlite3.IntegrityError as exc:
        raise IntegrityError("plain statement", None, exc) from exc
    except sqlite3.Error as exc:
        raise OperationalError("plain statement", None, exc) from exc


class SqliteRows(InputRows):
    """On SQLite: the sqlite3 connection itself, on the loop's thread (the transaction already holds the write
    lock, BEGIN IMMEDIATE, so no statement here waits). Each statement is a call into the library, not a round
    trip: the composite writes are written one statement at a time."""

    SQL = _statements("sqlite")
    RECORD = _marks(f"INSERT INTO inboundmessage ({', '.join(_INBOUND)}) VALUES "
                    f"({', '.join(f'{{{i}}}' for i in range(len(_INBOUND)))}) ON CONFLICT DO NOTHING", "sqlite")
    # A timer moved on: the pending one of its kind cancelled, a new one written (one statement each, as
    # PostgreSQL's APPLIED does in one).
    CANCEL_TIMER = "UPDATE timer SET status = 'cancelled' WHERE conversation_key = ? AND kind = ? AND status = 'pending'"
    NEW_TIMER = ("INSERT INTO timer (conversation_key, channel, sender_id, kind, text, status, due_at, created_at) "
                 "VALUES (?, ?, ?, ?, '', 'pending', ?, ?)")

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def _one(self, name: str, params: tuple) -> tuple | None:
        return _sqlite_errors(lambda: self.db.execute(self.SQL[name], params).fetchone())

    def _run(self, name: str, params: tuple) -> int:
        return _sqlite_errors(lambda: self.db.execute(self.SQL[name], params).rowcount)

    async def record(self, rows: list[NewInput]) -> list[bool]:
        return [_sqlite_errors(lambda r=r: self.db.execute(self.RECORD, _values(r, _INBOUND, _sqlite_time)).rowcount) == 1
                for r in rows]

    async def run(self, sql: str) -> None:
        _sqlite_errors(lambda: self.db.execute(sql))

    def _cursor(self, sql: str, args: tuple) -> sqlite3.Cursor:
        params = tuple(_sqlite_time(a) if isinstance(a, datetime) else a for a in args)
        return _sqlite_errors(lambda: self.db.execute(_marks(sql, "sqlite"), params))

    async def execute(self, sql: str, *args: Any) -> int:
        return self._cursor(sql, args).rowcount

    async def value(self, sql: str, *args: Any) -> Any:
        row = _sqlite_errors(self._cursor(sql, args).fetchone)
        return row[0] if row else None

    async def set_language(self, beneficiary_id: int, lang: str) -> None:
        self._run("set_language", (lang, beneficiary_id))

    async def _fetch_one(self, name: str, params: tuple) -> tuple | None:
        return self._one(name, params)

    async def _new_person(self, name: str, lang: str, channel: str, external_id: str, now: datetime) -> int:
        at = _sqlite_time(now)
        beneficiary_id = self._one("new_person", (name, lang, at))[0]
        self._run("new_identity", (channel, external_id, beneficiary_id, at))
        return beneficiary_id

    async def _new_conversation(self, key: str, beneficiary_id: int, now: datetime) -> None:
        self._run("new_conversation", (key, beneficiary_id, _sqlite_time(now)))

    async def conversation(self, key: str) -> ConversationRow | None:
        row = self._one("conversation", (key,))
        return _conversation(row, row[6]) if row else None

    async def next_inputs(self, key: str) -> tuple[InputRow | None, bool]:
        rows = _sqlite_errors(lambda: self.db.execute(self.SQL["inputs"], (key,)).fetchall())
        return (_input(rows[0]) if rows else None), len(rows) > 1

    async def identity(self, channel: str, external_id: str) -> IdentityRow | None:
        row = self._one("identity", (channel, external_id))
        return _identity(row) if row else None

    async def finish_input(self, message: InputRow, now: datetime, *, status: str = "processed", resealed: bool = False) -> None:
        if resealed:
            self._run("finish_resealed", (status, _sqlite_time(now), message.text, _json(message.payload), message.id))
        else:
            self._run("finish", (status, _sqlite_time(now), message.id))

    async def insert_outbox(self, rows: list[OutboxRow]) -> None:
        for r in rows:
            r.id = self._one("outbox", _values(r, _OUTBOX, _sqlite_time))[0]

    async def applied(self, conv: ConversationRow, state: str, data: dict, message: InputRow, now: datetime, *,
                      resealed: bool, identity: IdentityRow, touched_at: datetime | None,
                      outbox: list[OutboxRow], timers: Timers | None = None) -> None:
        if touched_at is not None:
            self._run("touch_identity", (_sqlite_time(touched_at), identity.id))
            identity.last_inbound_at, identity.unreachable = touched_at, None
        saved = (state, state.split(":", 1)[0], _json(data), conv.version + 1, _sqlite_time(now), conv.id, conv.version)
        if self._run("save_conversation", saved) != 1:
            raise VersionConflict(conv.key)
        await self.finish_input(message, now, resealed=resealed)
        await self.insert_outbox(outbox)
        for kind, due_at in (timers or {}).items():
            _sqlite_errors(lambda kind=kind: self.db.execute(self.CANCEL_TIMER, (conv.key, kind)))
            if due_at is not None:
                at = (conv.key, message.channel, message.sender_id, kind, _sqlite_time(due_at), _sqlite_time(now))
                _sqlite_errors(lambda at=at: self.db.execute(self.NEW_TIMER, at))


class PostgresRows(InputRows):
    """On PostgreSQL: asyncpg's own connection (prepared statements cached by text); the conversation row
    locked until commit, so that two processes apply one conversation's inputs in turn. Each statement is a
    round trip, a wake-up of the server: the composite writes are one statement each."""

    SQL = _statements("postgresql")
    # Many inputs in one round trip; the provider ids that were new come back.
    RECORD = (
        f"INSERT INTO inboundmessage ({', '.join(_INBOUND)}) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::json[], $7::text[], "
        "$8::timestamptz[], $9::timestamptz[]) "
        "ON CONFLICT DO NOTHING RETURNING channel, provider_message_id"
    )
    # Conversations locked (in key order, as every process locks them), their identities and next two inputs,
    # in one round trip for a whole batch. The inputs are read as of the statement's start, before the locks were
    # granted: one applied meanwhile by another process may show as not applied yet, and APPLIED then finds it
    # applied and refuses (a VersionConflict: the batch retries).
    NEXT_INPUTS = (
        "SELECT c.id, c.key, c.beneficiary_id, c.state, c.data, c.version, ci.id, ci.channel, ci.external_id, "
        "ci.beneficiary_id, ci.last_inbound_at, ci.opted_out, ci.unreachable, m.id, m.channel, "
        "m.provider_message_id, m.sender_id, m.conversation_key, m.text, m.payload, m.received_at, "
        "EXISTS (SELECT 1 FROM registration r WHERE r.beneficiary_id = c.beneficiary_id) "
        "FROM unnest($1::text[], $2::text[], $3::text[]) AS k(key, channel, external_id) "
        "JOIN conversation c ON c.key = k.key "
        "LEFT JOIN channelidentity ci ON ci.channel = k.channel AND ci.external_id = k.external_id "
        "LEFT JOIN LATERAL (SELECT * FROM inboundmessage WHERE conversation_key = c.key AND status = 'received' "
        "ORDER BY id LIMIT 2) m ON TRUE ORDER BY c.key, m.id FOR UPDATE OF c"
    )
    # A first contact in one round trip: the person and their identity unless the channel id is known, the
    # conversation, and both read back.
    FIRST_CONTACT = (
        "WITH known AS (SELECT id, channel, external_id, beneficiary_id, last_inbound_at, opted_out, unreachable "
        "FROM channelidentity WHERE channel = $1 AND external_id = $2), "
        "person AS (INSERT INTO beneficiary (display_name, language, created_at) SELECT $3, $4, $5 "
        "WHERE NOT EXISTS (SELECT 1 FROM known) RETURNING id), "
        "made AS (INSERT INTO channelidentity (channel, external_id, beneficiary_id, opted_out, created_at) "
        "SELECT $1, $2, id, FALSE, $5 FROM person "
        "RETURNING id, channel, external_id, beneficiary_id, last_inbound_at, opted_out, unreachable), "
        "who AS (SELECT * FROM known UNION ALL SELECT * FROM made), "
        "conv AS (INSERT INTO conversation (key, beneficiary_id, flow, state, data, version, updated_at) "
        "SELECT $6, beneficiary_id, '', '', '{}', 0, $5 FROM who RETURNING id, key, beneficiary_id, state, data, version) "
        "SELECT conv.id, conv.key, conv.beneficiary_id, conv.state, conv.data, conv.version, who.id, who.channel, "
        "who.external_id, who.beneficiary_id, who.last_inbound_at, who.opted_out, who.unreachable, "
        "EXISTS (SELECT 1 FROM registration r WHERE r.beneficiary_id = conv.beneficiary_id) FROM conv, who"
    )
    CONVERSATION_AND_IDENTITY = (
        "SELECT c.id, c.key, c.beneficiary_id, c.state, c.data, c.version, ci.id, ci.channel, ci.external_id, "
        "ci.beneficiary_id, ci.last_inbound_at, ci.opted_out, ci.unreachable, "
        "EXISTS (SELECT 1 FROM registration r WHERE r.beneficiary_id = c.beneficiary_id) FROM conversation c "
        "LEFT JOIN channelidentity ci ON ci.channel = $2 AND ci.external_id = $3 WHERE c.key = $1 FOR UPDATE OF c"
    )
    # What applied inputs write last, for many inputs (of different conversations) at once: each one's new
    # state (version-checked), the input finished (unless another process finished it first), the identity
    # touched when the person wrote, the replies, and the timers moved on.
    APPLIED = (
        "WITH v AS (SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::json[], $6::timestamptz[], "
        "$7::int[], $8::text[], $9::json[], $10::int[], $11::timestamptz[]) "
        "AS v(conv_id, version, state, flow, data, at, input_id, text, payload, identity_id, touched_at)), "
        "saved AS (UPDATE conversation c SET state = v.state, flow = v.flow, data = v.data, version = v.version + 1, "
        "updated_at = v.at FROM v WHERE c.id = v.conv_id AND c.version = v.version RETURNING c.id), "
        "finished AS (UPDATE inboundmessage m SET status = 'processed', processed_at = v.at, "
        "text = COALESCE(v.text, m.text), payload = COALESCE(v.payload, m.payload) "
        "FROM v WHERE m.id = v.input_id AND m.status = 'received' RETURNING m.id), "
        "touched AS (UPDATE channelidentity ci SET last_inbound_at = v.touched_at, unreachable = NULL "
        "FROM v WHERE ci.id = v.identity_id AND v.touched_at IS NOT NULL), "
        f"sent AS (INSERT INTO outboxmessage ({', '.join(_OUTBOX)}) "
        "SELECT * FROM unnest($12::text[], $13::text[], $14::text[], $15::json[], $16::text[], $17::int[], "
        "$18::timestamptz[], $19::text[], $20::text[], $21::int[], $22::int[], $23::text[], $24::timestamptz[], "
        "$25::timestamptz[]) RETURNING id), "
        "t AS (SELECT * FROM unnest($26::text[], $27::text[], $28::text[], $29::text[], $30::timestamptz[], "
        "$31::timestamptz[]) AS t(key, channel, sender_id, kind, due_at, at)), "
        "cancelled AS (UPDATE timer SET status = 'cancelled' FROM t "
        "WHERE timer.conversation_key = t.key AND timer.kind = t.kind AND timer.status = 'pending'), "
        "scheduled AS (INSERT INTO timer (conversation_key, channel, sender_id, kind, text, status, due_at, created_at) "
        "SELECT key, channel, sender_id, kind, '', 'pending', due_at, at FROM t WHERE due_at IS NOT NULL) "
        "SELECT (SELECT count(*) FROM saved), (SELECT count(*) FROM finished), ARRAY(SELECT id FROM sent ORDER BY id)"
    )

    def __init__(self, db: asyncpg.Connection, conn: AsyncConnection):
        self.db, self.conn = db, conn
        self._ahead: dict[str, tuple] = {}  # what prefetch read, each key's taken once by next_input
        self._pending: list[_Pending] = []  # applied inputs not written yet (deferred)
        self._deferring = False

    async def _pg(self, call):  # type: ignore[no-untyped-def]
        """asyncpg's errors as SQLAlchemy's, which the engine tells apart (a conflict, the database away); a
        connection found dead is invalidated, as SQLAlchemy does for its own statements (store/db.py then pings
        the pool's other connections before their next use)."""
        try:
            return await call
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError("plain statement", None, exc) from exc
        except Exception as exc:
            if self.db.is_closed():
                await self.conn.invalidate(exc)
            if isinstance(exc, (asyncpg.PostgresError, asyncpg.InterfaceError)):
                raise OperationalError("plain statement", None, exc) from exc
            raise

    @asynccontextmanager
    async def savepoint(self, tx: AsyncSession) -> AsyncIterator[None]:
        """No savepoint: an input that fails undoes its whole batch (BatchUndone)."""
        try:
            yield
        except Exception as exc:
            raise BatchUndone(str(exc)) from exc

    async def execute(self, sql: str, *args: Any) -> int:
        status = await self._pg(self.db.execute(_marks(sql, "postgresql"), *args))
        return int(status.rsplit(" ", 1)[-1]) if status[-1:].isdigit() else 0

    async def value(self, sql: str, *args: Any) -> Any:
        return await self._pg(self.db.fetchval(_marks(sql, "postgresql"), *args))

    async def record(self, rows: list[NewInput]) -> list[bool]:
        new = {(c, p) for c, p in await self._pg(self.db.fetch(self.RECORD, *_columns(rows, _INBOUND)))}
        kept = []
        for r in rows:  # the same id twice in one batch: only the first was written
            kept.append((r.channel, r.provider_message_id) in new)
            new.discard((r.channel, r.provider_message_id))
        return kept

    async def run(self, sql: str) -> None:
        await self._pg(self.db.execute(sql))

    async def set_language(self, beneficiary_id: int, lang: str) -> None:
        await self._pg(self.db.execute(self.SQL["set_language"], lang, beneficiary_id))

    async def _fetch_one(self, name: str, params: tuple) -> tuple | None:
        row = await self._pg(self.db.fetchrow(self.SQL[name], *params))
        return tuple(row) if row is not None else None

    async def _new_person(self, name: str, lang: str, channel: str, external_id: str, now: datetime) -> int:
        beneficiary_id = await self._pg(self.db.fetchval(self.SQL["new_person"], name, lang, now))
        await self._pg(self.db.execute(self.SQL["new_identity"], channel, external_id, beneficiary_id, now))
        return beneficiary_id

    async def _new_conversation(self, key: str, beneficiary_id: int, now: datetime) -> None:
        await self._pg(self.db.execute(self.SQL["new_conversation"], key, beneficiary_id, now))

    async def first_contact(self, key: str, channel: str, external_id: str, name: str, lang: str,
                            now: datetime) -> tuple[ConversationRow, IdentityRow]:
        row = tuple(await self._pg(self.db.fetchrow(self.FIRST_CONTACT, channel, external_id, name[:200], lang, now, key)))
        return _conversation(row[:6], row[13]), _identity(row[6:13])

    async def conversation(self, key: str) -> ConversationRow | None:
        row = await self._pg(self.db.fetchrow(self.SQL["conversation"] + " FOR UPDATE", key))
        return _conversation(tuple(row), row[6]) if row else None

    async def conversation_and_identity(self, key: str) -> tuple[ConversationRow | None, IdentityRow | None]:
        """Both in one round trip: only the conversation is locked."""
        row = await self._pg(self.db.fetchrow(self.CONVERSATION_AND_IDENTITY, key, *key.split(":", 1)))
        if row is None:
            return None, None
        row = tuple(row)
        return _conversation(row[:6], row[13]), (_identity(row[6:13]) if row[6] is not None else None)

    async def prefetch(self, keys: list[str]) -> None:
        if not keys:
            return
        parts = [key.split(":", 1) for key in keys]
        found: dict[str, list[tuple]] = {}
        for row in await self._pg(self.db.fetch(self.NEXT_INPUTS, keys, *map(list, zip(*parts)))):
            found.setdefault(row[1], []).append(tuple(row))
        for key, rows in found.items():
            row = rows[0]
            self._ahead[key] = (_conversation(row[:6], row[21]), _identity(row[6:13]) if row[6] is not None else None,
                                _input(row[13:]) if row[13] is not None else None, len(rows) > 1)

    async def next_input(self, key: str) -> tuple[ConversationRow | None, IdentityRow | None, InputRow | None, bool]:
        """What `prefetch` read for `key`, or one round trip now (a first contact reads its input alone)."""
        if any(p.conv.key == key for p in self._pending):
            await self.flush()  # its last input's writes first
        if key not in self._ahead:
            await self.prefetch([key])
        if key not in self._ahead:
            message, more = await self.next_inputs(key)
            return None, None, message, more
        return self._ahead.pop(key)

    async def next_inputs(self, key: str) -> tuple[InputRow | None, bool]:
        rows = await self._pg(self.db.fetch(self.SQL["inputs"], key))
        return (_input(tuple(rows[0])) if rows else None), len(rows) > 1

    async def identity(self, channel: str, external_id: str) -> IdentityRow | None:
        row = await self._pg(self.db.fetchrow(self.SQL["identity"], channel, external_id))
        return _identity(tuple(row)) if row else None

    async def finish_input(self, message: InputRow, now: datetime, *, status: str = "processed", resealed: bool = False) -> None:
        if resealed:
            await self._pg(self.db.execute(self.SQL["finish_resealed"], status, now, message.text, _json(message.payload), message.id))
        else:
            await self._pg(self.db.execute(self.SQL["finish"], status, now, message.id))

    async def insert_outbox(self, rows: list[OutboxRow]) -> None:
        for r in rows:
            r.id = await self._pg(self.db.fetchval(self.SQL["outbox"], *_values(r, _OUTBOX)))

    async def applied(self, conv: ConversationRow, state: str, data: dict, message: InputRow, now: datetime, *,
                      resealed: bool, identity: IdentityRow, touched_at: datetime | None,
                      outbox: list[OutboxRow], timers: Timers | None = None) -> None:
        if any(p.conv.key == conv.key for p in self._pending):
            await self.flush()  # one statement writes a conversation once
        self._pending.append(_Pending(conv, state, data, message, now, resealed, identity, touched_at, outbox,
                                      timers or {}))
        if not self._deferring:
            await self.flush()

    @asynccontextmanager
    async def deferred(self) -> AsyncIterator[None]:
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False
        try:
            await self.flush()
        except (VersionConflict, IntegrityError) as exc:
            raise BatchUndone(str(exc)) from exc

    async def flush(self) -> None:
        """Write the applied inputs waiting, in one statement; VersionConflict when one's conversation changed
        or its input was applied since they were read (nothing is then written)."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        inputs = [(p.conv.id, p.conv.version, p.state, p.state.split(":", 1)[0], _json(p.data), p.now, p.message.id,
                   p.message.text if p.resealed else None, _json(p.message.payload) if p.resealed else None,
                   p.identity.id, p.touched_at) for p in pending]
        outbox = [row for p in pending for row in p.outbox]
        timers = [(p.conv.key, p.message.channel, p.message.sender_id, kind, due_at, p.now)
                  for p in pending for kind, due_at in p.timers.items()]
        saved, finished, ids = await self._pg(self.db.fetchrow(
            self.APPLIED, *map(list, zip(*inputs)), *_columns(outbox, _OUTBOX),
            *(map(list, zip(*timers)) if timers else ([] for _ in range(6)))))
        if saved != len(pending) or finished != len(pending):
            raise VersionConflict(", ".join(p.conv.key for p in pending))
        for p in pending:
            if p.touched_at is not None:
                p.identity.last_inbound_at, p.identity.unreachable = p.touched_at, None
        for row, new_id in zip(outbox, ids):
            row.id = new_id


@dataclass(slots=True)
class _Pending:
    """An applied input's last writes, waiting for PostgresRows.flush."""

    conv: ConversationRow
    state: str
    data: dict
    message: InputRow
    now: datetime
    resealed: bool
    identity: IdentityRow
    touched_at: datetime | None
    outbox: list[OutboxRow]
    timers: Timers
