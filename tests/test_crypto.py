"""Encryption at rest: round trip, a wrong key refused, and rotation to a new key on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from store.crypto import Keyring, keyring_from, new_key
from store.models import Beneficiary
from store.rotation import rotate_all


def test_round_trip_keeps_arabic_and_hides_the_value():
    ring = Keyring([new_key()])
    token = ring.encrypt("محمد بن عبدالله 1000000008")
    assert "1000000008" not in token and "محمد" not in token
    assert ring.decrypt(token) == "محمد بن عبدالله 1000000008"


def test_a_value_from_an_unknown_key_is_refused_clearly():
    token = Keyring([new_key()]).encrypt("1000000008")
    with pytest.raises(ValueError, match="not in DATA_KEYS"):
        Keyring([new_key()]).decrypt(token)


def test_the_key_file_is_made_once_and_private(tmp_path):
    path = tmp_path / "data" / "data.key"
    first = keyring_from("", path)
    token = first.encrypt("x")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert keyring_from("", path).decrypt(token) == "x"


async def test_rotation_moves_every_value_to_the_new_key(sessions):
    old, new = new_key(), new_key()
    before = Keyring([old])
    async with sessions() as tx, tx.begin():
        for n in range(3):
            tx.add(Beneficiary(national_id_enc=before.encrypt(f"100000000{n}"), full_name_enc=before.encrypt("س ص")))
        tx.add(Beneficiary())  # nothing to rotate
    assert await rotate_all(sessions, Keyring([new, old]), batch=2) == 6
    only_new = Keyring([new])
    async with sessions() as tx:
        people = (await tx.scalars(select(Beneficiary).order_by(Beneficiary.id))).all()
    assert [only_new.decrypt(p.national_id_enc) for p in people[:3]] == ["1000000000", "1000000001", "1000000002"]
    assert people[3].national_id_enc is None


async def test_rotation_moves_the_sealed_log_outbox_and_conversation_to_the_new_key(sessions, profile, texts, clock):
    from bot.engine import Engine
    from bot.incoming import Incoming
    from conversations.types import Inbound
    from store import sealed
    from store.models import InboundMessage, OutboxMessage

    old, new = new_key(), new_key()
    before = Engine(sessions, profile, texts, Keyring([old]), clock=clock)
    for n, words in enumerate(("مرحبا", "1", "2", "1", "زبرجد فيروز القحطاني")):  # into the help form: sealed data
        await before.handle(Incoming("web", "u1", f"m{n}", Inbound("text", text=words)))
    assert await rotate_all(sessions, Keyring([new, old]), batch=2) > 0
    only_new = Keyring([new])
    async with sessions() as tx:
        inputs = (await tx.scalars(select(InboundMessage).order_by(InboundMessage.id))).all()
        outputs = (await tx.scalars(select(OutboxMessage))).all()
    assert sealed.input_text(only_new, inputs[-1]) == "زبرجد فيروز القحطاني"
    assert all(sealed.output_payload(only_new, row)["text"] for row in outputs)
    after = Engine(sessions, profile, texts, only_new, clock=clock)  # the form goes on with the old key gone
    replies = await after.handle(Incoming("web", "u1", "m9", Inbound("text", text="1000000008")))
    assert "جوال" in replies[0].payload["text"]  # the next question, not an apology
