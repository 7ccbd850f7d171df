"""Queries for accounts, sessions and login attempts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, join, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from telehealth import db
from telehealth.db import UTCDateTime
from telehealth.models import AuthSession, Facility, LoginAttempt, User


async def get_user_by_username(session: AsyncSession, username: str) -> User | None:
    result = await session.execute(select(User).where(User.username == username.lower()))
    return result.scalar_one_or_none()


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


@dataclass(frozen=True, slots=True)
class LiveSession:
    """What a request needs of the presented session: three of its columns, the province of
    the user's facility, and the user's columns as plain values (`user_entity` makes the
    user an entity of the session when a route needs one)."""

    id: uuid.UUID
    kind: str
    csrf_token: str | None
    user: Mapping[Any, Any]
    facility_province_code: str | None


# Built once: this runs on every authenticated request. Plain columns only: the ORM's
# loading of the user as an entity cost more than the query itself, and most requests
# never use the entity.
_USER: Table = User.__table__  # type: ignore[attr-defined]
_USER_COLUMNS = tuple(c.name for c in _USER.c)
_LIVE_SESSION = (
    select(
        *_USER.c,
        AuthSession.id.label("session_id"),  # type: ignore[attr-defined]
        AuthSession.kind.label("session_kind"),  # type: ignore[attr-defined]
        AuthSession.csrf_token.label("session_csrf_token"),  # type: ignore[union-attr]
        Facility.province_code.label("facility_province_code"),  # type: ignore[attr-defined]
    )
    .select_from(
        join(AuthSession, User, User.id == AuthSession.user_id).outerjoin(
            Facility, Facility.id == User.facility_id
        )
    )
    .where(
        AuthSession.token_hash == bindparam("token_hash"),
        AuthSession.revoked_at.is_(None),  # type: ignore[union-attr]
        AuthSession.expires_at > bindparam("now", type_=UTCDateTime()),
        User.is_active.is_(True),  # type: ignore[attr-defined]
    )
)
# On PostgreSQL the same lookup runs at driver level (telehealth.db.fetch): it is the first
# statement of every authenticated request, and SQLAlchemy's execution path costs about
# three times the query itself (measured).
_LIVE_SESSION_PG = db.DriverStatement.of(_LIVE_SESSION)
_user_manager = sa_inspect(User).class_manager


def user_entity(session: AsyncSession, columns: Mapping[Any, Any]) -> User:
    """The user of `columns` as an entity of the session, as if the ORM had loaded it."""
    key = identity_key(User, columns["id"])
    known = session.sync_session.identity_map.get(key)
    if known is not None:
        return known  # type: ignore[no-any-return]
    user: User = _user_manager.new_instance()  # what the ORM's loader does: no __init__
    user.__dict__.update((name, columns[name]) for name in _USER_COLUMNS)
    make_transient_to_detached(user)  # its identity, nothing pending
    session.sync_session.add(user)
    return user


async def get_live_session(
    session: AsyncSession, hashed: str, now: datetime
) -> LiveSession | None:
    params = {"token_hash": hashed, "now": now}
    found: Mapping[Any, Any] | None
    if db.is_postgresql(session):
        rows = await db.fetch(session, _LIVE_SESSION_PG, params)
        found = rows[0] if rows else None
    else:
        found = (await session.execute(_LIVE_SESSION, params)).mappings().first()
    if found is None:
        return None
    return LiveSession(
        found["session_id"],
        found["session_kind"],
        found["session_csrf_token"],
        found,
        found["facility_province_code"],
    )


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
