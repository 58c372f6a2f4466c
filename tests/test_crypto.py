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
