"""Queries for connection checks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from telehealth.models import ConnectionCheck, User


def add(session: AsyncSession, check: ConnectionCheck) -> None:
    session.add(check)


async def get_for_update(session: AsyncSession, check_id: uuid.UUID) -> ConnectionCheck | None:
    # Row lock on PostgreSQL so two results for one check apply one after the other
    # (SQLite's BEGIN IMMEDIATE already serialises writers).
    statement = select(ConnectionCheck).where(col(ConnectionCheck.id) == check_id).with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def get(session: AsyncSession, check_id: uuid.UUID) -> ConnectionCheck | None:
    return await session.get(ConnectionCheck, check_id)


# Any SELECT over connection_check, whatever else it selects alongside.
_Statement = TypeVar("_Statement", bound=Select[*tuple[Any, ...]])


def _recent(
    statement: _Statement, user_id: uuid.UUID | None, facility_id: uuid.UUID | None, limit: int
) -> _Statement:
    if user_id is not None:
        statement = statement.where(col(ConnectionCheck.user_id) == user_id)
    if facility_id is not None:
        statement = statement.where(col(ConnectionCheck.facility_id) == facility_id)
    return statement.order_by(
        col(ConnectionCheck.started_at).desc(), col(ConnectionCheck.id).desc()
    ).limit(limit)


async def list_recent(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None = None,
    facility_id: uuid.UUID | None = None,
    limit: int = 50,
) -> Sequence[ConnectionCheck]:
    statement = _recent(select(ConnectionCheck), user_id, facility_id, limit)
    return (await session.execute(statement)).scalars().all()


async def list_recent_with_names(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None = None,
    facility_id: uuid.UUID | None = None,
    limit: int = 10,
) -> list[tuple[ConnectionCheck, str]]:
    """Checks with the full name of who ran them, for the facility's history table."""
    statement = _recent(
        select(ConnectionCheck, col(User.full_name)).join(
            User, col(User.id) == col(ConnectionCheck.user_id)
        ),
        user_id,
        facility_id,
        limit,
    )
    return [(check, name) for check, name in (await session.execute(statement)).all()]
