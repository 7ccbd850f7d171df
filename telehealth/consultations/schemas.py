"""Request and response bodies of the consultations API, with OpenAPI examples."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from telehealth.consultations.states import Action
from telehealth.models import (
    AttachmentKind,
    ConsultationActivity,
    ConsultationStatus,
    ConsultationUrgency,
    FacilityLevel,
    Sex,
)


class Vitals(BaseModel):
    """Vital signs (dấu hiệu sinh tồn). Ranges are wide enough for sick patients and for
    children, and narrow enough to catch a slip of the keyboard (a pulse of 720)."""

    model_config = ConfigDict(extra="forbid")

    bp_systolic: int | None = Field(default=None, ge=50, le=260, description="mmHg")
    bp_diastolic: int | None = Field(default=None, ge=20, le=160, description="mmHg")
    pulse: int | None = Field(default=None, ge=20, le=250, description="beats per minute")
    temperature: float | None = Field(default=None, ge=30.0, le=43.5, description="°C")
    spo2: int | None = Field(default=None, ge=50, le=100, description="%")
    respiratory_rate: int | None = Field(default=None, ge=4, le=80, description="breaths/min")
    weight_kg: float | None = Field(default=None, ge=0.3, le=350)
    height_cm: float | None = Field(default=None, ge=25, le=250)

    @model_validator(mode="after")
    def _blood_pressure_pairs(self) -> Vitals:
        if (self.bp_systolic is None) != (self.bp_diastolic is None):
            raise ValueError("blood pressure needs both systolic and diastolic values")
        if (
            self.bp_systolic is not None
            and self.bp_diastolic is not None
            and self.bp_diastolic >= self.bp_systolic
        ):
            raise ValueError("diastolic pressure must be lower than systolic")
        return self


class NewPatient(BaseModel):
    """A patient registered on the spot by station staff (they may have no account)."""

    model_config = ConfigDict(extra="forbid")

    full_name: str = Field(min_length=2, max_length=120)
    national_id: str = Field(min_length=9, max_length=20, description="CCCD, 12 digits")
    date_of_birth: date
    sex: Sex
    phone: str | None = Field(default=None, max_length=20)
    health_insurance_number: str | None = Field(default=None, max_length=20)
    address: str = Field(default="", max_length=300)


_CREATE_EXAMPLE: dict[str, Any] = {
    "new_patient": {
        "full_name": "Hoàng Văn Minh",
        "national_id": "008072001234",
        "date_of_birth": "1972-03-04",
        "sex": "male",
        "phone": "0912345678",
    },
    "consent_obtained": True,
    "activity": "remote_consultation",
    "urgency": "urgent",
    "specialty_id": "0193a1b2-0000-7000-8000-000000000001",
    "reason": "Đau ngực trái 2 giờ, điện tâm đồ nghi ST chênh lên",
    "history": "Tăng huyết áp 10 năm, điều trị không đều",
    "vitals": {"bp_systolic": 160, "bp_diastolic": 95, "pulse": 102, "spo2": 95},
    "diagnosis_codes": ["I20.0", "I10"],
    "questions": ["Có cần chuyển tuyến ngay không?", "Xử trí ban đầu tại trạm?"],
    "submit": False,
}


class ConsultationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_CREATE_EXAMPLE]})

    patient_id: uuid.UUID | None = Field(default=None, description="A patient found by CCCD")
    new_patient: NewPatient | None = Field(default=None, description="Register on the spot")
    consent_obtained: bool = Field(
        default=False,
        description="The patient agreed in person to remote care and to the processing of "
        "their data; recorded as Consent rows (method in_person) when not already on file.",
    )
    activity: ConsultationActivity
    urgency: ConsultationUrgency
    specialty_id: uuid.UUID
    consulting_facility_id: uuid.UUID | None = Field(
        default=None, description="Default: the rank-1 upper level of the referral network"
    )
    reason: str = Field(min_length=3, max_length=2000)
    history: str = Field(default="", max_length=8000)
    vitals: Vitals = Field(default_factory=Vitals)
    diagnosis_codes: list[str] = Field(default_factory=list, max_length=10)
    questions: list[str] = Field(min_length=1, max_length=20)
    submit: bool = Field(default=False, description="Submit at once instead of saving a draft")

    @field_validator("questions")
    @classmethod
    def _questions_not_blank(cls, value: list[str]) -> list[str]:
        cleaned = [q.strip() for q in value if q.strip()]
        if not cleaned:
            raise ValueError("at least one question is needed")
        if any(len(q) > 1000 for q in cleaned):
            raise ValueError("a question is at most 1000 characters")
        return cleaned

    @model_validator(mode="after")
    def _one_patient(self) -> ConsultationCreate:
        if (self.patient_id is None) == (self.new_patient is None):
            raise ValueError("give either patient_id or new_patient")
        return self


class PatientLookup(BaseModel):
    """Sent in the body, not the URL: a CCCD is personal data and URLs end up in logs."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"national_id": "008072001234"}]})
    national_id: str = Field(min_length=9, max_length=20)


class PatientMatch(BaseModel):
    id: uuid.UUID
    full_name: str
    date_of_birth: date
    sex: Sex
    has_consents: bool = Field(description="Telemedicine and data-processing consents on file")


class FacilityOption(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    level: FacilityLevel
    rank: int | None = Field(description="Referral rank from the caller's facility; 1 = default")


class ColleagueOption(BaseModel):
    practitioner_id: uuid.UUID
    full_name: str
    title: str
    facility_id: uuid.UUID
    facility_name: str


class ReasonBody(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Ngoài phạm vi chuyên môn"}]}
    )
    reason: str = Field(min_length=3, max_length=2000)


class AcceptBody(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


class ScheduleBody(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"scheduled_for": "2026-11-23T07:30:00Z", "note": "Phòng hội chẩn 2"}]
        }
    )
    scheduled_for: datetime
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("scheduled_for")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give a time zone (e.g. Z or +07:00)")
        return value


class ForwardBody(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"facility_id": "0193a1b2-0000-7000-8000-000000000009",
                          "reason": "Cần can thiệp mạch vành, chuyển tuyến trung ương"}]
        }
    )
    facility_id: uuid.UUID
    reason: str = Field(min_length=3, max_length=2000)


class InviteBody(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"practitioner_ids": ["0193a1b2-0000-7000-8000-00000000000a"],
                          "note": "Mời hội chẩn chẩn đoán hình ảnh"}]
        }
    )
    practitioner_ids: list[uuid.UUID] = Field(min_length=1, max_length=10)
    note: str = Field(default="", max_length=500)


class Answer(BaseModel):
    question_id: uuid.UUID
    answer: str = Field(min_length=1, max_length=4000)


class ConcludeBody(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "answers": [{"question_id": "0193a1b2-0000-7000-8000-0000000000b1",
                             "answer": "Chuyển tuyến ngay bằng xe cấp cứu có bác sĩ đi kèm."}],
                "summary": "Nhồi máu cơ tim cấp ST chênh lên thành dưới",
                "recommendations": "Aspirin 300 mg nhai, theo dõi monitor",
            }]
        }
    )
    answers: list[Answer] = Field(min_length=1, max_length=20)
    summary: str = Field(min_length=3, max_length=8000)
    recommendations: str = Field(default="", max_length=8000)


class CloseBody(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"advice_applied": "Đã chuyển tuyến lúc 10:15",
                                         "patient_outcome": "Đã can thiệp, ổn định"}]}
    )
    advice_applied: str = Field(min_length=3, max_length=4000)
    patient_outcome: str = Field(min_length=3, max_length=4000)


class QuestionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    position: int
    text: str
    answer: str | None
    answered_at: datetime | None


class DiagnosisPublic(BaseModel):
    code: str
    title: str


class AttachmentPublic(BaseModel):
    id: uuid.UUID
    kind: AttachmentKind
    file_name: str
    content_type: str
    size_bytes: int
    created_at: datetime
    url: str = Field(description="Authorised download; images and PDFs open inline")


class ParticipantPublic(BaseModel):
    practitioner_id: uuid.UUID
    full_name: str
    facility_name: str
    invited_at: datetime


class TimelineEntry(BaseModel):
    at: datetime
    action: str
    actor_name: str | None = Field(description="None for the system (expiry, escalation)")
    from_status: ConsultationStatus | None
    to_status: ConsultationStatus | None
    reason: str | None
    detail: dict[str, Any]


class ConsultationSummary(BaseModel):
    id: uuid.UUID
    status: ConsultationStatus
    activity: ConsultationActivity
    urgency: ConsultationUrgency
    patient_name: str
    requesting_facility_name: str
    consulting_facility_name: str
    specialty_name: str
    created_at: datetime
    queued_at: datetime | None
    due_at: datetime | None
    overdue: bool
    scheduled_for: datetime | None


class ConsultationDetail(ConsultationSummary):
    patient_id: uuid.UUID
    requesting_facility_id: uuid.UUID
    consulting_facility_id: uuid.UUID
    specialty_id: uuid.UUID
    reason: str
    history: str
    vitals: dict[str, Any]
    diagnoses: list[DiagnosisPublic]
    questions: list[QuestionPublic]
    attachments: list[AttachmentPublic]
    participants: list[ParticipantPublic]
    conclusion_summary: str | None
    recommendations: str | None
    advice_applied: str | None
    patient_outcome: str | None
    actions: list[Action] = Field(description="What the caller may do now")
    parties: list[str] = Field(description="How the caller relates to this request")
