"""Outbox messages: deliveries to other systems, written in the same transaction as their cause."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from telehealth.models.base import enum_str, id_field, utc


class OutboxStatus(StrEnum):
    pending = "pending"  # waiting for its first or next attempt (a failed one stays pending)
    delivered = "delivered"
    dead = "dead"  # dead letter: out of attempts or refused for good; `retry` revives it


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (
        # The dispatcher's one question: which pending messages are due?
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    id: uuid.UUID = id_field()
    kind: str = Field(max_length=40)  # picks the handler, e.g. "fhir.bundle"
    # Idempotency key chosen by the producer (e.g. "fhir.bundle:encounter-summary:<id>:v1"):
    # enqueueing the same key twice gives the same message.
    key: str = Field(max_length=200, unique=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: OutboxStatus = enum_str(OutboxStatus.pending, length=10)
    attempts: int = 0
    next_attempt_at: datetime = utc()
    last_attempt_at: datetime | None = utc(nullable=True)
    last_error: str | None = Field(default=None, max_length=2000)
    # A claim by one dispatcher; once `locked_until` passes (a crashed worker), it is free.
    locked_until: datetime | None = utc(nullable=True)
    locked_by: str | None = Field(default=None, max_length=80)
    created_at: datetime = utc()
    delivered_at: datetime | None = utc(nullable=True)
    # What the receiver answered (e.g. the FHIR locations), kept for write-back links.
    result: dict[str, Any] | None = Field(default=None, sa_type=JSON)
