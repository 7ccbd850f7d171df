"""Remote consultation requests between facilities (hội chẩn / tư vấn từ xa), their timeline,
questions with the consultants' conclusions, and the colleagues invited to a case conference."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from telehealth.models.base import enum_str, fk, id_field, utc


class ConsultationActivity(StrEnum):
    """The remote activities of Circular 49/2017/TT-BYT (Điều 2)."""

    remote_advice = "remote_advice"  # tư vấn khám bệnh, chữa bệnh từ xa
    remote_consultation = "remote_consultation"  # hội chẩn khám bệnh, chữa bệnh từ xa
    remote_imaging = "remote_imaging"  # hội chẩn chẩn đoán hình ảnh từ xa
    remote_pathology = "remote_pathology"  # hội chẩn giải phẫu bệnh từ xa
    remote_surgery = "remote_surgery"  # hội chẩn phẫu thuật từ xa
    remote_training = "remote_training"  # đào tạo, chuyển giao kỹ thuật từ xa


class ConsultationUrgency(StrEnum):
    routine = "routine"  # thường quy
    urgent = "urgent"  # khẩn
    emergency = "emergency"  # cấp cứu

    @property
    def priority(self) -> int:
        """Lower is served first in the specialists' queue."""
        return {"emergency": 0, "urgent": 1, "routine": 2}[self.value]


class ConsultationStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    accepted = "accepted"
    scheduled = "scheduled"
    declined = "declined"
    forwarded = "forwarded"
    in_session = "in_session"
    concluded = "concluded"
    closed = "closed"
    cancelled = "cancelled"
    expired = "expired"


class ConsultationRequest(SQLModel, table=True):
    """One request from a lower-level facility to an upper-level one, about one patient."""

    __tablename__ = "consultation_request"
    __table_args__ = (
        # The specialists' queue: a facility's open requests by status.
        Index("ix_consultation_queue", "consulting_facility_id", "status", "due_at"),
        Index("ix_consultation_requesting", "requesting_facility_id", "created_at"),
    )

    id: uuid.UUID = id_field()
    patient_id: uuid.UUID = fk("patient.id")
    requesting_facility_id: uuid.UUID = fk("facility.id", index=False)
    requested_by_user_id: uuid.UUID = fk("user.id", index=False)
    # Changes when the request is forwarded: the facility whose queue holds it now.
    consulting_facility_id: uuid.UUID = fk("facility.id", index=False)
    specialty_id: uuid.UUID = fk("specialty.id", index=False)
    activity: ConsultationActivity = enum_str(length=24)
    urgency: ConsultationUrgency = enum_str(length=12)
    status: ConsultationStatus = enum_str(ConsultationStatus.draft, length=12, index=True)

    reason: str = Field(max_length=2000)  # lý do hội chẩn
    history: str = Field(default="", max_length=8000)  # tóm tắt bệnh sử
    # Structured vital signs (see consultations.schemas.Vitals): units are fixed per key.
    vitals: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # Provisional diagnosis (chẩn đoán sơ bộ): canonical ICD-10 codes, checked on input.
    diagnosis_codes: list[str] = Field(default_factory=list, sa_type=JSON)

    created_at: datetime = utc()
    updated_at: datetime = utc()
    submitted_at: datetime | None = utc(nullable=True)
    # When the request entered the current facility's queue (submission or forward), and
    # the SLA deadline for accepting it there. Both reset on forward.
    queued_at: datetime | None = utc(nullable=True)
    due_at: datetime | None = utc(nullable=True)
    # Set once per breach by the escalation job's guarded UPDATE; cleared on forward.
    escalated_at: datetime | None = utc(nullable=True)
    accepted_at: datetime | None = utc(nullable=True)
    accepted_by_user_id: uuid.UUID | None = fk("user.id", nullable=True, index=False)
    scheduled_for: datetime | None = utc(nullable=True)
    session_started_at: datetime | None = utc(nullable=True)

    # Conclusion (kết luận hội chẩn): per-question answers live on ConsultationQuestion.
    conclusion_summary: str | None = Field(default=None, max_length=8000)
    recommendations: str | None = Field(default=None, max_length=8000)
    concluded_at: datetime | None = utc(nullable=True)
    concluded_by_user_id: uuid.UUID | None = fk("user.id", nullable=True, index=False)

    # Report back from the requesting facility: how the advice was applied, how the patient fared.
    advice_applied: str | None = Field(default=None, max_length=4000)
    patient_outcome: str | None = Field(default=None, max_length=4000)
    closed_at: datetime | None = utc(nullable=True)
    ended_at: datetime | None = utc(nullable=True)  # declined, cancelled or expired


class ConsultationQuestion(SQLModel, table=True):
    """A question the requesting clinician wants answered, and the consultant's answer."""

    __tablename__ = "consultation_question"
    __table_args__ = (UniqueConstraint("consultation_id", "position"),)

    id: uuid.UUID = id_field()
    consultation_id: uuid.UUID = fk("consultation_request.id", ondelete="CASCADE")
    position: int = Field(ge=1, le=50)
    text: str = Field(max_length=1000)
    answer: str | None = Field(default=None, max_length=4000)
    answered_by_user_id: uuid.UUID | None = fk("user.id", nullable=True, index=False)
    answered_at: datetime | None = utc(nullable=True)


class ConsultationParticipant(SQLModel, table=True):
    """A colleague invited to the case conference: they gain access to the request."""

    __tablename__ = "consultation_participant"
    __table_args__ = (UniqueConstraint("consultation_id", "practitioner_id"),)

    id: uuid.UUID = id_field()
    consultation_id: uuid.UUID = fk("consultation_request.id", ondelete="CASCADE")
    practitioner_id: uuid.UUID = fk("practitioner.id")
    invited_by_user_id: uuid.UUID = fk("user.id", index=False)
    invited_at: datetime = utc()
    note: str = Field(default="", max_length=500)


class ConsultationEvent(SQLModel, table=True):
    """The request's timeline: who did what, when, why, and the state before and after."""

    __tablename__ = "consultation_event"
    __table_args__ = (Index("ix_consultation_event_timeline", "consultation_id", "at"),)

    id: uuid.UUID = id_field()
    consultation_id: uuid.UUID = fk("consultation_request.id", ondelete="CASCADE", index=False)
    at: datetime = utc()
    action: str = enum_str(length=24)  # a state-machine action, or "invite", "attach", ...
    actor_user_id: uuid.UUID | None = fk("user.id", nullable=True, index=False)  # None: system
    from_status: ConsultationStatus | None = enum_str(None, length=12)
    to_status: ConsultationStatus | None = enum_str(None, length=12)
    reason: str | None = Field(default=None, max_length=2000)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
