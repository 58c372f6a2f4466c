"""The console's storage on SQLite and PostgreSQL (append-only audit log, staff accounts, sign-in and
lockout), its password hashing, its catalogs and the create-staff command."""

from __future__ import annotations

import argparse
import io
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from bot.settings import Settings
from conversations.catalog import placeholders
from handlers.admin import passwords
from handlers.admin import staff as staff_cli
from handlers.admin.audit import audit
from handlers.admin.auth import sign_in
from handlers.admin.guard import token_hash
from handlers.admin.pages import TEXTS
from handlers.admin.staff import create_staff
from store.models import AuditLog, Staff, StaffSession
from tests.conftest import FIXTURES
from tests.test_console_support import FAST

PASSWORD = "correct horse battery"


async def test_the_audit_log_refuses_update_and_delete(sessions, clock):
    async with sessions() as tx, tx.begin():
        audit(tx, None, "view", "request:R-7K3P9Q", clock.now)
    for statement in (update(AuditLog).values(action="nothing"), delete(AuditLog)):
        with pytest.raises(DBAPIError, match="append-only"):
            async with sessions() as tx, tx.begin():
                await tx.execute(statement)
    with pytest.raises(DBAPIError, match="append-only"):
        async with sessions() as tx, tx.begin():
            await tx.execute(text("DELETE FROM auditlog"))
    async with sessions() as tx:
        rows = (await tx.scalars(select(AuditLog))).all()
    assert [(r.action, r.subject) for r in rows] == [("view", "request:R-7K3P9Q")]


async def test_create_staff_hashes_the_password_with_scrypt_and_audits(sessions):
    staff = await create_staff(sessions, "  Amal ", PASSWORD, "admin", "أمل")
    assert (staff.username, staff.role, staff.display_name) == ("amal", "admin", "أمل")
    assert staff.password_hash.startswith("scrypt$32768$8$3$") and PASSWORD not in staff.password_hash
    assert passwords.verify_password(PASSWORD, staff.password_hash)
    async with sessions() as tx:
        created = (await tx.scalars(select(AuditLog))).one()
    assert (created.action, created.subject, created.detail) == (
        "staff_created",
        f"staff:{staff.id}",
        {"role": "admin"},
    )


@pytest.mark.parametrize(
    "username, password, role, message",
    [
        ("amal", "short", "admin", "at least 10"),
        ("amal", PASSWORD, "superuser", "role must be"),
        ("a b", PASSWORD, "viewer", "username"),
    ],
)
async def test_create_staff_refuses_bad_input(sessions, monkeypatch, username, password, role, message):
    monkeypatch.setattr(passwords, "COST", FAST)
    with pytest.raises(ValueError, match=message):
        await create_staff(sessions, username, password, role, "")


async def test_a_username_is_taken_once(sessions, monkeypatch):
    monkeypatch.setattr(passwords, "COST", FAST)
    await create_staff(sessions, "amal", PASSWORD, "admin", "")
    with pytest.raises(ValueError, match="taken"):
        await create_staff(sessions, "AMAL", PASSWORD, "viewer", "")


def test_password_hashes_are_salted_and_a_malformed_hash_never_matches(monkeypatch):
    monkeypatch.setattr(passwords, "COST", FAST)
    first, second = passwords.hash_password(PASSWORD), passwords.hash_password(PASSWORD)
    assert first != second and first.startswith("scrypt$1024$8$1$")
    assert passwords.verify_password(PASSWORD, first) and not passwords.verify_password(PASSWORD + "!", first)
    for broken in ("", "plain", "bcrypt$1$2$3$AA==$AA==", "scrypt$x$8$1$AA==$AA==", "scrypt$1024$8$1$AA==$"):
        assert not passwords.verify_password(PASSWORD, broken)


async def test_sign_in_counts_failures_and_never_locks_the_account_on_both_databases(
    engine, sessions, clock, monkeypatch
):
    monkeypatch.setattr(passwords, "COST", FAST)
    staff = await create_staff(sessions, "amal", PASSWORD, "researcher", "")
    for _ in range(6):
        assert await sign_in(engine, "amal", "wrong password", 12) is None
    async with sessions() as tx:
        assert (await tx.get(Staff, staff.id)).failed_logins == 6
    token = await sign_in(engine, "amal", PASSWORD, 12)  # who may try is the throttle's call, not the account's
    async with sessions() as tx:
        session = (await tx.scalars(select(StaffSession))).one()
        fresh = await tx.get(Staff, staff.id)
        actions = (await tx.scalars(select(AuditLog.action).order_by(AuditLog.id))).all()
    assert session.token_hash == token_hash(token) and session.expires_at == clock.now + timedelta(hours=12)
    assert (fresh.failed_logins, fresh.locked_until) == (0, None)
    assert actions == ["staff_created"] + ["login_failed"] * 6 + ["login"]


def test_the_staff_catalogs_have_the_same_keys_and_placeholders():
    ar, en = TEXTS.languages()["ar"], TEXTS.languages()["en"]
    assert sorted(ar) == sorted(en), f"only in ar: {set(ar) - set(en)}; only in en: {set(en) - set(ar)}"
    assert {
        k: (placeholders(ar[k]), placeholders(en[k]))
        for k in ar
        if placeholders(ar[k]) != placeholders(en[k])
    } == {}
    forms = [(k, f) for lang in (ar, en) for k, v in lang.items() for f in (v.values() if isinstance(v, dict) else [v])]
    assert [k for k, form in forms if not form.strip()] == []


def cli_settings(tmp_path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
        profile=str(FIXTURES / "profile.toml"),
    )


def cli_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    staff_cli.add_create_staff_arguments(parser)
    return parser.parse_args(list(argv))


def test_create_staff_command_reads_the_password_from_stdin(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(passwords, "COST", FAST)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    staff_cli.create_staff_command(
        cli_settings(tmp_path), cli_args("root", "--role", "admin", "--password-stdin")
    )
    assert capsys.readouterr().out == "staff member created: root (admin)\n"


def test_create_staff_command_prompts_twice_and_refuses_short_or_differing_passwords(tmp_path, monkeypatch):
    monkeypatch.setattr(passwords, "COST", FAST)
    typed = iter(["short", "short", PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr(staff_cli.getpass, "getpass", lambda prompt: next(typed))
    args = cli_args("root", "--role", "admin", "--display-name", "المدير")
    with pytest.raises(SystemExit, match="at least 10 characters"):
        staff_cli.create_staff_command(cli_settings(tmp_path), args)
    with pytest.raises(SystemExit, match="differ"):
        staff_cli.create_staff_command(cli_settings(tmp_path), args)
    assert not (tmp_path / "cli.sqlite3").exists()  # nothing was created


def test_create_staff_command_refuses_a_taken_username(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(passwords, "COST", FAST)
    args = cli_args("root", "--role", "admin", "--password-stdin")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    staff_cli.create_staff_command(cli_settings(tmp_path), args)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    with pytest.raises(SystemExit, match="error: the username root is taken"):
        staff_cli.create_staff_command(cli_settings(tmp_path), args)
