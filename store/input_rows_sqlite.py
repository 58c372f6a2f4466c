"""The statements every input runs (store/input_rows.py) on SQLite: the sqlite3 connection itself, on the loop's
thread (the transaction already holds the write lock, BEGIN IMMEDIATE, so no statement here waits). Each
statement is a call into the library, not a round trip: a savepoint per input, and the composite writes one
statement at a time."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from store.input_rows import (
    _INBOUND, _OUTBOX, ConversationRow, IdentityRow, InputRow, InputRows, NewInput, OutboxRow, Timers,
    VersionConflict, _conversation, _identity, _input, _json, _marks, _statements, _values,
)

# A first contact's rows (PostgreSQL writes them in one statement).
NEW_PERSON = "INSERT INTO beneficiary (display_name, language, created_at) VALUES ({0}, {1}, {2}) RETURNING id"
NEW_IDENTITY = ("INSERT INTO channelidentity (channel, external_id, beneficiary_id, opted_out, created_at) "
                "VALUES ({0}, {1}, {2}, FALSE, {3})")
NEW_CONVERSATION = ("INSERT INTO conversation (key, beneficiary_id, flow, state, data, version, updated_at) "
                    "VALUES ({0}, {1}, '', '', '{{}}', 0, {2})")
# A timer moved on: the pending one of its kind cancelled, a new one written (one statement each, as
# PostgreSQL's APPLIED does in one).
CANCEL_TIMER = "UPDATE timer SET status = 'cancelled' WHERE conversation_key = {0} AND kind = {1} AND status = 'pending'"
NEW_TIMER = ("INSERT INTO timer (conversation_key, channel, sender_id, kind, text, status, due_at, created_at) "
             "VALUES ({0}, {1}, {2}, {3}, '', 'pending', {4}, {5})")


def _sqlite_time(value: datetime | None) -> str | None:
    """A timestamp as SQLAlchemy writes it on SQLite (naive UTC, microseconds), so that both compare alike."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


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

    async def first_contact(self, key: str, channel: str, external_id: str, name: str, lang: str,
                            now: datetime) -> tuple[ConversationRow, IdentityRow]:
        identity = await self.identity(channel, external_id)
        if identity is None:
            beneficiary_id = await self.value(NEW_PERSON, name[:200], lang, now)
            await self.execute(NEW_IDENTITY, channel, external_id, beneficiary_id, now)
        else:
            beneficiary_id = identity.beneficiary_id
        await self.execute(NEW_CONVERSATION, key, beneficiary_id, now)
        conv, identity = await self.conversation_and_identity(key)
        assert conv is not None and identity is not None
        return conv, identity

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
            await self.execute(CANCEL_TIMER, conv.key, kind)
            if due_at is not None:
                await self.execute(NEW_TIMER, conv.key, message.channel, message.sender_id, kind, due_at, now)
