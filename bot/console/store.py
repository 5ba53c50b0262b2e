"""All SQL of the console's own tables: staff accounts, sessions and the audit log.

Synchronous functions (call them through ``asyncio.to_thread`` from the web handlers) that take
the engine and keyword-only arguments and do one unit of work each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.console.tables import ROLES, audit, sessions, staff


class StaffError(ValueError):
    """An account change that cannot be made (duplicate username, unknown role, ...)."""


@dataclass(frozen=True)
class Staff:
    """A staff account as the console uses it (never with its password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    desk_id: int | None
    active: bool
    failed_signins: int
    locked_until: datetime | None
    last_signin_at: datetime | None
    language: str | None = None


@dataclass(frozen=True)
class Credentials:
    """What a sign-in checks: the account and its password hash."""

    staff: Staff
    password_hash: str


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: datetime
    staff_id: int | None
    username: str | None
    action: str
    target: str | None
    detail: str | None
    client: str | None = None


def _staff(row: Any) -> Staff:
    return Staff(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        desk_id=row.desk_id,
        active=bool(row.active),
        failed_signins=int(row.failed_signins or 0),
        locked_until=row.locked_until,
        last_signin_at=row.last_signin_at,
        language=row.language,
    )


def create_staff(
    engine: Engine, *, username: str, display_name: str, password_hash: str, role: str, desk_id: int | None, now: datetime
) -> Staff:
    """Create an account; StaffError when the username is taken or the role unknown."""
    if role not in ROLES:
        raise StaffError(f"unknown role {role!r}")
    try:
        with engine.begin() as connection:
            new_id = connection.execute(
                staff.insert().values(
                    username=username,
                    display_name=display_name,
                    password_hash=password_hash,
                    role=role,
                    desk_id=desk_id,
                    active=True,
                    failed_signins=0,
                    created_at=now,
                )
            ).inserted_primary_key[0]
    except sa.exc.IntegrityError as err:
        raise StaffError("that username is taken") from err
    found = get_staff(engine, staff_id=int(new_id))
    assert found is not None
    return found


def get_staff(engine: Engine, *, staff_id: int) -> Staff | None:
    """One account by id."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(staff).where(staff.c.id == staff_id)).first()
    return _staff(row) if row is not None else None


def credentials(engine: Engine, *, username: str) -> Credentials | None:
    """The account and password hash for a username (None when unknown)."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(staff).where(staff.c.username == username)).first()
    return Credentials(_staff(row), row.password_hash) if row is not None else None


def list_staff(engine: Engine) -> list[Staff]:
    """Every account, by username."""
    with engine.connect() as connection:
        return [_staff(row) for row in connection.execute(sa.select(staff).order_by(staff.c.username))]


def count_staff(engine: Engine) -> int:
    """How many accounts exist."""
    with engine.connect() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(staff)) or 0)


def update_staff(
    engine: Engine,
    *,
    staff_id: int,
    role: str | None = None,
    desk_id: int | None = None,
    clear_desk: bool = False,
    active: bool | None = None,
    password_hash: str | None = None,
) -> None:
    """Change an account's role, desk, active flag or password (a new password also unlocks it).

    Deactivating an account or changing its password ends its sessions.
    """
    values: dict[str, Any] = {}
    if role is not None:
        if role not in ROLES:
            raise StaffError(f"unknown role {role!r}")
        values["role"] = role
    if desk_id is not None or clear_desk:
        values["desk_id"] = desk_id
    if active is not None:
        values["active"] = active
    if password_hash is not None:
        values.update(password_hash=password_hash, failed_signins=0, locked_until=None)
    if not values:
        return
    with engine.begin() as connection:
        connection.execute(staff.update().where(staff.c.id == staff_id).values(**values))
        if active is False or password_hash is not None:
            connection.execute(sessions.delete().where(sessions.c.staff_id == staff_id))


def set_language(engine: Engine, *, staff_id: int, language: str) -> None:
    """The console language an account chose."""
    with engine.begin() as connection:
        connection.execute(staff.update().where(staff.c.id == staff_id).values(language=language))


def record_signin(engine: Engine, *, staff_id: int, token_hash: str, now: datetime) -> None:
    """Reset the failure counter and open a session (its token's hash only)."""
    with engine.begin() as connection:
        connection.execute(
            staff.update().where(staff.c.id == staff_id).values(failed_signins=0, locked_until=None, last_signin_at=now)
        )
        connection.execute(sessions.insert().values(token_hash=token_hash, staff_id=staff_id, created_at=now, last_seen_at=now))


def session_staff(engine: Engine, *, token_hash: str) -> tuple[Staff, datetime, datetime] | None:
    """The active account of a session, when the session began and when it was last used (None when unknown)."""
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(staff, sessions.c.created_at.label("session_created"), sessions.c.last_seen_at.label("session_last_seen"))
            .select_from(sessions.join(staff, sessions.c.staff_id == staff.c.id))
            .where(sessions.c.token_hash == token_hash, staff.c.active.is_(True))
        ).first()
    return (_staff(row), row.session_created, row.session_last_seen) if row is not None else None


def touch_session(engine: Engine, *, token_hash: str, now: datetime) -> None:
    """Record activity on a session (the idle timeout counts from here)."""
    with engine.begin() as connection:
        connection.execute(sessions.update().where(sessions.c.token_hash == token_hash).values(last_seen_at=now))


def end_session(engine: Engine, *, token_hash: str) -> None:
    """Delete a session (sign-out or idle timeout)."""
    with engine.begin() as connection:
        connection.execute(sessions.delete().where(sessions.c.token_hash == token_hash))


def purge_idle_sessions(engine: Engine, *, idle_before: datetime) -> int:
    """Delete every session idle since before a time; return how many."""
    with engine.begin() as connection:
        return int(connection.execute(sessions.delete().where(sessions.c.last_seen_at < idle_before)).rowcount or 0)


def log(
    engine: Engine,
    *,
    action: str,
    now: datetime,
    staff_id: int | None = None,
    username: str | None = None,
    target: str | None = None,
    detail: str | None = None,
    client: str | None = None,
) -> None:
    """Append one audit entry (never message text, phone numbers or conversation ids; the staff client's address)."""
    with engine.begin() as connection:
        connection.execute(
            audit.insert().values(
                at=now,
                staff_id=staff_id,
                username=(username or None) and username[:64],
                action=action[:40],
                target=target[:80] if target else None,
                detail=detail[:200] if detail else None,
                client=client[:64] if client else None,
            )
        )


def purge_audit_before(engine: Engine, *, cutoff: datetime) -> int:
    """Delete audit entries older than ``cutoff`` (audit-log retention); return how many."""
    with engine.begin() as connection:
        return int(connection.execute(sa.delete(audit).where(audit.c.at < cutoff)).rowcount or 0)


def audit_entries(
    engine: Engine, *, limit: int = 200, action: str | None = None, staff_id: int | None = None
) -> list[AuditEntry]:
    """The newest audit entries, optionally of one action or one account."""
    query = sa.select(audit).order_by(audit.c.id.desc()).limit(limit)
    if action:
        query = query.where(audit.c.action == action)
    if staff_id is not None:
        query = query.where(audit.c.staff_id == staff_id)
    with engine.connect() as connection:
        return [
            AuditEntry(row.id, row.at, row.staff_id, row.username, row.action, row.target, row.detail, row.client)
            for row in connection.execute(query)
        ]
