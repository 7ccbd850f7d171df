"""Appointments (lịch hẹn): a patient holding a slot, in person or by video."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from telehealth.models.base import enum_str, fk, id_field, utc


class VisitMode(StrEnum):
    in_person = "in_person"
    video = "video"


class AppointmentStatus(StrEnum):
    booked = "booked"
    cancelled = "cancelled"
    completed = "completed"
    no_show = "no_show"


class Appointment(SQLModel, table=True):
    __table_args__ = (
        # The database, not Python, guarantees a slot is held by at most one live
        # appointment: the losing INSERT of a race fails on this index (answered with 409).
        Index(
            "uq_appointment_live_slot",
            "slot_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        Index("ix_appointment_practitioner_start", "practitioner_id", "start_at"),
    )

    id: uuid.UUID = id_field()
    # Nullable only so that a slot withdrawn from the schedule (rule changed, leave taken)
    # can be deleted while cancelled appointments keep their history; a live appointment
    # always has its slot, and the scheduler never deletes a slot a live appointment holds.
    slot_id: uuid.UUID | None = fk("slot.id", index=False, nullable=True, ondelete="SET NULL")
    patient_id: uuid.UUID = fk("patient.id")
    practitioner_id: uuid.UUID = fk("practitioner.id", index=False)
    facility_id: uuid.UUID = fk("facility.id")
    specialty_id: uuid.UUID | None = fk("specialty.id", nullable=True, index=False)
    mode: VisitMode = enum_str(length=12)
    status: AppointmentStatus = enum_str(AppointmentStatus.booked, length=12)
    start_at: datetime = utc()
    end_at: datetime = utc()
    reason: str = Field(default="", max_length=500)
    booked_by_user_id: uuid.UUID = fk("user.id", index=False)
    created_at: datetime = utc()
    cancelled_at: datetime | None = utc(nullable=True)
    cancelled_by_user_id: uuid.UUID | None = fk("user.id", nullable=True, index=False)
    cancel_reason: str | None = Field(default=None, max_length=300)
    rescheduled_from_id: uuid.UUID | None = fk("appointment.id", nullable=True, index=False)
    reminder_sent_at: datetime | None = utc(nullable=True)
