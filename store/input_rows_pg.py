"""The statements every input runs (store/input_rows.py) on PostgreSQL: asyncpg's own connection (prepared
statements cached by text). Each statement is a round trip, a wake-up of the server on the same cores as the
bot: a batch's conversations are read (and locked, in key order) in one statement, what its inputs write last
goes in one statement at its end, a first contact is one statement, and no savepoint is taken per input (a
fault undoes the batch, whose conversations then go one input at a time)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, AsyncIterator

import asyncpg
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from store.input_rows import (
    _INBOUND, _OUTBOX, BatchUndone, ConversationRow, IdentityRow, InputRow, InputRows, NewInput, OutboxRow, Timers,
    VersionConflict, _columns, _conversation, _identity, _input, _json, _marks, _statements, _values,
)


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
    # Conversations locked (in key order, as every process locks them) with their identities, and every key's
    # next two inputs (a first contact's too), in one round trip for a whole batch. The inputs are read as of the
    # statement's start, before the locks were granted: one applied meanwhile by another process may show as not
    # applied yet, and APPLIED then finds it applied and refuses (a VersionConflict: the batch retries).
    NEXT_INPUTS = (
        "WITH k AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS k(key, channel, external_id)), "
        "locked AS MATERIALIZED (SELECT c.id, c.key, c.beneficiary_id, c.state, c.data, c.version, ci.id AS ci_id, "
        "ci.channel, ci.external_id, ci.beneficiary_id AS ci_beneficiary_id, ci.last_inbound_at, ci.opted_out, "
        "ci.unreachable FROM k JOIN conversation c ON c.key = k.key "
        "LEFT JOIN channelidentity ci ON ci.channel = k.channel AND ci.external_id = k.external_id "
        "ORDER BY c.key FOR UPDATE OF c) "
        "SELECT l.id, k.key, l.beneficiary_id, l.state, l.data, l.version, l.ci_id, l.channel, l.external_id, "
        "l.ci_beneficiary_id, l.last_inbound_at, l.opted_out, l.unreachable, m.id, m.channel, "
        "m.provider_message_id, m.sender_id, m.conversation_key, m.text, m.payload, m.received_at, "
        "EXISTS (SELECT 1 FROM registration r WHERE r.beneficiary_id = l.beneficiary_id) "
        "FROM k LEFT JOIN locked l ON l.key = k.key "
        "LEFT JOIN LATERAL (SELECT * FROM inboundmessage WHERE conversation_key = k.key AND status = 'received' "
        "ORDER BY id LIMIT 2) m ON TRUE ORDER BY k.key, m.id"
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

    async def first_contact(self, key: str, channel: str, external_id: str, name: str, lang: str,
                            now: datetime) -> tuple[ConversationRow, IdentityRow]:
        row = tuple(await self._pg(self.db.fetchrow(self.FIRST_CONTACT, channel, external_id, name[:200], lang, now, key)))
        return _conversation(row[:6], row[13]), _identity(row[6:13])

    async def conversation(self, key: str) -> ConversationRow | None:
        row = await self._pg(self.db.fetchrow(self.SQL["conversation"] + " FOR UPDATE", key))
        return _conversation(tuple(row), row[6]) if row else None

    async def prefetch(self, keys: list[str]) -> None:
        if not keys:
            return
        parts = [key.split(":", 1) for key in keys]
        found: dict[str, list[tuple]] = {}
        for row in await self._pg(self.db.fetch(self.NEXT_INPUTS, keys, *map(list, zip(*parts)))):
            found.setdefault(row[1], []).append(tuple(row))
        for key, rows in found.items():
            row = rows[0]
            self._ahead[key] = (_conversation(row[:6], row[21]) if row[0] is not None else None,
                                _identity(row[6:13]) if row[6] is not None else None,
                                _input(row[13:]) if row[13] is not None else None, len(rows) > 1)

    async def next_input(self, key: str) -> tuple[ConversationRow | None, IdentityRow | None, InputRow | None, bool]:
        """What `prefetch` read for `key`, or one round trip now."""
        await self._written(key)  # its last input's writes first
        if key not in self._ahead:
            await self.prefetch([key])
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
        await self._written(conv.key)  # one statement writes a conversation once
        self._pending.append(_Pending(conv, state, data, message, now, resealed, identity, touched_at, outbox,
                                      timers or {}))
        if not self._deferring:
            await self.flush()

    async def _written(self, key: str) -> None:
        """The writes waiting for the conversation `key`, if any, made now (with the others waiting)."""
        if any(p.conv.key == key for p in self._pending):
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
        or its input was applied since they were read (the caller's transaction is then rolled back, and with
        it what the statement wrote of the others)."""
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
