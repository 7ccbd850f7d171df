"""Queries for the inbox, email delivery and the liveness of a streaming session."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.models import AuthSession, Notification, User

NOTIFICATION: Table = Notification.__table__  # type: ignore[attr-defined]
_INSERT = insert(NOTIFICATION)


async def write(session: AsyncSession, row: dict[str, Any]) -> None:
    """One Core INSERT of a plain row: no model object, no unit of work.

    Core statements do not autoflush: rows the caller added through the ORM (the user this
    notifies may be one) go out first."""
    if session.new or session.dirty:
        await session.flush()
    await session.execute(_INSERT, row)


async def inbox(
    session: AsyncSession, user_id: uuid.UUID, *, unread_only: bool, limit: int, offset: int
) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))  # type: ignore[union-attr]
    stmt = stmt.order_by(Notification.created_at.desc(), Notification.id.desc())  # type: ignore[attr-defined]
    return list((await session.execute(stmt.limit(limit).offset(offset))).scalars())


async def unread_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    stmt = (
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.read_at.is_(None),  # type: ignore[union-attr]
        )
    )
    return int((await session.execute(stmt)).scalar_one())


async def mark_read(
    session: AsyncSession, user_id: uuid.UUID, now: datetime, notification_id: uuid.UUID | None
) -> int:
    """Marks one (or, without an id, every) unread notification of the user; returns how many."""
    stmt = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))  # type: ignore[union-attr]
        .values(read_at=now)
    )
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return int((await session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def get_own(
    session: AsyncSession, user_id: uuid.UUID, notification_id: uuid.UUID
) -> Notification | None:
    note = await session.get(Notification, notification_id)
    return note if note is not None and note.user_id == user_id else None


async def session_is_live(session: AsyncSession, session_id: uuid.UUID, now: datetime) -> bool:
    stmt = (
        select(AuthSession.id)
        .join(User, User.id == AuthSession.user_id)
        .where(
            AuthSession.id == session_id,
            AuthSession.revoked_at.is_(None),  # type: ignore[union-attr]
            AuthSession.expires_at > now,
            User.is_active.is_(True),  # type: ignore[attr-defined]
        )
    )
    return (await session.execute(stmt)).first() is not None


async def pending_emails(session: AsyncSession, limit: int) -> list[tuple[Notification, User]]:
    stmt = (
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.email_status == "pending")
        .order_by(Notification.created_at)
        .limit(limit)
    )
    return [(n, u) for n, u in (await session.execute(stmt)).all()]


async def claim_email_attempt(
    session: AsyncSession, notification_id: uuid.UUID, attempts: int
) -> bool:
    """Counts the attempt before it is made; the attempt counter doubles as the claim token,
    so two workers never send the same attempt."""
    result = await session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.email_status == "pending",
            Notification.email_attempts == attempts,
        )
        .values(email_attempts=attempts + 1)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def record_email_outcome(
    session: AsyncSession, notification_id: uuid.UUID, status: str, error: str | None
) -> None:
    await session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(email_status=status, email_last_error=error)
    )
