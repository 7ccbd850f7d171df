"""Queries for accounts, sessions and login attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.db import UTCDateTime
from telehealth.models import AuthSession, Facility, LoginAttempt, User


async def get_user_by_username(session: AsyncSession, username: str) -> User | None:
    result = await session.execute(select(User).where(User.username == username.lower()))
    return result.scalar_one_or_none()


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


# Built once: this runs on every authenticated request.
_LIVE_SESSION = (
    select(AuthSession, User, Facility)
    .join(User, User.id == AuthSession.user_id)
    .outerjoin(Facility, Facility.id == User.facility_id)
    .where(
        AuthSession.token_hash == bindparam("token_hash"),
        AuthSession.revoked_at.is_(None),  # type: ignore[union-attr]
        AuthSession.expires_at > bindparam("now", type_=UTCDateTime()),
        User.is_active.is_(True),  # type: ignore[attr-defined]
    )
)


async def get_live_session(
    session: AsyncSession, hashed: str, now: datetime
) -> tuple[AuthSession, User, Facility | None] | None:
    row = (await session.execute(_LIVE_SESSION, {"token_hash": hashed, "now": now})).first()
    if row is None:
        return None
    return row[0], row[1], row[2]


async def revoke_session(session: AsyncSession, session_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(AuthSession).where(AuthSession.id == session_id).values(revoked_at=now)
    )


async def count_failures_since(
    session: AsyncSession, *, since: datetime, username: str | None = None, ip: str | None = None
) -> int:
    stmt = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)  # type: ignore[attr-defined]
    )
    if username is not None:
        stmt = stmt.where(LoginAttempt.username == username)
    if ip is not None:
        stmt = stmt.where(LoginAttempt.client_ip == ip)
    return int((await session.execute(stmt)).scalar_one())


async def last_success_at(session: AsyncSession, username: str) -> datetime | None:
    stmt = select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)  # type: ignore[attr-defined]
    )
    return (await session.execute(stmt)).scalar_one_or_none()
