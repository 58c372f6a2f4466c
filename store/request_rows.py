"""A help request filed from the form and the person's consent, in plain SQL on the transaction's own connection
(store/input_rows.py says why): the request, its first history line, the files sent since the form began joined
to it, and the person's record brought up to date. Through the ORM a filing cost several times the database's
own work, and fifty people filing at once made the bot's slowest replies."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from store.input_rows import rows_of

_JSON = ("conditions", "flags", "evidence")  # the request's JSON columns
_EVENT = "INSERT INTO requestevent (request_id, at, actor, kind, detail) VALUES ({0}, {1}, 'beneficiary', 'submitted', {2})"
_FILES = (
    "UPDATE attachment SET request_id = {0} "
    "WHERE beneficiary_id = {1} AND request_id IS NULL AND created_at >= {2} AND kind != 'location'"
)
_CONSENT = "UPDATE beneficiary SET consent_at = {0} WHERE id = {1} AND consent_at IS NULL"


def _parameters(count: int) -> list[str]:
    """`{0}`, `{1}`… for a statement built from a row's columns (store/input_rows.py gives each dialect's marks)."""
    return [f"{{{i}}}" for i in range(count)]


async def file_request(tx: AsyncSession, request: dict, flags: list, person: dict, started: datetime) -> int:
    """Write the request (`request`: the helprequest row's columns), its history line "submitted" (with the
    rules left to staff, `flags`), join the person's files sent since `started`, and write `person` (columns
    of the beneficiary row) on their record; the request's id. The caller's ORM objects must be flushed."""
    rows = await rows_of(tx)
    columns = list(request)
    insert = (f"INSERT INTO helprequest ({', '.join(columns)}) VALUES ({', '.join(_parameters(len(columns)))}) "
              "RETURNING id")
    request_id = await rows.value(insert, *(json.dumps(v) if c in _JSON else v for c, v in request.items()))
    await rows.execute(_EVENT, request_id, request["submitted_at"], json.dumps({"flags": flags}))
    await rows.execute(_FILES, request_id, request["beneficiary_id"], started)
    sets = ", ".join(f"{column} = {mark}" for column, mark in zip(person, _parameters(len(person))))
    await rows.execute(f"UPDATE beneficiary SET {sets} WHERE id = {{{len(person)}}}", *person.values(),
                       request["beneficiary_id"])
    return request_id


async def record_consent(tx: AsyncSession, beneficiary_id: int, now: datetime) -> bool:
    """The person's first consent to the use of their data, dated; False when they had consented before."""
    return await (await rows_of(tx)).execute(_CONSENT, now, beneficiary_id) == 1
