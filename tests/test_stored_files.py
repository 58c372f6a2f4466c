"""A file a beneficiary sent, looked up for staff on SQLite and PostgreSQL: only by its id with its random
stored name, and only once it is in the file store."""

from __future__ import annotations

from store import media_fetch
from store.models import Attachment, Beneficiary
from tests.conftest import T0


async def test_a_file_is_found_by_id_and_stored_name_once_stored(sessions):
    async with sessions() as tx, tx.begin():
        person = Beneficiary(display_name="Sara")
        tx.add(person)
        await tx.flush()
        common = {"beneficiary_id": person.id, "channel": "whatsapp", "kind": "photo",
                  "content_type": "image/jpeg", "created_at": T0}
        kept = Attachment(reference="r1", stored_name="a1.jpg", fetch_status="stored", **common)
        waiting = Attachment(reference="r2", stored_name="b2.jpg", fetch_status="pending", **common)
        tx.add_all([kept, waiting])
    async with sessions() as tx:
        assert (await media_fetch.stored_file(tx, kept.id, "a1.jpg")).reference == "r1"
        assert await media_fetch.stored_file(tx, kept.id, "b2.jpg") is None  # another file's name
        assert await media_fetch.stored_file(tx, waiting.id, "b2.jpg") is None  # not fetched yet
