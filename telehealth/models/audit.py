"""Audit events: who did what to which record, when, from where and why."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from telehealth.models.base import enum_str, id_field, utc


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: uuid.UUID = id_field()
    occurred_at: datetime = utc(index=True)
    actor_user_id: uuid.UUID | None = Field(default=None, index=True)
    actor_role: str | None = Field(default=None, max_length=24)
    actor_facility_id: uuid.UUID | None = Field(default=None, index=True)
    action: str = Field(max_length=64, index=True)  # e.g. "appointment.create"
    resource_type: str | None = Field(default=None, max_length=40)
    resource_id: str | None = Field(default=None, max_length=64)
    patient_id: uuid.UUID | None = Field(default=None, index=True)
    outcome: str = enum_str("success", length=10)  # success | failure | denied
    client_ip: str | None = Field(default=None, max_length=64)
    request_id: str | None = Field(default=None, max_length=64)
    purpose: str | None = Field(default=None, max_length=200)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
