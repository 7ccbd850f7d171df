"""Queries for connection checks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from telehealth.models import ConnectionCheck


def add(session: AsyncSession, check: ConnectionCheck) -> None:
    session.add(check)


async def get_for_update(session: AsyncSession, check_id: uuid.UUID) -> ConnectionCheck | None:
    # Row lock on PostgreSQL so two results for one check apply one after the other
    # (SQLite's BEGIN IMMEDIATE already serialises writers).
    statement = select(ConnectionCheck).where(ConnectionCheck.id == check_id).with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def get(session: AsyncSession, check_id: uuid.UUID) -> ConnectionCheck | None:
    return await session.get(ConnectionCheck, check_id)


async def list_recent(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None = None,
    facility_id: uuid.UUID | None = None,
    limit: int = 50,
) -> Sequence[ConnectionCheck]:
    statement = select(ConnectionCheck)
    if user_id is not None:
        statement = statement.where(ConnectionCheck.user_id == user_id)
    if facility_id is not None:
        statement = statement.where(ConnectionCheck.facility_id == facility_id)
    statement = statement.order_by(
        col(ConnectionCheck.started_at).desc(), col(ConnectionCheck.id).desc()
    ).limit(limit)
    return (await session.execute(statement)).scalars().all()
