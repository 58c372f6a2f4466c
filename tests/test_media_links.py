"""The signed links of files staff send (bot/media_links.py): the link made for a file opens it until it expires;
any other id, name, expiry or signature, typed or tampered, does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from hypothesis import given
from hypothesis import strategies as st

from bot.media_links import LIFETIME, media_path, valid
from store.crypto import Keyring, new_key

KEY = new_key()
KEYRING = Keyring([KEY])
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
NAME = "0123456789abcdef0123456789abcdef.pdf"


def parts(path: str) -> tuple[int, str, str, str]:
    link = urlsplit(path)
    _, _, attachment_id, name = link.path.split("/")
    query = parse_qs(link.query)
    return int(attachment_id), name, query["expires"][0], query["signature"][0]


def test_a_link_opens_its_file_until_it_expires_and_after_a_key_rotation():
    attachment_id, name, expires, signature = parts(media_path(KEYRING, 7, NAME, NOW))
    assert (attachment_id, name) == (7, NAME)
    assert valid(KEYRING, 7, NAME, expires, signature, NOW + LIFETIME - timedelta(seconds=1))
    assert not valid(KEYRING, 7, NAME, expires, signature, NOW + LIFETIME + timedelta(seconds=1))
    rotated = Keyring([new_key(), KEY])
    assert valid(rotated, 7, NAME, expires, signature, NOW)  # made before a rotation, still recognised
    assert not valid(Keyring([new_key()]), 7, NAME, expires, signature, NOW)  # another installation's key


@given(
    attachment_id=st.integers(1, 10**9),
    name=st.text(max_size=40),
    expires=st.text(max_size=20),
    signature=st.text(max_size=70),
)
def test_anything_else_is_refused(attachment_id, name, expires, signature):
    good_id, good_name, good_expires, good_signature = parts(media_path(KEYRING, 7, NAME, NOW))
    tampered = (attachment_id, name, expires, signature) != (good_id, good_name, good_expires, good_signature)
    for candidate in (
        (attachment_id, good_name, good_expires, good_signature),
        (good_id, name, good_expires, good_signature),
        (good_id, good_name, expires, good_signature),
        (good_id, good_name, good_expires, signature),
    ):
        if candidate != (good_id, good_name, good_expires, good_signature):
            assert not valid(KEYRING, *candidate, NOW)
    assert tampered or valid(KEYRING, attachment_id, name, expires, signature, NOW)
