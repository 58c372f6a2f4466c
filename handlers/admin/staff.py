"""Console users: `create_staff` for code and tests, `python -m bot create-staff` for operators."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from handlers.admin.audit import audit
from handlers.admin.passwords import MIN_LENGTH, hash_password
from store.db import make_engine, make_sessions
from store.models import Staff, utcnow
from store.staff_accounts import ROLES, USERNAME


async def create_staff(
    sessions: async_sessionmaker[AsyncSession], username: str, password: str, role: str, display_name: str
) -> Staff:
    """A new staff member with a hashed password; ValueError for a bad role, username or password, or a taken
    username."""
    username = username.strip().lower()
    if role not in ROLES:
        raise ValueError(f"role must be one of: {', '.join(ROLES)}")
    if not USERNAME.match(username):
        raise ValueError("username: 3-60 lower-case letters, digits, '.', '_' or '-'")
    if len(password) < MIN_LENGTH:
        raise ValueError(f"the password must be at least {MIN_LENGTH} characters")
    staff = Staff(
        username=username,
        display_name=display_name.strip()[:120],
        role=role,
        password_hash=await asyncio.to_thread(hash_password, password),
    )
    try:
        async with sessions() as tx, tx.begin():
            tx.add(staff)
            await tx.flush()
            audit(tx, None, "staff_created", f"staff:{staff.id}", utcnow(), role=role)
    except IntegrityError:
        raise ValueError(f"the username {username} is taken") from None
    return staff


def add_create_staff_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `create-staff`."""
    parser.add_argument("username", help="the sign-in name (lower-case letters, digits, . _ -)")
    parser.add_argument("--role", required=True, choices=ROLES, help="admin for the first one")
    parser.add_argument("--display-name", default="", help="the name shown in the console")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")


def _password(from_stdin: bool) -> str:
    """The password from stdin's first line, or typed twice at a prompt that does not echo it."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise SystemExit("error: the two passwords differ")
    return first


async def _create(settings: Settings, args: argparse.Namespace, password: str) -> Staff:
    db = make_engine(settings.database_url)
    try:
        return await create_staff(make_sessions(db), args.username, password, args.role, args.display_name)
    finally:
        await db.dispose()


def create_staff_command(settings: Settings, args: argparse.Namespace) -> None:
    """`python -m bot create-staff USERNAME --role ROLE [--display-name NAME] [--password-stdin]`."""
    from store.migrate import upgrade

    password = _password(args.password_stdin)
    if len(password) < MIN_LENGTH:
        raise SystemExit(f"error: the password must be at least {MIN_LENGTH} characters")
    upgrade(settings.database_url)
    try:
        staff = asyncio.run(_create(settings, args, password))
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    print(f"staff member created: {staff.username} ({staff.role})")
