"""In-app notifications (the inbox), with the state of their optional email copy."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from telehealth.models.base import enum_str, fk, id_field, utc


class Notification(SQLModel, table=True):
    id: uuid.UUID = id_field()
    user_id: uuid.UUID = fk("user.id", ondelete="CASCADE")
    kind: str = enum_str(length=40)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=2000)
    link: str | None = Field(default=None, max_length=300)
    created_at: datetime = utc(index=True)
    read_at: datetime | None = utc(nullable=True)
    # "none" (no address or no SMTP), "pending", "sent", "failed"
    email_status: str = enum_str("none", length=10)
    email_attempts: int = 0
    email_last_error: str | None = Field(default=None, max_length=500)
