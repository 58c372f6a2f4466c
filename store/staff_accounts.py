"""Staff accounts as admins manage them: who may be created, role changes, disabling (which ends every session
at once), password changes and the sign-ins a staff member sees; and the sessions a sign-in starts and a
sign-out ends. The caller audits inside its transaction."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import AuditLog, Staff, StaffSession

ROLES = ("admin", "researcher", "coordinator", "viewer")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")
MAX_NAME = 120
SIGN_IN_ACTIONS = ("login", "login_failed")


class AccountRefused(ValueError):
    """A change the rules refuse; `key` names the console text that says why."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def temporary_password() -> str:
    """A random password shown once to the admin who hands it over (16 characters, URL-safe)."""
    return secrets.token_urlsafe(12)


def checked_username(username: str) -> str:
    """The username as stored (lower case, trimmed); AccountRefused when it breaks the rule."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountRefused("staff_error_username")
    return username


def checked_role(role: str) -> str:
    if role not in ROLES:
        raise AccountRefused("staff_error_role")
    return role


async def everyone(tx: AsyncSession) -> list[Staff]:
    """Every staff account, active first, then by username."""
    query = select(Staff).order_by(Staff.active.desc(), Staff.username)
    return list((await tx.scalars(query)).all())


async def names(tx: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    """Staff display names (or usernames) by id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = (await tx.scalars(select(Staff).where(Staff.id.in_(wanted)))).all()
    return {s.id: s.display_name or s.username for s in rows}


async def add(tx: AsyncSession, username: str, display_name: str, role: str, password_hash: str,
              now: datetime) -> Staff:
    """A new active account; AccountRefused for a bad or taken username or an unknown role."""
    username, role = checked_username(username), checked_role(role)
    if (await tx.scalars(select(Staff.id).where(Staff.username == username))).first() is not None:
        raise AccountRefused("staff_error_taken")
    staff = Staff(username=username, display_name=display_name.strip()[:MAX_NAME], role=role,
                  password_hash=password_hash, created_at=now)
    tx.add(staff)
    await tx.flush()
    return staff


async def _other(tx: AsyncSession, staff_id: int, actor_id: int) -> Staff:
    """The account an admin acts on, locked; nobody changes their own role or status (no admin locks out
    the association by mistake)."""
    staff = await tx.get(Staff, staff_id, with_for_update=True)
    if staff is None:
        raise AccountRefused("error_not_found")
    if staff.id == actor_id:
        raise AccountRefused("staff_error_self")
    return staff


async def by_username(tx: AsyncSession, username: str) -> Staff | None:
    """The account signing in with this name, active or not (None: there is none)."""
    return (await tx.scalars(select(Staff).where(Staff.username == username))).first()


async def start_session(
    tx: AsyncSession, staff_id: int, token_hash: str, csrf_token: str, now: datetime, expires_at: datetime
) -> StaffSession:
    """A new session for the account (stored by its token's hash); its expired ones are deleted."""
    expired = (StaffSession.staff_id == staff_id, StaffSession.expires_at <= now)
    await tx.execute(delete(StaffSession).where(*expired))
    session = StaffSession(token_hash=token_hash, staff_id=staff_id, csrf_token=csrf_token, created_at=now,
                           expires_at=expires_at)  # fmt: skip
    tx.add(session)
    return session


async def current_session(
    tx: AsyncSession, token_hash: str, now: datetime
) -> tuple[StaffSession, Staff] | None:
    """The session with this token's hash and its account, while it is current and the account active."""
    query = (
        select(StaffSession, Staff)
        .join(Staff, Staff.id == StaffSession.staff_id)
        .where(StaffSession.token_hash == token_hash, StaffSession.expires_at > now, Staff.active)
    )
    row = (await tx.execute(query)).first()
    return (row[0], row[1]) if row else None


async def end_session(tx: AsyncSession, session_id: int) -> None:
    """Sign-out: the session's row is deleted, its cookie signs nobody in any more."""
    await tx.execute(delete(StaffSession).where(StaffSession.id == session_id))


async def end_sessions(tx: AsyncSession, staff_id: int, keep: int | None = None) -> int:
    """Delete the account's sessions (but `keep`): their cookies sign nobody in any more. How many ended."""
    query = delete(StaffSession).where(StaffSession.staff_id == staff_id)
    if keep is not None:
        query = query.where(StaffSession.id != keep)
    return (await tx.execute(query)).rowcount or 0


async def open_sessions(tx: AsyncSession, staff_id: int, now: datetime) -> int:
    query = select(func.count()).where(StaffSession.staff_id == staff_id, StaffSession.expires_at > now)
    return int(await tx.scalar(query) or 0)


async def change_role(tx: AsyncSession, staff_id: int, role: str, actor_id: int) -> tuple[Staff, str]:
    """The account with its new role, and the role it had."""
    role = checked_role(role)
    staff = await _other(tx, staff_id, actor_id)
    before, staff.role = staff.role, role
    return staff, before


async def disable(tx: AsyncSession, staff_id: int, actor_id: int) -> tuple[Staff, int]:
    """The account can no longer sign in and every open session ends now; how many ended."""
    staff = await _other(tx, staff_id, actor_id)
    staff.active = False
    return staff, await end_sessions(tx, staff.id)


async def enable(tx: AsyncSession, staff_id: int, actor_id: int) -> Staff:
    """The account may sign in again (with its password; a lock from wrong passwords is lifted)."""
    staff = await _other(tx, staff_id, actor_id)
    staff.active, staff.failed_logins, staff.locked_until = True, 0, None
    return staff


async def reset_password(tx: AsyncSession, staff_id: int, password_hash: str, actor_id: int) -> tuple[Staff, int]:
    """A new password set by an admin: the old one and every session it opened stop working."""
    staff = await _other(tx, staff_id, actor_id)
    staff.password_hash, staff.failed_logins, staff.locked_until = password_hash, 0, None
    return staff, await end_sessions(tx, staff.id)


async def change_own_password(tx: AsyncSession, staff_id: int, password_hash: str, session_id: int) -> int:
    """A staff member's own new password: their other sessions end, this one goes on. How many ended."""
    staff = await tx.get(Staff, staff_id, with_for_update=True)
    if staff is None or not staff.active:
        raise AccountRefused("error_not_found")
    staff.password_hash = password_hash
    return await end_sessions(tx, staff_id, keep=session_id)


async def sign_ins(tx: AsyncSession, staff_id: int, limit: int = 20) -> list[AuditLog]:
    """The account's latest sign-ins and refused tries, newest first (from the audit trail)."""
    query = (
        select(AuditLog)
        .where(
            AuditLog.subject == f"staff:{staff_id}",
            or_(*(AuditLog.action == action for action in SIGN_IN_ACTIONS)),
        )
        .order_by(AuditLog.id.desc())
        .limit(limit)
    )
    return list((await tx.scalars(query)).all())
