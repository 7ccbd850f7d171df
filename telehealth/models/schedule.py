"""Weekly availability, exceptions (leave, holidays) and the bookable slots they produce."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from telehealth.models.base import enum_str, fk, id_field, utc


class SlotMode(StrEnum):
    in_person = "in_person"
    video = "video"
    both = "both"


class ScheduleRule(SQLModel, table=True):
    """Recurring weekly availability, in Vietnam local time."""

    __tablename__ = "schedule_rule"

    id: uuid.UUID = id_field()
    practitioner_id: uuid.UUID = fk("practitioner.id", ondelete="CASCADE")
    weekday: int = Field(ge=0, le=6)  # Monday = 0
    start_time: time
    end_time: time
    slot_minutes: int = Field(default=20, ge=5, le=240)
    mode: SlotMode = enum_str(length=12)
    valid_from: date
    valid_until: date | None = None
    created_at: datetime = utc()


class ScheduleException(SQLModel, table=True):
    """Time when no slots are offered: a practitioner's leave or a facility holiday."""

    __tablename__ = "schedule_exception"

    id: uuid.UUID = id_field()
    facility_id: uuid.UUID = fk("facility.id", ondelete="CASCADE")
    practitioner_id: uuid.UUID | None = fk("practitioner.id", nullable=True, ondelete="CASCADE")
    kind: str = enum_str(length=12)  # "leave" | "holiday" | "other"
    start_at: datetime = utc()
    end_at: datetime = utc()
    reason: str = Field(default="", max_length=200)
    created_at: datetime = utc()


class Slot(SQLModel, table=True):
    """A bookable time of one practitioner, materialised from the schedule rules."""

    __table_args__ = (
        UniqueConstraint("practitioner_id", "start_at"),
        Index("ix_slot_facility_start", "facility_id", "start_at"),
    )

    id: uuid.UUID = id_field()
    practitioner_id: uuid.UUID = fk("practitioner.id", ondelete="CASCADE", index=False)
    facility_id: uuid.UUID = fk("facility.id", index=False)
    start_at: datetime = utc()
    end_at: datetime = utc()
    mode: SlotMode = enum_str(length=12)
