"""Queries for accounts, sessions and login attempts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class LiveSession:
    """What a request needs of the presented session: the user (an entity, so later reads
    of the same user in the request come from the identity map) and three plain columns."""

    id: uuid.UUID
    kind: str
    csrf_token: str | None
    user: User
    facility_province_code: str | None


# Built once: this runs on every authenticated request. Only the user is loaded as an
# entity; the session and facility columns come as plain values (less ORM work per request).
_LIVE_SESSION = (
    select(
        User,
        AuthSession.id,
        AuthSession.kind,
        AuthSession.csrf_token,
        Facility.province_code,
    )
    .select_from(AuthSession)
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
) -> LiveSession | None:
    row = (await session.execute(_LIVE_SESSION, {"token_hash": hashed, "now": now})).first()
    if row is None:
        return None
    user, session_id, kind, csrf_token, province_code = row
    return LiveSession(session_id, kind, csrf_token, user, province_code)


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
