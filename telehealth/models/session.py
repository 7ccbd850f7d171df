"""Live sessions (phiên khám trực tuyến): the room's record, who joined, chat and raw quality data.

Rows are keyed by the room name (`appointment:<id>`, `consultation:<id>`) rather than a
foreign key, because a room belongs to one of several domains; the room's own domain
row (appointment, consultation) stays the source of truth for who may join.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from telehealth.models.base import enum_str, fk, id_field, utc


class LiveSession(SQLModel, table=True):
    """One room's lifetime: opened by the first join, closed when a host ends it."""

    __tablename__ = "live_session"

    id: uuid.UUID = id_field()
    room: str = Field(max_length=80, unique=True, index=True)
    kind: str = enum_str(length=20)
    resource_id: uuid.UUID
    started_at: datetime = utc()
    ended_at: datetime | None = utc(nullable=True)
    ended_by_user_id: uuid.UUID | None = fk("user.id", nullable=True, index=False)


class SessionParticipation(SQLModel, table=True):
    """One user's presence in one room: first and last join, and how often (reconnects)."""

    __tablename__ = "session_participation"
    __table_args__ = (UniqueConstraint("room", "user_id", name="uq_session_participation_user"),)

    id: uuid.UUID = id_field()
    room: str = Field(max_length=80, index=True)
    user_id: uuid.UUID = fk("user.id", index=False)
    role: str = enum_str(length=12)  # host | participant | guest
    display_name: str = Field(max_length=160)
    first_joined_at: datetime = utc()
    last_joined_at: datetime = utc()
    join_count: int = 1


class SessionChatMessage(SQLModel, table=True):
    """A chat line of a live session: part of the consultation record, stored before relay."""

    __tablename__ = "session_chat_message"
    __table_args__ = (Index("ix_session_chat_room_sent", "room", "sent_at"),)

    id: uuid.UUID = id_field()
    room: str = Field(max_length=80)
    user_id: uuid.UUID = fk("user.id", index=False)
    peer_id: str = Field(max_length=64)
    display_name: str = Field(max_length=160)
    text: str = Field(max_length=2000)
    sent_at: datetime = utc()


class SessionQualityRecord(SQLModel, table=True):
    """A raw `stats` sample or connection `event` as the client sent it (analysed elsewhere)."""

    __tablename__ = "session_quality_record"
    __table_args__ = (Index("ix_session_quality_room_at", "room", "recorded_at"),)

    id: uuid.UUID = id_field()
    room: str = Field(max_length=80)
    user_id: uuid.UUID = fk("user.id", index=False)
    peer_id: str = Field(max_length=64)
    kind: str = enum_str(length=8)  # sample | event
    name: str | None = Field(default=None, max_length=40)  # the event's name
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    recorded_at: datetime = utc()
