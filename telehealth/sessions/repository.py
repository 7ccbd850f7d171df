"""Queries of live sessions: the room record, participation, chat lines and quality rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.models import (
    LiveSession,
    SessionChatMessage,
    SessionParticipation,
    SessionQualityRecord,
)


async def get_live_session(session: AsyncSession, room: str) -> LiveSession | None:
    result = await session.execute(select(LiveSession).where(col(LiveSession.room) == room))
    return result.scalar_one_or_none()


async def ensure_live_session(
    session: AsyncSession, room: str, kind: str, resource_id: uuid.UUID, now: datetime
) -> LiveSession:
    """The room's record, created by whoever gets there first.

    Two first joins may race (PostgreSQL): the loser's INSERT fails on the unique room
    inside a savepoint, and it reads the winner's row instead.
    """
    existing = await get_live_session(session, room)
    if existing is not None:
        return existing
    row = LiveSession(room=room, kind=kind, resource_id=resource_id, started_at=now)
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        winner = await get_live_session(session, room)
        assert winner is not None
        return winner
    return row


async def get_participation(
    session: AsyncSession, room: str, user_id: uuid.UUID
) -> SessionParticipation | None:
    result = await session.execute(
        select(SessionParticipation).where(
            col(SessionParticipation.room) == room, col(SessionParticipation.user_id) == user_id
        )
    )
    return result.scalar_one_or_none()


async def list_chat(session: AsyncSession, room: str, limit: int) -> Sequence[SessionChatMessage]:
    """The last `limit` lines of a room, oldest first."""
    result = await session.execute(
        select(SessionChatMessage)
        .where(col(SessionChatMessage.room) == room)
        .order_by(col(SessionChatMessage.sent_at).desc(), col(SessionChatMessage.id).desc())
        .limit(limit)
    )
    return list(reversed(result.scalars().all()))


async def list_quality(session: AsyncSession, room: str) -> Sequence[SessionQualityRecord]:
    result = await session.execute(
        select(SessionQualityRecord)
        .where(col(SessionQualityRecord.room) == room)
        .order_by(col(SessionQualityRecord.recorded_at), col(SessionQualityRecord.id))
    )
    return result.scalars().all()
