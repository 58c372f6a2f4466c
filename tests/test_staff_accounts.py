"""Staff accounts on SQLite and PostgreSQL: disabling ends every session, nobody changes their own account,
a reset replaces the password and ends sessions, a password change keeps only the session that made it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from store import staff_accounts
from store.models import AuditLog, Staff, StaffSession
from store.staff_accounts import AccountRefused
from tests.conftest import T0


async def _staff(tx, username: str, role: str = "researcher", sessions: int = 0) -> Staff:
    staff = await staff_accounts.add(tx, username, "Name", role, "scrypt$hash", T0)
    for n in range(sessions):
        tx.add(StaffSession(token_hash=f"{username}-{n}", staff_id=staff.id, csrf_token="c", created_at=T0,
                            expires_at=T0 + timedelta(hours=12)))
    await tx.flush()
    return staff


async def _sessions_of(sessions, staff_id: int) -> list[StaffSession]:
    async with sessions() as tx:
        return list((await tx.scalars(select(StaffSession).where(StaffSession.staff_id == staff_id))).all())


async def test_disabling_ends_every_session_of_that_account_only(sessions):
    async with sessions() as tx, tx.begin():
        admin, amal = await _staff(tx, "root", "admin", 1), await _staff(tx, "amal", sessions=2)
    async with sessions() as tx:
        assert await staff_accounts.open_sessions(tx, amal.id, T0) == 2
    async with sessions() as tx, tx.begin():
        staff, ended = await staff_accounts.disable(tx, amal.id, admin.id)
    assert (ended, staff.active) == (2, False)
    assert await _sessions_of(sessions, amal.id) == [] and len(await _sessions_of(sessions, admin.id)) == 1


@pytest.mark.parametrize("change", ["disable", "role", "reset", "enable"])
async def test_an_admin_cannot_change_their_own_account(sessions, change):
    async with sessions() as tx, tx.begin():
        admin = await _staff(tx, "root", "admin", 1)
    calls = {
        "disable": lambda tx: staff_accounts.disable(tx, admin.id, admin.id),
        "role": lambda tx: staff_accounts.change_role(tx, admin.id, "viewer", admin.id),
        "reset": lambda tx: staff_accounts.reset_password(tx, admin.id, "scrypt$new", admin.id),
        "enable": lambda tx: staff_accounts.enable(tx, admin.id, admin.id),
    }
    with pytest.raises(AccountRefused) as refused:
        async with sessions() as tx, tx.begin():
            await calls[change](tx)
    assert refused.value.key == "staff_error_self"
    async with sessions() as tx:
        kept = await tx.get(Staff, admin.id)
    assert (kept.role, kept.active, kept.password_hash) == ("admin", True, "scrypt$hash")


@pytest.mark.parametrize(
    "username, role, key",
    [("ab", "viewer", "staff_error_username"), ("Amal Ali", "viewer", "staff_error_username"),
     ("amal", "owner", "staff_error_role"), ("AMAL", "viewer", "staff_error_taken")],
)  # fmt: skip
async def test_a_new_account_is_refused_with_the_reason(sessions, username, role, key):
    async with sessions() as tx, tx.begin():
        await _staff(tx, "amal")
    with pytest.raises(AccountRefused) as refused:
        async with sessions() as tx, tx.begin():
            await staff_accounts.add(tx, username, "", role, "scrypt$x", T0)
    assert refused.value.key == key
    async with sessions() as tx:
        assert len((await tx.scalars(select(Staff))).all()) == 1


async def test_a_reset_replaces_the_password_lifts_a_lock_and_ends_sessions(sessions):
    async with sessions() as tx, tx.begin():
        admin, amal = await _staff(tx, "root", "admin"), await _staff(tx, "amal", sessions=1)
        amal.failed_logins, amal.locked_until = 3, T0 + timedelta(minutes=10)
    async with sessions() as tx, tx.begin():
        staff, ended = await staff_accounts.reset_password(tx, amal.id, "scrypt$new", admin.id)
    assert (staff.password_hash, staff.failed_logins, staff.locked_until, ended) == ("scrypt$new", 0, None, 1)


async def test_changing_ones_own_password_keeps_only_this_session(sessions):
    async with sessions() as tx, tx.begin():
        amal = await _staff(tx, "amal", sessions=3)
    here = (await _sessions_of(sessions, amal.id))[0]
    async with sessions() as tx, tx.begin():
        ended = await staff_accounts.change_own_password(tx, amal.id, "scrypt$mine", here.id)
    assert ended == 2 and [s.id for s in await _sessions_of(sessions, amal.id)] == [here.id]


async def test_sign_ins_are_the_accounts_own_latest_first(sessions):
    async with sessions() as tx, tx.begin():
        amal, huda = await _staff(tx, "amal"), await _staff(tx, "huda")
        for n, (who, action) in enumerate([(amal, "login"), (huda, "login"), (amal, "login_failed"),
                                           (amal, "view"), (amal, "login")]):
            tx.add(AuditLog(at=T0 + timedelta(minutes=n), staff_id=who.id, action=action, subject=f"staff:{who.id}"))
    async with sessions() as tx:
        rows = await staff_accounts.sign_ins(tx, amal.id)
    assert [(r.action, r.at) for r in rows] == [
        ("login", T0 + timedelta(minutes=4)), ("login_failed", T0 + timedelta(minutes=2)), ("login", T0)
    ]


async def test_a_sign_in_starts_a_session_clearing_expired_ones_and_a_sign_out_ends_it(sessions):
    async with sessions() as tx, tx.begin():
        noura = await _staff(tx, "noura", sessions=1)  # expires at T0 + 12 h
        other = await _staff(tx, "sami", sessions=1)
    later = T0 + timedelta(hours=13)
    async with sessions() as tx, tx.begin():
        assert (await staff_accounts.by_username(tx, "noura")).id == noura.id
        assert await staff_accounts.by_username(tx, "nobody") is None
        until = later + timedelta(hours=8)
        new = await staff_accounts.start_session(tx, noura.id, "h-new", "csrf", later, until)
        await tx.flush()
        new_id = new.id
    assert [s.token_hash for s in await _sessions_of(sessions, noura.id)] == ["h-new"]
    assert len(await _sessions_of(sessions, other.id)) == 1  # another account's sessions are its own
    async with sessions() as tx, tx.begin():
        await staff_accounts.end_session(tx, new_id)
    assert await _sessions_of(sessions, noura.id) == []


async def test_a_session_signs_in_only_while_current_and_the_account_active(sessions):
    async with sessions() as tx, tx.begin():
        noura = await _staff(tx, "noura", sessions=1)  # token hash "noura-0", expires at T0 + 12 h
    async with sessions() as tx:
        session, staff = await staff_accounts.current_session(tx, "noura-0", T0)
        assert (session.staff_id, staff.username) == (noura.id, "noura")
        assert await staff_accounts.current_session(tx, "noura-0", T0 + timedelta(hours=12)) is None
        assert await staff_accounts.current_session(tx, "other", T0) is None
    async with sessions() as tx, tx.begin():
        (await tx.get(Staff, noura.id)).active = False
    async with sessions() as tx:
        assert await staff_accounts.current_session(tx, "noura-0", T0) is None


async def test_names_by_id_are_the_display_names_or_else_the_usernames(sessions):
    async with sessions() as tx, tx.begin():
        noura = await _staff(tx, "noura")
        plain = await staff_accounts.add(tx, "amal", "", "viewer", "scrypt$hash", T0)
        await _staff(tx, "other")
    async with sessions() as tx:
        assert await staff_accounts.names(tx, {noura.id, plain.id, None}) == {noura.id: "Name", plain.id: "amal"}
        assert await staff_accounts.names(tx, {None}) == {}
